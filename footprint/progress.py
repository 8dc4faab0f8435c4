"""Progress reporting for long runs (Monte Carlo, batches) through a plain callback.

Why a callback and not a progress-bar library: the same computation is driven from the command
line (a line on stderr), from the web app (``st.progress`` in the Streamlit layer, which
``footprint/`` never imports) and from tests (a list that records calls). A callback
``progress(done, total)`` fits all three; ``done`` and ``total`` count work units (Monte Carlo
iterations, BOMs) and ``done`` only grows, reaching ``total`` exactly once at the end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The callback used when none is given."""


class StderrProgress:
    """``label  1,500/10,000  15%  0.8 s`` on stderr, rewritten in place on a terminal.

    Updates are throttled (``interval`` seconds) so that reporting never costs more than the
    work; on a non-terminal stream (CI logs) only the final line is written.
    """

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.interval = interval
        self.started = time.perf_counter()
        self._last = 0.0
        self._live = bool(getattr(self.stream, "isatty", lambda: False)())

    def _line(self, done: int, total: int) -> str:
        share = done / total if total else 1.0
        return f"{self.label}  {done:,}/{total:,}  {share:4.0%}  {time.perf_counter() - self.started:.1f} s"

    def __call__(self, done: int, total: int) -> None:
        finished = done >= total
        now = time.perf_counter()
        if not finished and (not self._live or now - self._last < self.interval):
            return
        self._last = now
        end = "\n" if finished else ""
        prefix = "\r" if self._live else ""
        self.stream.write(f"{prefix}{self._line(done, total)}{end}")
        self.stream.flush()


class ProgressCounter:
    """Turns "this task finished, it weighed w" into cumulative ``progress(done, total)`` calls."""

    def __init__(self, total: int, progress: ProgressCallback | None) -> None:
        self.total = int(total)
        self.done = 0
        self.progress = progress or no_progress

    def add(self, amount: int) -> None:
        self.done += int(amount)
        self.progress(self.done, self.total)
