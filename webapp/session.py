"""The form's life in ``st.session_state`` (one per browser session, never shared).

Scalar fields live in widget keys ``f.<field>``; each grid keeps a *base* list of rows (what
the ``st.data_editor`` was created with), a version (part of the editor's key) and the
editor's own edit state. The current rows are always ``base + edit state``, so they survive
reruns, errors and a language switch. Replacing rows (picker, upload, loading a study) sets a
new base and bumps the version, which gives a fresh editor.

Functions take the state mapping as an argument, so they are tested with a plain dict.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, fields
from typing import Any

from .catalog import SECTIONS
from .label_details import read_tables
from .state import (
    CERTIFICATE_COLUMNS,
    GRID_COLUMNS,
    StudyForm,
    apply_editor_state,
    clean_row,
)

GRIDS: dict[str, tuple[str, ...]] = {**GRID_COLUMNS, "certificates": CERTIFICATE_COLUMNS}
SCALAR_FIELDS = tuple(f.name for f in fields(StudyForm) if f.name not in ("rows", "certificates", "study_id"))

State = MutableMapping[str, Any]
PARKED_FORM = "form.parked"  # the form while a page without its widgets is shown (check, compare)
OUTCOME = "outcome"  # the last press of Calculate (webapp.compute.Outcome)
REDRAW_PAGE = "redraw.page"  # a press in the results that changes the form: rerun the whole page
LATEST = "outcome.latest"


@dataclass
class Latest:
    """The session's last outcome, for code that runs outside the script: a deferred download
    makes its bytes on the click, in the server, where ``st.session_state`` is not available, so
    it holds this box. Calculate reruns only the results, not the sidebar drawn before them, and
    puts its outcome here too (webapp.main.calculate_and_results)."""

    outcome: Any = None


def latest(state: State) -> Latest:
    """The session's box, holding the session's outcome as it is now."""
    box = state.get(LATEST)
    if box is None:
        box = state[LATEST] = Latest()
    box.outcome = state.get(OUTCOME)
    return box


def field_key(name: str) -> str:
    return f"f.{name}"


def editor_key(state: State, grid: str) -> str:
    """The widget key of a grid's data editor (changes when its rows are replaced)."""
    return f"editor.{grid}.{state.get(f'ver.{grid}', 0)}"


def set_rows(state: State, grid: str, rows: list[dict[str, Any]]) -> None:
    columns = GRIDS[grid]
    old_key = editor_key(state, grid)
    state[f"base.{grid}"] = [clean_row(row, columns) for row in rows]
    state[f"ver.{grid}"] = state.get(f"ver.{grid}", 0) + 1
    if old_key in state:
        del state[old_key]  # the old editor's edits are in the new base


def current_rows(state: State, grid: str) -> list[dict[str, str]]:
    """The grid's rows as the user sees them now (base with the editor's edits applied)."""
    return apply_editor_state(state.get(f"base.{grid}", []), state.get(editor_key(state, grid)), GRIDS[grid])


def rebase(state: State, grid: str) -> None:
    """Fold the edits into the base (before the editor's configuration changes)."""
    set_rows(state, grid, current_rows(state, grid))


def push_form(state: State, form: StudyForm) -> None:
    """Show ``form`` on the screen (call before the widgets are drawn in a run)."""
    for name in SCALAR_FIELDS:
        state[field_key(name)] = getattr(form, name)
    state["study_id"] = form.study_id
    for section in SECTIONS:
        set_rows(state, section, form.rows.get(section, []))
    set_rows(state, "certificates", form.certificates)
    state["form_ready"] = True


def read_form(state: State) -> StudyForm:
    """The form as currently entered (the parked one while another page is shown)."""
    if PARKED_FORM in state:
        return state[PARKED_FORM]
    defaults = StudyForm()
    values = {name: state.get(field_key(name), getattr(defaults, name)) for name in SCALAR_FIELDS}
    for name in ("electricity_amount", "declared_quantity"):
        if values[name] is None:
            values[name] = 0.0
    values.update(read_tables(state))  # the label details' tables, with their editors' edits
    return StudyForm(
        study_id=state.get("study_id") or defaults.study_id,
        rows={section: current_rows(state, section) for section in SECTIONS},
        certificates=current_rows(state, "certificates"),
        **values,
    )


def append_row(state: State, grid: str, row: dict[str, Any]) -> None:
    set_rows(state, grid, current_rows(state, grid) + [row])
