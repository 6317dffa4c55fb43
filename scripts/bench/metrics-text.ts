/** Sum of a counter's samples in a Prometheus text exposition, optionally only those whose labels contain `label`. */
export function sumCounter(text: string, name: string, label = ""): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}
