import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { NextFunction, Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { rabbitmqRegionCommands } from "../../scripts/local/brokers.js";
import { refuseSecretsInArgs } from "../../scripts/local/processes.js";
import { mysqlRegionCommand } from "../../scripts/local/stores.js";
import { requireBearer } from "../../services/shared/http/app.js";
import { HttpProblem } from "../../services/shared/http/problem.js";
import { secretEquals } from "../../services/shared/http/secret-equal.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}
const code = [...sources(join(projectRoot, "services")), ...sources(join(projectRoot, "scripts"))].map((file) => ({
  file: relative(projectRoot, file),
  lines: readFileSync(file, "utf8").split("\n"),
}));

describe("secretEquals", () => {
  const secret = "3f9c2a7e5b1d4c8a9e6f0b2d4a6c8e1f";

  it("matches the secret itself only", () => {
    expect(secretEquals(secret, secret)).toBe(true);
    expect(secretEquals(`${secret.slice(0, -1)}0`, secret)).toBe(false);
    expect(secretEquals(secret.toUpperCase(), secret)).toBe(false);
  });

  it("matches no prefix, extension or other length of it", () => {
    for (const given of ["", secret.slice(0, 1), secret.slice(0, -1), `${secret}x`, secret.repeat(2)]) {
      expect(secretEquals(given, secret)).toBe(false);
    }
  });

  it("matches nothing that is not one string (an absent header, a header sent twice)", () => {
    for (const given of [undefined, null, [secret], [secret, secret], 42, {}]) expect(secretEquals(given, secret)).toBe(false);
  });

  it("never matches an empty secret: an unset one opens nothing", () => {
    expect(secretEquals("", "")).toBe(false);
    expect(secretEquals(undefined, "")).toBe(false);
  });

  it("compares non-ASCII secrets by their bytes", () => {
    expect(secretEquals("pässwörd-ü", "pässwörd-ü")).toBe(true);
    expect(secretEquals("passwörd-ü", "pässwörd-ü")).toBe(false);
  });
});

describe("the operator's bearer credential", () => {
  const token = "operator-token-that-is-long-enough";
  const outcome = (authorization?: string, path = "/admin/x"): unknown => {
    let passed: unknown = "not called";
    const req = { path, headers: authorization === undefined ? {} : { authorization } } as unknown as Request;
    requireBearer(token)(req, {} as Response, ((err?: unknown) => void (passed = err)) as NextFunction);
    return passed;
  };

  it("lets the exact credential through", () => {
    expect(outcome(`Bearer ${token}`)).toBeUndefined();
  });

  it.each([undefined, "", token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`])("refuses %s with 401", (given) => {
    const err = outcome(given);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(401);
  });

  it("leaves health and metrics open", () => {
    expect(outcome(undefined, "/healthz")).toBeUndefined();
  });
});

describe("secrets are compared in constant time", () => {
  // An operand of ===, !==, == or !=: a string literal, or a name with its property accesses.
  const operand = String.raw`(?:"[^"\n]*"|'[^'\n]*'|[\w$]+(?:\??\.[\w$]+|\[[^\]\n]*\])*)`;
  const comparison = new RegExp(`(${operand})\\s*[!=]==?\\s*(${operand})`, "g");
  const secretName = /token|secret|passw|credential|bearer|authoriz|api[-_]?key/i;
  // Whether a secret is there at all is no secret: `token === undefined` is fine.
  const notASecret = /^(?:["'].*|\d.*|undefined|null|true|false)$/;

  it("with secretEquals, never ===: it stops at the first byte that differs", () => {
    const found = code.flatMap(({ file, lines }) =>
      lines.flatMap((line, i) =>
        [...line.matchAll(comparison)]
          .filter(([, a, b]) => ![a, b].some((x) => notASecret.test(x!)) && [a, b].some((x) => secretName.test(x!)))
          .map(([match]) => `${file}:${i + 1}: ${match}`),
      ),
    );
    expect(found).toEqual([]);
  });

  it("through the one helper: timingSafeEqual alone leaks the length (it throws on a difference)", () => {
    const users = code.filter(({ lines }) => lines.some((l) => /\btimingSafeEqual\b/.test(l))).map(({ file }) => file);
    expect(users).toEqual(["services/shared/http/secret-equal.ts"]);
  });
});

describe("no secret on a command line (anyone on the machine reads argv)", () => {
  const secret = "d41d8cd98f00b204e9800998ecf8427e-secret";

  it("RabbitMQ's region user gets its password on stdin", () => {
    const commands = rabbitmqRegionCommands("meridian-run-east", "meridian-run-east", secret);
    for (const c of commands) expect(c.args.join(" ")).not.toContain(secret);
    const addUser = commands.find((c) => c.args.includes("add_user"));
    expect(addUser).toMatchObject({ command: "rabbitmqctl", args: ["-q", "add_user", "meridian-run-east"], stdin: `${secret}\n` });
  });

  it("MariaDB's region user is created by SQL on stdin", () => {
    const c = mysqlRegionCommand("meridian_run_east", "meridian_run_east", secret);
    expect(c.args.join(" ")).not.toContain(secret);
    expect(c.stdin).toContain(`IDENTIFIED BY '${secret}'`);
    // A failed statement is not echoed into the error (and the logs).
    expect(c.args).toContain("--skip-print-query-on-error");
  });

  it("a process the runner starts may not carry a secret of its environment in its arguments", () => {
    const env = { DAPR_API_TOKEN: secret, APP_API_TOKEN: "another-secret-value", LOG_LEVEL: "info" };
    expect(() => refuseSecretsInArgs("east-orders-daprd", ["--app-id", "orders", "--log-level", "info"], env)).not.toThrow();
    expect(() => refuseSecretsInArgs("east-orders-daprd", ["--app-id", "orders", `--token=${secret}`], env)).toThrow(
      /DAPR_API_TOKEN is on its command line/,
    );
  });
});
