// The studio's shared state and its requests to the server (the token, stale requests aborted).
"use strict";

const studio = {
  doc: null,          // the path file being edited (same schema as paths/*.yaml)
  model: null,        // {name, width, height, classes}
  frames: [],         // preview frames of the current document: PNG data URLs by frame index
  total: 0,           // frames in the current document
  fps: 12,
  version: 0,         // bumped on every edit; answers for older versions are dropped
  token: new URLSearchParams(location.search).get("token"),
};
window.studio = studio;

const inFlight = {};  // channel -> AbortController of its newest request

function withToken(url) {
  return studio.token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(studio.token) : url;
}

// A JSON request on `channel`: a newer request on the same channel aborts this one.
// Resolves to the answer, or null if it was superseded; rejects with the server's one-line error.
async function request(channel, method, url, body) {
  if (channel && inFlight[channel]) inFlight[channel].abort();
  const control = new AbortController();
  if (channel) inFlight[channel] = control;
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (studio.token) headers["X-Odyssey-Token"] = studio.token;
  let response;
  try {
    response = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: control.signal});
  } catch (error) {
    if (error.name === "AbortError") return null;
    throw new Error("the studio server is not answering (was it stopped?)");
  } finally {
    if (channel && inFlight[channel] === control) delete inFlight[channel];
  }
  const answer = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
  if (answer.superseded) return null;
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

function say(text, ok) {
  const box = document.getElementById("message");
  box.textContent = text || "";
  box.className = ok ? "ok" : "";
}

function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props || {});
  for (const child of children) node.append(child);
  return node;
}

// The path's first keyframes leg; with `create`, a new one at the start if it has none.
function keyframesLeg(create) {
  let leg = studio.doc.path.legs.find((l) => l.type === "keyframes");
  if (!leg && create) {
    leg = {type: "keyframes", keyframes: []};
    studio.doc.path.legs.unshift(leg);
  }
  return leg;
}

// How a keyframe is shown: its seed, a seed range as written ("0-7"), or its file.
function seedOf(key) {
  if (typeof key === "number" || typeof key === "string") return key;
  return key.seed ?? (key.vector || key.image || "?").split("/").pop();
}
