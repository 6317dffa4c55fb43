/**
 * Loaded with `node --import` before the service, so HTTP and Express are patched before any
 * service module imports them. The ESM hook lets the instrumentations see `import`ed modules.
 */
import { register } from "node:module";
import { startTelemetry } from "./telemetry.js";

register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
startTelemetry();
