// Start: read the studio's state, fill the panels, wire the controls; `edited()` after each change.
"use strict";

let replanTimer = null;

function edited() {
  studio.version += 1;
  renderKeyframes();
  showTimeline();
  clearTimeout(replanTimer);
  replanTimer = setTimeout(replan, 250);  // a burst of edits replans once
}

async function start() {
  let state;
  try {
    state = await request(null, "GET", withToken("api/state"));
  } catch (error) {
    return say(error.message);
  }
  studio.model = state.model;
  studio.doc = state.document;
  studio.doc.path = studio.doc.path || {};
  studio.doc.path.legs = studio.doc.path.legs || [];
  document.getElementById("model-name").textContent = `${state.model.name} (${state.model.width}×${state.model.height})` + (state.path_file ? ` — ${state.path_file}` : "");
  document.getElementById("export-size").value = studio.doc.size || state.model.width;
  if (state.model.classes.length) {
    document.getElementById("class-label").hidden = false;
    document.getElementById("seeds-class").replaceChildren(...state.model.classes.map((c) => el("option", {value: c, textContent: c})));
  }
  if (typeof studio.doc.truncation === "number") document.getElementById("seeds-psi").value = studio.doc.truncation;
  if (studio.doc.class !== undefined) document.getElementById("seeds-class").value = studio.doc.class;
  if (state.path_file) document.getElementById("export-name").value = state.path_file.split("/").pop().replace(/\.ya?ml$/, "").replace(/[^A-Za-z0-9_-]/g, "-");
  showAxes();
  const on = (id, what, fn) => document.getElementById(id).addEventListener(what, fn);
  on("seeds-prev", "click", () => page(-1));
  on("seeds-next", "click", () => page(1));
  on("seeds-start", "change", loadSeeds);
  on("seeds-psi", "change", (e) => { studio.doc.truncation = parseFloat(e.target.value); loadSeeds(); edited(); });
  on("seeds-class", "change", (e) => { studio.doc.class = e.target.value; loadSeeds(); edited(); });
  on("plane-show", "click", showPlane);
  on("plane-canvas", "pointerdown", strokeStart);
  on("plane-canvas", "pointermove", strokeMove);
  on("plane-canvas", "pointerup", strokeEnd);
  on("play", "click", togglePlay);
  on("scrub", "input", (e) => { showFrame(parseInt(e.target.value, 10)); loadFrames(studio.version); });
  on("export", "click", exportYaml);
  on("render", "click", startRender);
  on("render-cancel", "click", cancelRender);
  on("open-saved", "change", (e) => openSaved(e.target.value));
  on("plane-canvas", "wheel", zoomPlane);
  bindTimeline();
  drawStroke();
  listSaved();
  await loadSeeds();
  edited();
}

start();
