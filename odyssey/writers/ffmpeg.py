"""Running the ffmpeg binary that ships with imageio-ffmpeg, safely.

One class, ``FFmpegProcess``, owns a child ffmpeg: it starts it in its own session (so the
terminal's Ctrl-C reaches only Python, which then decides to abort), sends its stderr to
an anonymous temporary file (a pipe nobody reads can fill up and deadlock both sides),
feeds it raw frames on stdin, and turns every failure into an ``FFmpegError`` carrying the
command line and the tail of ffmpeg's own message.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import imageio_ffmpeg

from odyssey.errors import FFmpegError, WriterError

# How long a terminated ffmpeg gets to exit before it is killed.
KILL_TIMEOUT_S = 2.0
# How much of ffmpeg's stderr is kept for error messages.
STDERR_TAIL_BYTES = 64 * 1024

_REINSTALL = "reinstall it with: pip install --force-reinstall imageio-ffmpeg"


@functools.cache
def find_ffmpeg() -> str:
    """Return the path of imageio-ffmpeg's ffmpeg binary, after checking that it runs.

    The result is cached for the life of the process (``find_ffmpeg.cache_clear()`` resets
    it); failures are not cached, so a fixed installation is picked up on the next call.
    """
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # imageio-ffmpeg raises RuntimeError when it finds no binary
        raise WriterError(f"imageio-ffmpeg has no ffmpeg binary ({exc}); {_REINSTALL}") from exc
    try:
        probe = subprocess.run(
            [exe, "-version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise WriterError(f"ffmpeg at {exe} does not run ({exc}); {_REINSTALL}") from exc
    if probe.returncode != 0:
        raise WriterError(
            f"ffmpeg at {exe} does not run ('-version' exited with {probe.returncode}); "
            + _REINSTALL
        )
    return exe


@functools.cache
def encoder_works(codec: str) -> bool:
    """Whether ffmpeg can open ``codec`` here: NVENC needs an NVIDIA GPU and driver.

    A one-frame test encode to the null muxer (about 0.1 s), cached per process.
    """
    command = [find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "color=black:s=256x256:d=0.04", "-c:v", codec, "-f", "null", "-"]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _session_kwargs() -> dict[str, object]:
    """Popen arguments that keep the terminal's Ctrl-C away from ffmpeg."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _describe_exit(code: int) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    return f"exit status {code}"


def advice(stderr: str) -> str:
    """What to do about a failure, from what ffmpeg said: a full disk is not a bad setting."""
    if "No space left on device" in stderr or "Disk quota exceeded" in stderr:
        return "the disk is full: free some space and run the same command again"
    if "Permission denied" in stderr or "Read-only file system" in stderr:
        return "ffmpeg may not write there: check the folder's permissions, or choose another output"
    return "fix that setting or input and retry"


_LOGS = itertools.count()


def save_log(command: list[str], stderr: str) -> str | None:
    """Save ffmpeg's command line and output where a failure's message can point: a file in the
    temp folder, or None where even that cannot be written (a full disk)."""
    path = Path(tempfile.gettempdir()) / f"odyssey-ffmpeg-{os.getpid()}-{next(_LOGS)}.log"
    try:
        path.write_text("command: " + " ".join(command) + "\n\n" + stderr, encoding="utf-8")
    except OSError:
        return None
    return str(path)


def first_cause(stderr: str) -> str:
    """ffmpeg's first error line, which names the root cause; later lines are fallout.

    ``FFmpegError`` shows the last lines of stderr, which after ffmpeg 7 are mostly
    "Task finished with error code" noise, so the cause is also put into the message.
    """
    for line in stderr.splitlines():
        line = re.sub(r" @ 0x[0-9a-fA-F]+", "", line).strip()
        if line:
            return line if len(line) <= 200 else line[:197] + "..."
    return ""


class FFmpegProcess:
    """A running ffmpeg command, optionally fed through stdin.

    ``write`` may be called from any thread; ``kill`` may be called from another thread
    while a ``write`` is blocked and makes it fail promptly. ``finish`` and ``kill`` are
    meant for the owner, one of them once.
    """

    def __init__(self, command: list[str], target: Path, *, feed: bool) -> None:
        self.command = command
        self._target = target
        self._write_lock = threading.Lock()
        self._stderr_lock = threading.Lock()  # kill() on another thread may close stderr
        self._stderr = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                **_session_kwargs(),
            )
        except OSError as exc:
            self._stderr.close()
            raise WriterError(f"cannot start ffmpeg {command[0]} ({exc}); {_REINSTALL}") from exc

    @property
    def pid(self) -> int:
        return self._proc.pid

    def running(self) -> bool:
        return self._proc.poll() is None

    def _stderr_text(self) -> str:
        """The last ``STDERR_TAIL_BYTES`` ffmpeg printed; call only once it has exited,
        since seeking the shared file would move ffmpeg's own write position."""
        with self._stderr_lock:
            if self._stderr.closed:
                return ""
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL_BYTES))
            return self._stderr.read().decode("utf-8", errors="replace")

    def _close_stderr(self) -> None:
        with self._stderr_lock:
            self._stderr.close()

    def _failure(self, what: str, code: int) -> FFmpegError:
        stderr = self._stderr_text()
        cause = first_cause(stderr) or "it printed nothing"
        self._close_stderr()
        message = f"{what} ({_describe_exit(code)}): {cause}; {advice(stderr)}"
        return FFmpegError(message, self.command, stderr, save_log(self.command, stderr))

    def write(self, data: memoryview) -> None:
        """Send bytes to ffmpeg's stdin; FFmpegError if ffmpeg has died."""
        stdin = self._proc.stdin
        if stdin is None:
            raise WriterError(
                f"ffmpeg writing {self._target} takes no input; this is a bug in odyssey, report it"
            )
        with self._write_lock:
            try:
                stdin.write(data)
                return
            except (OSError, ValueError):  # BrokenPipeError, or stdin closed by kill()
                pass
        code = self._wait_or_kill()
        raise self._failure(f"ffmpeg stopped while receiving frames for {self._target}", code)

    def finish(self) -> str:
        """Close stdin, wait for ffmpeg to finish, and raise FFmpegError unless it succeeded.

        Returns what ffmpeg printed (its last ``STDERR_TAIL_BYTES``), for callers that check
        its warnings (the segment join does)."""
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:  # the final flush hit a dead ffmpeg; its exit status says why
                pass
        code = self._proc.wait()
        if code != 0:
            raise self._failure(f"ffmpeg failed to write {self._target}", code)
        printed = self._stderr_text()
        self._close_stderr()
        return printed

    def kill(self) -> None:
        """Stop ffmpeg now: terminate, kill if it lingers, release the pipes. Never raises."""
        if self._proc.poll() is None:
            try:
                self._proc.terminate()
            except OSError:
                pass
            # ffmpeg ignores SIGTERM while blocked reading stdin, so also close stdin -- but
            # only when no write() holds it, since closing would then wait for that write.
            if self._proc.stdin is not None and self._write_lock.acquire(blocking=False):
                try:
                    self._proc.stdin.close()
                except OSError:
                    pass
                finally:
                    self._write_lock.release()
            self._wait_or_kill()
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except (OSError, ValueError):
                pass
        self._close_stderr()

    def _wait_or_kill(self) -> int:
        try:
            return self._proc.wait(timeout=KILL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            return self._proc.wait()


def run_ffmpeg(command: list[str], target: Path) -> str:
    """Run a command that needs no input to completion and return what it printed; kill it if
    anything interrupts."""
    process = FFmpegProcess(command, target, feed=False)
    try:
        return process.finish()
    except BaseException:
        process.kill()
        raise
