"""What the studio's server may touch: its own page, and files under its output folder.

The server reads the model and path file named on the command line, its static files
(served from a fixed list, never by joining a request's path onto a folder), and
whatever it wrote under the output folder. A name from a request is refused if it is
absolute, has ``..`` or an empty part, holds a backslash or a NUL, or resolves (links
followed) outside the folder; ``%2e%2e`` arrives decoded and is refused as ``..``.

Requests: bound to 127.0.0.1 the server accepts only Host headers naming the loopback
(a web page elsewhere cannot reach it through DNS rebinding); with ``--listen`` every
request must carry the token printed at start (``X-Odyssey-Token``, ``?token=``, or the
cookie that opening the printed URL sets, so the page's scripts and images load too).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from odyssey.errors import ConfigError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # an exported file's stem
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
TOKEN_HEADER = "x-odyssey-token"


def inside(folder: Path, name: str, field: str = "path") -> Path:
    """``folder / name`` resolved, if it is a relative name that stays inside ``folder``; else ConfigError."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise ConfigError(f"{field}: give a file name inside the output folder")
    parts = name.split("/")
    if name.startswith("/") or any(part in ("..", ".", "") for part in parts) or re.match(r"^[A-Za-z]:", name):
        raise ConfigError(f"{field}: {name!r} is not inside the output folder; give a name relative to it, without '..'")
    root = folder.resolve()
    target = (root / name).resolve()
    if target != root and root not in target.parents:
        raise ConfigError(f"{field}: {name!r} leads outside the output folder (a link?); refused")
    return target


def is_within(folder: Path, path: Path) -> bool:
    """Whether ``path`` (resolved, links followed) lies inside ``folder``."""
    root, target = folder.resolve(), Path(path).resolve()
    return target == root or root in target.parents


def check_name(name: object, field: str = "name") -> str:
    """An exported file's stem: letters, digits, ``-`` and ``_``, at most 64 characters."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"{field}: use letters, digits, '-' and '_' (at most 64, e.g. my-film); got {name!r}")
    return name


class Access:
    """The token (required with ``--listen``) and the Host check (without it)."""

    def __init__(self, listen: str | None) -> None:
        self.listen = listen
        self.token = secrets.token_urlsafe(24) if listen else None

    def refusal(self, host: str, header_token: str | None, query_token: str | None) -> str | None:
        """Why a request is refused, or None if it may go on."""
        if self.token is not None:
            given = header_token or query_token or ""
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return "this studio needs its token: open the URL printed at start (it ends in ?token=...)"
            return None
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if name not in LOOPBACK_HOSTS:
            return f"Host {host!r} is not this machine's loopback; open http://127.0.0.1 (or start with --listen)"
        return None
