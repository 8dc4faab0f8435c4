"""The public certificate check page: a certificate number, a pasted QR payload or a photo of the
QR code in; the registry's answer out, coloured, in both languages.

What is answered comes from :mod:`webapp.certificate_check` (registry location, read-only
opening, QR photos, the result view); this module only draws it. The opened registry is shared
by every session (``st.cache_resource``; it is thread-safe and only read here); what a visitor
typed and the last answer live in that visitor's ``st.session_state`` (``check.*`` keys).
"""

from __future__ import annotations

import streamlit as st

from footprint.certification.lookup import MAX_QUERY_CHARS
from footprint.certification.registry.store import REGISTRY_URL_ENV
from footprint.check_url import PAYLOAD_PARAM, decode_payload
from footprint.errors import InputError

from . import certificate_check
from .certificate_check import RegistryUnavailable, bilingual
from .texts import Texts, escape_markdown

QUERY = "check.query"
PHOTO = "check.photo"
RESULT = "check.result"
LINK = "check.link"  # the ``p`` of the address this session already answered

@st.cache_resource(show_spinner=False)
def load_registry(target: str):
    """One read-only registry per location and process. A failure is not cached: a registry
    created later is found on the next visit."""
    return certificate_check.open_registry(certificate_check.registry_location({REGISTRY_URL_ENV: target}))


# ------------------------------------------------------------------------------ callbacks


def _check_typed(registry) -> None:
    state = st.session_state
    query = str(state.get(QUERY) or "")
    state[RESULT] = {"query": query, "status": certificate_check.check(registry, query), "photo": None}


def _check_photo(registry) -> None:
    state = st.session_state
    uploaded = state.get(PHOTO)
    if uploaded is None:
        return
    reading = certificate_check.decode_qr_image(uploaded.getvalue())
    if reading.text is None:
        state[RESULT] = {"photo": uploaded.name, "problem": reading.problem, "values": reading.values}
        return
    query = reading.text[:MAX_QUERY_CHARS]
    state[QUERY] = query  # the box shows what was read, so it can be checked again or corrected
    state[RESULT] = {"query": query, "status": certificate_check.check(registry, query), "photo": uploaded.name}


def _check_link(registry) -> None:
    """A scanned label opens ``…/?mode=check&p=…`` (footprint.check_url): answer its payload once
    per session and address, as if it had been pasted into the box."""
    state = st.session_state
    link = st.query_params.get(PAYLOAD_PARAM)
    if not link or state.get(LINK) == link:
        return
    state[LINK] = link
    try:
        query = decode_payload(link)[:MAX_QUERY_CHARS]
    except InputError as error:
        (issue,) = error.issues
        state[RESULT] = {"link_problem": (issue.message, issue.message_zh)}
        return
    state[QUERY] = query
    state[RESULT] = {"query": query, "status": certificate_check.check(registry, query), "photo": None}


# ------------------------------------------------------------------------------ page


def _bilingual_box(kind: str, key: str, t: Texts, icon: str, **values) -> None:
    getattr(st, kind)("\n\n".join(bilingual(key, t.language, **values)), icon=icon)


def page(t: Texts) -> None:
    st.title(t("check.title"))
    st.caption(t("check.intro"))
    location = certificate_check.registry_location()
    try:
        registry = load_registry(location.target)
    except RegistryUnavailable as error:
        key = "check.no_registry" if error.kind == "missing" else "check.registry_error"
        _bilingual_box("warning", key, t, ":material/database_off:")
        st.caption(t("check.operator_hint", env=REGISTRY_URL_ENV))
        return

    _check_link(registry)
    with st.form("check.form", border=True):
        st.text_input(t("check.query"), key=QUERY, placeholder=t("check.placeholder"), max_chars=MAX_QUERY_CHARS)
        st.form_submit_button(
            t("check.submit"), key="check.submit", type="primary", icon=":material/search:", on_click=_check_typed, args=(registry,)
        )
    if certificate_check.qr_decoder_available():
        st.file_uploader(t("check.upload"), type=["png", "jpg", "jpeg"], key=PHOTO, on_change=_check_photo, args=(registry,))
    else:
        st.caption(t("check.upload_unavailable"))

    result = st.session_state.get(RESULT)
    if result is not None:
        show_result(result, t)


def show_result(result: dict, t: Texts) -> None:
    if result.get("link_problem"):
        st.warning(escape_markdown(t.pick(*result["link_problem"])), icon=":material/link_off:")
        return
    if result.get("problem"):
        st.warning(t(f"check.qr_{result['problem']}", name=escape_markdown(result["photo"]), **result.get("values", {})), icon=":material/qr_code_2:")
        return
    if result.get("photo"):
        st.caption(t("check.qr_read", name=escape_markdown(result["photo"])))
        st.code(result["query"], language=None, wrap_lines=True)
    status = result.get("status")
    if status is None:
        _bilingual_box("error", "check.registry_error", t, ":material/database_off:")
        return
    view = certificate_check.result_view(status, t.language)
    st.markdown(f"## :{view.colour}[{view.icon} {view.title}]")
    getattr(st, view.alert)("\n\n".join(escape_markdown(m) for m in view.messages), icon=view.icon)
    for note in view.notes:
        st.warning(note, icon=":material/pending:")
    if view.facts:
        import pandas as pd

        table = pd.DataFrame(view.facts, columns=[t("check.field.name"), t("check.field.value_column")])
        st.dataframe(table, hide_index=True, width="stretch")
    if view.details:
        st.caption(t("check.details"))
        for detail in view.details:
            st.text(detail)
