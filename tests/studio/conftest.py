"""Fixtures of the studio tests: a studio over the bundled dcgan-faces, as a test client and
as a real server on a free port (uvicorn in a thread), each with its own output folder."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from odyssey.studio.app import create_app
from odyssey.studio.guard import Access
from odyssey.studio.server import free_port
from odyssey.studio.session import Studio

MODEL = "dcgan-faces"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Studio:
    return Studio(MODEL, None, tmp_path_factory.mktemp("studio-out"))


@pytest.fixture(scope="module")
def client(studio: Studio):
    from starlette.testclient import TestClient

    with TestClient(create_app(studio, Access(None)), base_url="http://127.0.0.1") as test_client:
        yield test_client


def document(studio: Studio, keyframes: list[int], **path: object) -> dict:
    """The studio's new document with ``keyframes`` (and path fields)."""
    doc = studio.state()["document"]
    doc["path"]["legs"][0]["keyframes"] = list(keyframes)
    doc["path"].update(path)
    return doc


class Served:
    """A studio served on 127.0.0.1:port until the test module ends."""

    def __init__(self, folder: Path, access: Access) -> None:
        import uvicorn

        self.studio = Studio(MODEL, None, folder)
        self.port = free_port("127.0.0.1")
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(create_app(self.studio, access), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Served":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the studio server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with Served(tmp_path_factory.mktemp("served-out"), Access(None)) as running:
        yield running
