import type { Construct } from "constructs";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import { type Endpoint, type RegionConfig, peerLinkApp } from "../../platform/regions.js";
import { isWorkflowApp } from "../../platform/topology.js";
import { type DeployedAppId, appSpecs, appsOf, calleesOf, callersOf, componentsOf, talksToOwnReplicas } from "../apps.js";
import { addModel } from "../kobj.js";
import { appLabels, collector, daprControlPlane, daprPorts, operatorLabel, partOf } from "../names.js";

const tcp = (port: number): INetworkPolicyPort => ({ protocol: "TCP", port });
const namespace = (name: string): INetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const pods = (app: string): INetworkPolicyPeer => ({ podSelector: { matchLabels: appLabels(app) } });

function peerOf(e: Pick<Endpoint, "reach">): INetworkPolicyPeer {
  return "cidr" in e.reach ? { ipBlock: { cidr: e.reach.cidr } } : namespace(e.reach.namespace);
}

/** Every address of a region's brokers and stores, for apps that load a component. */
export function dataEndpoints(region: RegionConfig): Endpoint[] {
  const pubsub = region.pubsub.profile === "kafka" ? region.pubsub.brokers : [region.pubsub.endpoint];
  return [...pubsub, region.state.endpoint, ...(region.lock ? [region.lock.endpoint] : [])];
}

/**
 * Default deny in both directions, then exactly the flows the system needs: DNS for all; for each
 * app its callers' and callees' sidecars on the internal gRPC port, its brokers and stores, the
 * collector, the Dapr control plane, scraping from the monitoring namespace, and the public entry.
 */
export function addNetworkPolicies(scope: Construct, region: RegionConfig, peers: readonly RegionConfig[]): void {
  addModel(
    scope,
    "default-deny",
    new NetworkPolicy({ metadata: { name: "default-deny" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }),
  );
  addModel(
    scope,
    "allow-dns",
    new NetworkPolicy({
      metadata: { name: "allow-dns" },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/part-of": partOf } },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ...namespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    }),
  );
  for (const app of appsOf(region)) addModel(scope, app, appPolicy(region, app, peers));
  addModel(scope, collector.name, collectorPolicy(region));
}

/** The brokers of the peer regions, as this region's peer links reach them. */
export function peerEndpoints(peers: readonly RegionConfig[]): Endpoint[] {
  return peers.flatMap((p) => (p.pubsub.profile === "kafka" ? p.pubsub.crossRegionBrokers : [p.pubsub.crossRegionEndpoint]));
}

function appPolicy(region: RegionConfig, app: DeployedAppId, peers: readonly RegionConfig[]): NetworkPolicy {
  const spec = appSpecs[app];
  const deployed = appsOf(region);
  const ownReplicas = talksToOwnReplicas(app) ? [app] : [];
  const callers = [...callersOf(app, deployed), ...ownReplicas];
  const callees = [...calleesOf(app, deployed), ...ownReplicas];
  const usesData = componentsOf(app).length > 0;
  // A workflow app loads only the actor state store, which lives on the region's state store.
  const data = isWorkflowApp(app) ? [region.state.endpoint] : dataEndpoints(region);
  const external = [...(usesData ? data : []), ...(app === (peerLinkApp as string) ? peerEndpoints(peers) : [])];
  return new NetworkPolicy({
    metadata: { name: app },
    spec: {
      podSelector: { matchLabels: appLabels(app) },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        // The public entry takes traffic from anywhere (the cluster's ingress or load balancer).
        ...(spec.public ? [{ ports: [tcp(spec.port)] }] : []),
        // The admin port only from operators' pods in the region's namespace.
        ...(spec.adminPort ? [{ from: [{ podSelector: { matchLabels: { ...operatorLabel } } }], ports: [tcp(spec.adminPort)] }] : []),
        ...(callers.length > 0 ? [{ from: callers.map(pods), ports: [tcp(daprPorts.internalGrpc)] }] : []),
        { from: [namespace(region.monitoring.namespace)], ports: [tcp(spec.port), tcp(daprPorts.metrics)] },
      ],
      egress: [
        ...(callees.length > 0 ? [{ to: callees.map(pods), ports: [tcp(daprPorts.internalGrpc)] }] : []),
        ...external.map((e) => ({ to: [peerOf(e)], ports: [tcp(e.port)] })),
        { to: [pods(collector.name)], ports: [tcp(collector.grpcPort), tcp(collector.httpPort)] },
        { to: [namespace(daprControlPlane.namespace)], ports: daprControlPlane.ports.map(tcp) },
        // The public entry fetches the issuer's discovery document and signing keys.
        ...(spec.public ? [{ to: [peerOf(region.auth)], ports: [tcp(Number(new URL(region.auth.issuer).port || 443))] }] : []),
      ],
    },
  });
}

function collectorPolicy(region: RegionConfig): NetworkPolicy {
  const exporter = region.tracing.exporter;
  return new NetworkPolicy({
    metadata: { name: collector.name },
    spec: {
      podSelector: { matchLabels: appLabels(collector.name) },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: appsOf(region).map(pods), ports: [tcp(collector.grpcPort), tcp(collector.httpPort)] },
        { from: [namespace(region.monitoring.namespace)], ports: [tcp(collector.metricsPort)] },
      ],
      egress: [
        // The k8sattributes processor watches pods through the API server.
        { to: [{ ipBlock: { cidr: region.kubernetesApi.cidr } }], ports: region.kubernetesApi.ports.map(tcp) },
        ...(exporter.kind === "otlp" ? [{ to: [peerOf(exporter.endpoint)], ports: [tcp(exporter.endpoint.port)] }] : []),
      ],
    },
  });
}
