// The board: the agency's alerts, most urgent first, grouped as the router groups them, filtered, live.
import { STATE_NAMES, api, el, groupName, openStream, signedIn, stopName } from "./api.js";

const alerts = new Map(); // alert_id -> latest view
const order = new Map(); // alert_id -> position the store gave it (priority, then oldest first)
const fresh = new Set(); // alert ids of priority-1 alerts that arrived live and are still new
let nextPosition = 0;
let loaded = false;

const board = document.getElementById("board");
const filters = {
  state: document.getElementById("filter-state"),
  priority: document.getElementById("filter-priority"),
  text: document.getElementById("filter-text"),
};

// An optional tone for new priority-1 alerts: WebAudio, no sound file; off until switched on (browsers only play
// sound after a click anyway).
const sound = {
  on: localStorage.getItem("hub-console-sound") === "on",
  context: null,
  toggle: document.getElementById("sound-toggle"),
  show() {
    this.toggle.textContent = this.on ? "Ton an" : "Ton aus";
    this.toggle.setAttribute("aria-pressed", String(this.on));
  },
  beep() {
    if (!this.on) return;
    this.context = this.context || new AudioContext();
    const now = this.context.currentTime;
    for (const [offset, pitch] of [[0, 880], [0.25, 660], [0.5, 880]]) {
      const tone = this.context.createOscillator();
      const gain = this.context.createGain();
      tone.frequency.value = pitch;
      gain.gain.setValueAtTime(0.2, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.22);
      tone.connect(gain).connect(this.context.destination);
      tone.start(now + offset);
      tone.stop(now + offset + 0.23);
    }
  },
};
sound.toggle.addEventListener("click", () => {
  sound.on = !sound.on;
  localStorage.setItem("hub-console-sound", sound.on ? "on" : "off");
  if (sound.on) {
    sound.context = sound.context || new AudioContext();
    sound.context.resume();
  }
  sound.show();
});
sound.show();

function shown(view) {
  const state = filters.state.value;
  if (state === "open" && !["new", "acknowledged"].includes(view.state)) return false;
  if (!["open", "all"].includes(state) && view.state !== state) return false;
  if (view.priority > Number(filters.priority.value)) return false;
  const text = filters.text.value.trim().toLowerCase();
  return !text || Object.values(view).some((v) => typeof v === "string" && v.toLowerCase().includes(text));
}

function row(view) {
  const where = [
    view.line ? el("span", { class: "line" }, view.line) : null,
    view.vehicle ? `Wagen ${view.vehicle} · ` : "",
    stopName(view.stop_name, view.stop_dhid),
    view.intercept_stop_dhid ? ` → ${stopName(view.intercept_stop_name, view.intercept_stop_dhid)}` : "",
  ];
  const badges = [
    view.mode !== "actual" ? el("span", { class: "badge" }, view.mode === "exercise" ? "Übung" : "Test") : null,
    view.escalation !== "none" ? el("span", { class: "badge" }, `eskaliert: ${view.escalation}`) : null,
    view.hold_request ? el("span", { class: "badge" }, "Halt erbeten") : null,
  ];
  return el(
    "a",
    {
      class: fresh.has(view.alert_id) ? "alert-row fresh" : "alert-row",
      href: `/alerts/${encodeURIComponent(view.alert_id)}`,
      dataset: { alertId: view.alert_id, priority: view.priority, state: view.state, revision: view.revision },
    },
    el("span", { class: "priority", dataset: { priority: view.priority } }, `P${view.priority}`),
    el("span", { class: "state", dataset: { state: view.state } }, STATE_NAMES[view.state] || view.state),
    el("span", { class: "where" }, el("strong", {}, view.category), " ", ...where, ...badges),
    el(
      "span",
      { class: "times" },
      `${view.issued_at_local}`,
      view.unit_eta_local ? el("br") : null,
      view.unit_eta_local ? `Einheit ${view.unit_eta_local}` : null,
      view.vehicle_eta_local ? ` · Fzg ${view.vehicle_eta_local}` : null,
    ),
  );
}

function render() {
  const views = [...alerts.values()].filter(shown);
  views.sort((a, b) => a.priority - b.priority || order.get(a.alert_id) - order.get(b.alert_id));
  // Groups in the order of their most urgent alert; a heading only where a group holds several alerts.
  const groups = new Map();
  for (const view of views) {
    if (!groups.has(view.group)) groups.set(view.group, []);
    groups.get(view.group).push(view);
  }
  const children = [];
  for (const [group, members] of groups) {
    const section = el("div", { class: "alert-group", dataset: { group } });
    if (members.length > 1) section.append(el("h2", { class: "group" }, groupName(group)));
    section.append(...members.map(row));
    children.push(section);
  }
  if (!children.length) children.push(el("p", { class: "empty", id: "board-empty" }, "Keine Alarme."));
  board.replaceChildren(...children);
  document.getElementById("board-count").textContent = `${views.length} von ${alerts.size}`;
}

function take(view, live) {
  const known = alerts.get(view.alert_id);
  if (known && known.revision >= view.revision) return;
  if (!order.has(view.alert_id)) order.set(view.alert_id, nextPosition++);
  alerts.set(view.alert_id, view);
  const urgent = view.priority === 1 && view.state === "new";
  if (live && urgent && (!known || known.state !== "new" || known.priority !== 1)) {
    fresh.add(view.alert_id);
    sound.beep();
  }
  if (!urgent) fresh.delete(view.alert_id);
}

async function load() {
  const views = await api("/api/alerts");
  order.clear();
  nextPosition = 0;
  for (const view of views) {
    order.set(view.alert_id, nextPosition++);
    take(view, false);
  }
  loaded = true;
  render();
}

for (const input of Object.values(filters)) input.addEventListener("input", render);
document.getElementById("filters").addEventListener("submit", (event) => event.preventDefault());

await signedIn();
openStream({
  alert(view) {
    take(view, loaded);
    render();
  },
  reload() {
    load();
  },
});
await load();
document.body.dataset.ready = "true";
