"""Temporary names next to the output, and the moves that put a finished output in place.

Everything is written under a hidden, uniquely named sibling of the final path (same
folder, hence same filesystem, so the final move is a rename and never a copy). Only a
complete output is moved into place; an existing file at the final path is replaced
atomically by ``os.replace``. A folder of frames cannot be swapped atomically, so it is
replaced by two renames and a delete (see ``move_folder_into_place``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from odyssey.errors import WriterError

# Files that may sit in a PNG output folder we are about to replace.
FRAME_NAME = re.compile(r"frame_\d{6,}\.png")
_DISPOSABLE = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` if needed and prove we can write in it, or raise WriterError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriterError(
            f"cannot create output folder {folder} ({exc.strerror or exc}); "
            "choose a folder you can write to"
        ) from exc
    if not folder.is_dir():
        raise WriterError(f"output folder {folder} is not a folder; choose another output path")
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".odyssey-check-"):
            pass
    except OSError as exc:
        raise WriterError(
            f"output folder {folder} is not writable ({why_unwritable(exc)}); "
            "fix its permissions or choose another folder, e.g. --out renders/NAME.mp4"
        ) from exc


def why_unwritable(exc: OSError) -> str:
    """Why a file could not be created, in words: the system's, except where they mislead
    ("No such file or directory" for an existing folder such as /proc)."""
    if exc.errno in (errno.ENOENT, errno.EINVAL):
        return "the system does not let files be made there"
    return exc.strerror or str(exc)


MAX_NAME_BYTES = 200  # file systems allow 255 bytes per name; temp names beside it add ~30


def user_path(path: Path | str) -> Path:
    """``path`` with ``~`` expanded, and a name short enough for the temp names beside it;
    WriterError otherwise (never a RuntimeError for an unknown user)."""
    try:
        path = Path(path).expanduser()
    except RuntimeError:
        raise WriterError(f"{path}: no such user's home folder for '~'; write the path out") from None
    for part in path.parts:
        size = len(part.encode("utf-8", "surrogateescape"))
        if size > MAX_NAME_BYTES:
            raise WriterError(f"a name in {path} is {size} bytes long; keep each name under {MAX_NAME_BYTES}")
    return path


@contextlib.contextmanager
def written_atomically(target: Path, what: str) -> Iterator[Path]:
    """Yield a hidden temp name beside ``target`` to write; on success it is renamed onto
    ``target``, on any error (Ctrl-C included) it is removed and ``target`` is untouched.
    An OSError becomes one WriterError naming ``target`` and ``what`` it is."""
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield partial
        os.replace(partial, target)
    except OSError as exc:
        remove_quietly(partial)
        raise WriterError(f"{target}: cannot write the {what} ({why_unwritable(exc)}); choose a writable folder with enough space") from None
    except BaseException:
        remove_quietly(partial)
        raise


def temp_sibling(final: Path, role: str, suffix: str = "") -> Path:
    """A fresh hidden name next to ``final``, e.g. ``.walk.3f9c2a1b.partial.mp4``.

    The real extension stays last so anything inspecting the name sees the right type; the
    random part keeps two writers aiming at the same path from clobbering each other.
    """
    stem = final.stem if suffix else final.name
    return final.parent / f".{stem}.{secrets.token_hex(4)}.{role}{suffix}"


def remove_quietly(path: Path) -> None:
    """Delete a file or folder if it exists; cleanup must not hide the original error."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def move_file_into_place(temp: Path, final: Path) -> None:
    """Atomically rename the finished ``temp`` onto ``final``, replacing any old file."""
    try:
        os.replace(temp, final)
    except OSError as exc:
        raise WriterError(
            f"cannot move the finished output into place at {final} ({exc.strerror or exc}); "
            "check that the path is not a folder and is writable"
        ) from exc


def check_frames_folder(final: Path) -> None:
    """Refuse to later replace a folder that holds anything but frames from an earlier run.

    Replacing the folder deletes its contents, so a folder with other files in it (say, the
    user's renders folder given by mistake) is an error rather than silently emptied.
    """
    if final.is_symlink():
        raise WriterError(
            f"output {final} is a symbolic link; give the real folder path instead"
        )
    if final.exists() and not final.is_dir():
        raise WriterError(
            f"output {final} exists and is not a folder; PNG frames go into a folder, "
            "so choose another path or remove that file"
        )
    if not final.exists():
        return
    for entry in final.iterdir():
        is_frame = FRAME_NAME.fullmatch(entry.name) and entry.is_file()
        if not (is_frame or (entry.name in _DISPOSABLE and entry.is_file())):
            raise WriterError(
                f"output folder {final} already holds {entry.name!r}, which is not a frame; "
                "choose an empty or new folder so nothing of yours is replaced"
            )


def move_folder_into_place(temp: Path, final: Path) -> None:
    """Rename the finished folder ``temp`` to ``final``, replacing an old frames folder.

    With no old folder this is one atomic rename. Otherwise the old folder is first renamed
    aside, the new one renamed in, and only then the old one deleted; if the second rename
    fails the old folder is renamed back, so ``final`` ends up either old or new, never
    half of each. Between the two renames ``final`` briefly does not exist.
    """
    if not final.exists():
        try:
            os.rename(temp, final)
            return
        except OSError as exc:
            if not final.exists():  # lost a race with someone creating it? fall through
                raise _move_error(final, exc) from exc
    old = temp_sibling(final, "old")
    try:
        os.rename(final, old)
    except OSError as exc:
        raise _move_error(final, exc) from exc
    try:
        os.rename(temp, final)
    except OSError as exc:
        try:
            os.rename(old, final)
        except OSError:
            pass
        raise _move_error(final, exc) from exc
    remove_quietly(old)


def _move_error(final: Path, exc: OSError) -> WriterError:
    return WriterError(
        f"cannot move the finished frames into place at {final} ({exc.strerror or exc}); "
        "check that the folder is writable and not open in another program"
    )
