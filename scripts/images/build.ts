/**
 * `npm run images`: builds the apps' image from the root Dockerfile with podman, offline apart
 * from the npm registry, and prints image sizes. The base image is made locally first when it
 * cannot be pulled (base-image.ts).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { appImageRef } from "../../platform/images.js";
import { projectRoot } from "../../platform/paths.js";
import { loadRegionConfigs } from "../../platform/regions.js";
import { versions } from "../../platform/versions.js";
import { baseImageRef, ensureBaseImage } from "./base-image.js";
import { ensurePodman, lowUlimits, podmanOk } from "./podman.js";

function log(message: string): void {
  process.stderr.write(`[images] ${message}\n`);
}

/** The image every region's manifests name (by tag: a digest is only known once pushed). */
export function localAppImage(): string {
  const { registry, tag } = loadRegionConfigs()[0]?.images ?? { registry: "", tag: "" };
  return appImageRef({ registry, tag });
}

/**
 * The CA bundle this machine's npm trusts (a TLS-intercepting proxy's CA, where there is one),
 * handed to the Dockerfile's `npm ci` as the optional `npm-ca` build secret.
 */
function caSecret(): string[] {
  const bundle = process.env["NODE_EXTRA_CA_CERTS"];
  return bundle && existsSync(bundle) ? ["--secret", `id=npm-ca,src=${bundle}`] : [];
}

export interface BuiltImage {
  readonly ref: string;
  readonly id: string;
  readonly sizeBytes: number;
}

function inspect(ref: string): BuiltImage {
  const [id = "", size = "0"] = podmanOk(["image", "inspect", "--format", "{{.Id}} {{.Size}}", ref]).trim().split(" ");
  return { ref, id, sizeBytes: Number(size) };
}

export function buildImages(opts: { quiet?: boolean } = {}): BuiltImage {
  ensurePodman();
  ensureBaseImage();
  const ref = localAppImage();
  const started = Date.now();
  log(`building ${ref} from Dockerfile (base ${baseImageRef})...`);
  podmanOk(
    [
      "build",
      // The builder's RUN steps reach the npm registry like the host does.
      "--network",
      "host",
      "--pull=never",
      ...lowUlimits,
      ...caSecret(),
      "--build-arg",
      `NODE_VERSION=${versions.node.version}`,
      "--tag",
      ref,
      "--file",
      "Dockerfile",
      projectRoot,
    ],
    { inherit: !opts.quiet },
  );
  const built = inspect(ref);
  log(`built ${ref} in ${Math.round((Date.now() - started) / 1000)}s`);
  for (const image of [inspect(baseImageRef), built])
    log(`${image.ref}: ${(image.sizeBytes / 1e6).toFixed(0)} MB (${image.id.slice(0, 12)})`);
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    buildImages();
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
