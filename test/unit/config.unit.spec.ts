import { describe, expect, it } from "vitest";
import { ConfigError, baseEnvSchema, loadConfig } from "../../services/shared/config.js";

describe("configuration", () => {
  it("parses and defaults once", () => {
    const c = loadConfig(baseEnvSchema, { REGION: "east", APP_PORT: "3000" });
    expect(c).toMatchObject({ REGION: "east", APP_PORT: 3000, DAPR_HTTP_PORT: 3500, BIND_HOST: "127.0.0.1", LOG_LEVEL: "info" });
  });

  it("names every bad variable", () => {
    const attempt = () => loadConfig(baseEnvSchema, { REGION: "East Coast", APP_PORT: "99999", LOG_LEVEL: "loud" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/REGION: must be a lower-case DNS label/);
    expect(attempt).toThrow(/APP_PORT/);
    expect(attempt).toThrow(/LOG_LEVEL/);
  });
});
