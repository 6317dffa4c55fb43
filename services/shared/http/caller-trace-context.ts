import type { IncomingMessage, Server } from "node:http";
import { type SpanContext, TraceFlags, isSpanContextValid } from "@opentelemetry/api";

/** The W3C headers through which a caller continues its trace and hands on its baggage. */
export const traceContextHeaders: readonly string[] = ["traceparent", "tracestate", "baggage"];

/** W3C Trace Context: version-traceid-parentid-flags; versions after 00 may append fields. */
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A well-formed `traceparent` as a remote span context; anything else is undefined. */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== "string") return undefined;
  const m = traceparentPattern.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(context) ? context : undefined;
}

const dropped = new WeakMap<object, SpanContext>();

/**
 * Removes a caller's trace context from a request before anything reads it, and keeps its
 * `traceparent`, when well-formed, for the request's span to link to.
 */
export function dropCallerTraceContext(req: IncomingMessage): void {
  // Both views are made from rawHeaders on first read (and count its entries then): made now,
  // before rawHeaders shrinks below.
  const { headers, headersDistinct } = req;
  const caller = parseTraceparent(headers["traceparent"]);
  for (const name of traceContextHeaders) {
    delete headers[name];
    delete headersDistinct[name];
  }
  const raw = req.rawHeaders;
  req.rawHeaders = raw.filter((_, i) => !traceContextHeaders.includes((raw[i - (i % 2)] ?? "").toLowerCase()));
  if (caller) dropped.set(req, caller);
}

/** The trace context the caller of `request` sent, if its server dropped it; else undefined. */
export function callerTraceContext(request: object): SpanContext | undefined {
  return dropped.get(request);
}

/**
 * Makes `server` take no trace context from its callers, for a public port whose callers are
 * anyone: each request's `traceparent`, `tracestate` and `baggage` are removed as it arrives,
 * before OpenTelemetry's HTTP instrumentation (a wrapper of `Server.prototype.emit`) extracts
 * them. Its server span then starts a trace of ours, sampled by our sampler, linked to the
 * caller's span (telemetry.ts); no caller's baggage reaches the services behind, and with tracing
 * off nothing of it is there to be handed on.
 */
export function distrustCallerTraceContext<S extends Server>(server: S): S {
  const prototype = Object.getPrototypeOf(server) as Server;
  // An own property in front of the prototype's emit, looked up per call: whatever wraps the
  // prototype's (the instrumentation) runs after this, on the cleaned request.
  server.emit = function emit(this: S, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") dropCallerTraceContext(args[0] as IncomingMessage);
    return Reflect.apply(prototype.emit, this, [event, ...args]) as boolean;
  } as S["emit"];
  return server;
}
