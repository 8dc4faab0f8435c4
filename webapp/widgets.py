"""Choice widgets whose option labels depend on the interface language.

Why: Streamlit's selectbox and radio remember the *label* of the chosen option in the browser.
When the language changes, the labels change and the remembered choice no longer matches any
option, so the browser shows a stale label or drops the choice. So the value lives in a plain
session key (``f.grid``, ``pick.stage``...), and each language gets its own widget
(``f.grid@en``) seeded from it before it is drawn and copying every change back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st


def widget_key(key: str, language: str) -> str:
    return f"{key}@{language}"


def _sync(widget: str, key: str, callback: Callable | None, args: tuple) -> None:
    st.session_state[key] = st.session_state.get(widget)
    if callback is not None:
        callback(*args)


def choice(
    container,
    kind: str,
    label: str,
    options: Sequence[Any],
    key: str,
    language: str,
    *,
    on_change: Callable | None = None,
    args: tuple = (),
    **kwargs: Any,
):
    """``container.selectbox`` (kind "selectbox") or ``container.radio`` bound to ``key``."""
    state = st.session_state
    widget = widget_key(key, language)
    value = state.get(key)
    if value not in options and kwargs.get("index", 0) is not None:
        value = options[0] if options else None
        state[key] = value
    state[widget] = value
    draw = getattr(container, kind)
    kwargs.pop("index", None)
    return draw(label, list(options), key=widget, on_change=_sync, args=(widget, key, on_change, args), **kwargs)


def _on_tab(key: str, widget: str, ids: tuple[str, ...], labels: list[str]) -> None:
    state = st.session_state
    if state.get(widget) in labels:
        state[key] = ids[labels.index(state[widget])]


def tracked_tabs(key: str, ids: tuple[str, ...], labels: list[str], language: str):
    """``st.tabs`` whose open tab is kept by id in ``session_state[key]``: it stays open through
    reruns (an upload, a problem list above the tabs) and a language switch (one widget per
    language, since Streamlit remembers a tab by its label); each tab's ``.open`` tells whether it
    is the one shown, so costly content can be drawn only there."""
    state = st.session_state
    widget = widget_key(key, language)
    current = state.get(key) if state.get(key) in ids else ids[0]
    state[widget] = labels[ids.index(current)]
    return st.tabs(labels, key=widget, on_change=_on_tab, args=(key, widget, ids, labels))



def keep(*keys: str) -> None:
    """Keep the value of widgets that a run may not draw (a results tab that is not shown):
    Streamlit forgets the state of a widget left out of a run, and a value written back by the
    script counts as the app's own."""
    state = st.session_state
    for key in keys:
        if key in state:
            state[key] = state[key]
