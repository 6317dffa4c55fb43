import { randomUUID } from "node:crypto";

/**
 * This process's `service.instance.id` (OpenTelemetry semantic conventions): unique among the
 * replicas of a service. The manifests set SERVICE_INSTANCE_ID to the pod's name; elsewhere a
 * random id is made once and written back, so traces, logs and metrics of a process agree.
 */
export function serviceInstanceId(env: NodeJS.ProcessEnv = process.env): string {
  env["SERVICE_INSTANCE_ID"] ||= randomUUID();
  return env["SERVICE_INSTANCE_ID"];
}
