// Shared by the board and the detail page: the API with the session's CSRF token, the event stream, a DOM
// builder (text only, never HTML from data), and how stops and times are shown.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

function toLogin() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const answer = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (answer.status === 401) {
    toLogin();
    throw new ApiError(401, { error: "signed out" });
  }
  const text = await answer.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, parsed);
  return parsed;
}

// Who is signed in; fills the header and wires sign-out. Every page calls it first.
export async function signedIn() {
  const me = await api("/api/me");
  csrfToken = me.csrf_token;
  const who = document.getElementById("who");
  if (who) who.textContent = `${me.user} · ${me.role} · ${agencyName(me.agency)}`;
  const out = document.getElementById("sign-out");
  if (out) {
    out.addEventListener("click", async () => {
      try {
        await api("/api/session", { method: "DELETE" });
      } finally {
        location.assign("/login");
      }
    });
  }
  return me;
}

export function agencyName(agency) {
  return { polizei: "Polizei", havag: "HAVAG", ordnungsamt: "Ordnungsamt" }[agency] || agency;
}

// The router's group: HAVAG's "line 2" in German; an incident id as it is.
export function groupName(group) {
  return group.startsWith("line ") ? `Linie ${group.slice(5)}` : group;
}

export const STATE_NAMES = {
  new: "neu",
  acknowledged: "quittiert",
  resolved: "erledigt",
  expired: "abgelaufen",
};

// Element builder: el("div", {class: "x", dataset: {alertId: id}}, "text", child). Text stays text.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElementNS(
    tag === "svg" || attributes.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  );
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "svg" || value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attributes = {}, ...children) {
  return el(tag, { ...attributes, svg: true }, ...children);
}

// "Halle (Saale), Rennbahnkreuz" -> "Rennbahnkreuz": every stop on the map is in Halle.
export function stopName(name, dhid) {
  if (!name) return dhid || "–";
  return name.replace(/^Halle \(Saale\),\s*/, "");
}

const berlin = new Intl.DateTimeFormat("de-DE", {
  timeZone: "Europe/Berlin",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const berlinDay = new Intl.DateTimeFormat("de-DE", { timeZone: "Europe/Berlin", day: "2-digit", month: "2-digit" });

export function berlinTime(iso) {
  if (!iso) return "–";
  return berlin.format(new Date(iso));
}

export function berlinDateTime(iso) {
  if (!iso) return "–";
  const at = new Date(iso);
  return `${berlinDay.format(at)} ${berlin.format(at)}`;
}

// The live stream: handlers per event type; the status pill shows live / reconnecting. EventSource reconnects by
// itself with Last-Event-ID; a stream refused for want of a session sends the page to the sign-in.
export function openStream(handlers) {
  const pill = document.getElementById("stream-status");
  const setStatus = (status, text) => {
    if (!pill) return;
    pill.dataset.status = status;
    pill.textContent = text;
  };
  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => setStatus("live", "live"));
  source.addEventListener("error", async () => {
    setStatus("reconnecting", "verbinde neu …");
    if (source.readyState === EventSource.CLOSED) {
      try {
        await api("/api/me");
        setTimeout(() => openStream(handlers), 3000);
      } catch {
        /* api() has sent the page to the sign-in */
      }
    }
  });
  for (const [type, handler] of Object.entries(handlers)) {
    source.addEventListener(type, (event) => handler(event.data ? JSON.parse(event.data) : null));
  }
  return source;
}
