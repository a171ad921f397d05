// The wallboard page: shows the snapshot the server rendered into the page, then keeps it
// current from the service's WebSocket, reconnecting by itself with a growing pause and
// saying "Stale" (in words, not only colour) while it is disconnected.
//
// Each panel is one component: a function that renders its data into its <section>. A new
// panel is a new entry in `components` (and its provider on the server).

const DASH = "—";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : String(child ?? ""));
  }
  return node;
}

function figure(value, suffix = "") {
  return value === null || value === undefined ? DASH : `${value}${suffix}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

// A time that runs on between updates: the server's seconds at receipt plus the time since.
function timer(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  return el("span", { "data-seconds": seconds, "data-at": performance.now() }, duration(seconds));
}

function table(caption, headers, rows) {
  const head = el("tr", {}, ...headers.map(([label, cls]) => el("th", { scope: "col", class: cls }, label)));
  return el("table", {}, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, ...rows));
}

function heading(name, text) {
  return el("h2", { id: `heading-${name}` }, text);
}

const components = {
  queues(section, rows) {
    const body = rows.map((q) =>
      el(
        "tr",
        { "data-queue": q.queue },
        el("th", { scope: "row", title: q.queue }, q.label),
        el("td", { class: q.callers_waiting ? "num waiting" : "num", "data-field": "callers_waiting" }, q.callers_waiting),
        el("td", { class: "num" }, q.callers_waiting ? timer(q.longest_wait_seconds) : DASH),
        el("td", { class: "num" }, q.agents_ready),
        el("td", { class: "num" }, q.agents_on_calls),
        el("td", { class: "num" }, figure(q.offered)),
        el("td", { class: "num" }, figure(q.answered)),
        el("td", { class: "num" }, figure(q.abandoned)),
        el("td", { class: "num" }, figure(q.service_level_pct, " %")),
        el("td", { class: "num" }, q.asa_seconds === null || q.asa_seconds === undefined ? DASH : duration(q.asa_seconds)),
      ),
    );
    const headers = [
      ["Queue"], ["Callers waiting", "num"], ["Longest wait", "num"], ["Ready", "num"],
      ["On calls", "num"], ["Offered today", "num"], ["Answered", "num"], ["Abandoned", "num"],
      ["Service level", "num"], ["ASA", "num"],
    ];
    section.replaceChildren(heading("queues", "Queues"), table("Now, and today so far", headers, body));
    announce(rows);
  },

  agents(section, rows) {
    const body = rows.map((a) => {
      const over = a.over_limit;
      const state = a.reason ? `${a.state_label}: ${a.reason}` : a.state_label;
      return el(
        "tr",
        { class: over ? "over" : undefined, "data-agent": a.id, "data-state": a.state },
        el("th", { scope: "row" }, a.name),
        el("td", {}, a.team.toUpperCase()),
        el("td", { "data-field": "state" }, state, over ? ` (over ${a.limit_minutes} min)` : ""),
        el("td", { class: "num" }, timer(a.seconds_in_state)),
      );
    });
    const headers = [["Agent"], ["Team"], ["State"], ["Time in state", "num"]];
    section.replaceChildren(
      heading("agents", "Agents"),
      table("By state; ⚠ past the limit for its reason", headers, body),
    );
  },

  coverage(section, data) {
    const rules = (data?.rules ?? []).map((rule) => {
      const items = rule.checks.map((c) =>
        el("li", { class: c.short && rule.staffed ? "short" : undefined },
          `${c.what}: ${c.count} of at least ${c.minimum}`, c.short && rule.staffed ? " — short" : ""),
      );
      const hours = rule.staffed ? "" : " (out of hours)";
      return el("div", {}, el("h3", {}, `${rule.queue.toUpperCase()}${hours}`), el("ul", {}, ...items));
    });
    const warnings = (data?.warnings ?? []).map((w) =>
      el("li", {}, `${new Date(w.at).toLocaleTimeString()}: ${w.agent} ${w.outcome} (${w.queue}, ${w.rule})`),
    );
    section.replaceChildren(
      heading("coverage", "Coverage"),
      ...rules,
      el("h3", {}, "Last warnings"),
      warnings.length ? el("ul", { class: "warnings" }, ...warnings) : el("p", {}, "None."),
    );
  },

  promises(section, counts) {
    const items = [
      ["Queue callbacks owed", "callbacks_owed"],
      ["Messages not returned", "messages_open"],
      ["… due within the hour", "messages_due_soon"],
      ["… overdue", "messages_overdue"],
      ["Escalation follow-ups open", "escalations_open"],
      ["… overdue", "escalations_overdue"],
      ["Confidential callbacks owed", "confidential_owed"],
      ["… overdue", "confidential_overdue"],
    ];
    const list = el("dl", { class: "counts" });
    for (const [label, key] of items) {
      const value = counts ? counts[key] : null;
      list.append(el("dt", {}, label), el("dd", { class: value && key.endsWith("overdue") ? "short" : undefined }, figure(value)));
    }
    section.replaceChildren(heading("promises", "Promises"), list);
  },
};

// Screen readers hear a short line when the number of callers waiting changes, rather than
// every table as it is redrawn.
let lastWaiting = null;
function announce(rows) {
  const waiting = rows.reduce((sum, q) => sum + q.callers_waiting, 0);
  if (waiting === lastWaiting) return;
  lastWaiting = waiting;
  const where = rows.filter((q) => q.callers_waiting).map((q) => `${q.label} ${q.callers_waiting}`);
  document.getElementById("announcer").textContent =
    waiting ? `${waiting} caller(s) waiting: ${where.join(", ")}` : "No callers waiting";
}

function render(panels) {
  for (const [name, data] of Object.entries(panels)) {
    const section = document.querySelector(`section[data-panel="${name}"]`);
    const component = components[name];
    if (section && component) component(section, data);
  }
}

function tick() {
  const now = performance.now();
  for (const node of document.querySelectorAll("span[data-seconds]")) {
    const elapsed = (now - Number(node.dataset.at)) / 1000;
    node.textContent = duration(Number(node.dataset.seconds) + elapsed);
  }
}

function setStatus(state, text) {
  const status = document.getElementById("status");
  status.dataset.state = state;
  status.textContent = text;
  document.body.classList.toggle("stale", state !== "live");
}

function connect(attempt = 0) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/api/v1/wallboard/live`);
  let opened = false;
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (!opened) {
      opened = true;
      attempt = 0;
      setStatus("live", "Live");
    }
    render(message.panels);
  });
  socket.addEventListener("close", () => {
    // Up to 5 s between tries, so a restarted service is seen again within seconds.
    const pause = Math.min(5000, 250 * 2 ** attempt);
    setStatus("stale", "Stale: disconnected, reconnecting…");
    setTimeout(() => connect(attempt + 1), pause);
  });
}

function largeType() {
  const button = document.getElementById("large-type");
  const apply = (on) => {
    document.body.classList.toggle("large", on);
    button.setAttribute("aria-pressed", String(on));
  };
  apply(localStorage.getItem("wallboard-large") === "1" || new URLSearchParams(location.search).has("large"));
  button.addEventListener("click", () => {
    const on = !document.body.classList.contains("large");
    localStorage.setItem("wallboard-large", on ? "1" : "0");
    apply(on);
  });
}

largeType();
render(JSON.parse(document.getElementById("snapshot").textContent).panels);
setInterval(tick, 1000);
connect();
