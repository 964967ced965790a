"""Strict checks of segments and joined videos, by reading every packet's timestamps.

Counting frames is not enough: segments with mixed B-frame settings, time scales or frame
rates join into a file with the right number of frames that plays wrong (stutters, jumps,
a frame shown twice as long). imageio-ffmpeg ships ``ffmpeg`` but no ``ffprobe``, so the
packets are listed with ``ffmpeg -i FILE -map 0:v:0 -c copy -f framecrc -``: a header
(time base, codec, size, a CRC of the codec's extradata) and per packet its dts, pts,
duration and size, read without decoding anything.

A video of N frames at ``fps`` passes when:

* it has exactly N packets, and its presentation times, sorted, are frame i at i/fps
  (exactly, where the time base holds a whole number of ticks per frame as MP4's pinned
  time scale does; within one tick where it cannot, as WebM's milliseconds or GIF's
  hundredths);
* decode times strictly increase (by exactly one frame per packet where exact), every
  packet lasts one frame, and the whole lasts N/fps;
* ffmpeg printed no timestamp warning ("Non-monotonic DTS" and the like) while reading it,
  or while joining it (the join's own log is checked by ``check_joined``).

Segments must also agree with each other (``odd_segments``): codec, time base, frame size,
extradata (x264's SPS/PPS: the decoder uses the first segment's for all) and the decode
delay that B-frames add.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from odyssey.errors import FFmpegError, SegmentError
from odyssey.writers.ffmpeg import find_ffmpeg, first_cause
from odyssey.writers.png import FRAME_PATTERN

TIMING_WARNING = re.compile(r"monoton|\bdts\b|\bpts\b|timestamp|discontinu|out of order", re.IGNORECASE)
_HEADER = re.compile(r"^#(\w+) 0:\s*(.*)$")


@dataclass
class PacketLog:
    """What ``framecrc`` says about a file's first video stream."""

    path: Path
    codec: str = ""
    time_base: Fraction = Fraction(0)
    dimensions: str = ""
    extradata: str = ""
    dts: list[int] = field(default_factory=list)
    pts: list[int] = field(default_factory=list)
    durations: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def delay(self) -> int:
        """Ticks between the first decode and the first presentation (B-frames' reorder delay)."""
        return (min(self.pts) - self.dts[0]) if self.pts else 0

    def signature(self) -> tuple:
        """What every segment of one render must share."""
        return (self.codec, self.time_base, self.dimensions, self.extradata, self.delay)


def read_packets(path: Path) -> PacketLog:
    """List every packet of ``path``'s first video stream (no decoding); FFmpegError if unreadable."""
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "warning", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", check=False)
    if done.returncode != 0:
        cause = first_cause(done.stderr) or "it printed nothing"
        raise FFmpegError(f"cannot read the packets of {path} ({cause}); the file is damaged or incomplete", command, done.stderr)
    log = PacketLog(path=path, warnings=[line for line in done.stderr.splitlines() if TIMING_WARNING.search(line)])
    for line in done.stdout.splitlines():
        header = _HEADER.match(line)
        if header:
            name, value = header.groups()
            if name == "tb":
                log.time_base = Fraction(value.strip())
            elif name == "codec_id":
                log.codec = value.strip()
            elif name == "dimensions":
                log.dimensions = value.strip()
            elif name == "extradata":
                log.extradata = " ".join(value.split())
            continue
        fields = line.split(",")
        if len(fields) >= 6 and fields[0].strip() == "0":
            log.dts.append(int(fields[1]))
            log.pts.append(int(fields[2]))
            log.durations.append(int(fields[3]))
    return log


def check_timing(log: PacketLog, frames: int, fps: Fraction, what: str) -> None:
    """Raise SegmentError unless ``log`` is ``frames`` frames at ``fps``, evenly timed from 0."""
    if len(log.pts) != frames:
        raise SegmentError(f"{what} has {len(log.pts)} frames, expected {frames}")
    if log.warnings:
        raise SegmentError(f"{what}: ffmpeg warned about its timestamps: {log.warnings[0].strip()}")
    if log.time_base <= 0:
        raise SegmentError(f"{what}: ffmpeg reported no time base")
    tick = 1 / (fps * log.time_base)  # ticks per frame, a Fraction
    slack = 0 if tick.denominator == 1 else 1
    for i, pts in enumerate(sorted(log.pts)):
        if abs(pts - i * tick) > slack:
            shown = float(pts * log.time_base)
            raise SegmentError(f"{what}: frame {i} is shown at {shown:.6f} s, expected {float(i / fps):.6f} s ({float(fps):g} fps from 0)")
    for i in range(1, len(log.dts)):
        step = log.dts[i] - log.dts[i - 1]
        if step <= 0 or (slack == 0 and step != tick):
            raise SegmentError(f"{what}: decode times jump by {step} ticks at packet {i} (one frame is {float(tick):g}); the video would stutter")
    for i, duration in enumerate(log.durations):
        if abs(duration - tick) > slack:
            raise SegmentError(f"{what}: packet {i} lasts {duration} ticks, one frame is {float(tick):g}")
    last = max(range(len(log.pts)), key=log.pts.__getitem__)
    total = (log.pts[last] + log.durations[last]) * log.time_base
    if abs(total - frames / fps) > slack * log.time_base:
        raise SegmentError(f"{what} lasts {float(total):.6f} s, expected {float(frames / fps):.6f} s")


def odd_segments(logs: dict[int, PacketLog]) -> dict[int, str]:
    """Segments (by index) that differ from the majority in ``signature``, each with what differs."""
    if not logs:
        return {}
    common, _ = Counter(log.signature() for log in logs.values()).most_common(1)[0]
    names = ("codec", "time base", "frame size", "codec extradata (encoder settings)", "B-frame delay")
    odd = {}
    for index, log in logs.items():
        mine = log.signature()
        if mine != common:
            diffs = [f"{name} {a} instead of {b}" for name, a, b in zip(names, mine, common) if a != b]
            odd[index] = ", ".join(diffs)
    return odd


def check_joined(log: PacketLog, frames: int, fps: Fraction, join_log: str, what: str) -> None:
    """The joined file: timing as in ``check_timing``, and no timestamp warning from the join itself."""
    warned = [line for line in join_log.splitlines() if TIMING_WARNING.search(line)]
    if warned:
        raise SegmentError(f"{what}: ffmpeg warned while joining the segments: {warned[0].strip()}")
    check_timing(log, frames, fps, what)


def check_faststart(path: Path) -> None:
    """An MP4's index (moov) must come before its media (mdat), so it plays while loading."""
    with open(path, "rb") as handle:
        while True:
            header = handle.read(8)
            if len(header) < 8:
                break
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if kind == b"moov":
                return
            if kind == b"mdat":
                break
            if size == 1:
                size = int.from_bytes(handle.read(8), "big") - 8
            if size < 8:
                break
            handle.seek(size - 8, 1)
    raise SegmentError(f"{path}: the MP4 index does not come first (+faststart failed)")


def check_png_folder(folder: Path, start: int, end: int, what: str) -> None:
    """A folder holds exactly ``frame_START.png`` ... ``frame_{END-1}.png``, none empty."""
    expected = {FRAME_PATTERN % i for i in range(start, end)}
    try:
        found = {entry.name: entry.stat().st_size for entry in folder.iterdir() if not entry.name.startswith(".")}
    except OSError as exc:
        raise SegmentError(f"{what}: cannot list {folder} ({exc.strerror or exc})") from None
    missing = sorted(expected - set(found))
    extra = sorted(set(found) - expected)
    if missing or extra:
        detail = f"missing {missing[0]}" if missing else f"unexpected {extra[0]}"
        raise SegmentError(f"{what} has {len(found)} frames, expected {end - start} ({detail})")
    empty = [name for name, size in found.items() if size == 0]
    if empty:
        raise SegmentError(f"{what}: {min(empty)} is empty")
