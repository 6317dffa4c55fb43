/**
 * Loaded with `node --import` before the service, so HTTP and Express are patched before any
 * service module imports them. The ESM hook lets the instrumentations see `import`ed modules.
 *
 * Without an OTLP endpoint there is nowhere to send spans, so OpenTelemetry is not loaded at all:
 * it would cost every service about 25 MB and a span per request for nothing.
 */
import { register } from "node:module";
import { tracingEnabled } from "./tracing-enabled.js";

if (tracingEnabled()) {
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const { startTelemetry } = await import("./telemetry.js");
  startTelemetry();
}
