"""One render of an output at a time: a lock file beside the output, held while a render runs.

Two renders to the same output at once would delete each other's segments (a rerun with
changed settings retires the other's work folder; both write the same segment names).
So a render takes ``.<output name>.odyssey-lock`` beside the output: exclusively for a
whole render or a join, shared for a ``--shard`` (shards of one render run side by side by
design). A second render fails at once, naming the process that holds the lock. The file
holds that process's id and host; it is removed by the last holder.

``flock`` locks are released by the kernel when a process dies (kill -9 included), so a
crashed render never leaves a lock behind that blocks the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from odyssey.errors import SegmentError


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.odyssey-lock"


@contextlib.contextmanager
def render_lock(output: Path, shared: bool = False) -> Iterator[None]:
    """Hold the output's lock (shared for a shard) while the block runs; SegmentError if another render has it."""
    path = lock_path(output)
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")
        except OSError as exc:
            raise SegmentError(f"cannot create the lock file {path} ({exc.strerror or exc}); choose an output folder you can write to") from None
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(path)
            handle.close()
            raise SegmentError(
                f"{output}: another render is writing it right now ({holder}); wait for it to finish or stop it, then run this again"
            ) from None
        if _same_file(handle, path):  # not a file the last holder removed as we opened it
            break
        handle.close()
    try:
        if not shared:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            handle.flush()
        yield
    finally:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the last holder removes the file
            path.unlink(missing_ok=True)
        except OSError:
            pass  # a shard beside us still holds it
        handle.close()


def _same_file(handle, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    except OSError:
        return False


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return f"process {text}" if text.startswith("pid ") and text.isprintable() and len(text) < 200 else "another process"
