"""The web form in a real browser: `streamlit run app.py` driven by Debian's chromium.

Enters a BOM with the activity picker and by typing into the data grid, calculates, compares
the total shown with the engine's, opens the label, downloads the study JSON and checks it.
Screenshots of the main screens in both languages are written to a temporary folder and copied
to docs/screenshots/ when UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from footprint.reports.numbers import significant
from webapp.live_server import ServerDidNotStart, live_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _playwright():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (install Debian's chromium: apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    return sync_playwright


@pytest.fixture(scope="module")
def server():
    """`streamlit run app.py` on a free local port, with this test run's temporary cache."""
    _playwright()
    env = dict(os.environ)  # carries the temporary GBA_FOOTPRINT_CACHE set by tests/conftest.py
    env.pop("GBA_FOOTPRINT_DATASET", None)  # the bundled GBA dataset, as users get it
    try:
        with live_server(env) as (url, _):
            yield url
    except ServerDidNotStart as error:
        pytest.fail(str(error))


def idle(page, timeout: float = 30_000) -> None:
    """Wait for the rerun an action started to finish."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # the rerun may already be over
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=running]", timeout=600)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def commit(page) -> None:
    page.keyboard.press("Tab")
    idle(page)


class Shots:
    def __init__(self, page, directory: Path) -> None:
        self.page, self.directory, self.taken = page, directory, []

    def take(self, name: str, anchor=None) -> None:
        if anchor is not None:
            anchor.evaluate("element => element.scrollIntoView({block: 'start'})")
        self.page.wait_for_timeout(300)  # charts draw after the script has finished
        path = self.directory / f"{name}.png"
        self.page.screenshot(path=str(path))
        self.taken.append(path)


def visit_screens(page, shots: Shots, language: str, t: dict) -> None:
    """The example study: input tabs, then the results tabs, in one language."""
    page.get_by_role("tab", name=t["materials"]).click()
    shots.take(f"{language}-2-materials")
    page.get_by_role("tab", name=t["energy"]).click()
    shots.take(f"{language}-3-energy")
    page.get_by_role("tab", name=t["product"]).click()
    page.get_by_role("button", name=t["calculate"]).click()
    idle(page)
    metric = page.locator("[data-testid=stMetric]").first
    metric.wait_for()
    shots.take(f"{language}-4-results", metric)
    for name, tab in (("5-supply-chain", t["sankey"]), ("6-findings", t["findings"]), ("7-label", t["label"])):
        page.get_by_role("tab", name=tab, exact=True).click()
        shots.take(f"{language}-{name}", metric)


ZH = {"product": "① 产品信息", "materials": "② 原材料与零部件", "energy": "③ 工厂能源", "calculate": "计算碳足迹", "sankey": "供应链", "hotspots": "热点与情景", "findings": "标识规则", "label": "标识", "example": "载入示例"}
EN = {"product": "① Product", "materials": "② Materials & parts", "energy": "③ Factory energy", "calculate": "Calculate footprint", "sankey": "Supply chain", "hotspots": "Hotspots & what-if", "findings": "Label rules", "label": "Label", "example": "Load example", "new": "New study"}


def test_enter_a_bom_see_total_and_label_download_study(server, tmp_path):
    sync_playwright = _playwright()
    started = time.monotonic()
    shot_dir = Path(tempfile.mkdtemp(prefix="gba-screenshots-"))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 1500},
            accept_downloads=True,
        )
        try:
            page = context.new_page()
            page.goto(server)
            idle(page, 90_000)
            print(f"loaded {time.monotonic() - started:.1f}")
            shots = Shots(page, shot_dir)
            page.get_by_role("textbox", name="产品名称", exact=True).wait_for()
            shots.take("zh-1-product")

            # -- both languages, on the example study
            page.get_by_role("button", name=ZH["example"]).click()
            idle(page)
            visit_screens(page, shots, "zh", ZH)
            page.locator("[data-testid=stRadio] label").filter(has_text="English").click()
            idle(page)
            page.get_by_role("tab", name=EN["product"]).click()
            # choices keep their value and show it in the new language
            assert page.get_by_role("combobox", name="Declared unit").input_value() == "piece"
            assert page.get_by_role("combobox", name="Region of the site").input_value() == "Guangdong / Shenzhen (mainland)"
            shots.take("en-1-product")
            visit_screens(page, shots, "en", EN)

            print(f"screens {time.monotonic() - started:.1f}")
            # -- a new study entered by hand
            page.get_by_role("button", name=EN["new"]).click()
            idle(page)
            page.get_by_role("button", name="Discard and start new").click()  # asked first: the example is loaded
            idle(page)
            page.get_by_role("tab", name=EN["product"]).click()
            page.get_by_role("textbox", name="Product name", exact=True).fill("Aluminium bracket")
            commit(page)
            page.get_by_role("textbox", name="Company (applicant)").fill("Example Metal Works Ltd.")
            commit(page)
            page.get_by_role("spinbutton", name="Mass of one piece (kg)").fill("0.35")
            commit(page)

            page.get_by_role("tab", name=EN["materials"]).click()
            for query, activity, amount, unit in (("铝挤压", "AL-EXTR-GBA", "0.3", None), ("corrugated", "PAPER-CORR-CN", "40", "g")):
                page.get_by_role("textbox", name="Search by Chinese or English name").fill(query)
                commit(page)
                page.locator("[data-testid=stSelectbox]:visible").filter(has_text="Activity (").click()
                page.get_by_role("option").filter(has_text=activity).first.click()
                idle(page)
                if unit:
                    page.locator("[data-testid=stSelectbox]:visible").filter(has_text="Unit").click()
                    page.get_by_role("option", name=unit, exact=True).click()
                    idle(page)
                page.get_by_role("spinbutton", name="Amount", exact=True).fill(amount)
                commit(page)
                page.get_by_role("button", name="Add line").click()
                idle(page)
            # type into the data grid (a canvas): first row, Amount column
            grid = page.locator("[data-testid=stDataFrame]:visible").first
            grid.wait_for()
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 50, box["y"] + 35 + 17)
            for _ in range(3):  # ID → Part of → Activity → Amount
                page.keyboard.press("ArrowRight")
            page.keyboard.press("Enter")
            cell = page.locator("textarea.gdg-input")  # the grid's cell editor
            assert cell.input_value(timeout=5000) == "0.3"
            cell.fill("0.32")
            page.keyboard.press("Enter")
            cell.wait_for(state="detached")
            idle(page)

            page.get_by_role("tab", name=EN["energy"]).click()
            page.get_by_role("spinbutton", name="Electricity used").fill("0.5")
            commit(page)

            print(f"entered {time.monotonic() - started:.1f}")
            page.get_by_role("button", name=EN["calculate"]).click()
            idle(page)
            shown_total = page.locator("[data-testid=stMetricValue]").first.inner_text()

            from footprint.bom import bom_from_data
            from footprint.engine import default_engine

            engine = default_engine()  # the server built the dataset's background first
            bom = bom_from_data(
                {
                    "product": "Aluminium bracket",
                    "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 0.35},
                    "lines": [
                        {"id": "A", "activity_id": "AL-EXTR-GBA", "amount": 0.32, "unit": "kg", "stage": "raw_materials"},
                        {"id": "B", "activity_id": "PAPER-CORR-CN", "amount": 40, "unit": "g", "stage": "packaging"},
                        {"id": "E", "activity_id": "ELEC-SITE", "amount": 0.5, "unit": "kWh", "stage": "manufacturing_energy"},
                    ],
                }
            )
            expected = engine.calculate(bom).total_kgco2e
            assert shown_total == significant(expected, 4)

            page.get_by_role("tab", name=EN["label"], exact=True).click()
            label = page.locator("img[alt=label]")
            label.wait_for()
            assert label.is_visible()
            assert label.evaluate("img => img.naturalWidth") > 100

            with page.expect_download() as download_info:
                page.get_by_role("button", name="Study (JSON)", exact=True).click()
            download = download_info.value
            assert download.suggested_filename == "Aluminium-bracket.study.json"
            study = json.loads(Path(download.path()).read_text(encoding="utf-8"))
            assert study["applicant"]["name"] == "Example Metal Works Ltd."
            assert [(line["activity_id"], line["amount"], line["unit"]) for line in study["bom"]["lines"]] == [
                ("AL-EXTR-GBA", 0.32, "kg"),
                ("PAPER-CORR-CN", 40.0, "g"),
                ("ELEC-SITE", 0.5, "kWh"),
            ]
            assert study["declared"]["total_kgco2e"] == pytest.approx(expected, rel=1e-12)

            # Two downloads in quick succession (once failed with MediaFileStorageError: the first
            # click reran the script and dropped the second file): both arrive, both whole.
            arrived = []
            page.on("download", lambda download: arrived.append(download))
            page.get_by_role("button", name="Label (SVG)", exact=True).click()
            page.get_by_role("button", name="PACT footprint (JSON)", exact=True).click()
            for _ in range(100):
                if len(arrived) == 2:
                    break
                page.wait_for_timeout(100)
            assert sorted(d.suggested_filename for d in arrived) == ["Aluminium-bracket-label.svg", "Aluminium-bracket-pact.json"]
            assert all(d.failure() is None for d in arrived)
            by_name = {d.suggested_filename: Path(d.path()) for d in arrived}
            assert by_name["Aluminium-bracket-label.svg"].read_bytes().lstrip().startswith(b"<")
            assert json.loads(by_name["Aluminium-bracket-pact.json"].read_text(encoding="utf-8"))["specVersion"]
        finally:
            context.close()
    elapsed = time.monotonic() - started
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for path in shots.taken:
            shutil.copy2(path, SCREENSHOTS / path.name)
    assert elapsed < 60, f"the browser test took {elapsed:.0f} s"


def test_type_two_lines_append_a_file_and_map_an_erp_export(server, tmp_path):
    """Two typed lines, a BOM file appended (staying on the tab), then an ERP export whose columns
    are mapped and whose activities are suggested from the material names: all lines in the grid."""
    sync_playwright = _playwright()
    started = time.monotonic()
    second = tmp_path / "second.csv"
    second.write_text("id,activity_id,amount,unit,stage\nA1,CU-CATH-CN,0.05,kg,raw_materials\n", encoding="utf-8")
    erp = tmp_path / "erp.csv"
    erp.write_text("物料名称,用量,单位,备注\n铝型材,0.3,kg,框架\n瓦楞纸箱,40,g,包装\n", encoding="utf-8")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport={"width": 1440, "height": 1500}
        )
        try:
            page = context.new_page()
            page.goto(server)
            idle(page, 90_000)
            page.locator("[data-testid=stRadio] label").filter(has_text="English").click()
            idle(page)
            page.get_by_role("tab", name=EN["materials"]).click()
            idle(page)
            for query, activity in (("铝挤压", "AL-EXTR-GBA"), ("corrugated", "PAPER-CORR-CN")):
                page.get_by_role("textbox", name="Search by Chinese or English name").fill(query)
                commit(page)
                page.locator("[data-testid=stSelectbox]:visible").filter(has_text="Activity (").click()
                page.get_by_role("option").filter(has_text=activity).first.click()
                idle(page)
                page.get_by_role("spinbutton", name="Amount", exact=True).fill("1")
                commit(page)
                page.get_by_role("button", name="Add line").click()
                idle(page)
            uploader = page.get_by_test_id("stTabs").get_by_test_id("stFileUploaderDropzoneInput")
            assert page.get_by_role("radio", name="Append to the lines").is_checked()
            uploader.set_input_files(str(second))
            idle(page)
            page.get_by_text("Added 1 lines from second.csv after the 2 lines").wait_for(timeout=10_000)
            assert page.get_by_role("tab", name=EN["materials"]).get_attribute("aria-selected") == "true"  # still on the tab

            uploader.set_input_files(str(erp))
            idle(page)
            page.get_by_text("is not in the BOM layout").wait_for(timeout=10_000)
            assert page.get_by_text("check each one").is_visible()
            page.get_by_role("button", name="Add the lines").click()
            idle(page)
            page.get_by_text("Added 2 lines from erp.csv after the 3 lines").wait_for(timeout=10_000)
            assert page.get_by_role("tab", name=EN["materials"]).get_attribute("aria-selected") == "true"
            grid = page.locator("[data-testid=stDataFrame]:visible").filter(has=page.locator("[role=grid]")).last
            rows = int(grid.locator("[role=grid]").first.get_attribute("aria-rowcount"))
            assert rows - 2 == 5, rows  # header row and "add row" + 2 typed + 1 appended + 2 mapped
        finally:
            context.close()
    elapsed = time.monotonic() - started
    print(f"upload and mapping {elapsed:.1f} s")
    assert elapsed < 60, f"the browser test took {elapsed:.0f} s"
