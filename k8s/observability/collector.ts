import type { Construct } from "constructs";
import { stringify } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { RegionConfig } from "../../platform/regions.js";
import { addModel } from "../kobj.js";
import { appLabels, collector, commonLabels, restrictedContainer } from "../names.js";

/**
 * The collector's pipeline: OTLP in (gRPC from the sidecars, HTTP from the apps), Kubernetes
 * attributes added, batched, one exporter. Needs the `-k8s` (or contrib) distribution, which
 * carries the k8sattributes processor.
 */
export function collectorConfig(region: RegionConfig): Record<string, unknown> {
  const exporter = region.tracing.exporter;
  const exporters =
    exporter.kind === "debug"
      ? { debug: { verbosity: "basic" } }
      : { otlp: { endpoint: `${exporter.endpoint.host}:${exporter.endpoint.port}`, tls: { insecure: !exporter.endpoint.tls } } };
  return {
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${collector.grpcPort}` }, http: { endpoint: `0.0.0.0:${collector.httpPort}` } } },
    },
    processors: {
      // Refuse data before the container's memory limit kills it.
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
      batch: {},
      resource: { attributes: [{ key: "cloud.region", value: region.name, action: "upsert" }] },
      // Each span's pod, deployment and node, looked up by the address the span came from: the
      // apps and their sidecars export straight to this collector, so that address is the pod's.
      k8sattributes: {
        auth_type: "serviceAccount",
        filter: { namespace: region.namespace },
        pod_association: [{ sources: [{ from: "connection" }] }],
        extract: {
          metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.deployment.name", "k8s.node.name", "k8s.pod.start_time"],
          labels: [{ tag_name: "service.version", key: "app.kubernetes.io/version", from: "pod" }],
        },
      },
    },
    exporters,
    extensions: { health_check: { endpoint: `0.0.0.0:${collector.healthPort}` } },
    service: {
      extensions: ["health_check"],
      pipelines: {
        traces: {
          receivers: ["otlp"],
          processors: ["memory_limiter", "k8sattributes", "resource", "batch"],
          exporters: Object.keys(exporters),
        },
      },
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: collector.metricsPort } } } }] } },
    },
  };
}

/** One OpenTelemetry Collector per region: ConfigMap, Deployment, Service. */
export function addCollector(scope: Construct, region: RegionConfig): void {
  const labels = appLabels(collector.name);
  const configName = `${collector.name}-config`;
  // The k8sattributes processor reads pods and replicasets of this namespace: a token, and a Role for just that.
  addModel(scope, "collector-sa", new ServiceAccount({ metadata: { name: collector.name, labels } }));
  addModel(
    scope,
    "collector-role",
    new Role({
      metadata: { name: collector.name, labels },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
      ],
    }),
  );
  addModel(
    scope,
    "collector-role-binding",
    new RoleBinding({
      metadata: { name: collector.name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: collector.name },
      subjects: [{ kind: "ServiceAccount", name: collector.name, namespace: region.namespace }],
    }),
  );
  addModel(
    scope,
    "collector-config",
    new ConfigMap({ metadata: { name: configName, labels }, data: { "config.yaml": stringify(collectorConfig(region)) } }),
  );
  addModel(
    scope,
    "collector-deployment",
    new Deployment({
      metadata: { name: collector.name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: { ...commonLabels(region, "observability"), ...labels } },
          spec: {
            serviceAccountName: collector.name,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "collector",
                image: region.images.collector,
                args: ["--config=/etc/otelcol/config.yaml"],
                ports: [
                  { name: "otlp-grpc", containerPort: collector.grpcPort, protocol: "TCP" },
                  { name: "otlp-http", containerPort: collector.httpPort, protocol: "TCP" },
                  { name: "metrics", containerPort: collector.metricsPort, protocol: "TCP" },
                  { name: "health", containerPort: collector.healthPort, protocol: "TCP" },
                ],
                readinessProbe: { httpGet: { path: "/", port: "health" }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: "/", port: "health" }, periodSeconds: 10 },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                securityContext: restrictedContainer,
                volumeMounts: [{ name: "config", mountPath: "/etc/otelcol", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: configName } }],
          },
        },
      },
    }),
  );
  addModel(
    scope,
    "collector-service",
    new Service({
      metadata: { name: collector.name, labels },
      spec: {
        selector: labels,
        ports: [
          { name: "otlp-grpc", port: collector.grpcPort, targetPort: "otlp-grpc", protocol: "TCP" },
          { name: "otlp-http", port: collector.httpPort, targetPort: "otlp-http", protocol: "TCP" },
        ],
      },
    }),
  );
}
