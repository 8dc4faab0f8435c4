"""Speed as a user meets it: a real `streamlit run app.py` server in its own process, driven by
Debian's chromium, and `footprint calc` in fresh processes.

Run: ``python benchmarks/bench_server.py [--repeat 5]``

Prints, with the target and the ratio measured/target (below 1 meets it; nothing asserted):

- server start: process start until the health check answers (the engine is built here);
- first page: navigation until the first screen is drawn;
- first Calculate: press on the example study until the screen has settled (the rerun done and
  what it sent drawn: charts and tables included, see ``PRESS_AND_TIME``), and until the script
  was done;
- later Calculate: median of ``--repeat`` presses, each after changing the site electricity so
  no result can be reused, measured the same way;
- first PDF: press on the PDF button until the download has arrived;
- footprint calc (fresh process, project built): median wall time of ``--repeat`` runs of the
  command on examples/led-lamp-bom.csv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"Calculate": 0.5, "PDF": 3.0, "footprint calc": 1.5}
CHROMIUM = "/usr/bin/chromium"


def idle(page, timeout: float = 120_000) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=running]", timeout=300)
    except PlaywrightTimeout:
        pass
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def _timed(action, wait) -> float:
    started = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - started


# Every message the server sends over the app's websocket is time-stamped in the page (installed
# before the app's own code runs): the last one of a run is its "script finished".
HEAR_SERVER = """(() => {
  window.__lastMessage = 0;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!this.__timed) {
      this.__timed = true;
      this.addEventListener('message', () => { window.__lastMessage = performance.now(); });
    }
    return send.call(this, data);
  };
})();"""

# Press a button inside the page and time it with the page's own clock (no Playwright polling or
# actionability checks inside the measured interval) until the screen has settled: the server has
# sent everything the press made it send and the browser has drawn it. Charts and tables are
# drawn after the script is done (plotly draws a figure some frames later), so the end is the
# latest of: the last message from the server, the frame after the last change to the page (a
# DOM mutation), the end of the last long task, the script state turning "notRunning"; taken once
# the server has answered, the script is not running and nothing has changed for QUIET_MS (this
# wait is not counted). A fast run may show no "running" state at all (the browser draws its
# start and end in one frame), so the server's answer, not that state, says the press was heard.
# "idle" is when the last message arrived (or the state turned "notRunning", if later).
QUIET_MS = 1000
PRESS_AND_TIME = """async ([label, quiet]) => {
  const app = document.querySelector('[data-testid=stApp]');
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.includes(label));
  const state = () => app.getAttribute('data-test-script-state');
  let lastDone = 0, lastPaint = 0, lastTask = 0;
  const states = new MutationObserver(() => { if (state() === 'notRunning') lastDone = performance.now(); });
  states.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  const changes = new MutationObserver(() => {
    requestAnimationFrame(() => setTimeout(() => { lastPaint = Math.max(lastPaint, performance.now()); }, 0));
  });
  changes.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  const tasks = new PerformanceObserver(list => {
    for (const task of list.getEntries()) lastTask = Math.max(lastTask, task.startTime + task.duration);
  });
  tasks.observe({type: 'longtask'});
  const started = performance.now();
  button.click();
  const heard = () => window.__lastMessage > started;
  const settledAt = () => Math.max(lastPaint, lastTask, lastDone, window.__lastMessage);
  while (!heard() || state() !== 'notRunning' || performance.now() - settledAt() < quiet) {
    if (performance.now() - started > 120000) {
      throw new Error(`no settled screen after pressing ${label}: answered ${heard()}, script state ${state()}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  states.disconnect();
  changes.disconnect();
  tasks.disconnect();
  return {settled: (settledAt() - started) / 1000, idle: (Math.max(lastDone, window.__lastMessage) - started) / 1000};
}"""


def load_example_in_english(page) -> None:
    """On the first screen (Chinese): switch to English, load the example study."""
    page.locator("[data-testid=stRadio] label").filter(has_text="English").click()
    idle(page)
    page.get_by_role("button", name="Load example").click()
    idle(page)


def download_pdf(page) -> float:
    """Open the Label tab and download the PDF report; seconds from the press until it arrived."""
    page.get_by_role("tab", name="Label", exact=True).click()
    idle(page)
    pdf = page.get_by_role("button", name="Report (PDF)", exact=True)
    started = time.perf_counter()
    with page.expect_download(timeout=120_000) as info:
        pdf.click()
    info.value.path()
    return time.perf_counter() - started


def _press(page, label: str) -> dict[str, float]:
    """Seconds from the press until the screen settled ("settled") and until the script (and
    any rerun it asked for) was done ("idle")."""
    return page.evaluate(PRESS_AND_TIME, [label, QUIET_MS])


def browser_timings(url: str, repeat: int, profile: Path) -> dict[str, float | list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, float | list[float]] = {}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"],
            viewport={"width": 1440, "height": 1500}, accept_downloads=True,
        )
        try:
            context.add_init_script(HEAR_SERVER)
            page = context.new_page()
            times["first page"] = _timed(lambda: page.goto(url), lambda: page.get_by_role("button", name="载入示例").wait_for(timeout=120_000))
            load_example_in_english(page)
            first = _press(page, "Calculate footprint")
            times["first Calculate"], times["first Calculate, script done"] = first["settled"], first["idle"]
            later = []
            for run in range(repeat):
                page.get_by_role("tab", name="③ Factory energy").click()
                field = page.get_by_role("spinbutton", name="Electricity used")
                field.fill(f"{0.08 + 0.01 * (run + 1):.2f}")
                page.keyboard.press("Tab")
                idle(page)
                later.append(_press(page, "Calculate footprint"))
            times["later Calculate"] = [press["settled"] for press in later]
            times["later Calculate, script done"] = [press["idle"] for press in later]
            times["first PDF"] = download_pdf(page)
        finally:
            context.close()
    return times


def calc_timings(repeat: int, env: dict[str, str]) -> list[float]:
    command = [sys.executable, "-m", "footprint", "calc", str(ROOT / "examples" / "led-lamp-bom.csv")]
    subprocess.run(command, env=env, check=True, capture_output=True)  # builds the project once
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        runs.append(time.perf_counter() - started)
    return runs


def row(name: str, seconds: float, target: float | None) -> str:
    ratio = f"{seconds / target:6.2f}" if target else "     -"
    goal = f"< {target:g} s" if target else ""
    return f"{name:34s} {seconds:8.2f} s  {goal:>8s}  {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from webapp.live_server import live_server

    env = dict(os.environ)
    env["GBA_FOOTPRINT_CACHE"] = tempfile.mkdtemp(prefix="gba-bench-server-")
    env["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="gba-bench-bw-")
    print(f"{'measure':34s} {'seconds':>10s}  {'target':>8s}  ratio", flush=True)
    with live_server(env, timeout=300) as (url, start_seconds):
        print(row("server start (cold cache)", start_seconds, None))
        times = browser_timings(url, args.repeat, Path(tempfile.mkdtemp(prefix="gba-bench-profile-")))
    print(row("first page", times["first page"], None))
    print(row("first Calculate", times["first Calculate"], TARGETS["Calculate"]))
    print(row("  of which until the script was done", times["first Calculate, script done"], None))
    later = times["later Calculate"]
    print(row(f"later Calculate (median of {len(later)})", statistics.median(later), TARGETS["Calculate"]))
    print(row("  of which until the script was done", statistics.median(times["later Calculate, script done"]), None))
    print(row("first PDF", times["first PDF"], TARGETS["PDF"]))
    calc = calc_timings(args.repeat, env)
    print(row(f"footprint calc, fresh process (median of {len(calc)})", statistics.median(calc), TARGETS["footprint calc"]))


if __name__ == "__main__":
    main()
