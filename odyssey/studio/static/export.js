// Export and render: write NAME.yaml into the studio's folder, render it with `odyssey render`
// in the background, show its progress, cancel it, link the result.
"use strict";

let polling = null;

function exportBody() {
  const doc = structuredClone(studio.doc);
  const size = parseInt(document.getElementById("export-size").value, 10);
  if (size) doc.size = size;
  return {document: doc, name: document.getElementById("export-name").value.trim(), format: document.getElementById("export-format").value};
}

async function exportYaml() {
  const status = document.getElementById("export-status");
  status.textContent = "";
  try {
    const answer = await request(null, "POST", "api/export", exportBody());
    status.textContent = `wrote ${answer.file} in the output folder: odyssey render ${answer.file}`;
    listSaved();
    return answer.file;
  } catch (error) {
    status.textContent = error.message;
    return null;
  }
}

async function startRender() {
  const file = await exportYaml();
  if (!file) return;
  try {
    await request(null, "POST", "api/render", {name: file.replace(/\.yaml$/, "")});
  } catch (error) {
    document.getElementById("render-status").textContent = error.message;
    return;
  }
  document.getElementById("render-cancel").hidden = false;
  clearInterval(polling);
  polling = setInterval(pollRender, 400);
}

async function pollRender() {
  let state;
  try {
    state = await request(null, "GET", withToken("api/render"));
  } catch (error) {
    clearInterval(polling);
    document.getElementById("render-status").textContent = error.message;
    return;
  }
  const bar = document.getElementById("progress");
  bar.max = Math.max(1, state.total);
  bar.value = state.done;
  const status = document.getElementById("render-status");
  if (state.state === "running" || state.state === "cancelling") {
    status.textContent = `rendering ${state.output}: ${state.done} / ${state.total || "?"} frames`;
    return;
  }
  clearInterval(polling);
  document.getElementById("render-cancel").hidden = true;
  status.dataset.state = state.state;
  if (state.state === "done") {
    const link = el("a", {href: withToken("outputs/" + state.output + (state.output.includes(".") ? "" : "/frame_000000.png")), textContent: state.output, target: "_blank"});
    status.replaceChildren(`rendered `, link);
  } else {
    status.textContent = state.error || state.state;
  }
}

async function cancelRender() {
  await request(null, "DELETE", withToken("api/render")).catch((error) => say(error.message));
}

// The path files saved in the output folder; choosing one opens it for editing.
async function listSaved() {
  const answer = await request(null, "GET", withToken("api/documents")).catch((error) => say(error.message));
  if (!answer) return;
  const select = document.getElementById("open-saved");
  select.replaceChildren(el("option", {value: "", textContent: "(saved path files)"}), ...answer.saved.map((name) => el("option", {value: name, textContent: name + ".yaml"})));
}

async function openSaved(name) {
  if (!name) return;
  try {
    const answer = await request(null, "GET", withToken("api/document?name=" + encodeURIComponent(name)));
    studio.doc = answer.document;
    document.getElementById("export-name").value = name;
    document.getElementById("export-size").value = studio.doc.size || studio.model.width;
    showAxes();
    say(`opened ${name}.yaml`, true);
    edited();
  } catch (error) {
    say(error.message);
  }
}
