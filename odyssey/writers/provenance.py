"""Which render made an output: a key stamped into the file, read back before a render replaces it.

``odyssey render`` never replaces an output that another render (or anything else) made
unless told to (``--force``), and has nothing to do when the output already is this render.
So every joined output carries its render's key, where its format keeps such a note:

* MP4 and WebM: the container's ``comment`` tag, ``odyssey render <key>`` (written by
  ffmpeg at the join, read back from ffmpeg's description of the file);
* GIF: a GIF89a comment extension right after the header and colour table, before the
  first frame (viewers and decoders skip comments);
* a folder of PNG frames: a ``tEXt`` chunk (``Comment``) in its first frame, so the folder
  holds nothing but frames.

The key is a hex digest; anything else found there counts as no stamp.
"""

from __future__ import annotations

import os
import re
import subprocess
import zlib
from pathlib import Path

from odyssey.writers.ffmpeg import find_ffmpeg

PREFIX = "odyssey render "
FIRST_FRAME = "frame_000000.png"  # odyssey.writers.png.FRAME_PATTERN % 0
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEY = re.compile(r"odyssey render ([0-9a-f]{16,128})")


def metadata_args(key: str) -> list[str]:
    """ffmpeg output options that stamp an MP4/WebM with ``key``."""
    return ["-metadata", f"comment={PREFIX}{key}"]


def stamp_gif(path: Path, key: str) -> None:
    """Insert a comment extension with ``key`` after the header of the GIF at ``path``."""
    data = path.read_bytes()
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return  # not a GIF: leave it unstamped (it then counts as someone else's)
    flags = data[10]  # logical screen descriptor: bit 7 = global colour table, bits 0-2 = its size
    start = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    text = f"{PREFIX}{key}".encode("ascii")
    block = b"\x21\xfe" + bytes([len(text)]) + text + b"\x00"  # one sub-block (< 256 bytes) and the terminator
    path.write_bytes(b"GIF89a" + data[6:start] + block + data[start:])


def stamp_folder(path: Path, key: str) -> None:
    """Add a ``Comment`` text chunk with ``key`` after the header of the folder's first frame. The
    frame is rewritten as a new file, so a hard link to the old one (a kept segment) is untouched."""
    first = path / FIRST_FRAME
    data = first.read_bytes()
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        return
    end = 8 + 8 + int.from_bytes(data[8:12], "big") + 4  # signature, then IHDR: length, type, data, crc
    body = b"tEXt" + b"Comment\x00" + f"{PREFIX}{key}".encode("ascii")
    chunk = (len(body) - 4).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    staged = first.with_name(f".{first.name}.stamp")
    staged.write_bytes(data[:end] + chunk + data[end:])
    os.replace(staged, first)


def read_stamp(path: Path) -> str | None:
    """The render key stamped into the output at ``path``, or None (no stamp, unreadable, not there)."""
    try:
        if path.is_dir():
            with open(path / FIRST_FRAME, "rb") as handle:
                return _key_in(handle.read(512).decode("ascii", errors="replace"))
        suffix = path.suffix.lower()
        if suffix == ".gif":
            with open(path, "rb") as handle:
                return _key_in(handle.read(13 + 768 + 512).decode("ascii", errors="replace"))
        if suffix in (".mp4", ".webm"):
            probe = subprocess.run(
                [find_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True, errors="replace", timeout=60
            )
            return _key_in(probe.stderr)
    except (OSError, subprocess.SubprocessError):
        return None
    return None


def _key_in(text: str) -> str | None:
    match = _KEY.search(text)
    return match.group(1) if match else None
