// An SVG map of Halle's tram network from /api/network: every line in its colour, the alert's line bold, the
// stops ahead, the intercept stop, the vehicle and the unit. No tiles, nothing from elsewhere.
import { stopName, svg } from "./api.js";

const WIDTH = 1000;
const MIN_HEIGHT = 450;
const MAX_HEIGHT = 900;
const PAD = 30;
// The smallest frame, in degrees (about 1.3 km): enough of the streets around to find one's way.
const MIN_SPAN_DEG = 0.012;

let network = null;

export async function loadNetwork(api) {
  network = network || (await api("/api/network"));
  return network;
}

// Equirectangular around the middle of the points to show (the alert's markers, else its line, else the network):
// exact enough for a city. Everything is drawn; what falls outside the frame is clipped.
function projection(points) {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const [south, north] = [Math.min(...lats), Math.max(...lats)];
  const [west, east] = [Math.min(...lons), Math.max(...lons)];
  const k = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const spanX = Math.max((east - west) * k, MIN_SPAN_DEG) * 1.3;
  const spanY = Math.max(north - south, MIN_SPAN_DEG) * 1.3;
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (MAX_HEIGHT - 2 * PAD) / spanY);
  const height = Math.round(Math.max(MIN_HEIGHT, spanY * scale + 2 * PAD));
  const [midLat, midLon] = [(south + north) / 2, (west + east) / 2];
  return {
    height,
    at: (lat, lon) => [WIDTH / 2 + (lon - midLon) * k * scale, height / 2 - (lat - midLat) * scale],
  };
}

function point([x, y]) {
  return `${x.toFixed(1)},${y.toFixed(1)}`;
}

function marker(at, colour, label, id) {
  const [x, y] = at;
  return svg(
    "g",
    { id, class: "marker" },
    svg("circle", { cx: x, cy: y, r: 11, fill: colour, stroke: "#0b0f14", "stroke-width": 3 }),
    svg("text", { x: x + 15, y: y + 6, fill: colour, "font-size": 22, "font-weight": 700 }, label),
    svg("title", {}, label),
  );
}

export function drawMap(container, lines, alert, map) {
  const stops = new Map(lines.flatMap((line) => line.stops.map((s) => [s.dhid, s])));
  // A variant (7E, 3E/16) is drawn as its parent line.
  const parent = map.line ? map.line.replace(/[A-Za-z].*$/, "") : null;
  const own = lines.find((line) => line.name === map.line) || lines.find((line) => line.name === parent) || null;
  // Framed on what the operator acts on (vehicle, unit, the incident's and the intercept stop, the stops between),
  // so close markers stay apart; the whole line only when there is nothing else to show.
  const local = [
    ...[map.vehicle, ...map.units].filter(Boolean),
    ...[alert.stop_dhid, map.intercept && map.intercept.stop_dhid, ...map.stops_ahead]
      .map((dhid) => stops.get(dhid))
      .filter(Boolean),
  ];
  const focus = local.length >= 2 ? local : [...(own ? own.stops : []), ...local];
  const { height, at } = projection(focus.length ? focus : lines.flatMap((line) => line.stops));
  const layers = [];
  for (const line of lines) {
    if (line === own) continue;
    layers.push(
      svg("polyline", {
        points: line.stops.map((s) => point(at(s.lat, s.lon))).join(" "),
        fill: "none",
        stroke: line.color,
        "stroke-width": 3,
        "stroke-opacity": 0.35,
        "data-line": line.name,
      }),
    );
  }
  if (own) {
    layers.push(
      svg("polyline", {
        id: "map-line",
        points: own.stops.map((s) => point(at(s.lat, s.lon))).join(" "),
        fill: "none",
        stroke: own.color,
        "stroke-width": 8,
        "data-line": own.name,
      }),
    );
  }
  for (const stop of stops.values()) {
    const [x, y] = at(stop.lat, stop.lon);
    const ahead = map.stops_ahead.includes(stop.dhid);
    layers.push(
      svg(
        "circle",
        {
          cx: x,
          cy: y,
          r: ahead ? 9 : 3,
          fill: ahead ? "#ff922b" : "#ced4da",
          stroke: ahead ? "#0b0f14" : "none",
          "stroke-width": 3,
          "data-stop": stop.dhid,
          class: ahead ? "stop-ahead" : "stop",
        },
        svg("title", {}, stopName(stop.name, stop.dhid)),
      ),
    );
  }
  const here = alert.stop_dhid && stops.get(alert.stop_dhid);
  if (here) layers.push(marker(at(here.lat, here.lon), "#adb5bd", stopName(here.name), "map-incident-stop"));
  const meet = map.intercept && stops.get(map.intercept.stop_dhid);
  if (meet) {
    const [x, y] = at(meet.lat, meet.lon);
    layers.push(
      svg(
        "g",
        { id: "map-intercept" },
        svg("circle", { cx: x, cy: y, r: 18, fill: "none", stroke: "#ffd43b", "stroke-width": 5 }),
        svg("text", { x: x + 22, y: y - 14, fill: "#ffd43b", "font-size": 24, "font-weight": 800 }, stopName(meet.name)),
      ),
    );
  }
  if (map.vehicle) layers.push(marker(at(map.vehicle.lat, map.vehicle.lon), "#ffffff", `Wagen ${map.vehicle.vehicle}`, "map-vehicle"));
  for (const unit of map.units) layers.push(marker(at(unit.lat, unit.lon), "#4dabf7", unit.unit, "map-unit"));
  container.replaceChildren(
    svg(
      "svg",
      { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": "Straßenbahnnetz Halle" },
      ...layers,
    ),
  );
}
