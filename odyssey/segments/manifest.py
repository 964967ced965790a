"""A render's work folder: its manifest, its segments, and a record of each finished one.

``renders/.odyssey-work/<output name>-<key[:12]>/`` sits beside the output (same
filesystem, so the final move is a rename) and holds:

* ``manifest.json``: the plan (frames, fps, segment boundaries), the output, the pinned
  encoder settings and the key with its parts (plan, model, encoder, version). Every
  process of a render writes the same bytes, so shards started together cannot disagree.
* ``seg_000003.mp4`` (or ``.webm``, ``.nut``, a folder of PNGs): a segment, renamed into
  place only when ffmpeg finished it;
* ``seg_000003.json``: written (atomically) only after that segment passed verification.
  A segment counts as finished when its record exists and its file has the recorded size,
  so a kill at any moment leaves either a finished segment or one that is rendered again.

One record per segment, rather than one list in the manifest, so that shards on several
machines finishing at the same moment never overwrite each other's progress (no locks,
which shared filesystems do not reliably provide).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from odyssey.errors import SegmentError
from odyssey.segments.plan import Segment
from odyssey.writers.staging import remove_quietly, temp_sibling

WORK_DIR_NAME = ".odyssey-work"
MANIFEST = "manifest.json"
_KEY_SUFFIX = re.compile(r"-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Manifest:
    """Everything needed to check and join a render's segments without its model."""

    key: str
    parts: dict[str, str]
    output: str
    format: str
    fps: str
    frames: int
    width: int
    height: int
    channels: int
    segments: list[tuple[int, int]]
    encoding: dict[str, Any]
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def plan(self) -> list[Segment]:
        return [Segment(i, start, end) for i, (start, end) in enumerate(self.segments)]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        data["segments"] = [tuple(pair) for pair in data["segments"]]
        return cls(**data)


def write_json_atomically(target: Path, text: str) -> None:
    """Write ``text`` to a temp sibling, flush it to disk, rename it onto ``target``."""
    temp = temp_sibling(target, "partial", ".json")
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        remove_quietly(temp)
        raise SegmentError(f"cannot write {target} ({exc.strerror or exc}); check the disk space and that the folder is writable") from None


class Workspace:
    """The work folder of one render (see the module docstring)."""

    def __init__(self, output: Path, key: str) -> None:
        self.output = output
        self.key = key
        self.root = output.parent / WORK_DIR_NAME
        self.path = self.root / f"{output.name}-{key[:12]}"

    # -- the folder ------------------------------------------------------------------
    def create(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SegmentError(
                f"cannot create the work folder {self.path} ({exc.strerror or exc}); segments are kept there "
                "beside the output: choose an output folder you can write to"
            ) from None

    def exists(self) -> bool:
        return (self.path / MANIFEST).is_file()

    def stale(self) -> list[Path]:
        """Work folders of earlier renders to the same output, made with another key."""
        if not self.root.is_dir():
            return []
        prefix = f"{self.output.name}-"
        return sorted(
            p for p in self.root.iterdir()
            if p.is_dir() and p.name.startswith(prefix) and _KEY_SUFFIX.search(p.name)
            and len(p.name) == len(prefix) + 12 and p != self.path
        )  # fmt: skip

    def remove(self) -> None:
        """Delete the work folder (after a verified join), and ``.odyssey-work`` if now empty."""
        remove_quietly(self.path)
        try:
            self.root.rmdir()
        except OSError:
            pass  # other renders' work is still there

    # -- the manifest ----------------------------------------------------------------
    def read_manifest(self) -> Manifest | None:
        return read_manifest(self.path / MANIFEST)

    def write_manifest(self, manifest: Manifest) -> None:
        """Write the manifest unless an identical one is there (every shard writes the same)."""
        target = self.path / MANIFEST
        text = manifest.to_json()
        try:
            if target.read_text(encoding="utf-8") == text:
                return
        except OSError:
            pass
        write_json_atomically(target, text)

    # -- segments --------------------------------------------------------------------
    def record_path(self, segment: Segment) -> Path:
        return self.path / f"{segment.name}.json"

    def record(self, segment: Segment, media: Path, details: dict[str, Any]) -> None:
        """Mark ``segment`` finished and verified: its size and check results, atomically."""
        data = {"index": segment.index, "start": segment.start, "end": segment.end, "name": media.name, "bytes": size_of(media), **details}
        write_json_atomically(self.record_path(segment), json.dumps(data, sort_keys=True) + "\n")

    def forget(self, segment: Segment, media: Path) -> None:
        """Drop a segment (record first, so a kill in between never leaves a record without media)."""
        remove_quietly(self.record_path(segment))
        remove_quietly(media)

    def finished(self, segments: list[Segment], media: dict[int, Path]) -> set[int]:
        """Indices of segments whose record matches the segment on disk (see the module docstring)."""
        done = set()
        for segment in segments:
            try:
                data = json.loads(self.record_path(segment).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            path = media[segment.index]
            if data.get("start") == segment.start and data.get("end") == segment.end and path.exists() and data.get("bytes") == size_of(path):
                done.add(segment.index)
        return done

    def clear_partials(self, segment: Segment | None = None) -> None:
        """Delete temp files a killed run left: of one segment (its owner is about to redo it) or all."""
        stem = f".{segment.name}." if segment is not None else "."
        for entry in self.path.iterdir() if self.path.is_dir() else ():
            if entry.name.startswith(stem) and ".partial" in entry.name:
                remove_quietly(entry)


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at ``path``, or None if there is none; SegmentError if it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SegmentError(f"cannot read {path} ({exc.strerror or exc})") from None
    try:
        return Manifest.from_json(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise SegmentError(f"{path} is not an odyssey manifest ({exc}); delete its folder to start that render afresh") from None


def size_of(path: Path) -> int:
    """Bytes in a file, or in every file of a folder (PNG segments)."""
    if path.is_dir():
        return sum(entry.stat().st_size for entry in path.iterdir() if entry.is_file())
    return path.stat().st_size
