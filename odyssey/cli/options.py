"""Options shared by several commands, defined once, and how the CLI talks to the user.

Nothing here imports torch. ``notes`` routes the library's progress messages (the
``odyssey`` logger: loading the model, computing directions, resuming) to stderr, so a
long step is never a silent pause; ``--quiet`` keeps them, and the progress bars, quiet.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

PathFile = Annotated[Path, typer.Argument(metavar="PATH.yaml", help="A path file (YAML), e.g. paths/faces-loop.yaml.", show_default=False)]
SetOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set", "-s", metavar="KEY=VALUE",
        help="Override a field, e.g. --set fps=12 --set path.loop=false --set path.keyframes.0.seed=7. File names given here are relative to the current folder.",
    ),
]  # fmt: skip
OutOption = Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE", help="Output file or folder, relative to the current folder (overrides 'output:' in the file).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no notes; only the line saying where the output went.")]
TrustOption = Annotated[
    bool,
    typer.Option("--trust-pickle", help="Load a StyleGAN .pkl by unpickling it with its own code: RUNS CODE FROM THE FILE (needs NVIDIA's code on PYTHONPATH). Only for files you trust."),
]
SegmentSecondsOption = Annotated[
    Optional[float],
    typer.Option("--segment-seconds", metavar="SECONDS", min=0.001, help="Seconds of video per segment (default: segment_seconds in the file, 30). Finished segments are kept, so a rerun resumes."),
]
KeepOption = Annotated[bool, typer.Option("--keep-segments", help="Keep the work folder of segments after the verified join.")]
ForceOption = Annotated[bool, typer.Option("--force", "-f", help="Replace an existing output that this render did not make.")]


def overrides(set_: Optional[list[str]], trust_pickle: bool = False, segment_seconds: Optional[float] = None) -> list[str]:
    """--set items, plus what --trust-pickle and --segment-seconds mean in path-file terms."""
    extra = ["model.options.trust_pickle=true"] if trust_pickle else []
    extra += [f"segment_seconds={segment_seconds}"] if segment_seconds is not None else []
    return [*(set_ or ()), *extra]


def shown(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def size_text(path: Path) -> str:
    """``1.4 MB`` (a file) or ``360 files`` (a folder of frames)."""
    if path.is_dir():
        return f"{sum(1 for _ in path.iterdir())} files"
    size = path.stat().st_size if path.exists() else 0
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


def note(message: str) -> None:
    """A progress note on stderr."""
    typer.secho(message, err=True, fg="cyan")


class _NoteHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            note(record.getMessage())
        except Exception:  # noqa: BLE001 - a note must never break a render
            self.handleError(record)


_INTERRUPTED: list[bool] = []


def _on_interrupt(signum: int, frame: object) -> None:
    _INTERRUPTED.append(True)
    raise KeyboardInterrupt


def catch_interrupts() -> None:
    """Ctrl-C raises KeyboardInterrupt as usual, and is remembered: an error that a library
    turned it into (a reader interrupted mid-file says "corrupt") is then reported as Ctrl-C."""
    signal.signal(signal.SIGINT, _on_interrupt)


def was_interrupted() -> bool:
    return bool(_INTERRUPTED)


def notes(quiet: bool = False) -> None:
    """Show the library's progress notes (the ``odyssey`` logger, INFO and up) unless ``quiet``."""
    logger = logging.getLogger("odyssey")
    if not any(isinstance(h, _NoteHandler) for h in logger.handlers):
        logger.addHandler(_NoteHandler())
    logger.setLevel(logging.WARNING if quiet or os.environ.get("ODYSSEY_QUIET") else logging.INFO)
    logger.propagate = False
