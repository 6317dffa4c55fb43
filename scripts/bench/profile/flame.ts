/**
 * A flame graph as a standalone SVG: one rectangle per frame, as wide as the CPU time of the
 * stacks through it, callers below callees; hovering shows the frame, its time and its share.
 * Children are ordered by name (not by time), so the same code sits in the same place in every
 * graph and two graphs can be compared side by side.
 */
import { type Folded, totalMs } from "./folded.js";

interface Frame {
  readonly name: string;
  ms: number;
  readonly children: Map<string, Frame>;
}

function treeOf(folded: Folded): Frame {
  const root: Frame = { name: "all", ms: 0, children: new Map() };
  for (const [stack, ms] of folded) {
    root.ms += ms;
    let at = root;
    for (const name of stack.split(";")) {
      let child = at.children.get(name);
      if (!child) at.children.set(name, (child = { name, ms: 0, children: new Map() }));
      child.ms += ms;
      at = child;
    }
  }
  return root;
}

const escapeXml = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/**
 * Colour by where the code lives, so the eye finds "our code" against libraries and runtimes:
 * the project's services green, npm packages orange, Node and V8 internals grey-blue, Dapr red,
 * components-contrib purple, the Go runtime and standard library blue, everything else yellow.
 */
export function colourOf(name: string): string {
  const hue = (base: string, spread: number): string => {
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const [r, g, b] = base.split(",").map(Number) as [number, number, number];
    const d = (h % spread) - spread / 2;
    const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v + d)));
    return `rgb(${clamp(r)},${clamp(g)},${clamp(b)})`;
  };
  if (/ (services|platform|scripts)\//.test(name)) return hue("110,200,110", 40);
  if (/ (node:|internal\/)|^\(garbage collector\)|^\(program\)/.test(name)) return hue("150,170,200", 30);
  if (/\.(m?js|cjs|ts):\d+$/.test(name)) return hue("240,160,80", 40);
  if (name.startsWith("dapr/components-contrib")) return hue("190,140,220", 30);
  if (name.startsWith("dapr/")) return hue("230,110,100", 40);
  if (/^(runtime|internal|net|sync|syscall|reflect|crypto|encoding|bufio|io|os|time|context|strings|strconv|fmt|math|sort)[./]/.test(name))
    return hue("110,160,230", 30);
  return hue("230,210,100", 40);
}

/**
 * The text drawn in a frame: a Go symbol without its import path ("redis.(*redisStreams).worker"),
 * so the part that tells frames apart fits; the tooltip keeps the full name.
 */
export function shortLabel(name: string): string {
  if (name.includes(" ")) return name;
  const head = name.split(/[([]/, 1)[0]!;
  return name.slice(head.lastIndexOf("/") + 1);
}

export interface FlameOptions {
  readonly title: string;
  /** Extra line under the title (what was profiled, over which window). */
  readonly subtitle?: string;
  readonly width?: number;
}

/** Frames narrower than this many pixels are not drawn (their time still counts in their parents). */
const minWidthPx = 0.3;
const rowPx = 16;
const fontPx = 11;
/** Average glyph width of the font at fontPx, for cutting labels to fit. */
const charPx = 6.6;

export function renderFlameGraph(folded: Folded, o: FlameOptions): string {
  const width = o.width ?? 1200;
  const pad = 10;
  const header = o.subtitle ? 46 : 30;
  const root = treeOf(folded);
  const total = totalMs(folded);
  const scale = total > 0 ? (width - 2 * pad) / total : 0;
  const rects: { x: number; depth: number; w: number; f: Frame }[] = [];
  const walk = (f: Frame, x: number, depth: number): void => {
    const w = f.ms * scale;
    if (w < minWidthPx) return;
    rects.push({ x, depth, w, f });
    let cx = x;
    for (const child of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      walk(child, cx, depth + 1);
      cx += child.ms * scale;
    }
  };
  walk(root, pad, 0);
  const depth = rects.reduce((d, r) => Math.max(d, r.depth), 0) + 1;
  const height = header + depth * rowPx + pad;
  const y = (d: number): number => height - pad - (d + 1) * rowPx;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana, sans-serif" font-size="${fontPx}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fdfdf8"/>`,
    `<text x="${width / 2}" y="20" font-size="15" text-anchor="middle">${escapeXml(o.title)}</text>`,
  ];
  if (o.subtitle) out.push(`<text x="${width / 2}" y="37" text-anchor="middle" fill="#555">${escapeXml(o.subtitle)}</text>`);
  for (const r of rects) {
    const share = total > 0 ? (r.f.ms / total) * 100 : 0;
    const label = r.f.name === "all" ? `all (${fmtMs(total)})` : r.f.name;
    const shown = shortLabel(label);
    const fits = Math.floor((r.w - 6) / charPx);
    const text = fits >= 3 ? (shown.length <= fits ? shown : `${shown.slice(0, fits - 2)}..`) : "";
    out.push(
      `<g><title>${escapeXml(`${label}: ${fmtMs(r.f.ms)}, ${share.toFixed(2)}%`)}</title>` +
        `<rect x="${r.x.toFixed(2)}" y="${y(r.depth)}" width="${r.w.toFixed(2)}" height="${rowPx - 1}" rx="2" fill="${r.f.name === "all" ? "#ddd" : colourOf(r.f.name)}"/>` +
        (text ? `<text x="${(r.x + 3).toFixed(2)}" y="${y(r.depth) + rowPx - 4}">${escapeXml(text)}</text>` : "") +
        `</g>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 0 : 1)} ms`;
}
