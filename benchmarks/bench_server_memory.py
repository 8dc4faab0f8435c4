"""Memory of a real server as sessions come and go: is it bounded?

A real `python -m webapp` server in its own process (as the README starts it), driven by Debian's
chromium. Each session does what an SME does: open the page, load the example study, Calculate
(with Monte Carlo), download the PDF report. Run:

    python benchmarks/bench_server_memory.py [--sessions 6] [--rounds 3]

Each round opens ``--sessions`` browser sessions at once, works them through, and closes them;
the server's resident memory (``VmRSS`` of its process) is read after warm-up, with each round's
sessions open, and after they closed and Streamlit dropped them (its ``disconnectedSessionTTL``,
set low here so the benchmark need not wait two minutes).

Prints the memory per open session (growth over the server after one closed visit, divided by
sessions; within the noise of resident memory when a session holds little, and then may be below
zero) and the ratio of each later round's peak to the first round's. A bounded server has a ratio
near 1: the memory of closed sessions is reused, not accumulated. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_server import CHROMIUM, download_pdf, idle, load_example_in_english  # noqa: E402  (benchmarks/ is the script's own folder)

SESSION_TTL_S = 5
MIB = 2**20


def server_pid(port: int) -> int:
    """The process serving ``port`` (python -m webapp serves in its own process)."""
    import psutil

    for process in psutil.process_iter(["cmdline"]):
        if f"--server.port={port}" in " ".join(process.info["cmdline"] or ()):
            return process.pid
    raise RuntimeError(f"no server process for port {port}")


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def work_session(page, url: str) -> None:
    """One SME's visit: example study, Calculate (Monte Carlo included), the PDF report."""
    page.goto(url)
    page.get_by_role("button", name="载入示例").wait_for(timeout=180_000)
    load_example_in_english(page)
    page.get_by_role("button", name="Calculate footprint").click()
    idle(page)
    download_pdf(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=6, help="browser sessions open at once per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from webapp.live_server import live_server

    env = dict(os.environ)
    env["GBA_FOOTPRINT_CACHE"] = tempfile.mkdtemp(prefix="gba-bench-memory-")
    env["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="gba-bench-memory-bw-")
    env["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"] = str(SESSION_TTL_S)
    with live_server(env, timeout=300) as (url, _), sync_playwright() as playwright:
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        print(f"server warmed up, no visit yet: {rss(pid) / MIB:8.1f} MiB")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        warm = browser.new_context(viewport={"width": 1440, "height": 1500}, accept_downloads=True)
        work_session(warm.new_page(), url)  # the first visit loads what every later one shares
        warm.close()
        time.sleep(SESSION_TTL_S + 10)
        base = rss(pid)
        print(f"server after one visit, closed: {base / MIB:8.1f} MiB")
        print(f"{'round':>5s} {'open':>5s} {'with sessions':>14s} {'per session':>12s} {'after close':>12s} {'peak / round 1':>15s}")
        first_peak = None
        for round_no in range(1, args.rounds + 1):
            contexts = [browser.new_context(viewport={"width": 1440, "height": 1500}, accept_downloads=True) for _ in range(args.sessions)]
            pages = [context.new_page() for context in contexts]
            for page in pages:  # one after another, all kept open
                work_session(page, url)
            peak = rss(pid)
            for context in contexts:
                context.close()
            time.sleep(SESSION_TTL_S + 10)
            after = rss(pid)
            first_peak = first_peak or peak
            per_session = (peak - base) / args.sessions
            print(
                f"{round_no:5d} {args.sessions:5d} {peak / MIB:10.1f} MiB {per_session / MIB:8.2f} MiB "
                f"{after / MIB:8.1f} MiB {peak / first_peak:15.3f}",
                flush=True,
            )
        browser.close()


if __name__ == "__main__":
    main()
