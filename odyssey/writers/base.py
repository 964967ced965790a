"""The frame writer contract shared by every format, and its all-or-nothing lifecycle.

A ``FrameWriter`` streams uint8 frames into one ffmpeg process as raw video and promises
that the final path only ever holds a complete output: everything is written under
temporary names, ``close`` moves the result into place, ``abort`` (or any exception inside
``with``, Ctrl-C included) kills ffmpeg and deletes every temporary file. Subclasses only
say which ffmpeg output options to use and how to finish (``_stream_output``,
``_finalize``); the order of checks, cleanup and state live here, once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import ClassVar

import numpy as np

from odyssey.errors import WriterError
from odyssey.writers.ffmpeg import FFmpegProcess, find_ffmpeg
from odyssey.writers.spec import VideoSpec, fps_fraction
from odyssey.writers.staging import prepare_folder, remove_quietly, temp_sibling


def raw_pix_fmt(spec: VideoSpec) -> str:
    """ffmpeg's name for the spec's uint8 frames: rgb24 or gray packed, or planar yuv420p."""
    if spec.pixel_format == "yuv420p":
        return "yuv420p"
    return {3: "rgb24", 4: "rgba"}.get(spec.channels, "gray")


def rate_arg(fps: float) -> str:
    """``fps`` as the exact ``num/den`` string ffmpeg expects."""
    rate = fps_fraction(fps)
    return f"{rate.numerator}/{rate.denominator}"


class FrameWriter:
    """Writes frames of one ``VideoSpec`` to one output; use it as a context manager.

    ``write`` may be called from a thread other than the one that opened the writer, but
    not concurrently with itself or with ``close``. ``abort`` may come from any thread.
    """

    FORMAT: ClassVar[str]  # "mp4", "webm", "gif" or "png"
    TAKES_YUV420P: ClassVar[bool] = False  # whether frames may arrive as planar 4:2:0

    def __init__(self, spec: VideoSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self._ffmpeg = find_ffmpeg()
        self._shape = spec.frame_shape  # (H, W, C) packed, (3H/2, W) yuv420p
        self._temps: list[Path] = []
        self._process: FFmpegProcess | None = None
        self._frames_written = 0
        self._state = "open"  # then "closed" or "aborted", never back
        self._state_lock = threading.Lock()
        try:
            if spec.pixel_format == "yuv420p" and not self.TAKES_YUV420P:
                raise WriterError(f"{self.FORMAT} output {path} takes packed RGB frames, not yuv420p; use pixel_format='packed'")
            self._check_settings()
            self._check_destination()
            prepare_folder(path.parent)
            command = [
                self._ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", raw_pix_fmt(spec),
                "-s", f"{spec.width}x{spec.height}", "-r", rate_arg(spec.fps), "-i", "-",
                *self._stream_output(),
            ]  # fmt: skip
            self._process = FFmpegProcess(command, path, feed=True)
        except BaseException:
            self.abort()
            raise

    # -- what subclasses provide -------------------------------------------------------
    def _check_settings(self) -> None:
        """Reject format-specific settings (crf range, preset) with a WriterError."""

    def _check_destination(self) -> None:
        """Reject a final path that cannot receive this output. Default: not a folder."""
        if self.path.is_dir():
            raise WriterError(
                f"output {self.path} is a folder; give a file path ending in .{self.FORMAT}"
            )

    def _stream_output(self) -> list[str]:
        """ffmpeg output options and the temporary output path for the streamed frames."""
        raise NotImplementedError

    def _finalize(self) -> None:
        """Turn the finished stream into the final output at ``self.path``."""
        raise NotImplementedError

    def _temp(self, role: str, suffix: str = "") -> Path:
        """Reserve a temporary sibling name that ``abort`` and ``close`` will clean up."""
        temp = temp_sibling(self.path, role, suffix)
        self._temps.append(temp)
        return temp

    # -- the public contract -----------------------------------------------------------
    @property
    def frames_written(self) -> int:
        """How many frames ffmpeg has accepted so far."""
        return self._frames_written

    @property
    def encoder_pid(self) -> int | None:
        """The ffmpeg process's id (its CPU time tells the renderer how busy the encoder is)."""
        return self._process.pid if self._process is not None else None

    def write(self, frames: np.ndarray) -> None:
        """Append frames: a batch or a single frame of uint8 matching the spec's ``frame_shape``."""
        self._require_open()
        batch = self._as_batch(frames)
        if batch.shape[0] == 0:
            return
        try:
            self._started().write(memoryview(batch).cast("B"))
        except WriterError as exc:  # ffmpeg is gone, so this writer is finished
            aborted_elsewhere = self._state == "aborted"
            self.abort()
            if aborted_elsewhere:  # abort() from another thread stopped ffmpeg
                raise WriterError(
                    f"the writer for {self.path} was aborted while writing; "
                    "open a new writer to retry"
                ) from exc
            raise
        self._frames_written += batch.shape[0]

    def close(self) -> Path:
        """Finish the output, move it into place and return its path; abort on any failure."""
        if self._state == "closed":
            return self.path
        self._require_open()
        try:
            if self._frames_written == 0:
                raise WriterError(
                    f"no frames were written to {self.path}, so nothing was saved; "
                    "write at least one frame before closing"
                )
            self._started().finish()
            self._finalize()
        except BaseException:
            self.abort()
            raise
        self._state = "closed"
        for temp in self._temps:  # intermediates (gif palette, lossless copy) if any remain
            remove_quietly(temp)
        return self.path

    def abort(self) -> None:
        """Kill ffmpeg and delete every temporary file; the final path is left untouched."""
        with self._state_lock:
            if self._state != "open":
                return
            self._state = "aborted"
        if self._process is not None:
            self._process.kill()
        for temp in self._temps:
            remove_quietly(temp)

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- helpers -----------------------------------------------------------------------
    def _require_open(self) -> None:
        if self._state == "aborted":
            raise WriterError(f"the writer for {self.path} was aborted; open a new writer to retry")
        if self._state == "closed":
            raise WriterError(
                f"the writer for {self.path} is already closed; open a new writer for more frames"
            )

    def _started(self) -> FFmpegProcess:
        if self._process is None:
            raise WriterError(f"ffmpeg for {self.path} was never started; open a new writer")
        return self._process

    def _as_batch(self, frames: np.ndarray) -> np.ndarray:
        """Check dtype and shape and return a C-contiguous batch ``(B, *frame_shape)``, a view or copy."""
        where = f"frames for {self.path}"
        if not isinstance(frames, np.ndarray):
            raise WriterError(
                f"{where} must be a numpy array, got {type(frames).__name__}; "
                "convert them with numpy.asarray"
            )
        if frames.dtype != np.uint8:
            raise WriterError(
                f"{where} must have dtype uint8, got {frames.dtype}; "
                "scale them to 0..255 and cast with .astype(numpy.uint8)"
            )
        rank = len(self._shape)
        batch = frames[np.newaxis] if frames.ndim == rank else frames
        shape = ", ".join(map(str, self._shape))
        if batch.ndim != rank + 1 or batch.shape[1:] != self._shape:
            layout = "height, width, channels" if rank == 3 else "3/2 x height, width: yuv420p planes"
            raise WriterError(
                f"{where} have shape {frames.shape}, expected (B, {shape}) or ({shape}) ({layout}); "
                "resize them or open the writer with the matching size"
            )
        return np.ascontiguousarray(batch)
