"""The "Label readiness" checklist on the results screen: one line per thing to do, in plain
words, with a button that opens the field that fixes it (``details_view.go_to``)."""

from __future__ import annotations

import streamlit as st

from . import details_view
from .readiness import checklist
from .texts import Texts, escape_markdown

ICONS = {"fail": ":material/cancel:", "needs_evidence": ":material/pending:"}


def readiness_section(outcome, t: Texts) -> None:
    evaluation = outcome.evaluation
    if evaluation is None:
        st.info(t("ready.need_rules"))
        return
    items = checklist(evaluation)
    if not items:
        st.success(t("ready.all_done"), icon=":material/verified:")
        return
    st.markdown(t("ready.intro", count=len(items)))
    labels = details_view.tab_labels(t)
    for number, item in enumerate(items):
        with st.container(border=True):
            text, button = st.columns([5, 1], vertical_alignment="center")
            severity = t(f"findings.severity_{item.severity}")
            try:
                what = t(f"ready.do.{item.what}", **({"stage": t.stage(item.stage)} if item.stage else {}))
            except KeyError:  # a check of a product rule set without its own wording here
                what = escape_markdown(t.pick(item.requirement.en, item.requirement.zh))
            text.markdown(f"{ICONS.get(item.verdict, '')} **{what}** · {severity}")
            text.caption(f"{escape_markdown(t.pick(item.message.en, item.message.zh))} — {t('ready.rule', rule=item.rule_id)}")
            if item.target is not None:
                where = labels[item.target.tab]
                button.button(
                    t("ready.go"),
                    key=f"ready.go.{number}",
                    help=t("ready.go_help", where=where),
                    on_click=details_view.go_to,
                    args=(item.target,),
                    icon=":material/edit:",
                    width="stretch",
                )
            else:
                button.caption(t("ready.automatic"))
