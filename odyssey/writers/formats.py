"""Which output format a path asks for, and the per-format encoder defaults.

The format is decided from the output path alone so that the CLI, the config and the
writers agree on one rule: ``.mp4``, ``.webm`` and ``.gif`` name video files, and a path
without an extension (or an existing folder) names a folder of PNG frames. Anything else
is refused up front, before a single frame is rendered, instead of letting ffmpeg guess.
"""

from __future__ import annotations

from pathlib import Path

from odyssey.errors import WriterError

FORMATS: tuple[str, ...] = ("mp4", "webm", "gif", "png")

# Extensions that name a single video file; PNG output is a folder and has none.
VIDEO_SUFFIXES: dict[str, str] = {".mp4": "mp4", ".webm": "webm", ".gif": "gif"}

# Constant-quality defaults: visually lossless x264, and a VP9 level of similar quality.
DEFAULT_CRF: dict[str, int] = {"mp4": 18, "webm": 32}

# Inclusive ranges the encoders accept for -crf.
CRF_RANGE: dict[str, tuple[int, int]] = {"mp4": (0, 51), "webm": (0, 63)}

_CHOICES = "use .mp4, .webm or .gif, or a path without an extension for a folder of PNG frames"


def output_format(path: Path, format: str | None = None) -> str:
    """Return the format ("mp4", "webm", "gif" or "png") that ``path`` should be written in.

    Without ``format`` it comes from the extension; a path with no extension, or one that
    is an existing folder, means a folder of PNG frames. An explicit ``format`` wins, but
    may not contradict a video extension (``out.mp4`` with ``format="gif"`` is an error,
    since the file would lie about its contents).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if format is not None:
        chosen = str(format).lower()
        if chosen not in FORMATS:
            raise WriterError(
                f"format {format!r} for {path} is not supported; use one of {', '.join(FORMATS)}"
            )
        implied = VIDEO_SUFFIXES.get(suffix)
        if implied is not None and implied != chosen:
            raise WriterError(
                f"output {path} has extension {path.suffix} but format is {chosen!r}; "
                f"rename it or set format to {implied!r}"
            )
        return chosen
    if path.is_dir() or suffix == "":
        return "png"
    if suffix in VIDEO_SUFFIXES:
        return VIDEO_SUFFIXES[suffix]
    if suffix == ".png":
        raise WriterError(
            f"output {path} names a single PNG, but PNG frames go into a folder; "
            f"give a path without an extension such as {path.with_suffix('')}"
        )
    raise WriterError(f"output {path} has unknown extension {path.suffix!r}; {_CHOICES}")
