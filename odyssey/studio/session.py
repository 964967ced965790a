"""The studio's state and what each endpoint computes: seed grids, plane maps, preview frames.

One ``Studio`` per server: the model (loaded once), the output folder, the document rules
(``documents``), the channels that drop stale requests, and two small caches: planned
jobs by document, and preview frames by (document, frame). Pictures go to the page as
PNG data URLs in JSON, so a batch is one request that can be dropped as a whole.
Preview frames are the trajectory's own frames (``Trajectory.at``) drawn by the same
renderer as ``odyssey render``, at the model's size, so a render at that size gives the
same pixels.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from odyssey import api
from odyssey.errors import ConfigError
from odyssey.studio.channels import Channels
from odyssey.studio.documents import Documents, default_document, read_document, referenced_files

MAX_SEED = 2**32 - 1
MAX_BATCH = 64  # pictures per request
JOBS_KEPT = 4
FRAMES_KEPT = 4096


def data_url(tile: np.ndarray) -> str:
    """One ``(H, W, C)`` uint8 picture as a PNG data URL."""
    image = Image.fromarray(tile[..., 0] if tile.shape[-1] == 1 else tile)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def document_key(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def number(value: Any, field: str, low: float, high: float, integer: bool = False) -> float:
    """``value`` as a number in [low, high] (from JSON or a query string); ConfigError naming ``field``."""
    try:
        parsed = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: must be a{'n integer' if integer else ' number'}, got {value!r}") from None
    if not (low <= parsed <= high):
        shown = (lambda v: str(int(v))) if integer else (lambda v: f"{v:g}")
        raise ConfigError(f"{field}: must be from {shown(low)} to {shown(high)}, got {shown(parsed)}")
    return parsed


class Studio:
    """The model, the folder, the document rules and the caches of one ``odyssey explore``."""

    def __init__(self, model: str | None, path_file: Path | None, folder: Path) -> None:
        self.path_file = path_file
        self.folder = folder.resolve()
        opened = read_document(path_file) if path_file is not None else None
        model_spec = opened["model"] if opened is not None else model
        self.generator = api.load_generator(model_spec if isinstance(model_spec, str) else model_spec["path"])
        self.info = self.generator.info
        self.document = opened if opened is not None else default_document(model, self.info)
        allowed = referenced_files(opened) if opened is not None else set()
        self.documents = Documents(self.document["model"], allowed, self.folder)
        self.channels = Channels()
        self._cache = threading.Lock()  # the two caches below, shared by the server's worker threads
        self._jobs: OrderedDict[str, api.Job] = OrderedDict()
        self._frames: OrderedDict[tuple[str, int], str] = OrderedDict()

    def state(self) -> dict:
        """What the page starts from: the model, the document, the folder."""
        info = self.info
        return {
            "model": {"name": info.name, "family": info.family, "width": info.resolution[1], "height": info.resolution[0],
                      "latent_shape": list(info.latent_shape), "classes": list(info.class_names or [])},
            "document": copy.deepcopy(self.document),
            "path_file": str(self.path_file) if self.path_file else None,
            "folder": str(self.folder),
        }  # fmt: skip

    def _label(self, class_: Any) -> int | None:
        if not self.info.conditional:
            if class_ not in (None, ""):
                raise ConfigError(f"class: {self.info.name} is not conditional; leave the class empty")
            return None
        try:
            return self.info.class_index(int(class_) if str(class_).isdigit() else class_)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"class: {exc}") from None

    def seeds(self, start: Any, count: Any, truncation: Any = 1.0, class_: Any = None) -> dict:
        """A page of the seed grid: ``count`` seeds from ``start``, as keyframes would draw them."""
        first = int(number(start, "start", 0, MAX_SEED, integer=True))
        many = int(number(count, "count", 1, MAX_BATCH, integer=True))
        if first + many - 1 > MAX_SEED:
            raise ConfigError(f"start: seeds end at {MAX_SEED}; start at most at {MAX_SEED - many + 1}")
        psi = number(truncation, "truncation", 0, 2)
        label = self._label(class_)
        stale = self.channels.ticket("seeds")
        seeds = list(range(first, first + many))
        with self.channels.generating(stale):
            tiles = api.seed_tiles(self.generator, seeds, truncation=psi, label=label, cancelled=stale)
        return {"seeds": [{"seed": s, "image": data_url(t)} for s, t in zip(seeds, tiles)]}

    def job(self, document: Any) -> tuple[str, api.Job]:
        """The checked document planned (cached by its contents)."""
        data = self.documents.checked(document)
        key = document_key(data)
        with self._cache:
            job = self._jobs.get(key)
        if job is None:
            job = api.load_job(data, check_output=False)  # outside the lock: planning may take a while
        with self._cache:
            self._jobs[key] = job
            self._jobs.move_to_end(key)
            while len(self._jobs) > JOBS_KEPT:
                self._jobs.popitem(last=False)
        return key, job

    def preview(self, document: Any, start: Any, count: Any) -> dict:
        """Frames ``[start, start + count)`` of the planned path at the model's size (cached)."""
        key, job = self.job(document)
        total = job.trajectory.num_frames
        first = int(number(start, "start", 0, max(total - 1, 0), integer=True))
        many = int(number(count, "count", 1, MAX_BATCH, integer=True))
        wanted = list(range(first, min(first + many, total)))
        found = self._cached(key, wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            stale = self.channels.ticket("preview")
            with self.channels.generating(stale):
                found.update(self._render_blocks(key, job, missing, stale))
        return {"start": first, "total": total, "fps": job.config.fps, "frames": [found[i] for i in wanted]}

    def _cached(self, key: str, frames: list[int]) -> dict[int, str]:
        with self._cache:
            return {i: self._frames[(key, i)] for i in frames if (key, i) in self._frames}

    def _render_blocks(self, key: str, job: api.Job, missing: list[int], stale: Any) -> dict[int, str]:
        """Render the batches that hold ``missing`` frames, cut where ``odyssey render`` cuts them
        (its segments, then its batch size from each segment's start), into the frame cache.

        The same frames in the same batches as the render: batched convolutions round the
        same way, so a render at the model's size gives these pixels exactly."""
        settings = replace(job.settings, size=None)  # the model's own size, the render's device and precision
        renderer = api.Renderer(job.generator, settings)
        size = renderer.batch_size
        segments = api.plan_segments(job.trajectory.num_frames, api.fps_fraction(job.config.fps), job.config.segment_seconds)
        drawn: dict[int, str] = {}
        for i in missing:
            if i in drawn:  # drawn with an earlier block
                continue
            if stale():
                raise api.TilesCancelled()
            segment = next(s for s in segments if s.start <= i < s.end)
            first = segment.start + (i - segment.start) // size * size
            frames = list(range(first, min(first + size, segment.end)))
            for index, tile in zip(frames, renderer.render_latents(*job.trajectory.at(frames)).cpu().numpy()):
                drawn[index] = data_url(tile)
        with self._cache:
            self._frames.update({(key, index): url for index, url in drawn.items()})
            while len(self._frames) > FRAMES_KEPT:
                self._frames.popitem(last=False)
        return drawn

    def check(self, document: Any) -> dict:
        """``odyssey check``'s motion report of the document: frames, legs, speed and seam."""
        _, job = self.job(document)
        summary = api.summarize(job)
        return {key: summary[key] for key in ("frames", "fps", "seconds", "loop", "legs", "diagnostics") if key in summary}

    def plane(self, document: Any, leg: Any, extent: Any, grid: Any) -> dict:
        """A ``grid`` x ``grid`` map of the plane of leg ``leg``, ``extent`` plane units each way."""
        index = int(number(leg, "leg", 0, 1000, integer=True))
        reach = number(extent, "extent", 0.05, 2)
        side = int(number(grid, "grid", 2, 8, integer=True))
        data = self.documents.checked(document)
        axis = np.linspace(-reach, reach, side)
        coords = np.array([(x, y) for y in axis[::-1] for x in axis])  # rows top to bottom: y falls
        stale = self.channels.ticket("plane")
        with self.channels.generating(stale):
            plane = api.plane_latents(data, index, coords)
            tiles = api.latent_tiles(plane.generator, plane.latents, plane.labels, plane.psi, plane.controls, cancelled=stale)
        return {"extent": reach, "grid": side, "tiles": [{"x": float(x), "y": float(y), "image": data_url(t)} for (x, y), t in zip(coords, tiles)]}

    def stroke(self, points: Any) -> dict:
        """Save a drawn stroke (plane units, first point at (0, 0)) as a JSON points file under the folder."""
        if not isinstance(points, list) or not 2 <= len(points) <= 5000:
            raise ConfigError("points: send 2 to 5000 [x, y] pairs")
        try:
            pts = np.array(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError("points: each point is a pair of numbers [x, y]") from None
        if pts.ndim != 2 or pts.shape[1] != 2 or not np.isfinite(pts).all() or np.abs(pts).max() > 2:
            raise ConfigError("points: each point is [x, y] in plane units, within -2 to 2")
        reach = float(np.linalg.norm(pts - pts[0], axis=1).max())
        if not 0 < reach <= 2:
            raise ConfigError(f"points: the stroke must move, and at most 2 plane units from its start (it reaches {reach:.3g})")
        text = json.dumps(pts.round(6).tolist())
        folder = self.folder / "strokes"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"stroke-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"
        target.write_text(text, encoding="utf-8")
        return {"file": str(target), "size": round(reach, 6)}
