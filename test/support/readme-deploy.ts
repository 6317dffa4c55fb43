import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../platform/paths.js";

/** The README's deploy commands (between `<!-- deploy:begin -->` and `<!-- deploy:end -->`), one per line. */
export function readmeDeployCommands(): string[] {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const section = /<!-- deploy:begin -->\s*```bash\n([\s\S]*?)```\s*<!-- deploy:end -->/.exec(readme)?.[1];
  if (!section) throw new Error("README.md has no deploy block between <!-- deploy:begin --> and <!-- deploy:end -->");
  return section.split("\n").filter((line) => line.trim() && !line.trim().startsWith("#"));
}

export interface DocumentedSecret {
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
  readonly keys: string[];
}

/** The Secrets the deploy commands create, by context. */
export function documentedSecrets(commands: readonly string[] = readmeDeployCommands()): DocumentedSecret[] {
  return commands.flatMap((line) => {
    const m = /kubectl --context (\S+) -n (\S+) create secret generic (\S+)(.*)$/.exec(line);
    if (!m) return [];
    const keys = [...(m[4] ?? "").matchAll(/--from-literal=([^=\s]+)=/g)].map((k) => k[1] ?? "");
    return [{ context: m[1] ?? "", namespace: m[2] ?? "", name: m[3] ?? "", keys }];
  });
}
