/** One status line per phase: rewritten in place on a terminal, printed every few seconds in a log. */
export class Progress {
  private lastPrinted = 0;
  private readonly tty = Boolean(process.stdout.isTTY);

  status(line: string): void {
    if (this.tty) {
      process.stdout.write(`\r\x1b[2K[bench] ${line}`);
      return;
    }
    if (Date.now() - this.lastPrinted < 5000) return;
    this.lastPrinted = Date.now();
    process.stdout.write(`[bench] ${line}\n`);
  }

  /** A line that stays. */
  log(line: string): void {
    process.stdout.write(`${this.tty ? "\r\x1b[2K" : ""}[bench] ${line}\n`);
    this.lastPrinted = 0;
  }
}
