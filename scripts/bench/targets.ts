/** The figures the benchmark reports against (issues #7 and #13); reported, never asserted. */
export const targets = {
  /** Dapr-path saga throughput as a share of the direct-broker pipeline's (#7). */
  throughputRatioToDirect: 0.25,
  /** The system's saturation throughput (best single region) as a share of the Dapr floor's. */
  throughputRatioToFloor: 0.7,
  /** Orders confirmed per second with both regions at saturation, both together. */
  bothRegionsPerSecond: 80,
  /** CPU per confirmed order, every process of both regions together (the load generator excluded). */
  cpuMsPerOrder: 20,
  /** POST to confirmed in the home region's view, p99, at 50% of saturation. */
  postToConfirmedP99Ms: 50,
  /** Committed in the home region to visible in the other region's view, p99. */
  replicationLagP99Ms: 100,
  daprdCpuSecondsPer1000Events: 0.2,
  /** Each daprd's private resident memory (smaps_rollup Private_*), after the saturation window. */
  daprdPrivateMb: 40,
  servicePeakRssMb: 120,
  /** Both regions ready after start, daprd already built. */
  readySeconds: 20,
} as const;
