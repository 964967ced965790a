"""Writers: turn a stream of uint8 frames into an mp4, webm, gif or a folder of PNGs.

This layer knows nothing about models, configs or torch. It receives numpy frames of a
fixed size and guarantees that the output path only ever holds a complete result::

    spec = VideoSpec(path=Path("walk.mp4"), width=512, height=512, fps=30)
    with open_writer(spec) as writer:
        for batch in frames:  # (B, H, W, 3) uint8
            writer.write(batch)

MP4 and WebM writers also take frames already converted to planar 4:2:0
(``VideoSpec(pixel_format="yuv420p")``, batches ``(B, 3H/2, W)``; see ``odyssey.renderer.frames``).

Leaving the ``with`` block normally finishes and moves the file into place; an exception
(Ctrl-C included) kills ffmpeg and removes every temporary file.
"""

from odyssey.writers.base import FrameWriter
from odyssey.writers.factory import check_output, open_writer
from odyssey.writers.ffmpeg import find_ffmpeg
from odyssey.writers.formats import FORMATS, output_format
from odyssey.writers.spec import VideoSpec, video_pixel_format

__all__ = ["FORMATS", "FrameWriter", "VideoSpec", "check_output", "find_ffmpeg", "open_writer", "output_format", "video_pixel_format"]
