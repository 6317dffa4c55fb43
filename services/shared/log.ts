import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino } from "pino";

/**
 * Structured logs, one JSON object per line on stdout (what log collectors expect from a
 * container), through pino. Every line written inside a traced request or delivery carries its
 * `trace_id` and `span_id`, so a log line leads to its trace and back.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The active span's ids, named as the OpenTelemetry log data model names them. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: span.traceFlags.toString(16).padStart(2, "0") };
}

/** `destination`: where lines go (default stdout; a test reads them from a stream). */
export function createLogger(
  service: string,
  region: string,
  level: Level = "info",
  instance?: string,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service, region, ...(instance ? { instance } : {}) },
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
  };
  const log = destination ? pino(options, destination) : pino(options);
  return {
    debug: (m, f) => log.debug(f ?? {}, m),
    info: (m, f) => log.info(f ?? {}, m),
    warn: (m, f) => log.warn(f ?? {}, m),
    error: (m, f) => log.error(f ?? {}, m),
  };
}

export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { error: err.message, errorType: err.name } : { error: String(err) };
}
