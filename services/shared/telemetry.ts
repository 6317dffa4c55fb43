import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { callerTraceContext } from "./http/caller-trace-context.js";
import { serviceInstanceId } from "./instance.js";

let sdk: NodeSDK | undefined;

export interface TelemetryOptions {
  /** Where spans go instead of the exporters the OTEL_* variables name (a test's in-memory exporter). */
  readonly spanProcessors?: SpanProcessor[];
}

/**
 * Starts OpenTelemetry from the standard OTEL_* variables. With no OTLP endpoint configured no
 * exporter is created: a laptop run stays quiet instead of retrying a collector that is not there.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env, opts: TelemetryOptions = {}): void {
  if (sdk) return;
  const hasEndpoint = Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
  if (!hasEndpoint) env["OTEL_TRACES_EXPORTER"] ??= "none";
  // Metrics go through prom-client and logs to stdout; OTel exports traces only.
  env["OTEL_METRICS_EXPORTER"] ??= "none";
  env["OTEL_LOGS_EXPORTER"] ??= "none";
  const region = env["REGION"] ?? "unknown";
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env["OTEL_SERVICE_NAME"] ?? env["APP_ID"] ?? "unknown",
      [ATTR_SERVICE_VERSION]: env["SERVICE_VERSION"] ?? "0.1.0",
      "service.namespace": "meridian",
      "service.instance.id": serviceInstanceId(env),
      "deployment.environment.name": env["DEPLOYMENT_ENVIRONMENT"] ?? "local",
      "cloud.region": region,
    }),
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => ["/healthz", "/readyz", "/metrics"].includes(req.url ?? ""),
        // A public server dropped its caller's trace context before this span began (see
        // caller-trace-context.ts), so the span starts a trace of ours; the caller's is a link.
        requestHook: (span, request) => {
          const caller = callerTraceContext(request);
          if (caller) span.addLink({ context: caller });
        },
      }),
      // Route spans only: a span per middleware would bury the hops that matter.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.REQUEST_HANDLER] }),
    ],
  });
  sdk.start();
}

/** Flushes pending spans; called on graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
}
