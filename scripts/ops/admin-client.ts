/**
 * How the operator scripts reach a region's admin port: its URL and the operator's credential,
 * from `ADMIN_TOKEN` or a file (`npm start` writes one per region and prints where).
 */
import { readFileSync } from "node:fs";
import { defaultAdminPortBase } from "../../platform/topology.js";

export const adminOptions = {
  "admin-url": { type: "string", default: `http://127.0.0.1:${defaultAdminPortBase}` },
  "token-file": { type: "string" },
} as const;

export interface AdminClient {
  readonly url: string;
  json<T>(path: string, init?: RequestInit): Promise<T>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export function adminClient(url: string, tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const token = tokenFile ? readFileSync(tokenFile, "utf8").trim() : env["ADMIN_TOKEN"];
  if (!token) throw new Error("no operator credential: set ADMIN_TOKEN or pass --token-file (npm start prints both per region)");
  const send = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
  return {
    url,
    fetch: send,
    async json<T>(path: string, init?: RequestInit): Promise<T> {
      const res = await send(path, init);
      if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

/** Runs an operator script's main, turning any failure into a message and exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
