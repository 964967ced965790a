// Plane map (Toposketch): pictures over a plane through the latent space; draw the path on it.
// The plane is the drawn leg's: centred where that leg starts, spanned by axes A and B; a tile
// at (x, y) plane units is the picture the drawn leg shows when it passes there.
"use strict";

const plane = {extent: 1, grid: 5, shown: false, stroke: [], drawing: false, started: 0, zoomTimer: null};

// An axis as typed: a seed ("7"), a direction ("pca:0") or a saved vector ("z.npy").
function axisValue(text) {
  const value = text.trim();
  if (/^\d+$/.test(value)) return parseInt(value, 10);
  return value.endsWith(".npy") ? {vector: value} : value;
}

function axisText(axis) {
  if (axis && typeof axis === "object") return axis.vector ?? axis.seed ?? axis.direction ?? "";
  return String(axis);
}

// The axis inputs from the drawn leg of the document, if it has one.
function showAxes() {
  const polyline = studio.doc.path.legs.find((l) => l.type === "polyline");
  if (polyline && polyline.axes) {
    document.getElementById("axis-a").value = axisText(polyline.axes[0]);
    document.getElementById("axis-b").value = axisText(polyline.axes[1]);
  }
}

// The mouse wheel zooms the map: the extent shrinks or grows by a quarter, within 0.1 to 2.
function zoomPlane(event) {
  if (!plane.shown) return;
  event.preventDefault();
  const input = document.getElementById("plane-extent");
  const extent = Math.min(2, Math.max(0.1, (parseFloat(input.value) || 1) * (event.deltaY > 0 ? 1.25 : 0.8)));
  input.value = extent.toFixed(2);
  clearTimeout(plane.zoomTimer);
  plane.zoomTimer = setTimeout(showPlane, 150);  // a burst of wheel steps asks once
}

function planeLegIndex() {
  const i = studio.doc.path.legs.findIndex((l) => l.type === "polyline");
  return i >= 0 ? i : studio.doc.path.legs.length;
}

// The document with the drawn leg as a circle on the same plane: the server only needs the plane.
function planeDocument() {
  const doc = structuredClone(studio.doc);
  const i = planeLegIndex();
  const axes = [axisValue(document.getElementById("axis-a").value), axisValue(document.getElementById("axis-b").value)];
  const old = doc.path.legs[i] || {};
  const origin = i === 0 && old.origin !== undefined ? {origin: old.origin} : {};  // only a first leg has one
  doc.path.legs.splice(i, 1, {type: "circle", axes, ...origin});
  return {doc, leg: i, axes, origin};
}

async function showPlane() {
  plane.extent = parseFloat(document.getElementById("plane-extent").value) || 1;
  plane.grid = parseInt(document.getElementById("plane-grid").value, 10) || 5;
  const {doc, leg} = planeDocument();
  say("drawing the plane map…", true);
  let answer;
  try {
    answer = await request("plane", "POST", "api/plane", {document: doc, leg, extent: plane.extent, grid: plane.grid});
  } catch (error) {
    return say(error.message);
  }
  if (!answer) return;
  const tiles = document.getElementById("plane-tiles");
  tiles.style.gridTemplateColumns = `repeat(${answer.grid}, 1fr)`;
  tiles.replaceChildren(...answer.tiles.map((t) => el("img", {src: t.image, title: `(${t.x.toFixed(2)}, ${t.y.toFixed(2)})`})));
  plane.shown = true;
  say("", true);
  drawStroke();
}

// Canvas pixels <-> plane units: tiles are centred on a grid from -extent to extent.
function span() {
  const half = plane.extent / (plane.grid - 1);
  return plane.extent + half;
}

function toPlane(event) {
  const canvas = document.getElementById("plane-canvas");
  const box = canvas.getBoundingClientRect();
  const s = span();
  return [(2 * (event.clientX - box.left) / box.width - 1) * s, (1 - 2 * (event.clientY - box.top) / box.height) * s];
}

function drawStroke() {
  const canvas = document.getElementById("plane-canvas");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const s = span();
  const px = ([x, y]) => [(x / s + 1) / 2 * canvas.width, (1 - y / s) / 2 * canvas.height];
  ctx.fillStyle = "#ffcc00";
  const [cx, cy] = px([0, 0]);
  ctx.beginPath(); ctx.arc(cx, cy, 5, 0, 2 * Math.PI); ctx.fill();
  if (plane.stroke.length < 2) return;
  ctx.strokeStyle = "#ffcc00"; ctx.lineWidth = 3; ctx.lineJoin = "round";
  ctx.beginPath();
  plane.stroke.forEach((p, i) => { const [x, y] = px(p); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
  ctx.stroke();
}

function strokeStart(event) {
  if (!plane.shown) return say("show the map first, then draw on it");
  event.preventDefault();
  event.target.setPointerCapture(event.pointerId);
  plane.drawing = true;
  plane.started = performance.now();
  plane.stroke = [[0, 0], toPlane(event)];  // a drawn leg starts where the path is: the centre
  drawStroke();
}

function strokeMove(event) {
  if (!plane.drawing) return;
  const p = toPlane(event);
  const last = plane.stroke[plane.stroke.length - 1];
  if (Math.hypot(p[0] - last[0], p[1] - last[1]) > span() / 200) plane.stroke.push(p);
  drawStroke();
}

async function strokeEnd() {
  if (!plane.drawing) return;
  plane.drawing = false;
  const seconds = Math.max(0.5, Math.round((performance.now() - plane.started) / 100) / 10);
  let answer;
  try {
    answer = await request("stroke", "POST", "api/stroke", {points: plane.stroke});
  } catch (error) {
    return say(error.message);
  }
  if (!answer) return;
  const {leg, axes, origin} = planeDocument();
  const drawn = {type: "polyline", file: answer.file, size: answer.size, axes, ...origin, duration: seconds};
  studio.doc.path.legs.splice(leg, 1, drawn);
  say(`drawn leg: ${plane.stroke.length} points, ${seconds} s`, true);
  edited();
}
