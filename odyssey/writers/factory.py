"""``open_writer``: pick the writer for a spec's format and start it.

Everything that can be checked before a frame exists is checked here, in this order: the
spec's format, that ffmpeg runs, format settings (crf, preset), the destination, and that
its folder exists or can be created and is writable. Only then is ffmpeg started.
"""

from __future__ import annotations

from pathlib import Path

from odyssey.errors import WriterError
from odyssey.writers.base import FrameWriter
from odyssey.writers.ffmpeg import find_ffmpeg
from odyssey.writers.formats import output_format
from odyssey.writers.gif import GifWriter
from odyssey.writers.png import PngWriter
from odyssey.writers.spec import VideoSpec
from odyssey.writers.staging import check_frames_folder, prepare_folder, user_path
from odyssey.writers.video import Mp4Writer, WebmWriter

WRITERS: dict[str, type[FrameWriter]] = {
    "mp4": Mp4Writer,
    "webm": WebmWriter,
    "gif": GifWriter,
    "png": PngWriter,
}


def open_writer(spec: VideoSpec) -> FrameWriter:
    """Open a writer for ``spec``; use the result as a context manager.

    The output folder is created if it is missing (and stays, even if the write later
    fails). Raises WriterError for anything the user can fix, before any frame is produced.
    """
    path = user_path(spec.path)
    if path.name in ("", ".", ".."):
        raise WriterError(
            f"output {spec.path} has no name of its own; give a file or folder name "
            "such as renders/walk.mp4 or renders/walk_frames"
        )
    fmt = output_format(path, spec.format)
    if spec.channels == 4 and fmt != "png":
        raise WriterError(f"{path}: RGBA frames (4 channels) are kept only as PNG frames; composite them onto a background for {fmt}")
    writer_class = WRITERS[fmt]
    find_ffmpeg()
    return writer_class(spec, path)


def check_output(path: Path) -> str:
    """The checks ``open_writer`` makes that need no frame size: run them before a model loads.

    Returns the output format. Creates the output folder if it is missing (as
    ``open_writer`` would), so an unwritable destination fails in milliseconds, not
    after the model has loaded.
    """
    path = user_path(path)
    fmt = output_format(path)
    if path.exists() and not path.is_dir() and not path.is_file():
        raise WriterError(f"output {path} is a device or a pipe, not a file; give a file name (or a folder for PNG frames)")
    if fmt == "png":
        check_frames_folder(path)  # a folder of other things is refused now, not after the render
    find_ffmpeg()
    prepare_folder(path.parent)
    return fmt
