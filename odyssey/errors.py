"""Typed errors a user can cause, each rendered by the CLI as one red line.

Every message names the file or field at fault and says how to fix it. Code below the
CLI raises these; the CLI turns them into ``error: <message>`` and exit code 1 in one
place (``--debug`` shows the traceback instead).
"""

from __future__ import annotations


class OdysseyError(Exception):
    """Base class of every error odyssey reports to a user as one line."""


class ConfigError(OdysseyError):
    """A path file or an override is invalid (bad YAML, unknown key, bad value)."""


class CheckpointError(OdysseyError):
    """A checkpoint is missing, corrupt, or of a kind no adapter can load."""


class PathError(OdysseyError):
    """A latent path cannot be built from the given keyframes and timing."""


class WriterError(OdysseyError):
    """An output cannot be written (unwritable folder, unsupported format)."""


class FFmpegError(WriterError):
    """ffmpeg failed. The message is one line: what failed, ffmpeg's first error and the fix,
    and where ffmpeg's whole command line and output were saved (``log``); ``command`` and
    ``stderr`` hold them too."""

    def __init__(self, message: str, command: list[str] | None = None, stderr: str = "", log: str | None = None) -> None:
        self.command = command or []
        self.stderr = stderr
        self.log = log
        detail = message
        if log:
            detail += f" (ffmpeg's command and output: {log})"
        elif command:
            words = " ".join(command)
            detail += f" (command: {words if len(words) <= 300 else words[:297] + '...'})"
        super().__init__(detail)


class RenderError(OdysseyError):
    """Rendering failed on the generator side (device unavailable, out of memory)."""


class SegmentError(WriterError):
    """A segmented render cannot go on: a segment is missing or failed verification, or a join
    would not play right (``odyssey.segments``). Finished segments are kept."""
