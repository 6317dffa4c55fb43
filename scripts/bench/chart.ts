/**
 * The report's chart as a self-contained SVG (no browser or plotting library needed): saturation
 * throughput next to the direct pipeline's, and latency percentiles on a log scale.
 */
import type { BenchReport } from "./report.js";
import type { Summary } from "./stats.js";

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toPrecision(3)) : "n/a");

function bars(
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  items: readonly { label: string; value: number; color: string }[],
): string {
  const max = Math.max(1, ...items.map((i) => (Number.isFinite(i.value) ? i.value : 0)));
  const bw = w / items.length;
  const parts = [`<text x="${x0 + w / 2}" y="${y0 - 12}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  items.forEach((item, i) => {
    const v = Number.isFinite(item.value) ? item.value : 0;
    const bh = (v / max) * (h - 20);
    const x = x0 + i * bw + bw * 0.15;
    parts.push(
      `<rect x="${x}" y="${y0 + h - bh}" width="${bw * 0.7}" height="${bh}" fill="${item.color}"/>`,
      `<text x="${x + bw * 0.35}" y="${y0 + h - bh - 4}" text-anchor="middle">${num(item.value)}</text>`,
      `<text x="${x + bw * 0.35}" y="${y0 + h + 16}" text-anchor="middle" font-size="11">${esc(item.label)}</text>`,
    );
  });
  parts.push(`<line x1="${x0}" y1="${y0 + h}" x2="${x0 + w}" y2="${y0 + h}" stroke="#333"/>`);
  return parts.join("\n");
}

function percentiles(
  x0: number,
  y0: number,
  w: number,
  h: number,
  series: readonly { label: string; s: Summary; color: string }[],
): string {
  const keys = ["p50", "p90", "p99", "p999", "max"] as const;
  const values = series.flatMap((x) => keys.map((k) => x.s[k])).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const y = (v: number): number => y0 + h - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  const parts = [
    `<text x="${x0 + w / 2}" y="${y0 - 12}" text-anchor="middle" font-weight="bold">Latency percentiles (ms, log scale)</text>`,
  ];
  for (let d = lo; d <= hi; d *= 10)
    parts.push(
      `<line x1="${x0}" y1="${y(d)}" x2="${x0 + w}" y2="${y(d)}" stroke="#ddd"/>`,
      `<text x="${x0 - 6}" y="${y(d) + 4}" text-anchor="end" font-size="11">${d}</text>`,
    );
  const gw = w / keys.length;
  const bw = (gw * 0.8) / series.length;
  keys.forEach((k, ki) => {
    parts.push(
      `<text x="${x0 + ki * gw + gw / 2}" y="${y0 + h + 16}" text-anchor="middle" font-size="11">${k === "p999" ? "p99.9" : k}</text>`,
    );
    series.forEach((ser, si) => {
      const v = ser.s[k];
      if (!Number.isFinite(v)) return;
      const top = y(v);
      parts.push(
        `<rect x="${x0 + ki * gw + gw * 0.1 + si * bw}" y="${top}" width="${bw * 0.9}" height="${y0 + h - top}" fill="${ser.color}"/>`,
      );
    });
  });
  series.forEach((ser, si) =>
    parts.push(
      `<rect x="${x0 + si * 230}" y="${y0 + h + 30}" width="12" height="12" fill="${ser.color}"/>`,
      `<text x="${x0 + si * 230 + 18}" y="${y0 + h + 41}" font-size="11">${esc(ser.label)}</text>`,
    ),
  );
  return parts.join("\n");
}

export function renderChart(r: BenchReport): string {
  const colors = { direct: "#7f7f7f", east: "#1f77b4", west: "#ff7f0e", total: "#2ca02c", peer: "#9467bd" };
  const single = r.throughput.single.map((t) => ({ label: `${t.region} alone`, value: t.confirmedPerSecond, color: colors.east }));
  const both = r.throughput.both.map((t) => ({ label: `${t.region} (both)`, value: t.confirmedPerSecond, color: colors.west }));
  const body = [
    bars(60, 50, 420, 260, "Saturation: orders confirmed per second", [
      { label: "direct Redis", value: r.direct.saturation.perSecond, color: colors.direct },
      ...single,
      ...both,
      { label: "both, total", value: r.throughput.bothTotalPerSecond, color: colors.total },
    ]),
    percentiles(580, 50, 560, 260, [
      { label: "direct Redis pipeline", s: r.direct.atHalf.latencyMs, color: colors.direct },
      { label: "POST → confirmed (home view)", s: r.latency.postToConfirmedMs, color: colors.east },
      { label: "POST → visible in other region", s: r.latency.postToPeerVisibleMs, color: colors.peer },
    ]),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="380" font-family="sans-serif" font-size="12">`,
    `<rect width="1200" height="380" fill="white"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
