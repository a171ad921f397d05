// Bar charts as SVG, drawn in the page from a report's rows: no library, no build step, nothing
// fetched from elsewhere. Series are told apart by a fill pattern and a legend in words as well
// as by colour; every bar carries its value as a tooltip title, and the chart as a whole is an
// image with a text description (the report's table below it holds every figure).

const SVG = "http://www.w3.org/2000/svg";
const FILLS = [
  { colour: "#1a4fa0", pattern: null },
  { colour: "#b34700", pattern: "hatch" },
  { colour: "#2e7d32", pattern: "dots" },
  { colour: "#6a1b9a", pattern: "cross" },
  { colour: "#555555", pattern: "hatch" },
];
const SIZE = { width: 860, height: 300, left: 56, right: 56, top: 16, bottom: 64 };

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

function patterns(svg, id) {
  const defs = el("defs", {}, svg);
  return FILLS.map((fill, i) => {
    if (!fill.pattern) return fill.colour;
    const p = el("pattern", { id: `${id}-p${i}`, width: 6, height: 6, patternUnits: "userSpaceOnUse" }, defs);
    el("rect", { width: 6, height: 6, fill: fill.colour }, p);
    const ink = { stroke: "#fff", "stroke-width": 1.5 };
    if (fill.pattern === "hatch") el("path", { d: "M0,6 L6,0", ...ink }, p);
    if (fill.pattern === "dots") el("circle", { cx: 3, cy: 3, r: 1.3, fill: "#fff" }, p);
    if (fill.pattern === "cross") el("path", { d: "M0,3 H6 M3,0 V6", ...ink }, p);
    return `url(#${id}-p${i})`;
  });
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
}

function text(parent, x, y, content, attrs = {}) {
  const node = el("text", { x, y, "font-size": 12, fill: "#111", ...attrs }, parent);
  node.textContent = content;
  return node;
}

// `spec`: { title, categories: [label], series: [{ name, values }], stacked, unit,
//           line: { name, values, max, unit } | null }  (line values on a right axis, e.g. %)
export function barChart(container, spec) {
  container.replaceChildren();
  const id = `chart-${Math.random().toString(36).slice(2, 8)}`;
  const { width, height, left, right, top, bottom } = SIZE;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart" });
  el("title", { id: `${id}-t` }, svg).textContent = spec.title;
  el("desc", { id: `${id}-d` }, svg).textContent = describe(spec);
  const fills = patterns(svg, id);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = Math.max(spec.categories.length, 1);
  const totals = spec.categories.map((_, i) =>
    spec.stacked ? spec.series.reduce((s, x) => s + (x.values[i] || 0), 0)
                 : Math.max(0, ...spec.series.map((x) => x.values[i] || 0)));
  const max = Math.max(4, niceMax(Math.max(0, ...totals)));  // whole-number ticks for a few calls
  const y = (v) => top + plotH - (v / max) * plotH;
  axis(svg, max, y, left, width - right, spec.unit || "");
  const slot = plotW / n;
  const groups = spec.stacked ? 1 : spec.series.length;
  const barW = Math.max(1, (slot * 0.8) / groups);
  spec.categories.forEach((label, i) => {
    let base = 0;
    spec.series.forEach((series, s) => {
      const value = series.values[i] || 0;
      const x = left + i * slot + slot * 0.1 + (spec.stacked ? 0 : s * barW);
      const y0 = spec.stacked ? base : 0;
      const bar = el("rect", { x, y: y(y0 + value), width: barW, height: Math.max(0, y(y0) - y(y0 + value)), fill: fills[s % fills.length] }, svg);
      el("title", {}, bar).textContent = `${label}: ${series.name} ${value}${spec.unit ? " " + spec.unit : ""}`;
      if (spec.stacked) base += value;
    });
    const every = Math.ceil(n / 16);
    if (i % every === 0) {
      text(svg, left + i * slot + slot / 2, height - bottom + 16, label, { "text-anchor": "middle", "font-size": 11 });
    }
  });
  if (spec.line) drawLine(svg, spec, left, slot, top, plotH, width - right);
  container.appendChild(svg);
  container.appendChild(legend(spec, fills));
}

function axis(svg, max, y, x0, x1, unit) {
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    el("line", { x1: x0, x2: x1, y1: y(v), y2: y(v), stroke: "#d0d0d0" }, svg);
    text(svg, x0 - 6, y(v) + 4, formatNumber(v), { "text-anchor": "end" });
  }
  if (unit) text(svg, 4, 12, unit);
}

function drawLine(svg, spec, left, slot, top, plotH, x1) {
  const { values, max = 100, unit = "%" } = spec.line;
  const y = (v) => top + plotH - (v / max) * plotH;
  const points = values
    .map((v, i) => (v === null || v === undefined ? null : [left + i * slot + slot / 2, y(v), v, i]))
    .filter(Boolean);
  if (points.length > 1) {
    el("polyline", { points: points.map((p) => `${p[0]},${p[1]}`).join(" "), fill: "none", stroke: "#111", "stroke-width": 2, "stroke-dasharray": "6 3" }, svg);
  }
  for (const [x, yy, v, i] of points) {
    const dot = el("rect", { x: x - 4, y: yy - 4, width: 8, height: 8, fill: "#fff", stroke: "#111", "stroke-width": 2 }, svg);
    el("title", {}, dot).textContent = `${spec.categories[i]}: ${spec.line.name} ${v}${unit}`;
  }
  for (let k = 0; k <= 4; k += 1) text(svg, x1 + 6, y((max * k) / 4) + 4, `${(max * k) / 4}${unit}`);
}

function legend(spec, fills) {
  const list = document.createElement("ul");
  list.className = "legend";
  spec.series.forEach((series, s) => {
    const item = document.createElement("li");
    const swatch = el("svg", { width: 16, height: 12, "aria-hidden": "true" });
    el("rect", { width: 16, height: 12, fill: fills[s % fills.length], stroke: "#111" }, swatch);
    item.append(swatch, ` ${series.name}`);
    list.appendChild(item);
  });
  if (spec.line) {
    const item = document.createElement("li");
    item.textContent = `▫ – – ${spec.line.name} (right axis)`;
    list.appendChild(item);
  }
  return list;
}

function describe(spec) {
  const names = spec.series.map((s) => s.name).join(", ");
  const line = spec.line ? ` and ${spec.line.name} as a dashed line` : "";
  return `${spec.stacked ? "Stacked bars" : "Bars"} of ${names}${line} for ${spec.categories.length} ${spec.categories.length === 1 ? "entry" : "entries"}; the table below holds every figure.`;
}

function formatNumber(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
