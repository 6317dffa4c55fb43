import { describe, expect, it } from "vitest";
import { defaultRegionConfigs } from "../../platform/regions.js";
import { apps, gatewayPublicPaths } from "../../platform/topology.js";
import { synthesise } from "./synth.js";

const [east] = synthesise();

describe("the public route", () => {
  it("routes only the gateway's public path prefixes to its public Service port", () => {
    const ingress = east!.find("Ingress", apps.gateway);
    const paths = ingress["spec"].rules.flatMap((r: { http: { paths: unknown[] } }) => r.http.paths);
    expect(paths.map((p: { path: string }) => p.path)).toEqual([...gatewayPublicPaths]);
    for (const p of paths) {
      expect(p.pathType).toBe("Prefix");
      expect(p.backend.service).toEqual({ name: apps.gateway, port: { number: 80 } });
    }
    const service = east!.find("Service", apps.gateway);
    expect(service["spec"].ports.find((p: { port: number }) => p.port === 80).targetPort).toBe("http");
  });

  it("never routes admin, metrics or probe paths", () => {
    for (const p of gatewayPublicPaths) expect(["/", "/admin", "/metrics", "/healthz", "/readyz"].some((x) => x.startsWith(p))).toBe(false);
  });

  it("renders an HTTPRoute to the same paths when the region config asks for one", () => {
    const configs = defaultRegionConfigs().map((r) => ({
      ...r,
      exposure: { kind: "httproute" as const, host: `api.${r.name}.example.com`, gateway: { name: "public", namespace: "gateways" } },
    }));
    const [region] = synthesise(configs);
    expect(region!.ofKind("Ingress")).toEqual([]);
    const route = region!.find("HTTPRoute", apps.gateway);
    expect(route["spec"].parentRefs[0]).toMatchObject({ name: "public", namespace: "gateways" });
    expect(route["spec"].rules[0].matches.map((m: { path: { value: string } }) => m.path.value)).toEqual([...gatewayPublicPaths]);
    expect(route["spec"].rules[0].backendRefs).toEqual([{ name: apps.gateway, port: 80 }]);
  });
});
