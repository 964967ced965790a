"""The encoder settings every segment of a render shares, pinned explicitly, and its writer.

A join with ``-c copy`` only plays right if every segment was encoded the same way: one
codec configuration (the decoder reads the first segment's SPS/PPS for all of them), one
B-frame depth (it sets each segment's first decode timestamp), one time scale and one
frame rate. Defaults can differ between machines and ffmpeg builds (x264's thread count
follows the CPU count, its presets may change), so nothing is left to a default here:

* **MP4 (H.264)**: ``-c:v libx264 -preset P -crf C -bf B -g 250 -threads T``,
  ``-pix_fmt yuv420p``, ``-video_track_timescale S``, ``-fflags +bitexact``; no
  ``+faststart`` (that is for the joined file only). B is the preset's own B-frame count,
  written out; T is ``video.threads`` or 8, fixed so that x264 (deterministic for a given
  thread count) writes the same bytes on every machine; S is the frame rate's numerator
  doubled until it reaches 10000 (ffmpeg's own choice, 15360 at 30 fps), so every frame
  lasts a whole number of ticks. Odd sizes are padded by one edge pixel, never rescaled.
* **WebM (VP9)**: the one-pass settings plus ``-threads T -g 240 -fflags +bitexact``.
* **GIF**: segments are lossless FFV1 in NUT (GIF's per-frame palettes are fitted in the
  one final pass, over the joined frames, in plan order).
* **PNG**: segments are folders of PNGs numbered by global frame index.

``Encoding.describe()`` is what goes into the render's key, so changing any of this
starts a render afresh instead of mixing segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from odyssey.errors import WriterError
from odyssey.writers.base import FrameWriter
from odyssey.writers.formats import CRF_RANGE, DEFAULT_CRF
from odyssey.writers.spec import VideoSpec, fps_fraction, video_pixel_format
from odyssey.writers.staging import move_file_into_place
from odyssey.writers.video import VP9_SPEED, X264_PRESETS, mp4_codec, video_filter

DEFAULT_THREADS = 8
GOP_FRAMES = {"mp4": 250, "webm": 240}
# x264's B-frame count for each preset (x264 common/base.c), written out explicitly.
X264_BFRAMES = {
    "ultrafast": 0, "superfast": 3, "veryfast": 3, "faster": 3, "fast": 3,
    "medium": 3, "slow": 3, "slower": 3, "veryslow": 8, "placebo": 16,
}  # fmt: skip
CONTAINERS = {"mp4": "mp4", "webm": "webm", "gif": "nut", "png": ""}


def mp4_timescale(fps: Fraction) -> int:
    """The MP4 track time scale: fps's numerator doubled until >= 10000 (30 fps: 15360)."""
    scale = fps.numerator
    while scale < 10000:
        scale *= 2
    return scale


@dataclass(frozen=True)
class Encoding:
    """How every segment of one render is encoded (see the module docstring).

    ``format`` is the final output's (mp4, webm, gif, png); ``container`` the segments'
    file type ("" for PNG folders); ``codec_args`` the pinned ffmpeg output options.
    """

    format: str
    container: str
    codec_args: tuple[str, ...]
    fps: Fraction
    timescale: int | None = None

    def describe(self) -> dict[str, Any]:
        """JSON-able settings: hashed into the render's key and stored in its manifest."""
        return {
            "format": self.format,
            "container": self.container,
            "codec_args": list(self.codec_args),
            "fps": f"{self.fps.numerator}/{self.fps.denominator}",
            "timescale": self.timescale,
            # frames reach ffmpeg converted on the device where they can (they differ from
            # ffmpeg's own conversion by a grey level), so this is part of the key too
            "frames": "yuv420p" if self.format in ("mp4", "webm") else "packed",
        }

    def summary(self) -> str:
        """``mp4: libx264, crf 18, preset medium`` and the like, for ``odyssey check``."""
        args = list(self.codec_args)
        value = {flag: args[i + 1] for i, flag in enumerate(args[:-1]) if flag.startswith("-")}
        if self.format == "png":
            return "png: frames"
        if self.format == "gif":
            return "gif: one palette per frame (segments lossless FFV1)"
        parts = [value.get("-c:v", "?")]
        quality = value.get("-crf") or value.get("-cq")
        if quality is not None:
            parts.append(f"crf {quality}")
        if self.format == "mp4" and "-preset" in value:
            parts.append(f"preset {value['-preset']}")
        return f"{self.format}: {', '.join(parts)}"

    @property
    def rate(self) -> str:
        """The frame rate as ffmpeg's ``num/den``."""
        return f"{self.fps.numerator}/{self.fps.denominator}"

    def segment_name(self, stem: str) -> str:
        """``seg_000003.mp4``, or ``seg_000003`` for a folder of PNGs."""
        return f"{stem}.{self.container}" if self.container else stem

    def output_args(self, width: int, height: int, channels: int, pixel_format: str = "packed") -> list[str]:
        """ffmpeg options after ``-i -`` for a segment of frames of this size and layout."""
        if self.format in ("mp4", "webm"):
            return ["-vf", video_filter(width, height, channels, pixel_format), *self.codec_args, "-an"]
        return list(self.codec_args)

    def pixel_format(self, width: int, height: int, channels: int) -> str:
        """How the renderer should hand frames over: yuv420p for video where it fits, else packed."""
        return video_pixel_format(self.format, width, height, channels)


def pinned_encoding(fmt: str, fps: float, *, crf: int | None, preset: str, codec: str, threads: int | None) -> Encoding:
    """The ``Encoding`` of a render to format ``fmt`` with the path file's video settings."""
    rate = fps_fraction(fps)
    threads = threads or DEFAULT_THREADS
    if fmt in ("mp4", "webm"):
        quality = crf if crf is not None else DEFAULT_CRF[fmt]
        low, high = CRF_RANGE[fmt]
        if not low <= quality <= high:
            raise WriterError(f"video.crf {quality} is out of range for {fmt} ({low}-{high}); pass a value in that range")
        if preset not in X264_PRESETS:
            raise WriterError(f"video.preset {preset!r} is not an x264 preset; use one of {', '.join(X264_PRESETS)}")
    if fmt == "mp4":
        scale = mp4_timescale(rate)
        encoder = mp4_codec(codec)
        if encoder == "libx264":
            quality_args = ["-preset", preset, "-crf", str(quality), "-bf", str(X264_BFRAMES[preset])]
        else:  # NVENC: constant quality; no B-frames, whose support varies between GPU generations
            quality_args = ["-preset", "p4", "-rc", "vbr", "-cq", str(quality), "-b:v", "0", "-bf", "0"]
        args = [
            "-c:v", encoder, *quality_args, "-g", str(GOP_FRAMES["mp4"]), "-threads", str(threads),
            "-pix_fmt", "yuv420p", "-video_track_timescale", str(scale), "-fflags", "+bitexact",
        ]  # fmt: skip
        return Encoding("mp4", "mp4", tuple(args), rate, scale)
    if fmt == "webm":
        args = [
            "-c:v", "libvpx-vp9", "-crf", str(quality), "-b:v", "0", "-row-mt", "1", "-deadline", "good",
            "-cpu-used", str(VP9_SPEED.get(preset, 2)), "-g", str(GOP_FRAMES["webm"]), "-threads", str(threads),
            "-pix_fmt", "yuv420p", "-fflags", "+bitexact",
        ]  # fmt: skip
        return Encoding("webm", "webm", tuple(args), rate)
    if fmt == "gif":  # lossless intermediates; the pixel format is chosen per channel count in SegmentWriter
        args = ["-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "4", "-slicecrc", "1", "-threads", "2", "-fflags", "+bitexact"]
        return Encoding("gif", "nut", tuple(args), rate)
    if fmt == "png":
        return Encoding("png", "", (), rate)
    raise WriterError(f"segments: unknown output format {fmt!r}")


class SegmentWriter(FrameWriter):
    """Encodes one segment's frames with an ``Encoding`` into a temp file, renamed when complete.

    The FrameWriter contract holds: an exception or Ctrl-C kills ffmpeg and deletes the temp
    file; the segment's name only ever holds a complete file. (PNG segments use ``PngWriter``.)
    """

    def __init__(self, spec: VideoSpec, encoding: Encoding) -> None:
        self.encoding = encoding
        self.TAKES_YUV420P = encoding.format in ("mp4", "webm")  # type: ignore[misc]
        self.FORMAT = encoding.container  # type: ignore[misc]  # names the format in messages
        super().__init__(spec, spec.path)

    def _stream_output(self) -> list[str]:
        self._partial = self._temp("partial", f".{self.encoding.container}")
        args = self.encoding.output_args(self.spec.width, self.spec.height, self.spec.channels, self.spec.pixel_format)
        if self.encoding.format == "gif":  # FFV1 keeps RGB (as bgr0) or gray exactly
            args += ["-pix_fmt", "bgr0" if self.spec.channels == 3 else "gray"]
        return [*args, "-f", self.encoding.container, str(self._partial)]

    def _finalize(self) -> None:
        move_file_into_place(self._partial, self.path)


def segment_path(work: Path, encoding: Encoding, stem: str) -> Path:
    """Where a finished segment lives in the work folder."""
    return work / encoding.segment_name(stem)
