/** The figures the benchmark reports against (issue #7); reported, never asserted. */
export const targets = {
  /** Dapr-path saga throughput as a share of the direct-broker pipeline's. */
  throughputRatioToDirect: 0.25,
  /** The system's saturation throughput (best single region) as a share of the Dapr floor's (issue #13). */
  throughputRatioToFloor: 0.7,
  /** POST to confirmed in the home region's view, p99, at 50% of saturation. */
  postToConfirmedP99Ms: 50,
  /** Committed in the home region to visible in the other region's view, p99. */
  replicationLagP99Ms: 250,
  daprdCpuSecondsPer1000Events: 0.2,
  daprdPeakRssMb: 80,
  servicePeakRssMb: 120,
  /** Both regions ready after start, daprd already built. */
  readySeconds: 20,
} as const;
