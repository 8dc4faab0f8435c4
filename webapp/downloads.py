"""Bytes of the form's own downloads, as plain functions (AppTest cannot read download
buttons, so the tests call these directly).

Study JSON is :meth:`footprint.study.Study.to_json`; a form that is not a valid study yet is
saved as a draft (:func:`webapp.state.draft_json`) so nothing typed is lost. The BOM templates
are written by :mod:`footprint.bom_io` / :mod:`footprint.exchange.excel` from an example BOM.
Results workbook, PDF report and PACT export come from footprint (see webapp.integrations).
"""

from __future__ import annotations

import re

from footprint.bom import Bom, bom_from_data
from footprint.bom_io import write_bom_csv, write_bom_xlsx

from .state import StudyForm, draft_json

TEMPLATE_BOM = {
    "product": "Example product / 示例产品",
    "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 0.5},
    "lines": [
        {"id": "AL", "activity_id": "AL-EXTR-GBA", "amount": 0.3, "unit": "kg", "stage": "raw_materials", "data_type": "secondary", "description": "aluminium profile / 铝型材"},
        {"id": "PP", "activity_id": "PP-PART-GBA", "amount": 120, "unit": "g", "stage": "purchased_parts", "description": "plastic part / 塑料件"},
        {"id": "ELEC", "activity_id": "ELEC-SITE", "amount": 0.4, "unit": "kWh", "stage": "manufacturing_energy", "data_type": "primary", "description": "site electricity / 工厂用电"},
        {"id": "BOX", "activity_id": "PAPER-CORR-CN", "amount": 50, "unit": "g", "stage": "packaging", "description": "carton / 纸箱"},
        {"id": "TRUCK", "activity_id": "FRT-TRK-MED-DIESEL-CN", "amount": 0.5, "unit": "kg", "stage": "inbound_transport", "distance_km": 120, "description": "0.5 kg carried 120 km / 运输 120 公里"},
    ],
}


def template_bom() -> Bom:
    return bom_from_data(TEMPLATE_BOM)


def template_csv() -> bytes:
    """The BOM template as UTF-8 CSV with a byte-order mark (Excel opens it correctly)."""
    return write_bom_csv(template_bom()).encode("utf-8-sig")


def template_xlsx(engine=None) -> bytes:
    """The bilingual Excel template of :mod:`footprint.exchange.excel` (activity list with each
    activity's footprint, drop-downs) filled with the example lines; plain layout without engine."""
    if engine is None:
        return write_bom_xlsx(template_bom())
    from footprint.exchange.excel import template_for_engine

    return template_for_engine(engine, template_bom())


def safe_filename(text: str, fallback: str = "study") -> str:
    name = re.sub(r"[^\w\-.]+", "-", text, flags=re.UNICODE).strip("-.")
    return (name or fallback)[:60]


def study_json(form: StudyForm, study=None) -> tuple[bytes, str]:
    """(bytes, kind): the study when the form makes one ("study"), else the draft ("draft")."""
    if study is not None:
        return (study.to_json() + "\n").encode("utf-8"), "study"
    return (draft_json(form) + "\n").encode("utf-8"), "draft"
