// A report's page: reads its form, fetches the report from the API (the login's session cookie
// is accepted for reads), and shows its definitions, its chart and its table; the CSV link is the
// same query with format=csv. Each report says once below how it is charted.

import { barChart } from "./charts.js";

const WAIT_BINS = [[0, 10], [10, 30], [30, 60], [60, 120], [120, 300], [300, Infinity]];

const CHARTS = {
  interval: (rows) => {
    const byStart = group(rows, (r) => r.start);
    const starts = [...byStart.keys()];
    const sum = (key) => starts.map((s) => byStart.get(s).reduce((t, r) => t + (r[key] || 0), 0));
    return {
      title: "Calls and service level by interval",
      categories: starts.map(shortTime),
      series: [
        { name: "Answered", values: sum("answered") },
        { name: "Abandoned", values: sum("abandoned") },
        { name: "Short abandons", values: sum("short_abandons") },
      ],
      stacked: true,
      unit: "calls",
      line: { name: "Service level", values: starts.map((s) => serviceLevel(byStart.get(s))), max: 100, unit: "%" },
    };
  },
  abandoned: (rows) => ({
    title: "Abandoned calls by how long the caller waited",
    categories: WAIT_BINS.map(([lo, hi]) => (hi === Infinity ? `${lo} s +` : `${lo}–${hi} s`)),
    series: [{ name: "Abandoned", values: WAIT_BINS.map(([lo, hi]) => rows.filter((r) => (r.wait_seconds || 0) >= lo && (r.wait_seconds || 0) < hi).length) }],
    unit: "calls",
  }),
  agents: (rows) => ({
    title: "Agent time by state",
    categories: rows.map((r) => `${r.name || r.agent} ${shortTime(r.start)}`),
    series: [
      { name: "Ready", values: rows.map((r) => minutes(r.ready_seconds)) },
      { name: "Call Inbound", values: rows.map((r) => minutes(r.call_inbound_seconds)) },
      { name: "Not Ready", values: rows.map((r) => minutes(r.not_ready_seconds)) },
    ],
    stacked: true,
    unit: "min",
  }),
  "first-contact": (rows) => {
    const totals = rows.filter((r) => r.agent === null);
    return {
      title: "Calls with no repeat contact, by queue",
      categories: totals.map((r) => r.queue),
      series: [
        { name: "No repeat", values: totals.map((r) => r.contacts - r.repeat_contacts) },
        { name: "Repeat contact", values: totals.map((r) => r.repeat_contacts) },
      ],
      stacked: true,
      unit: "calls",
    };
  },
  promises: (rows) => ({
    title: "Promises kept, late and missed",
    categories: rows.map((r) => label(r)),
    series: ["kept", "late", "missed"].map((k) => ({ name: k[0].toUpperCase() + k.slice(1), values: rows.map((r) => r[k] || 0) })),
    unit: "promises",
  }),
};

function group(rows, key) {
  const out = new Map();
  for (const row of rows) {
    const k = key(row);
    if (!out.has(k)) out.set(k, []);
    out.get(k).push(row);
  }
  return out;
}

// The service level of several queues together: each queue's share weighted by its answered
// plus abandoned calls (the service level's own denominator).
function serviceLevel(rows) {
  let within = 0;
  let counted = 0;
  for (const r of rows) {
    if (r.service_level_pct === null || r.service_level_pct === undefined) continue;
    const n = (r.answered || 0) + (r.abandoned || 0);
    within += (r.service_level_pct * n) / 100;
    counted += n;
  }
  return counted ? Math.round((1000 * within) / counted) / 10 : null;
}

function shortTime(iso) {
  if (!iso) return "";
  const [day, time] = iso.split("T");
  return time && !time.startsWith("00:00") ? `${day.slice(5)} ${time.slice(0, 5)}` : day;
}

// A report's `to` is the end of its last day (midnight after it): the day itself is shown.
function lastDay(iso) {
  if (!iso || !iso.includes("T00:00")) return shortTime(iso);
  const day = new Date(`${iso.slice(0, 10)}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

function minutes(seconds) {
  return Math.round((seconds || 0) / 6) / 10;
}

function label(row) {
  return Object.values(row).find((v) => typeof v === "string") || "";
}

function cell(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join("; ") || "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  const moment = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(String(value));
  return moment ? `${moment[1]} ${moment[2]}` : String(value);
}

function table(rows) {
  const t = document.createElement("table");
  if (!rows.length) {
    t.innerHTML = "<caption>No rows for this period.</caption>";
    return t;
  }
  const columns = Object.keys(rows[0]);
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = c.replaceAll("_", " ");
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      td.textContent = cell(row[c]);
      if (typeof row[c] === "number") td.className = "num";
    }
  }
  return t;
}

function definitions(defs) {
  const dl = document.createElement("dl");
  for (const [term, meaning] of Object.entries(defs || {})) {
    const dt = document.createElement("dt");
    dt.textContent = term.replaceAll("_", " ");
    const dd = document.createElement("dd");
    dd.textContent = String(meaning);
    dl.append(dt, dd);
  }
  return dl;
}

async function show(name, form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
  const status = document.getElementById("report-status");
  const csv = document.getElementById("csv");
  csv.href = `/api/v1/reports/${name}?${params}&format=csv`;
  status.textContent = "Loading…";
  const response = await fetch(`/api/v1/reports/${name}?${params}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    status.textContent = `Cannot show this report: ${body.detail || response.statusText}`;
    return;
  }
  const rows = body.rows || [];
  document.getElementById("definitions").replaceChildren(definitions(body.definitions));
  barChart(document.getElementById("chart"), CHARTS[name](rows));
  document.getElementById("rows").replaceChildren(table(rows));
  status.textContent = `${rows.length} ${rows.length === 1 ? "row" : "rows"}, ${shortTime(body.from)} to ${lastDay(body.to)}${body.truncated ? " (list cut short: narrow the period)" : ""}.`;
}

const form = document.getElementById("report-form");
if (form) {
  const name = document.body.dataset.report;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(name, form);
  });
  show(name, form);
}
