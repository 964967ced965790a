// Seed browser: a page of 16 seeds as keyframes draw them; click adds a keyframe. Keyframe list.
"use strict";

const PAGE = 16;
const thumbs = {};  // seed -> data URL, for the keyframe list

async function loadSeeds() {
  const start = Math.max(0, parseInt(document.getElementById("seeds-start").value, 10) || 0);
  const psi = document.getElementById("seeds-psi").value;
  const cls = document.getElementById("seeds-class").value;
  const query = `start=${start}&count=${PAGE}&truncation=${encodeURIComponent(psi)}` + (studio.model.classes.length ? `&class=${encodeURIComponent(cls)}` : "");
  let answer;
  try {
    answer = await request("seeds", "GET", withToken("api/seeds?" + query));
  } catch (error) {
    return say(error.message);
  }
  if (!answer) return;  // a newer page was asked for
  const grid = document.getElementById("seed-grid");
  grid.replaceChildren(...answer.seeds.map(({seed, image}) => {
    thumbs[seed] = image;
    const img = el("img", {src: image, title: `seed ${seed}`, alt: `seed ${seed}`});
    img.dataset.seed = seed;
    img.addEventListener("click", () => addKeyframe(seed));
    return img;
  }));
}

function page(step) {
  const input = document.getElementById("seeds-start");
  input.value = Math.max(0, (parseInt(input.value, 10) || 0) + step * PAGE);
  loadSeeds();
}

function addKeyframe(seed) {
  keyframesLeg(true).keyframes.push(seed);
  edited();
}

function renderKeyframes() {
  const leg = keyframesLeg(false) || {keyframes: []};
  const list = document.getElementById("keyframes");
  list.replaceChildren(...leg.keyframes.map((key, i) => {
    const seed = seedOf(key);
    const item = el("li", {}, el("img", {src: thumbs[seed] || "", alt: ""}), typeof seed === "number" ? ` seed ${seed} ` : ` ${seed} `);
    const hold = el("input", {value: key.hold ?? "", placeholder: "hold", title: "seconds to stay on this keyframe"});
    hold.addEventListener("change", () => setKeyField(i, "hold", hold.value));
    const move = el("input", {value: key.duration ?? "", placeholder: "move", title: "seconds of the move to the next keyframe"});
    move.addEventListener("change", () => setKeyField(i, "duration", move.value));
    const up = el("button", {textContent: "↑", title: "earlier", className: "up"});
    up.addEventListener("click", () => moveKeyframe(i, -1));
    const down = el("button", {textContent: "↓", title: "later", className: "down"});
    down.addEventListener("click", () => moveKeyframe(i, 1));
    const remove = el("button", {textContent: "✕", title: "delete", className: "delete"});
    remove.addEventListener("click", () => { leg.keyframes.splice(i, 1); edited(); });
    item.append(hold, move, up, down, remove);
    return item;
  }));
}

function setKeyField(i, field, text) {
  const leg = keyframesLeg();
  const key = typeof leg.keyframes[i] === "number" ? {seed: leg.keyframes[i]} : {...leg.keyframes[i]};
  if (text.trim() === "") delete key[field]; else key[field] = parseFloat(text);
  leg.keyframes[i] = Object.keys(key).length === 1 ? key.seed : key;
  edited();
}

function moveKeyframe(i, step) {
  const keys = keyframesLeg().keyframes;
  const j = i + step;
  if (j < 0 || j >= keys.length) return;
  [keys[i], keys[j]] = [keys[j], keys[i]];
  edited();
}
