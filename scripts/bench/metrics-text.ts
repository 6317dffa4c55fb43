/** Sum of a counter's samples in a Prometheus text exposition, optionally only those whose labels contain `label`. */
export function sumCounter(text: string, name: string, label = ""): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample of a Prometheus text exposition, with its labels (escapes in label values undone). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    if (brace === -1 || (space !== -1 && space < brace)) {
      const [name, value] = line.split(" ");
      if (name && value !== undefined) samples.push({ name, labels: {}, value: Number(value) });
      continue;
    }
    const labels: Record<string, string> = {};
    // name="value" pairs; a value may hold commas, braces and escaped quotes.
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/y;
    let at = brace + 1;
    while (at < line.length && line[at] !== "}") {
      pair.lastIndex = at;
      const m = pair.exec(line);
      if (!m) break;
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      at = pair.lastIndex;
      if (line[at] === ",") at++;
    }
    const close = line.indexOf("}", at);
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(" ")[0],
    );
    samples.push({ name: line.slice(0, brace), labels, value });
  }
  return samples;
}
