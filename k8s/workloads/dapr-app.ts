import { Construct } from "constructs";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { RegionConfig } from "../../platform/regions.js";
import { apps, isWorkflowApp } from "../../platform/topology.js";
import type { AppSpec, DeployedAppId } from "../apps.js";
import { addModel } from "../kobj.js";
import { serviceNodeFlags } from "../../platform/process-tuning.js";
import { appCommand, appImageRef, appImageUser, instrumentationModule } from "../../platform/images.js";
import {
  appLabels,
  commonLabels,
  collector,
  collectorHost,
  daprConfigName,
  daprPorts,
  daprSidecarImage,
  restrictedContainer,
  secrets,
} from "../names.js";

export interface DaprAppProps {
  readonly app: DeployedAppId;
  readonly spec: AppSpec;
  readonly region: RegionConfig;
  /** Regions this one replicates from (the replicator reads each through a peer link). */
  readonly peers: readonly string[];
}

/** The sidecar's share of each pod: small, and the same for every app. */
const sidecarResources = { cpuRequest: "50m", cpuLimit: "300m", memoryRequest: "64Mi", memoryLimit: "256Mi" } as const;

const secretEnv = (name: string, secret: string): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key: secrets.tokenKey } },
});

/**
 * One Dapr app: Deployment (with its sidecar annotations), Service, ServiceAccount,
 * PodDisruptionBudget and HorizontalPodAutoscaler. Pods pass Pod Security `restricted`.
 */
export class DaprApp extends Construct {
  constructor(scope: Construct, id: string, props: DaprAppProps) {
    super(scope, id);
    const { app, spec, region } = props;
    const labels = appLabels(app);
    const version = region.images.tag;

    addModel(this, "service-account", new ServiceAccount({ metadata: { name: app, labels }, automountServiceAccountToken: false }));

    const annotations: Record<string, string> = {
      "dapr.io/enabled": "true",
      "dapr.io/app-id": app,
      "dapr.io/app-port": String(spec.port),
      "dapr.io/app-protocol": "http",
      "dapr.io/config": daprConfigName(app),
      "dapr.io/sidecar-image": daprSidecarImage,
      "dapr.io/enable-metrics": "true",
      "dapr.io/metrics-port": String(daprPorts.metrics),
      "dapr.io/log-as-json": "true",
      "dapr.io/sidecar-cpu-request": sidecarResources.cpuRequest,
      "dapr.io/sidecar-cpu-limit": sidecarResources.cpuLimit,
      "dapr.io/sidecar-memory-request": sidecarResources.memoryRequest,
      "dapr.io/sidecar-memory-limit": sidecarResources.memoryLimit,
      "dapr.io/api-token-secret": secrets.daprApiToken(app),
      "dapr.io/app-token-secret": secrets.appApiToken(app),
      // Pod Security `restricted` rejects a container without a seccomp profile.
      "dapr.io/sidecar-seccomp-profile-type": "RuntimeDefault",
      // The sidecar has no Kubernetes API token (automount is off); component secrets are
      // resolved by the Dapr operator instead, so the built-in store would only fail to start.
      "dapr.io/disable-builtin-k8s-secret-store": "true",
    };

    const env: IEnvVar[] = [
      { name: "REGION", value: region.name },
      // The replicator reads every peer region's changes through that peer's link component.
      ...(app === apps.replicator ? [{ name: "PEER_REGIONS", value: props.peers.join(",") }] : []),
      { name: "APP_ID", value: app },
      { name: "APP_PORT", value: String(spec.port) },
      // The kubelet probes the pod IP, not loopback.
      { name: "BIND_HOST", value: "0.0.0.0" },
      { name: "DAPR_HTTP_PORT", value: String(daprPorts.http) },
      // The workflow runtime of @dapr/dapr keeps a gRPC stream open to its sidecar.
      ...(isWorkflowApp(app) ? [{ name: "DAPR_GRPC_PORT", value: String(daprPorts.grpc) }] : []),
      secretEnv("DAPR_API_TOKEN", secrets.daprApiToken(app)),
      // A public app's callers are users, not daprd, so only internal apps demand the app token.
      ...(spec.public ? [] : [secretEnv("APP_API_TOKEN", secrets.appApiToken(app))]),
      ...(spec.adminPort
        ? [
            { name: "ADMIN_PORT", value: String(spec.adminPort) },
            { name: "ADMIN_BIND_HOST", value: "0.0.0.0" },
            secretEnv("ADMIN_TOKEN", secrets.adminToken),
          ]
        : []),
      // The public entry checks customers' access tokens against the region's issuer.
      ...(spec.public
        ? [
            { name: "OIDC_ISSUER", value: region.auth.issuer },
            { name: "OIDC_AUDIENCE", value: region.auth.audience },
          ]
        : []),
      { name: "SERVICE_VERSION", value: version },
      // Replicas of a writer take turns on the keys they decide about (services/shared/application/lease.ts).
      { name: "WRITE_LEASE", value: region.replicas.max > 1 ? "distributed" : "process" },
      { name: "SAGA", value: region.saga },
      // OpenTelemetry's service.instance.id (and every log line's `instance`): the pod's name.
      { name: "SERVICE_INSTANCE_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "NODE_ENV", value: "production" },
      // As `npm start` runs them: the instrumentation loads before the app, or no app span is made.
      { name: "NODE_OPTIONS", value: [...serviceNodeFlags, "--enable-source-maps", `--import=${instrumentationModule}`].join(" ") },
      { name: "DEPLOYMENT_ENVIRONMENT", value: region.deploymentEnvironment },
      { name: "OTEL_SERVICE_NAME", value: app },
      { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: `http://${collectorHost(region.namespace)}:${collector.httpPort}` },
      { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/protobuf" },
      { name: "OTEL_TRACES_SAMPLER", value: "parentbased_traceidratio" },
      { name: "OTEL_TRACES_SAMPLER_ARG", value: region.tracing.samplingRate },
    ];

    addModel(
      this,
      "deployment",
      new Deployment({
        metadata: { name: app, labels },
        spec: {
          // The HPA owns the replica count; this is only the first rollout's size.
          replicas: region.replicas.min,
          revisionHistoryLimit: 5,
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            // Pods carry the recommended labels too (the chart's reach only the objects it renders).
            metadata: { labels: { ...commonLabels(region, "service"), ...labels }, annotations },
            spec: {
              serviceAccountName: app,
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: appImageUser,
                runAsGroup: appImageUser,
                fsGroup: appImageUser,
                seccompProfile: { type: "RuntimeDefault" },
              },
              // Longer than the service's own 10 s drain so in-flight work finishes.
              terminationGracePeriodSeconds: 30,
              topologySpreadConstraints: ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
                topologyKey,
                maxSkew: 1,
                // Soft: a single-zone or small cluster still schedules every replica.
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: labels },
                matchLabelKeys: ["pod-template-hash"],
              })),
              containers: [
                {
                  name: app,
                  image: appImageRef(region.images),
                  ...appCommand(app),
                  imagePullPolicy: "IfNotPresent",
                  ports: [
                    { name: "http", containerPort: spec.port, protocol: "TCP" },
                    ...(spec.adminPort ? [{ name: "admin", containerPort: spec.adminPort, protocol: "TCP" as const }] : []),
                  ],
                  env,
                  readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
                  // A saturated service answers seconds late (requests queue behind the work in
                  // hand, as the benchmark shows); the kubelet's 1 s default would restart it.
                  livenessProbe: {
                    httpGet: { path: "/healthz", port: "http" },
                    initialDelaySeconds: 10,
                    periodSeconds: 10,
                    timeoutSeconds: 3,
                    failureThreshold: 3,
                  },
                  resources: {
                    requests: { cpu: spec.resources.cpuRequest, memory: spec.resources.memoryRequest },
                    limits: { cpu: spec.resources.cpuLimit, memory: spec.resources.memoryLimit },
                  },
                  securityContext: restrictedContainer,
                  // Node writes temp files; the root filesystem is read-only.
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
          },
        },
      }),
    );

    addModel(
      this,
      "service",
      new Service({
        metadata: { name: app, labels },
        spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
      }),
    );

    // Operator endpoints get a Service of their own, never exposed outside the cluster.
    if (spec.adminPort)
      addModel(
        this,
        "admin-service",
        new Service({
          metadata: { name: `${app}-admin`, labels },
          spec: { type: "ClusterIP", selector: labels, ports: [{ name: "admin", port: 80, targetPort: "admin", protocol: "TCP" }] },
        }),
      );

    addModel(
      this,
      "pdb",
      new PodDisruptionBudget({ metadata: { name: app, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } }),
    );

    addModel(
      this,
      "hpa",
      new HorizontalPodAutoscaler({
        metadata: { name: app, labels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: app },
          minReplicas: region.replicas.min,
          maxReplicas: region.replicas.max,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
          // Scale down slowly so a short lull does not undo a scale-up.
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      }),
    );
  }
}
