import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessGroup } from "../../scripts/local/processes.js";

describe("a process's log file", () => {
  it("keeps what the process writes to stderr after its stdout has closed", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "process-group-")), "p.log");
    const group = new ProcessGroup();
    // stdout closes first; before, that ended the shared file and the late stderr line was a
    // write after end: an uncaught error in the runner (seen failing a whole CI run).
    const p = group.spawn("late-stderr", "sh", ["-c", "echo early; exec 1>&-; sleep 0.2; echo late >&2"], process.env, log);
    expect(await p.exited).toBe(0);
    await group.stopAll();
    await expect.poll(() => readFileSync(log, "utf8"), { timeout: 2000 }).toBe("early\nlate\n");
  });
});
