"""Serve the studio: build it, bind, print the URL (with the token under ``--listen``), open it.

uvicorn runs in this thread; Ctrl-C stops it (uvicorn's own handler), a running render is
sent Ctrl-C too and waited for, and the command ends with exit code 0.
"""

from __future__ import annotations

import socket
import threading
import webbrowser
from pathlib import Path
from typing import Callable

from odyssey.errors import ConfigError
from odyssey.studio.app import create_app
from odyssey.studio.guard import Access
from odyssey.studio.session import Studio

DEFAULT_HOST = "127.0.0.1"


def studio_url(host: str, port: int, access: Access) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={access.token}" if access.token else "")


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve(
    model: str | None,
    path_file: Path | None,
    folder: Path,
    *,
    listen: str | None = None,
    port: int = 0,
    open_browser: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """Run ``odyssey explore`` until Ctrl-C: 127.0.0.1 unless ``listen`` (which needs the token)."""
    import uvicorn

    host = listen or DEFAULT_HOST
    access = Access(listen)
    studio = Studio(model, path_file, folder)
    try:
        port = port or free_port(host)
    except OSError as exc:
        raise ConfigError(f"--listen {host}: cannot bind there ({exc.strerror}); give an address of this machine") from None
    url = studio_url(host, port, access)
    config = uvicorn.Config(create_app(studio, access), host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    say(f"odyssey explore: {studio.info.name} at {url}  (Ctrl-C stops it; outputs go to {studio.folder})")
    if access.token:
        say(f"listening on {host}: anyone who can reach it needs the token {access.token}")
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    server.run()
    say("odyssey explore: stopped")
