/**
 * docs/problems.md from the problem-type table: what each `type` URI of an error answer means.
 * `npm run docs:problems` writes it; a unit test checks the committed file is current.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../platform/paths.js";
import { problemTypes } from "../../services/shared/http/problem-types.js";

export function problemsMarkdown(): string {
  const rows = Object.values(problemTypes).map((t) => `| \`${t.type}\` | ${t.status} | ${t.title} | ${t.means} |`);
  return [
    "# Problem types",
    "",
    "Every error answer of the services is `application/problem+json` (RFC 9457) with one of these",
    "`type` URIs, a `detail` that names what is wrong, and `instance` (the request path). Extensions",
    "carry what a client can act on (`homeRegion`, `heldVersion`, `orderId`, `idempotencyKey`).",
    "Generated from `services/shared/http/problem-types.ts` by `npm run docs:problems`.",
    "",
    "| type | status | title | means |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

if (process.argv[1]?.endsWith("problems.ts")) writeFileSync(join(projectRoot, "docs", "problems.md"), problemsMarkdown());
