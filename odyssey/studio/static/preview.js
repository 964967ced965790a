// Preview: the planned path's own frames (as `odyssey render` draws them, at the model's size),
// fetched in batches on demand and cached; a scrubber, play/pause, and `odyssey check`'s figures.
"use strict";

const BATCH = 16;
const player = {index: 0, playing: false, timer: null, loading: false};

async function replan() {
  const version = studio.version;
  studio.frames = [];
  studio.total = 0;
  let report;
  try {
    report = await request("check", "POST", "api/check", {document: studio.doc});
  } catch (error) {
    document.getElementById("diagnostics").textContent = "";
    return say(error.message);
  }
  if (!report || version !== studio.version) return;
  say("", true);
  studio.total = report.frames;
  studio.fps = report.fps;
  const scrub = document.getElementById("scrub");
  scrub.max = Math.max(0, report.frames - 1);
  player.index = Math.min(player.index, report.frames - 1);
  document.getElementById("diagnostics").textContent = diagnosticsText(report);
  loadFrames(version);
}

function diagnosticsText(report) {
  const p = report.diagnostics.path;
  const lines = [`${report.frames} frames at ${report.fps} fps = ${report.seconds.toFixed(2)} s, ${report.loop ? "loop" : "no loop"}`];
  const cv = p.speed_cv === null || p.speed_cv === undefined ? "–" : p.speed_cv.toFixed(3);
  lines.push(`speed: mean step ${p.mean_step.toFixed(3)}, max ${p.max_step.toFixed(3)}, CV ${cv}`);
  if (p.seam_ratio !== undefined && p.seam_ratio !== null) lines.push(`seam ratio ${p.seam_ratio.toFixed(3)} (1 = seamless)`);
  lines.push("legs: " + report.legs.map((l) => `${l.type} ${l.frames[0]}-${l.frames[1]}`).join(", "));
  return lines.join("\n");
}

// Frames from the player's position onward, then the rest; stops when the document changes.
async function loadFrames(version) {
  if (player.loading) return;
  player.loading = true;
  try {
    while (version === studio.version) {
      const start = nextMissing();
      if (start < 0) break;
      const answer = await request("preview", "POST", "api/preview", {document: studio.doc, start, count: BATCH});
      if (!answer || version !== studio.version) break;
      answer.frames.forEach((frame, i) => { studio.frames[answer.start + i] = frame; });
      showFrame(player.index);
    }
  } catch (error) {
    say(error.message);
  } finally {
    player.loading = false;
    if (version !== studio.version) loadFrames(studio.version);
  }
}

function nextMissing() {
  for (let k = 0; k < studio.total; k++) {
    const i = (player.index + k) % studio.total;
    if (!studio.frames[i]) return i;
  }
  return -1;
}

function showFrame(i) {
  if (studio.total === 0) return;
  player.index = Math.max(0, Math.min(i, studio.total - 1));
  document.getElementById("scrub").value = player.index;
  document.getElementById("frame-label").textContent = `${player.index + 1} / ${studio.total}`;
  const frame = studio.frames[player.index];
  if (frame) document.getElementById("preview").src = frame;
}

function togglePlay() {
  player.playing = !player.playing;
  document.getElementById("play").textContent = player.playing ? "Pause" : "Play";
  clearInterval(player.timer);
  if (!player.playing) return;
  player.timer = setInterval(() => {
    if (!studio.total) return;
    const next = (player.index + 1) % studio.total;
    if (studio.frames[next]) showFrame(next);  // wait for frames still coming
  }, 1000 / (studio.fps || 12));
}
