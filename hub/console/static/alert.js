// The detail page: the plan on a map, the revisions with what changed, the actions, and the buttons. Every action
// is bound to the revision shown; a 409 shows what changed and asks again.
import {
  ApiError,
  STATE_NAMES,
  api,
  berlinDateTime,
  berlinTime,
  el,
  groupName,
  openStream,
  signedIn,
  stopName,
} from "./api.js";
import { drawMap, loadNetwork } from "./map.js";

const alertId = decodeURIComponent(location.pathname.split("/").pop());
const endpoint = `/api/alerts/${encodeURIComponent(alertId)}`;
let detail = null;
let pending = null; // the action a 409 interrupted: {action, body}
let stopNames = new Map(); // DHID -> name, from /api/network

const $ = (id) => document.getElementById(id);

function status(text, kind = "") {
  $("action-status").textContent = text;
  $("action-status").dataset.kind = kind;
}

function show(value, field = "") {
  if (value === null || value === undefined) return "–";
  if (field.endsWith("dhid") && stopNames.has(value)) return stopName(stopNames.get(value), value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function head(view) {
  document.title = `P${view.priority} ${view.category} · Leitstellen-Konsole Halle`;
  $("title").textContent = `${view.category} · ${groupName(view.group)}`;
  $("detail-head").replaceChildren(el("div", { class: "detail-head-row" },
    el("span", { class: "priority", id: "detail-priority", dataset: { priority: view.priority } }, `P${view.priority}`),
    el("span", { class: "state", id: "detail-state", dataset: { state: view.state } }, STATE_NAMES[view.state] || view.state),
    el("span", { id: "detail-revision", dataset: { revision: view.revision } }, `Revision ${view.revision}`),
    view.mode !== "actual" ? el("span", { class: "badge" }, view.mode === "exercise" ? "Übung" : "Test") : null,
    el("span", { class: "times" }, `ausgegeben ${view.issued_at_local}`),
  ));
}

function facts(view, map) {
  const rows = [
    ["Linie", view.line],
    ["Wagen", view.vehicle],
    ["Ort", stopName(view.stop_name, view.stop_dhid)],
    ["Treffpunkt", view.intercept_stop_dhid ? stopName(view.intercept_stop_name, view.intercept_stop_dhid) : null],
    ["Einheit", view.recommended_unit],
    ["Einheit an Treffpunkt", view.unit_eta_local],
    ["Fahrzeug an Treffpunkt", view.vehicle_eta_local],
    ["Halt erbeten (HAVAG)", map.intercept && map.intercept.hold_s ? `${map.intercept.hold_s} s` : null],
    ["Maßnahme HAVAG", view.hold_request ? view.hold_request.action : null],
    ["Eskalation", view.escalation !== "none" ? `${view.escalation} (${view.escalated_to || "Stufe " + view.escalation_level})` : null],
    ["HAVAG antwortet nicht", view.havag_unanswered ? "ja – HAVAG anrufen" : null],
    ["Hinweise", view.instructions],
    ["Quittiert von", view.acknowledged_by ? `${view.acknowledged_by} (Rev. ${view.acknowledged_revision})` : null],
    ["Beendet", view.clear_reason ? `${view.clear_reason} ${berlinTime(view.cleared_at)}` : null],
  ];
  $("facts").replaceChildren(
    ...rows
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .flatMap(([name, value]) => [
        el("dt", {}, name),
        el("dd", { class: name.startsWith("Halt") ? "hold" : "", dataset: { fact: name } }, value),
      ]),
  );
}

function changeList(changes) {
  if (!changes.length) return "–";
  return el(
    "ul",
    { class: "change" },
    ...changes.map((c) =>
      el("li", { dataset: { field: c.field } }, `${c.field}: `, el("span", { class: "before" }, show(c.before, c.field)), " → ", el("span", { class: "after" }, show(c.after, c.field))),
    ),
  );
}

function revisions(list, changes) {
  $("revisions").replaceChildren(
    ...list
      .map((view, i) =>
        el(
          "tr",
          { dataset: { revision: view.revision } },
          el("td", {}, view.revision),
          el("td", {}, view.issued_at_local),
          el("td", {}, STATE_NAMES[view.state] || view.state),
          el("td", {}, changeList(changes[i])),
        ),
      )
      .reverse(),
  );
}

function actions(list) {
  $("actions").replaceChildren(
    ...list.map((a) =>
      el(
        "tr",
        { dataset: { action: a.action } },
        el("td", {}, berlinDateTime(a.at)),
        el("td", {}, { acknowledge: "quittiert", note: "Notiz", resolve: "erledigt" }[a.action] || a.action),
        el("td", {}, a.revision ?? "–"),
        el("td", {}, a.by),
        el("td", {}, a.note ?? ""),
      ),
    ),
  );
}

function buttons(view) {
  const finished = ["resolved", "expired"].includes(view.state);
  $("ack-button").disabled = finished || view.state === "acknowledged";
  $("resolve-button").disabled = finished;
  $("ack-button").dataset.revision = view.revision;
  $("resolve-button").dataset.revision = view.revision;
}

async function render() {
  const network = await loadNetwork(api);
  stopNames = new Map(network.lines.flatMap((line) => line.stops.map((stop) => [stop.dhid, stop.name])));
  const view = detail.alert;
  head(view);
  facts(view, detail.map);
  revisions(detail.revisions, detail.changes);
  actions(detail.actions);
  buttons(view);
  drawMap($("map"), network.lines, view, detail.map);
  document.body.dataset.revision = view.revision;
}

async function load() {
  try {
    detail = await api(endpoint);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      $("load-error").hidden = false;
      $("load-error").textContent = "Diesen Alarm gibt es für Ihre Behörde nicht.";
      $("actions-bar").hidden = true;
      return;
    }
    throw error;
  }
  await render();
}

function conflict(error, action, body) {
  const current = error.body.current;
  pending = { action, body: { ...body, revision: current.revision } };
  $("conflict-text").textContent =
    `Sie haben Revision ${body.revision} gesehen; aktuell ist Revision ${current.revision}. Bitte prüfen und erneut bestätigen.`;
  $("conflict-changes").replaceChildren(
    ...error.body.changes.map((c) =>
      el("tr", { dataset: { field: c.field } }, el("td", {}, c.field), el("td", { class: "change before" }, show(c.before, c.field)), el("td", { class: "change after" }, show(c.after, c.field))),
    ),
  );
  $("conflict").hidden = false;
  $("conflict-confirm").focus();
}

async function act(action, body) {
  status("wird gesendet …");
  try {
    await api(`${endpoint}/${action}`, { method: "POST", body });
    status(action === "notes" ? "Notiz gespeichert." : "Gesendet; der Alarm wird gleich aktualisiert.", "ok");
    if (action === "notes") $("note-text").value = "";
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.body.code === "stale_revision") {
      status("");
      conflict(error, action, body);
      return;
    }
    status(error instanceof ApiError && error.status === 503 ? "Nicht gespeichert – bitte erneut senden." : error.message, "error");
  }
}

$("ack-button").addEventListener("click", () => act("acknowledge", { revision: detail.alert.revision }));
$("resolve-button").addEventListener("click", () => {
  $("resolve-confirm").hidden = false;
  $("resolve-confirm").focus();
});
$("resolve-confirm").addEventListener("click", () => {
  $("resolve-confirm").hidden = true;
  const note = $("note-text").value.trim();
  act("resolve", note ? { revision: detail.alert.revision, note } : { revision: detail.alert.revision });
});
$("note-button").addEventListener("click", () => {
  const text = $("note-text").value.trim();
  if (text) act("notes", { text, revision: detail.alert.revision });
});
$("conflict-confirm").addEventListener("click", async () => {
  $("conflict").hidden = true;
  await load();
  if (pending) act(pending.action, pending.body);
  pending = null;
});
$("conflict-cancel").addEventListener("click", async () => {
  $("conflict").hidden = true;
  pending = null;
  await load();
});

await signedIn();
openStream({
  async alert(view) {
    if (view.alert_id !== alertId || !detail || view.revision <= detail.alert.revision) return;
    const before = detail.alert.revision;
    await load();
    $("revision-banner").hidden = false;
    $("revision-banner").textContent = `Neue Revision ${view.revision} (vorher ${before}) – angezeigt; Knöpfe gelten für sie.`;
  },
  async action(action) {
    if (action.alert_id === alertId) await load();
  },
});
await load();
document.body.dataset.ready = "true";
