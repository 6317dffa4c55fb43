import { defineConfig } from "vitest/config";

/**
 * Test tiers by file name: `*.unit.spec.ts` need nothing running; `*.int.spec.ts` and
 * `*.e2e.spec.ts` start real daprd sidecars and redis-servers. The machine has two cores, so
 * integration files run one at a time.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/**/*.unit.spec.ts"] } },
      {
        test: {
          name: "int",
          include: ["test/**/*.int.spec.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Real Kubernetes API servers and container images (test/kube); builds what they need, cached.
        test: {
          name: "kube",
          include: ["test/**/*.kube.spec.ts"],
          globalSetup: ["test/support/kube-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 900_000,
        },
      },
      {
        // The single-node attempt (containerd + kubelet); `npm run test:cluster`, not in `npm test`.
        test: {
          name: "cluster",
          include: ["test/**/*.cluster.spec.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
        },
      },
      {
        // Every broker and store profile beyond what `npm test` runs: `npm run test:profiles`.
        test: {
          name: "profiles",
          include: ["test/**/*.profiles.spec.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.spec.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
