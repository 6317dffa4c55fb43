/**
 * The local OpenID Connect issuer as a process of the system (scripts/local/issuer.ts), and the
 * client side of its demo directory: a customer's access token, got the way any client gets one
 * (the token endpoint), kept until shortly before it expires.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { customerAuth } from "../../platform/auth.js";
import { distDir } from "../../platform/paths.js";
import { demoPassword } from "./demo-directory.js";
import { freePort, waitFor } from "./ports.js";
import type { ProcessGroup, Spawned } from "./processes.js";

export interface IssuerHandle {
  /** The issuer URL (`iss`): the gateways' OIDC_ISSUER. */
  readonly url: string;
  /** The audience its tokens are for: the gateways' OIDC_AUDIENCE. */
  readonly audience: string;
  readonly process: Spawned;
  /** A customer's access token (any customer id is a demo user). */
  token(customerId: string): Promise<string>;
}

/** What `npm run token` needs to sign a demo customer in: written beside the issuer's log. */
interface IssuerFile {
  readonly url: string;
  readonly secretFile: string;
}

export async function startIssuer(group: ProcessGroup, dir: string): Promise<IssuerHandle> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("hex");
  const secretFile = join(dir, "directory-secret");
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, "issuer.json"), JSON.stringify({ url, secretFile } satisfies IssuerFile));
  const proc = group.spawn(
    "issuer",
    process.execPath,
    [join(distDir, "scripts/local/issuer.js")],
    { PATH: process.env["PATH"], HOME: process.env["HOME"], ISSUER_PORT: String(port), ISSUER_SECRET_FILE: secretFile },
    join(dir, "issuer.log"),
  );
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitFor(
    `the issuer on port ${port}`,
    async () => (await fetch(`${url}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(1000) })).ok,
    20_000,
    100,
    () => exited,
  ).catch((err: unknown) => {
    throw exited ? new Error(`the issuer exited during start-up; see ${proc.logFile}`) : err;
  });
  return { url, audience: customerAuth.localAudience, process: proc, token: customerTokens(url, secret) };
}

/** Signs demo customers in at `issuerUrl`, one token per customer while it is good for another minute. */
export function customerTokens(issuerUrl: string, secret: string): (customerId: string) => Promise<string> {
  const held = new Map<string, { token: Promise<string>; until: number }>();
  return (customerId) => {
    const now = Date.now();
    const found = held.get(customerId);
    if (found && found.until > now) return found.token;
    const token = signIn(issuerUrl, customerId, demoPassword(secret, customerId));
    held.set(customerId, { token, until: now + (customerAuth.tokenTtlSeconds - 60) * 1000 });
    token.catch(() => held.delete(customerId));
    return token;
  };
}

/** The resource owner password grant of the local client: what `npm run token` and the tests do. */
export async function signIn(issuerUrl: string, customerId: string, password: string): Promise<string> {
  const res = await fetch(`${issuerUrl}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: customerAuth.passwordGrant,
      client_id: customerAuth.localClientId,
      username: customerId,
      password,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`the issuer refused ${customerId}: ${res.status} ${body.error_description ?? ""}`);
  return body.access_token;
}

/** The token source of a run that is up (for `npm run token`): its issuer.json names URL and secret. */
export function runTokens(issuerDir: string): (customerId: string) => Promise<string> {
  const { url, secretFile } = JSON.parse(readFileSync(join(issuerDir, "issuer.json"), "utf8")) as IssuerFile;
  return customerTokens(url, readFileSync(secretFile, "utf8").trim());
}
