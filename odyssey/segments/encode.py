"""One segment: render frames ``[start, end)``, encode them, verify, record.

The three steps are separate so that a segment can be encoded in one place (this process,
or a Ray worker on another machine) and verified and recorded in another (always the
process that owns the work folder):

1. ``encode_segment`` renders and encodes into ``seg_000003.<ext>`` through a temp name
   (``SegmentWriter`` or ``PngWriter``): the name only ever holds a complete file;
2. ``pack_segment``/``unpack_segment`` carry a finished segment as bytes (Ray's object
   store) and put it into the work folder, again through a temp name;
3. ``finish_segment`` reads the segment's packets back (``verify``) and writes its record;
   a segment that fails is deleted, so a rerun renders it again.

``SegmentEncoder`` holds what step 1 needs across segments (a ``Renderer`` and torch's
CPU share): a local render and each Ray worker build one the same way.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from odyssey.config import RenderSettings
from odyssey.errors import OdysseyError, SegmentError
from odyssey.models.base import Generator
from odyssey.plan.trajectory import Trajectory
from odyssey.renderer.generate import Renderer
from odyssey.renderer.pipeline import CpuShare, run_pipeline, share_cpu
from odyssey.segments.encoding import Encoding, SegmentWriter
from odyssey.segments.manifest import Workspace
from odyssey.segments.plan import Segment
from odyssey.segments.verify import (
    PacketLog,
    check_png_folder,
    check_timing,
    read_packets,
)
from odyssey.writers.base import FrameWriter
from odyssey.writers.png import PngWriter
from odyssey.writers.spec import VideoSpec
from odyssey.writers.staging import (
    move_file_into_place,
    move_folder_into_place,
    remove_quietly,
    temp_sibling,
)


def encode_segment(
    renderer: Renderer,
    trajectory: Trajectory,
    segment: Segment,
    encoding: Encoding,
    folder: Path,
    on_written: Callable[[int], None] | None = None,
    share: CpuShare | None = None,
) -> Path:
    """Render ``segment``'s frames and encode them into ``folder``; returns the segment's path.

    Generation and encoding overlap (``run_pipeline``); an error or Ctrl-C leaves no file.
    ``share`` (``share_cpu``, kept across segments) watches this segment's encoder.
    """
    target = folder / encoding.segment_name(segment.name)
    width, height = renderer.size
    layout = encoding.pixel_format(width, height, renderer.channels)
    spec = VideoSpec(
        path=target, width=width, height=height, fps=float(encoding.fps), channels=renderer.channels,
        start_number=segment.start, pixel_format=layout,
    )  # fmt: skip
    writer: FrameWriter = PngWriter(spec, target) if encoding.format == "png" else SegmentWriter(spec, encoding)
    with writer:
        if share is not None:
            share.watch(writer.encoder_pid)
        run_pipeline(renderer.batches(trajectory, segment.start, segment.end, layout), writer.write, on_written=on_written, share=share)
    return target


class SegmentEncoder:
    """Renders and encodes segments of one trajectory with one renderer, built once.

    Used as a context manager: while it is open, torch's CPU share beside the encoder
    (``share_cpu``) is measured on the first segment and kept for the ones after; it is
    restored when the context closes. ``encode`` is ``encode_segment`` with all of that given.
    """

    def __init__(self, generator: Generator, trajectory: Trajectory, settings: RenderSettings, encoding: Encoding) -> None:
        self.renderer = Renderer(generator, replace(settings, alpha=encoding.format == "png"))  # PNG keeps an RGBA model's alpha
        self.trajectory = trajectory
        self.encoding = encoding
        self._stack = contextlib.ExitStack()
        self._share: CpuShare | None = None

    def __enter__(self) -> "SegmentEncoder":
        self._share = self._stack.enter_context(share_cpu(self.renderer.device))
        return self

    def __exit__(self, *exc: object) -> None:
        self._share = None
        self._stack.close()

    def encode(self, segment: Segment, folder: Path, on_written: Callable[[int], None] | None = None) -> Path:
        """Render and encode ``segment`` into ``folder``; returns the segment's file (or PNG folder)."""
        return encode_segment(self.renderer, self.trajectory, segment, self.encoding, folder, on_written, self._share)


def verify_segment(media: Path, segment: Segment, encoding: Encoding) -> PacketLog | None:
    """Check a segment on disk against the plan (SegmentError if it fails); returns its packets
    (None for a folder of PNGs)."""
    what = f"{segment.describe()} ({media.name})"
    if encoding.format == "png":
        check_png_folder(media, segment.start, segment.end, what)
        return None
    log = read_packets(media)
    check_timing(log, segment.frames, encoding.fps, what)
    if encoding.timescale is not None and log.time_base != Fraction(1, encoding.timescale):
        raise SegmentError(f"{what}: time base {log.time_base}, expected the pinned 1/{encoding.timescale}")
    return log


def finish_segment(workspace: Workspace, segment: Segment, encoding: Encoding, media: Path) -> None:
    """Verify ``media`` and record the segment as finished; on failure delete it and raise."""
    try:
        log = verify_segment(media, segment, encoding)
    except OdysseyError:
        workspace.forget(segment, media)
        raise
    details: dict[str, Any] = {"frames": segment.frames}
    if log is not None:
        details.update(codec=log.codec, time_base=str(log.time_base), extradata=log.extradata, delay=log.delay)
    workspace.record(segment, media, details)


def pack_segment(media: Path) -> dict[str, bytes]:
    """A finished segment as ``{name: bytes}`` (one file, or a folder's PNGs as ``folder/name``)."""
    if media.is_dir():
        return {f"{media.name}/{entry.name}": entry.read_bytes() for entry in sorted(media.iterdir()) if entry.is_file()}
    return {media.name: media.read_bytes()}


def unpack_segment(folder: Path, files: dict[str, bytes]) -> Path:
    """Write a packed segment into ``folder`` under a temp name, then move it into place."""
    names = {name.split("/")[0] for name in files}
    if len(names) != 1:
        raise SegmentError(f"a packed segment must hold one file or one folder, got {sorted(names)}")
    target = folder / names.pop()
    is_folder = any("/" in name for name in files)
    temp = temp_sibling(target, "partial", "" if is_folder else target.suffix)
    try:
        if is_folder:
            temp.mkdir()
            for name, data in files.items():
                (temp / name.split("/", 1)[1]).write_bytes(data)
            move_folder_into_place(temp, target)
        else:
            with open(temp, "wb") as handle:
                handle.write(files[target.name])
                handle.flush()
                os.fsync(handle.fileno())
            move_file_into_place(temp, target)
    except OSError as exc:
        remove_quietly(temp)
        raise SegmentError(f"cannot write {target} ({exc.strerror or exc}); check the disk space and that the folder is writable") from None
    except BaseException:
        remove_quietly(temp)
        raise
    return target
