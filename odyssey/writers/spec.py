"""The description of one output: where it goes, its frame size, rate and encoder settings.

``VideoSpec`` checks its own fields when it is built, so a bad width or frame rate is
reported as a ``WriterError`` naming the field before a model is even loaded. Checks that
depend on the format (the crf range, the x264 preset) run when the writer is opened, since
the format may come from the path.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from odyssey.errors import WriterError

MP4_CODECS = ("libx264", "h264_nvenc", "hevc_nvenc", "auto")
PIXEL_FORMATS = ("packed", "yuv420p")  # the frame layouts of odyssey.renderer.frames

# Largest denominator used for fractional frame rates: 29.97 -> 2997/100, 30000/1001 stays.
FPS_MAX_DENOMINATOR = 1001


def fps_fraction(fps: float) -> Fraction:
    """Return ``fps`` as the rational ffmpeg is given (``-r num/den``)."""
    return Fraction(fps).limit_denominator(FPS_MAX_DENOMINATOR)


def _positive_int(name: str, value: object, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise WriterError(f"VideoSpec.{name} must be a positive integer, got {value!r}; {fix}")
    return int(value)


@dataclass(frozen=True)
class VideoSpec:
    """What to write: ``path``, frame ``width`` x ``height`` in pixels, ``fps`` and encoding.

    ``channels`` is 3 for RGB frames or 1 for grayscale. ``format`` None means "from the
    path" (see ``output_format``). ``crf`` None means the format's default (mp4 18, webm
    32); it is ignored by gif and png, which have no quality knob. ``preset`` is an x264
    preset; webm maps it to the matching libvpx speed, gif and png ignore it.
    ``start_number`` is the number of the first file in a PNG folder. ``codec`` picks
    the MP4 encoder: ``libx264`` (default), ``h264_nvenc`` / ``hevc_nvenc`` (NVIDIA GPU
    encoders), or ``auto`` (NVENC when it works here, else libx264). ``threads`` caps
    the encoder's threads (None: libx264 gets at least 8, others their own default). ``pixel_format`` is how frames
    arrive: ``packed`` ``(B, H, W, C)`` arrays, or ``yuv420p``, planar 4:2:0 BT.709
    limited-range frames ``(B, 3H/2, W)`` (``odyssey.renderer.frames``), which the MP4 and WebM
    writers take as they are (RGB only, even width and height).
    """

    path: Path
    width: int
    height: int
    fps: float
    channels: int = 3
    format: str | None = None
    crf: int | None = None
    preset: str = "medium"
    start_number: int = 0
    codec: str = "libx264"
    threads: int | None = None
    pixel_format: str = "packed"

    def __post_init__(self) -> None:
        set_field = object.__setattr__  # frozen: normalise the fields once, here
        if not isinstance(self.path, (str, Path)) or str(self.path) == "":
            raise WriterError(f"VideoSpec.path must be a file or folder path, got {self.path!r}")
        set_field(self, "path", Path(self.path))
        width = _positive_int("width", self.width, "pass the frame width in pixels")
        height = _positive_int("height", self.height, "pass the frame height in pixels")
        set_field(self, "width", width)
        set_field(self, "height", height)
        fps = self.fps
        if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not math.isfinite(fps):
            raise WriterError(f"VideoSpec.fps must be a finite number, got {fps!r}; pass e.g. 30")
        if fps_fraction(float(fps)) <= 0:
            raise WriterError(
                f"VideoSpec.fps must be at least 1/{FPS_MAX_DENOMINATOR} frames per second, "
                f"got {fps!r}; pass a positive frame rate such as 30"
            )
        set_field(self, "fps", float(fps))
        if self.channels not in (1, 3, 4) or isinstance(self.channels, bool):
            raise WriterError(
                f"VideoSpec.channels must be 3 (RGB), 1 (grayscale) or 4 (RGBA, PNG frames only), got {self.channels!r}; "
                "convert the frames to RGB or grayscale first"
            )
        set_field(self, "channels", int(self.channels))
        if self.crf is not None:
            if isinstance(self.crf, bool) or not isinstance(self.crf, numbers.Integral):
                raise WriterError(
                    f"VideoSpec.crf must be an integer or None, got {self.crf!r}; "
                    "pass e.g. 18, or None for the format default"
                )
            set_field(self, "crf", int(self.crf))
        if not isinstance(self.preset, str) or not self.preset:
            raise WriterError(
                f"VideoSpec.preset must be an x264 preset name, got {self.preset!r}; "
                "pass e.g. 'medium'"
            )
        start = self.start_number
        if isinstance(start, bool) or not isinstance(start, numbers.Integral) or start < 0:
            raise WriterError(
                f"VideoSpec.start_number must be an integer >= 0, got {start!r}; pass e.g. 0"
            )
        set_field(self, "start_number", int(start))
        if self.codec not in MP4_CODECS:
            raise WriterError(f"VideoSpec.codec must be one of {', '.join(MP4_CODECS)}, got {self.codec!r}")
        if self.threads is not None:
            set_field(self, "threads", _positive_int("threads", self.threads, "pass e.g. 2, or None for the encoder default"))
        if self.pixel_format not in PIXEL_FORMATS:
            raise WriterError(f"VideoSpec.pixel_format must be one of {', '.join(PIXEL_FORMATS)}, got {self.pixel_format!r}")
        if self.pixel_format == "yuv420p" and not yuv420p_fits(self.width, self.height, self.channels):
            raise WriterError(
                f"VideoSpec.pixel_format yuv420p needs RGB frames of even width and height, got {self.channels} "
                f"channel(s) at {self.width}x{self.height}; use pixel_format='packed'"
            )

    @property
    def frame_shape(self) -> tuple[int, ...]:
        """The shape of one frame: ``(H, W, C)`` packed, ``(3H/2, W)`` yuv420p."""
        if self.pixel_format == "yuv420p":
            return (self.height * 3 // 2, self.width)
        return (self.height, self.width, self.channels)


def yuv420p_fits(width: int, height: int, channels: int) -> bool:
    """Whether frames of this size can travel as yuv420p: RGB, even width and height."""
    return channels == 3 and width % 2 == 0 and height % 2 == 0


def video_pixel_format(fmt: str, width: int, height: int, channels: int) -> str:
    """The layout to render for output format ``fmt``: yuv420p for MP4/WebM where it fits, else packed.

    Odd sizes (padded by ffmpeg) and gray models stay packed, as do GIF and PNG.
    """
    return "yuv420p" if fmt in ("mp4", "webm") and yuv420p_fits(width, height, channels) else "packed"
