"""`streamlit run app.py` as a child process on a free local port, for the browser tests and the
server benchmark: both must meet the app as a user does (a real server, its own process), and
both start it the same way."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ServerDidNotStart(RuntimeError):
    """The server exited or did not answer its health check in time (its log is the message)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_server(env: dict[str, str] | None = None, timeout: float = 60.0) -> Iterator[tuple[str, float]]:
    """Yield (url, seconds until the health check answered); stop the server on exit."""
    port = free_port()
    started = time.monotonic()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this block: the server writes to it
    process = subprocess.Popen(
        [
            sys.executable, "-m", "webapp",
            "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
            "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env=dict(os.environ if env is None else env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            if process.poll() is not None or time.monotonic() - started > timeout:
                log.seek(0)
                raise ServerDidNotStart(f"streamlit did not start:\n{log.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield url, time.monotonic() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
