"""MP4 (H.264) and WebM (VP9) writers: one ffmpeg process encoding straight to a temp file.

Both encode 4:2:0 video, which needs an even width and height. An odd size is padded by
one column and/or row, filled by repeating the last real pixels (``fillborders`` in smear
mode) so no black line appears and nothing is rescaled: a 33x25 input gives a 34x26 file.
RGB is converted with the BT.709 matrix in limited range and tagged as such, which is what
browsers and players assume for video, so colours do not shift on playback. Frames may
also arrive already converted, as planar yuv420p (``odyssey.renderer.frames``, the renderer does it
on the device): then ffmpeg only tags them, and x264 or libvpx has every core.
"""

from __future__ import annotations

import os
from pathlib import Path

from odyssey.errors import WriterError
from odyssey.writers.base import FrameWriter
from odyssey.writers.ffmpeg import encoder_works
from odyssey.writers.formats import CRF_RANGE, DEFAULT_CRF
from odyssey.writers.staging import move_file_into_place

X264_PRESETS: tuple[str, ...] = (
    "ultrafast", "superfast", "veryfast", "faster", "fast",
    "medium", "slow", "slower", "veryslow", "placebo",
)  # fmt: skip

# libvpx "good" deadline speed (-cpu-used, 0 slowest .. 5 fastest) for each x264 preset,
# so one speed/size knob works for both formats; libvpx's own default (0) is very slow.
VP9_SPEED: dict[str, int] = {
    "ultrafast": 5, "superfast": 5, "veryfast": 4, "faster": 4, "fast": 3,
    "medium": 2, "slow": 1, "slower": 1, "veryslow": 0, "placebo": 0,
}  # fmt: skip

# x264 threads when none are asked for: at least this many, else x264's own 1.5 per core.
# Frame threads waiting on each other leave a core idle beside the generator; with more
# in flight x264 fills it. 2 cores, 600 frames of faces at 512 px, odyssey.render: 6.22 s
# with x264's 3 threads, 5.69 s with 6 (medians of 6); at 256 px no change (2.36 / 2.39 s).
X264_MIN_THREADS = 8
_COLOUR_TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"


def video_filter(width: int, height: int, channels: int, pixel_format: str = "packed") -> str:
    """The -vf chain: even-size padding when needed, then conversion to BT.709 yuv420p.

    yuv420p input is already that (even size, BT.709 limited range): only the tags remain.
    """
    if pixel_format == "yuv420p":
        return _COLOUR_TAGS
    steps = []
    if width % 2 or height % 2:
        steps.append("pad=ceil(iw/2)*2:ceil(ih/2)*2")
        steps.append(f"fillborders=right={width % 2}:bottom={height % 2}:mode=smear")
    if channels == 3:
        # Gray needs no matrix (its chroma is neutral), and forcing one on gray input
        # makes swscale shift luma and chroma by a level, tinting the video.
        steps.append("scale=out_color_matrix=bt709:out_range=tv")
    steps.append("format=yuv420p")
    steps.append(_COLOUR_TAGS)
    return ",".join(steps)


class VideoFileWriter(FrameWriter):
    """Shared body of the MP4 and WebM writers; subclasses give the codec options."""

    TAKES_YUV420P = True
    _partial: Path  # the encoded file, renamed onto the final path by close()

    def _crf(self) -> int:
        return self.spec.crf if self.spec.crf is not None else DEFAULT_CRF[self.FORMAT]

    def _check_settings(self) -> None:
        low, high = CRF_RANGE[self.FORMAT]
        if not low <= self._crf() <= high:
            raise WriterError(
                f"crf {self._crf()} is out of range for {self.FORMAT} output {self.path} "
                f"({low}-{high}); pass a value in that range, or none for the default "
                f"{DEFAULT_CRF[self.FORMAT]}"
            )
        if self.spec.preset not in X264_PRESETS:
            raise WriterError(
                f"preset {self.spec.preset!r} for {self.path} is not an x264 preset; "
                f"use one of {', '.join(X264_PRESETS)}"
            )

    def _codec_args(self) -> list[str]:
        raise NotImplementedError

    def _thread_args(self) -> list[str]:
        return ["-threads", str(self.spec.threads)] if self.spec.threads else []

    def _stream_output(self) -> list[str]:
        self._partial = self._temp("partial", f".{self.FORMAT}")
        return [
            "-vf", video_filter(self.spec.width, self.spec.height, self.spec.channels, self.spec.pixel_format),
            *self._codec_args(), *self._thread_args(), "-pix_fmt", "yuv420p", "-an",
            "-f", self.FORMAT, str(self._partial),
        ]  # fmt: skip

    def _finalize(self) -> None:
        move_file_into_place(self._partial, self.path)


def mp4_codec(requested: str) -> str:
    """The encoder to use: ``auto`` takes NVENC H.264 when it works here, else libx264.

    An explicit NVENC codec that cannot open (no NVIDIA GPU or driver) falls back to
    libx264 as well, so a path file written on a GPU box still renders on a laptop.
    """
    if requested == "libx264":
        return requested
    nvenc = "h264_nvenc" if requested == "auto" else requested
    return nvenc if encoder_works(nvenc) else "libx264"


class Mp4Writer(VideoFileWriter):
    """H.264 (or HEVC with NVENC) in MP4, index up front (``+faststart``) so it plays while loading.

    libx264 takes ``crf`` and ``preset``; NVENC takes the same ``crf`` as its constant
    quality (``-cq``) with its ``p4`` preset, since x264 preset names mean nothing to it.
    """

    FORMAT = "mp4"

    def _thread_args(self) -> list[str]:
        if self.spec.threads is None and mp4_codec(self.spec.codec) == "libx264":
            return ["-threads", str(max(X264_MIN_THREADS, (os.cpu_count() or 1) * 3 // 2))]
        return super()._thread_args()

    def _codec_args(self) -> list[str]:
        codec = mp4_codec(self.spec.codec)
        if codec == "libx264":
            quality = ["-preset", self.spec.preset, "-crf", str(self._crf())]
        else:
            quality = ["-preset", "p4", "-rc", "vbr", "-cq", str(self._crf()), "-b:v", "0"]
        return ["-c:v", codec, *quality, "-movflags", "+faststart"]


class WebmWriter(VideoFileWriter):
    """VP9 in WebM, constant quality (``-crf N -b:v 0``), multi-threaded by rows."""

    FORMAT = "webm"

    def _codec_args(self) -> list[str]:
        return [
            "-c:v", "libvpx-vp9", "-crf", str(self._crf()), "-b:v", "0", "-row-mt", "1",
            "-deadline", "good", "-cpu-used", str(VP9_SPEED.get(self.spec.preset, 2)),
        ]  # fmt: skip
