"""``odyssey render`` of an exported path file, in the background, with progress and Ctrl-C.

The render runs as the command a user would type (``python -m odyssey render FILE``) in a
child process: it is the same render, to the same output, with the same resume and
cleanup, and the server stays responsive while it runs. Progress is read from its
progress bar (``N/T`` frames on stderr); cancelling sends it Ctrl-C (SIGINT), which leaves
nothing at the output path, exactly as at a terminal.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from odyssey.errors import ConfigError

PROGRESS = re.compile(rb"(\d+)/(\d+)")


class Render:
    """One render at a time: its state, frames done of total, output and last error line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self.state, self.done, self.total = "idle", 0, 0
        self.output: Path | None = None
        self.error = ""

    def status(self) -> dict:
        with self._lock:
            return {"state": self.state, "done": self.done, "total": self.total, "output": self.output.name if self.output else None, "error": self.error}

    def start(self, path_file: Path, output: Path) -> dict:
        """Start ``odyssey render path_file --force`` (the studio owns its folder's outputs)."""
        with self._lock:
            if self.state == "running":
                raise ConfigError("render: a render is running; wait for it or cancel it first")
            command = [sys.executable, "-m", "odyssey", "render", str(path_file), "--force"]
            self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=path_file.parent)
            self.state, self.done, self.total, self.output, self.error = "running", 0, 0, output, ""
            process = self._process
        threading.Thread(target=self._follow, args=(process,), daemon=True).start()
        return self.status()

    def _follow(self, process: subprocess.Popen) -> None:
        stream = process.stderr
        tail = b""
        lines: list[bytes] = []
        while stream is not None and (chunk := stream.read1(4096)):  # type: ignore[attr-defined]
            tail = (tail + chunk)[-8192:]
            found = PROGRESS.findall(chunk)
            with self._lock:
                if found:
                    self.done, self.total = int(found[-1][0]), int(found[-1][1])
            lines = [line for line in re.split(rb"[\r\n]", tail) if line.strip()]
        code = process.wait()
        with self._lock:
            if code == 0:
                self.state, self.done = "done", self.total
            elif code == 130 or self.state == "cancelling":
                self.state, self.error = "cancelled", "cancelled: nothing was written to the output"
            else:
                errors = [line for line in lines if line.startswith(b"error:")] or lines[-1:]
                self.state, self.error = "failed", (errors[-1] if errors else b"the render failed").decode("utf-8", "replace")

    def cancel(self) -> dict:
        """Ctrl-C the running render."""
        with self._lock:
            if self.state == "running" and self._process is not None:
                self.state = "cancelling"
                self._process.send_signal(signal.SIGINT)
        return self.status()

    def stop(self) -> None:
        """On shutdown: Ctrl-C a running render and wait for it to tidy up."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
