// Timeline: the path's timing (fps, duration, moves, holds, loop, interpolation, easing, speed)
// and its legs (type, duration, easing); every edit replans the preview.
"use strict";

const LEG_TYPES = ["keyframes", "polyline", "hold", "walk", "noise-loop", "circle"];

function seconds(text) {
  const value = text.trim();
  if (value === "") return undefined;
  return /^\d+f$/.test(value) ? value : parseFloat(value);
}

function setPathField(field, value) {
  if (value === undefined || Number.isNaN(value)) delete studio.doc.path[field];
  else studio.doc.path[field] = value;
  edited();
}

function bindTimeline() {
  const path = () => studio.doc.path;
  const fields = {
    "t-duration": (v) => setPathField("duration", seconds(v)),
    "t-transition": (v) => setPathField("transition", seconds(v)),
    "t-hold": (v) => setPathField("hold", seconds(v)),
    "t-interpolation": (v) => setPathField("interpolation", v),
    "t-easing": (v) => setPathField("easing", v),
    "t-speed": (v) => setPathField("speed", v),
  };
  for (const [id, apply] of Object.entries(fields)) {
    document.getElementById(id).addEventListener("change", (e) => apply(e.target.value));
  }
  document.getElementById("t-loop").addEventListener("change", (e) => { path().loop = e.target.checked; edited(); });
  document.getElementById("t-fps").addEventListener("change", (e) => { studio.doc.fps = parseInt(e.target.value, 10) || 12; edited(); });
}

function showTimeline() {
  const doc = studio.doc, path = doc.path;
  const text = (v) => (v === undefined || v === null ? "" : String(v));
  document.getElementById("t-fps").value = doc.fps ?? 30;
  document.getElementById("t-duration").value = text(path.duration);
  document.getElementById("t-transition").value = text(path.transition);
  document.getElementById("t-hold").value = text(path.hold);
  document.getElementById("t-loop").checked = !!path.loop;
  document.getElementById("t-interpolation").value = path.interpolation || "spline";
  document.getElementById("t-easing").value = path.easing || "linear";
  document.getElementById("t-speed").value = path.speed || "natural";
  renderLegs();
}

function renderLegs() {
  const legs = studio.doc.path.legs;
  document.getElementById("legs").replaceChildren(...legs.map((leg, i) => {
    const type = el("select", {title: "leg type"}, ...LEG_TYPES.concat(LEG_TYPES.includes(leg.type) ? [] : [leg.type]).map((t) => el("option", {value: t, textContent: t})));
    type.value = leg.type;
    type.addEventListener("change", () => changeLegType(i, type.value));
    const duration = el("input", {value: leg.duration ?? "", placeholder: "auto", title: "seconds (or Nf) for this leg"});
    duration.addEventListener("change", () => setLegField(i, "duration", seconds(duration.value)));
    const easing = el("select", {title: "easing"}, ...["", "linear", "smoothstep", "cosine", "cubic-in-out"].map((t) => el("option", {value: t, textContent: t || "(path)"})));
    easing.value = leg.easing || "";
    easing.addEventListener("change", () => setLegField(i, "easing", easing.value || undefined));
    const remove = el("button", {textContent: "✕", title: "delete this leg"});
    remove.addEventListener("click", () => { legs.splice(i, 1); edited(); });
    const what = leg.type === "keyframes" ? `${leg.keyframes.length} keyframes` : leg.type === "polyline" ? "drawn" : "";
    return el("li", {}, type, " ", what, " duration ", duration, " easing ", easing, " ", remove);
  }));
}

function setLegField(i, field, value) {
  const leg = studio.doc.path.legs[i];
  if (value === undefined || Number.isNaN(value)) delete leg[field]; else leg[field] = value;
  edited();
}

function changeLegType(i, type) {
  const old = studio.doc.path.legs[i];
  const fresh = {type};
  if (old.duration !== undefined) fresh.duration = old.duration;
  if (type === "keyframes") fresh.keyframes = old.keyframes || [];
  if (type === "polyline") {
    if (!old.file) { say("draw on the plane map to make a polyline leg"); showTimeline(); return; }
    Object.assign(fresh, {file: old.file, size: old.size, axes: old.axes});
  }
  if (type === "circle") fresh.radius = 0.3;
  studio.doc.path.legs[i] = fresh;
  edited();
}
