"""The web form in a real browser: `streamlit run app.py` driven by Debian's chromium.

Enters a BOM with the activity picker and by typing into the data grid, calculates, compares
the total shown with the engine's, opens the label, downloads the study JSON and checks it. Then,
as a new SME user: a new study typed, a BOM file appended, an ERP export's columns mapped, and
the Label readiness checklist worked through on the Label details tab until the study is
eligible; a variant compared with it. A supplier's PACT footprint from a file and from the real
PACT host on 127.0.0.1 (which the server reaches because its fixture allows that network, as a
deployment would), and the cloud metadata address refused. Screenshots of the main screens in both languages are written to a temporary folder and copied
to docs/screenshots/ when UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest

from footprint.reports.numbers import significant
from webapp.live_server import ServerDidNotStart, live_server

from .pact_servers import CLIENT_ID, LOCAL_NETWORK, SECRET, certified_setup, pact_host_url, study_dataset, study_engine  # noqa: F401

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

# Run once more on a failure (pytest-rerunfailures; shown as R in the summary, not hidden): a real
# server and browser on a busy CI machine can lose a click or a frame; a real defect fails twice.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]


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
    """`streamlit run app.py` on a free local port, with this test run's temporary cache; its PACT
    fetch may reach 127.0.0.1, where the tests' PACT host listens (public addresses otherwise)."""
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV

    _playwright()
    env = dict(os.environ)  # carries the temporary GBA_FOOTPRINT_CACHE set by tests/conftest.py
    env.pop("GBA_FOOTPRINT_DATASET", None)  # the bundled GBA dataset, as users get it
    env[ALLOWED_NETWORKS_ENV] = LOCAL_NETWORK
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


def show_results(page, name: str) -> None:
    """Open a results tab: only the tab shown is drawn, by the rerun the click starts."""
    page.get_by_role("tab", name=name, exact=True).click()
    idle(page)


def shows(part, text: str, timeout: float = 10_000) -> None:
    """Wait for ``text`` in ``part``; if it never comes, fail with what ``part`` shows instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        part.get_by_text(text).first.wait_for(timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"{text!r} not shown; shown instead:\n{part.first.inner_text()}") from None


def commit(page) -> None:
    page.keyboard.press("Tab")
    idle(page)


def fill_textboxes(page, *fields: tuple[str, str]) -> None:
    """Type each (label, text) into the text box of that label, committing each one."""
    for name, value in fields:
        page.get_by_role("textbox", name=name, exact=True).fill(value)
        commit(page)


def launch(playwright, tmp_path: Path, **options):
    """Debian's chromium with a fresh profile, a tall window (the whole form in one screen)."""
    return playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1440, "height": 1500},
        **options,
    )


def open_in_english(context, server: str):
    """A new page on the app, once it has loaded, switched to English."""
    page = context.new_page()
    page.goto(server)
    idle(page, 90_000)
    page.locator("[data-testid=stRadio] label").filter(has_text="English").click()
    idle(page)
    return page


def pick_line(page, query: str, activity: str, amount: str, unit: str | None = None) -> None:
    """The activity picker of the materials tab: search, choose, amount (and unit), Add line."""
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


ROW_PX = 35  # st.data_editor's header and row height


def grid_rows(grid) -> int:
    """Data rows of a data grid (its accessible table counts the header row too)."""
    return int(grid.locator("[role=grid]").first.get_attribute("aria-rowcount")) - 1


def type_in_cell(page, grid, row: int, column: int, value: str, before: str | None = None) -> None:
    """Type into a cell of st.data_editor, a canvas (glide data grid): select the row's first
    cell, move right to ``column`` (0 = first column), open the cell editor, type, commit; then
    wait until the grid drawn by the rerun shows the value. The grid's accessible table (inside
    the canvas) tells which cell is selected and what each cell holds."""
    from playwright.sync_api import expect

    def cell(col: int):
        return grid.locator(f'tr[aria-rowindex="{row + 2}"] td[aria-colindex="{col + 1}"]')  # 1-based, header first

    grid.wait_for()
    for attempt in range(3):  # a rerun still drawing may move the grid between measuring and clicking
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 50, box["y"] + ROW_PX + ROW_PX * row + ROW_PX // 2)
        try:
            expect(cell(0)).to_have_attribute("aria-selected", "true", timeout=4000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            idle(page)
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    expect(cell(column)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    editor = page.locator("textarea.gdg-input")  # the grid's cell editor
    if before is not None:
        assert editor.input_value(timeout=5000) == before
    editor.fill(value)
    page.keyboard.press("Enter")
    editor.wait_for(state="detached")
    idle(page)
    expect(cell(column)).to_have_text(value)


def save_screenshots(shots: Shots) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for path in shots.taken:
            shutil.copy2(path, SCREENSHOTS / path.name)


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
        show_results(page, tab)
        shots.take(f"{language}-{name}", metric)


ZH = {"product": "① 产品信息", "materials": "② 原材料与零部件", "energy": "③ 工厂能源", "calculate": "计算碳足迹", "sankey": "供应链", "hotspots": "热点与情景", "findings": "标识规则", "label": "标识", "example": "载入示例"}
EN = {"product": "① Product", "materials": "② Materials & parts", "energy": "③ Factory energy", "calculate": "Calculate footprint", "sankey": "Supply chain", "hotspots": "Hotspots & what-if", "findings": "Label rules", "label": "Label", "example": "Load example", "new": "New study"}


def test_enter_a_bom_see_total_and_label_download_study(server, tmp_path):
    sync_playwright = _playwright()
    started = time.monotonic()
    shot_dir = Path(tempfile.mkdtemp(prefix="gba-screenshots-"))
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path, accept_downloads=True)
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
            pick_line(page, "铝挤压", "AL-EXTR-GBA", "0.3")
            pick_line(page, "corrugated", "PAPER-CORR-CN", "40", unit="g")
            # type into the data grid (a canvas): first row, Amount column (ID → Part of → Activity → Amount)
            type_in_cell(page, page.locator("[data-testid=stDataFrame]:visible").first, 0, 3, "0.32", before="0.3")

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

            show_results(page, EN["label"])
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
    save_screenshots(shots)
    print(f"BOM to downloads {time.monotonic() - started:.1f} s")  # speed is measured in benchmarks/, not asserted here


def open_item(page, what: str) -> None:
    """Press the Open button of one Label readiness item: the field's tab and expander open."""
    show_results(page, "Label readiness")
    item = page.get_by_test_id("stHorizontalBlock").filter(has_text=what).last  # its text and button columns
    item.get_by_role("button", name="Open", exact=True).click()
    idle(page)
    assert page.get_by_role("tab", name="⑤ Label details").get_attribute("aria-selected") == "true"
    # the page scrolls (smoothly) to the field and focuses it: wait until it stands still
    page.wait_for_function("""() => document.activeElement?.closest('[class*="st-key-f-"], [class*="st-key-editor-"]')""")
    page.evaluate(SETTLED)


SETTLED = """() => new Promise(resolve => {
  let top = null, still = 0;
  const tick = () => {
    const now = document.activeElement.getBoundingClientRect().top;
    still = now === top ? still + 1 : 0;
    top = now;
    if (still >= 10) resolve(true); else requestAnimationFrame(tick);
  };
  tick();
})"""


def fill_date(page, label: str, day: date) -> None:
    """st.date_input is a date field of year / month / day segments: type into the first, each
    moves on to the next when full; leaving the field sends the date."""
    page.get_by_role("spinbutton", name=f"year, {label}", exact=True).click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    commit(page)


def test_new_study_typed_appended_mapped_then_made_eligible_through_the_checklist(server, tmp_path):
    """As a new SME user: a new study, product details, two lines from the activity picker and
    one amount typed into the grid, site electricity; a BOM file appended (staying on the tab),
    an ERP export whose columns are mapped and whose suggested activities are accepted; then
    Calculate, and the Label readiness checklist worked through with its Open buttons on the
    ⑤ Label details tab until the label rules say eligible."""
    sync_playwright = _playwright()
    started = time.monotonic()
    shot_dir = Path(tempfile.mkdtemp(prefix="gba-screenshots-"))
    second = tmp_path / "second.csv"
    second.write_text(  # a part bought in, and its delivery by truck (the boundary needs inbound transport)
        "id,activity_id,amount,unit,stage,distance_km\nA1,CU-CATH-CN,0.05,kg,raw_materials,\nT1,FRT-TRK-HEAVY-DIESEL-CN,0.55,kg,inbound_transport,200\n",
        encoding="utf-8",
    )
    erp = tmp_path / "erp.csv"
    # 铝型材 matches the extrusion step's name too: the part (AL-EXTR-GBA) must be suggested first
    erp.write_text("物料名称,用量,单位,备注\n铝型材,0.3,kg,框架\n瓦楞纸箱,40,g,包装\n", encoding="utf-8")
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path)
        try:
            page = open_in_english(context, server)
            shots = Shots(page, shot_dir)
            page.get_by_role("button", name=EN["new"]).click()  # nothing typed yet: no question asked
            idle(page)

            # -- product details, two picked lines, one amount typed into the grid, site electricity
            fill_textboxes(
                page,
                ("Product name", "Aluminium bracket"),
                ("Model", "AB-2"),
                ("Company (applicant)", "Example Metal Works Ltd."),
                ("Manufacturing site", "Bao'an plant"),
                ("Site address", "Bao'an District, Shenzhen"),
            )
            page.get_by_role("spinbutton", name="Mass of one piece (kg)").fill("0.55")
            commit(page)
            page.get_by_role("tab", name=EN["materials"]).click()
            pick_line(page, "铝挤压", "AL-EXTR-GBA", "1")
            pick_line(page, "corrugated", "PAPER-CORR-CN", "40", unit="g")
            materials = page.locator("[data-testid=stDataFrame]:visible").first
            type_in_cell(page, materials, 0, 3, "0.2", before="1")  # ID → Part of → Activity → Amount
            page.get_by_role("tab", name=EN["energy"]).click()
            page.get_by_role("spinbutton", name="Electricity used").fill("0.2")
            commit(page)

            # -- a BOM file appended, then an ERP export mapped, staying on the materials tab
            page.get_by_role("tab", name=EN["materials"]).click()
            uploader = page.get_by_test_id("stTabs").get_by_test_id("stFileUploaderDropzoneInput").first  # the BOM upload (the PACT panel has one too)
            assert page.get_by_role("radio", name="Append to the lines").is_checked()
            uploader.set_input_files(str(second))
            idle(page)
            shows(page, "Added 2 lines from second.csv after the 2 lines")
            assert page.get_by_role("tab", name=EN["materials"]).get_attribute("aria-selected") == "true"  # still on the tab
            uploader.set_input_files(str(erp))
            idle(page)
            shows(page, "is not in the BOM layout")
            assert page.get_by_text("check each one").is_visible()
            page.get_by_role("button", name="Add the lines").click()  # the suggested activities, as they are
            idle(page)
            shows(page, "Added 2 lines from erp.csv after the 4 lines")
            assert page.get_by_role("tab", name=EN["materials"]).get_attribute("aria-selected") == "true"
            assert grid_rows(page.locator("[data-testid=stDataFrame]:visible").first) - 1 == 5  # and the "add row" row
            print(f"entered {time.monotonic() - started:.1f}")

            # -- calculate: the checklist says what the label still needs
            page.get_by_role("button", name=EN["calculate"]).click()
            idle(page)
            show_results(page, "Label readiness")
            page.get_by_text("thing(s) to do before the label can be granted").wait_for()
            shots.take("en-9-readiness", page.get_by_test_id("stMetric").first)
            print(f"calculated {time.monotonic() - started:.1f}")

            open_item(page, "Give the boundary diagram reference")
            page.get_by_role("textbox", name="Boundary diagram (where it is in your report)").fill("Report CFP-2025-07, figure 1")
            commit(page)
            stages = page.locator("[class*=st-key-editor-excluded_stages] [data-testid=stDataFrame]")
            for row in range(grid_rows(stages)):  # purchased parts, process emissions, production waste
                type_in_cell(page, stages, row, 1, "none in this product: bought-in material only, delivered by the supplier")

            open_item(page, "Report: give the data source of each measured line")
            quality = page.locator("[class*=st-key-editor-line_quality] [data-testid=stDataFrame]")
            quality.wait_for()
            elec = int(quality.locator("tr[aria-rowindex]").filter(has_text="ELEC").get_attribute("aria-rowindex")) - 2  # 1-based, header first
            type_in_cell(page, quality, elec, 4, "plant electricity meter, 2024 readings")  # line → 3 ratings → source

            open_item(page, "State the biogenic carbon content (or none)")
            page.get_by_test_id("stRadio").filter(has_text="Biogenic carbon in the product").get_by_text("None", exact=True).click()
            idle(page)

            open_item(page, "Report: state the limitations")
            page.get_by_role("textbox", name="Limitations").fill("Cradle-to-gate only: distribution, use and end of life are not included.")
            commit(page)

            open_item(page, "Name the certification body and its admission reference")
            fill_textboxes(
                page,
                ("Report number", "CFP-2025-07"),
                ("Certification body", "Example Certification Ltd."),
                ("Its GBA admission reference", "GBA-CB-0001"),
                ("Verification statement number", "VS-2025-07"),
                ("Surveillance plan", "annual surveillance audit"),
                ("Certificate number", "GBA-CFP-2025-EXAMPLE-000007"),
            )
            page.get_by_role("spinbutton", name="Surveillance every (months)").fill("12")
            commit(page)
            today = date.today()
            fill_date(page, "Footprint data management since", date(today.year - 2, 1, 1))
            fill_date(page, "On-site inspection date", today)
            fill_date(page, "Certificate issue date", today)
            shots.take("en-8-label-details", page.get_by_role("tab", name="⑤ Label details"))
            print(f"details {time.monotonic() - started:.1f}")

            # -- calculate again: eligible
            page.get_by_role("button", name=EN["calculate"]).click()
            idle(page)
            show_results(page, EN["findings"])
            page.get_by_text("Eligible for the GBA carbon footprint label").wait_for()
            show_results(page, "Label readiness")
            left = page.locator("[role=tabpanel]:visible")
            assert left.get_by_text("· blocking").count() == 0 and left.get_by_text("· major").count() == 0, left.inner_text()
            show_results(page, EN["label"])
            assert page.locator("img[alt=label]").is_visible()
            assert not page.get_by_text("Preview only").is_visible()
            print(f"eligible {time.monotonic() - started:.1f}")

            # -- a variant with half the electricity, compared with the study
            page.get_by_role("button", name="Duplicate as variant").click()
            idle(page)
            page.get_by_role("tab", name=EN["energy"]).click()
            page.get_by_role("spinbutton", name="Electricity used").fill("0.1")
            commit(page)
            page.locator("[data-testid=stRadio] label").filter(has_text="Compare variants").click()
            idle(page)
            page.get_by_role("button", name="Compare", exact=True).click()
            idle(page)
            page.get_by_text("By stage (kg CO2e)").wait_for()
            shots.take("en-10-compare", page.get_by_role("heading", name="Compare variants"))
        finally:
            context.close()
    save_screenshots(shots)
    print(f"new study to eligible {time.monotonic() - started:.1f} s")  # speed is measured in benchmarks/, not asserted here


def test_a_supplier_pact_file_becomes_a_line_of_the_example(server, tmp_path):
    """The PACT panel in a real browser: a supplier's footprint file uploaded, previewed, added
    as a line of the example study (0.05 kg at 6 kg CO2e/kg: + 0.3), Calculate shows the total
    the app computes for the same entries."""
    from footprint.engine import default_engine
    from webapp.catalog import Catalog
    from webapp.compute import calculate
    from webapp.main import example_form

    from ..study_fixtures import SUPPLIER_FOOTPRINT as COATING

    sync_playwright = _playwright()
    supplier = tmp_path / "reflector.pact.json"
    supplier.write_text(json.dumps(COATING), encoding="utf-8")
    engine = default_engine()
    expected = calculate(example_form(Catalog(engine)), engine, uncertainty=False).result.total_kgco2e + 0.05 * 6.0
    started = time.monotonic()
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path)
        try:
            page = open_in_english(context, server)
            page.get_by_role("button", name=EN["example"]).click()
            idle(page)
            page.get_by_role("tab", name=EN["materials"]).click()
            panel = page.get_by_test_id("stExpander").filter(has_text="Supplier footprint (PACT)")
            panel.get_by_text("Supplier footprint (PACT)").first.click()
            panel.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(supplier))
            idle(page)
            shows(panel, "6 kg CO2e per kg")
            panel.get_by_role("textbox", name="Amount per declared unit").fill("0.05")
            commit(page)
            panel.get_by_role("button", name="Add as BOM line").click()
            idle(page)
            shows(panel, "Line S1 added to the materials grid")
            page.get_by_role("button", name=EN["calculate"]).click()
            idle(page)
            shown = page.locator("[data-testid=stMetricValue]").first.inner_text()
        finally:
            context.close()
    print(f"PACT file to total {time.monotonic() - started:.1f} s")  # speed is measured in benchmarks/, not asserted here
    assert shown == significant(expected, 4)


def test_a_supplier_footprint_fetched_from_the_pact_host_and_the_metadata_address_refused(server, pact_host_url, tmp_path):
    """The PACT panel's host source in a real browser against the real PACT host on 127.0.0.1
    (allowed by the server fixture's GBA_PACT_ALLOWED_NETWORKS): the certified lamp is listed and
    previewed; then the cloud metadata address is refused with its reason, the typed address
    stays in its field and the secret field is emptied."""
    sync_playwright = _playwright()
    metadata = "https://169.254.169.254/latest/meta-data"
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path)
        try:
            page = open_in_english(context, server)
            page.get_by_role("tab", name=EN["materials"]).click()
            panel = page.get_by_test_id("stExpander").filter(has_text="Supplier footprint (PACT)")
            panel.get_by_text("Supplier footprint (PACT)").first.click()
            panel.locator("[data-testid=stRadio] label").filter(has_text="The supplier's PACT host").click()
            idle(page)

            def fetch(host: str) -> None:
                panel.get_by_label("Host address", exact=True).fill(host)
                panel.get_by_label("Client id", exact=True).fill(CLIENT_ID)
                panel.get_by_label("Client secret", exact=True).fill(SECRET)
                panel.get_by_role("button", name="Fetch footprints").click()
                idle(page)

            fetch(pact_host_url)
            shows(panel, "1 footprint(s) from")
            shows(panel.locator("[data-testid=stMarkdownContainer] table"), "LED downlight 12 W")  # the preview (the list is a canvas)
            fetch(metadata)
            shows(panel, "169.254.169.254 is a link-local address")
            shows(panel, "this server connects only to public addresses")
            assert panel.get_by_label("Host address", exact=True).input_value() == metadata
            assert panel.get_by_label("Client secret", exact=True).input_value() == ""
        finally:
            context.close()
