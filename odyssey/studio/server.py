"""Serve the studio: build it, bind, print the URL (with the token under ``--listen``), open it.

uvicorn runs in this thread on a socket bound before the URL is printed (so the URL works
at once); Ctrl-C stops it (uvicorn's own handler), a running render is sent Ctrl-C too and
waited for, and the command says "stopped" and ends with exit code 0.
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
    """A port free on ``host`` now (for tests that start their own server)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: any free port), bound before the URL is printed."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"--listen/--port: cannot listen on {host}:{port} ({exc.strerror}); give an address of this machine and a free port") from None
    return sock


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
    sock = bind(host, port)
    url = studio_url(host, int(sock.getsockname()[1]), access)
    config = uvicorn.Config(create_app(studio, access), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    say(f"odyssey explore: {studio.info.name} at {url}  (Ctrl-C stops it; outputs go to {studio.folder})")
    if access.token:
        say(f"listening on {host}: anyone who can reach it needs the token {access.token}")
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    with sock:
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, once it has shut down
            pass
    say("odyssey explore: stopped")
