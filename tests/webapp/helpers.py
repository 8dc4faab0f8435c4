"""Driving the Streamlit app with AppTest (streamlit.testing.v1): the same script as
``streamlit run app.py``, run in-process, one AppTest per simulated browser session."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 90  # the first run of a session builds the dataset's background once per process


def new_app(language: str = "en") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["lang"] = language
    at.run()
    assert not at.exception, at.exception
    return at


def pick(at: AppTest, query: str, activity_id: str, amount: float, unit: str | None = None, stage: str | None = None, distance: float | None = None) -> AppTest:
    """Search the dataset, choose an activity, set amount / unit / stage, press "Add line"."""
    at.text_input(key="pick.query").input(query).run()
    at.selectbox(key=bound(at, "pick.activity")).select(activity_id).run()
    at.number_input(key="pick.amount").set_value(amount)
    if unit is not None:
        at.selectbox(key="pick.unit").select(unit)
    if stage is not None:
        at.selectbox(key=bound(at, "pick.stage")).select(stage)
    if distance is not None:
        at.number_input(key="pick.distance").set_value(distance)
    at.run()
    at.button(key="pick.add").click().run()
    assert not at.exception, at.exception
    return at


def bound(at: AppTest, key: str) -> str:
    """The widget key of a language-bound choice (webapp.widgets) in the current language."""
    return f"{key}@{at.session_state['lang']}"


def edit_grid(at: AppTest, grid: str, *, edited: dict | None = None, added: list | None = None, deleted: list | None = None) -> AppTest:
    """Edit a data grid the way the browser does: through the editor's state in session_state."""
    version = at.session_state[f"ver.{grid}"] if f"ver.{grid}" in at.session_state else 0  # noqa: SIM401 - AppTest state has no get()
    key = f"editor.{grid}.{version}"
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}
    at.run()
    assert not at.exception, at.exception
    return at


def calculate(at: AppTest) -> AppTest:
    at.button(key="btn.calculate").click().run()
    assert not at.exception, at.exception
    return at


def outcome(at: AppTest):
    return at.session_state["outcome"] if "outcome" in at.session_state else None  # noqa: SIM401


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def show_results(at: AppTest, tab: str) -> AppTest:
    """Open a results tab (webapp.results_view.RESULT_TABS) as a click on it does: only the tab
    shown is drawn."""
    at.session_state["results.tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at
