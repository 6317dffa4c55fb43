/** Traces go somewhere only when an OTLP endpoint is configured; otherwise OpenTelemetry is not loaded. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
}
