import type { ErrorRequestHandler, RequestHandler } from "express";
import { DependencyError } from "../errors.js";
import type { Logger } from "../log.js";
import { errorFields } from "../log.js";

/** An error that knows its HTTP meaning; rendered as RFC 9457 `application/problem+json`. */
export class HttpProblem extends Error {
  override name = "HttpProblem";
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, ext?: Record<string, unknown>) => new HttpProblem(400, "Bad Request", detail, ext);
export const notFound = (detail: string) => new HttpProblem(404, "Not Found", detail);
export const conflict = (detail: string, extensions: Record<string, unknown> = {}) => new HttpProblem(409, "Conflict", detail, extensions);
export const unprocessable = (detail: string) => new HttpProblem(422, "Unprocessable Content", detail);
export const unavailable = (detail: string, retryAfterSeconds = 5) =>
  new HttpProblem(503, "Service Unavailable", detail, {}, { "Retry-After": String(retryAfterSeconds) });

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
  return { type: "about:blank", title: p.title, status: p.status, detail: p.detail, ...(instance ? { instance } : {}), ...p.extensions };
}

/** body-parser errors carry a `type`; map each to what the client did wrong. */
function fromBodyParser(err: { type?: string; limit?: number; charset?: string }): HttpProblem | undefined {
  switch (err.type) {
    case "entity.parse.failed":
      return badRequest("request body is not valid JSON");
    case "entity.too.large":
      return new HttpProblem(413, "Content Too Large", `request body exceeds the limit of ${err.limit ?? "?"} bytes`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpProblem(415, "Unsupported Media Type", `unsupported body encoding ${err.charset ?? ""}`.trim());
    case "request.aborted":
      return badRequest("request body was aborted");
    case "request.size.invalid":
      return badRequest("request body size does not match Content-Length");
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
  return new HttpProblem(status, status === 400 ? "Bad Request" : "Client Error", detail);
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
    next(new HttpProblem(415, "Unsupported Media Type", `Content-Type must be application/json, got ${contentType ?? "none"}`));
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
    let problem = err instanceof HttpProblem ? err : (fromBodyParser(err as { type?: string }) ?? fromHttpError(err));
    if (!problem && err instanceof DependencyError) {
      // Not the client's fault and usually brief (a sidecar or store restarting): say so, and when to retry.
      log.warn("dependency failed", { ...errorFields(err), method: req.method, path: req.path });
      problem = unavailable("a dependency of this service is unavailable; retry later");
    }
    if (!problem) {
      log.error("unhandled error", { ...errorFields(err), method: req.method, path: req.path });
      problem = new HttpProblem(500, "Internal Server Error", "an unexpected error occurred; it has been logged");
    }
    res
      .status(problem.status)
      .set(problem.headers)
      .type(problemContentType)
      .send(JSON.stringify(problemBody(problem, req.originalUrl)));
  };
}
