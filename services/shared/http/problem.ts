import type { ErrorRequestHandler, RequestHandler } from "express";
import { DomainError } from "../domain/errors.js";
import { DependencyError, InvocationError } from "../errors.js";
import { type ProblemKind, domainProblem, kindOfStatus, problemTypes } from "./problem-types.js";
import type { Logger } from "../log.js";
import { errorFields } from "../log.js";

/** An error that knows its HTTP meaning; rendered as RFC 9457 `application/problem+json`. */
export class HttpProblem extends Error {
  override name = "HttpProblem";
  /** The problem's `type` URI (problem-types.ts); from the status when not given. */
  readonly type: string;
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    type?: string,
  ) {
    super(detail);
    this.type = type ?? problemTypes[kindOfStatus(status)].type;
  }
}

/** A problem of one of the documented kinds. */
export function problem(
  kind: ProblemKind,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpProblem {
  const t = problemTypes[kind];
  return new HttpProblem(t.status, t.title, detail, extensions, headers, t.type);
}

export const badRequest = (detail: string, ext?: Record<string, unknown>) => problem("validation", detail, ext);
export const notFound = (detail: string) => problem("not-found", detail);
export const conflict = (detail: string, extensions: Record<string, unknown> = {}) => problem("conflict", detail, extensions);
export const unavailable = (detail: string, retryAfterSeconds = 5) =>
  problem("unavailable", detail, {}, { "Retry-After": String(retryAfterSeconds) });

/** A decision's refusal as the problem its kind is documented as; `retryAfterSeconds` becomes the header. */
export function fromDomainError(err: DomainError): HttpProblem {
  const retryAfter = err.facts["retryAfterSeconds"];
  return problem(
    domainProblem[err.kind],
    err.message,
    { ...err.facts },
    typeof retryAfter === "number" ? { "Retry-After": String(retryAfter) } : {},
  );
}

/**
 * Another service's answer, passed on: its refusal (4xx) unchanged, so the client reads the
 * callee's own reason; its 503 with the callee's Retry-After; anything else as unavailable.
 */
export function fromInvocationError(err: InvocationError): HttpProblem {
  const p = err.problem;
  if (p && err.refused) return new HttpProblem(err.status!, p.title, p.detail, { ...p.extensions }, {}, p.type);
  if (p && err.status === 503) {
    const retryAfter = err.retryAfter ?? String(p.extensions["retryAfterSeconds"] ?? 5);
    return new HttpProblem(503, p.title, p.detail, { ...p.extensions }, { "Retry-After": retryAfter }, p.type);
  }
  if (err.refused) return new HttpProblem(err.status!, "Error", err.message);
  return unavailable(err.message);
}

/** Any error as the problem it is answered with, or undefined when it is unexpected. */
export function knownProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof DomainError) return fromDomainError(err);
  if (err instanceof InvocationError) return fromInvocationError(err);
  return fromBodyParser(err as { type?: string }) ?? fromHttpError(err);
}

export const problemContentType = "application/problem+json";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemBody(p: HttpProblem, instance?: string): ProblemBody {
  return { type: p.type, title: p.title, status: p.status, detail: p.detail, ...(instance ? { instance } : {}), ...p.extensions };
}

/** body-parser errors carry a `type`; map each to what the client did wrong. */
function fromBodyParser(err: { type?: string; limit?: number; charset?: string }): HttpProblem | undefined {
  switch (err.type) {
    case "entity.parse.failed":
      return problem("malformed-request", "request body is not valid JSON");
    case "entity.too.large":
      return problem("too-large", `request body exceeds the limit of ${err.limit ?? "?"} bytes`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return problem("unsupported-media-type", `unsupported body encoding ${err.charset ?? ""}`.trim());
    case "request.aborted":
      return problem("malformed-request", "request body was aborted");
    case "request.size.invalid":
      return problem("malformed-request", "request body size does not match Content-Length");
    default:
      return undefined;
  }
}

/**
 * Errors raised by Express itself or its parsers (http-errors) carry the status they mean: a
 * path with malformed percent-encoding (400), a body whose Content-Encoding lies (400), and so
 * on. Every client error is answered as such, whatever part of the stack noticed it.
 */
function fromHttpError(raw: unknown): HttpProblem | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const err = raw as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof err.status === "number" ? err.status : typeof err.statusCode === "number" ? err.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const detail = err.expose === true && typeof err.message === "string" ? err.message : "the request is malformed";
  return status === 400 ? problem("malformed-request", detail) : new HttpProblem(status, "Client Error", detail);
}

/**
 * Requests that carry a body must say it is JSON. An empty chunked body without a content type
 * (what a bodiless POST becomes after service invocation) is no body.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const contentType = req.headers["content-type"];
  const sized = Number(req.headers["content-length"] ?? 0) > 0;
  const mime = contentType?.split(";")[0]?.trim().toLowerCase();
  const declaredOther = mime !== undefined && mime !== "application/json" && !/^application\/[\w.-]+\+json$/.test(mime);
  if (declaredOther || (sized && contentType === undefined)) {
    next(problem("unsupported-media-type", `Content-Type must be application/json, got ${contentType ?? "none"}`));
    return;
  }
  next();
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`no route for ${req.method} ${req.path}`));
};

/** The one place errors become responses. Unknown errors are logged and answered 500 without details. */
export function problemMiddleware(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let answer = knownProblem(err);
    if (!answer && err instanceof DependencyError) {
      // Not the client's fault and usually brief (a sidecar or store restarting): say so, and when to retry.
      log.warn("dependency failed", { ...errorFields(err), method: req.method, path: req.path });
      answer = unavailable("a dependency of this service is unavailable; retry later");
    }
    if (!answer) {
      log.error("unhandled error", { ...errorFields(err), method: req.method, path: req.path });
      answer = problem("internal", "an unexpected error occurred; it has been logged");
    }
    res
      .status(answer.status)
      .set(answer.headers)
      .type(problemContentType)
      .send(JSON.stringify(problemBody(answer, req.originalUrl)));
  };
}
