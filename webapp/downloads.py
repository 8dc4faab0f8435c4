"""Bytes of every download the form offers, as plain functions (AppTest cannot read download
buttons, so the tests call these directly).

Study JSON is :meth:`footprint.study.Study.to_json`; a form that is not a valid study yet is
saved as a draft (:func:`webapp.state.draft_json`) so nothing typed is lost. The BOM template
is written by :mod:`footprint.bom_io` from an example BOM. The results workbook lays out the
engine's numbers as they are (no recomputation).
"""

from __future__ import annotations

import io
import re

from footprint.bom import Bom, bom_from_data
from footprint.bom_io import write_bom_csv, write_bom_xlsx
from footprint.dataset import STAGES

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


def template_xlsx() -> bytes:
    return write_bom_xlsx(template_bom())


def safe_filename(text: str, fallback: str = "study") -> str:
    name = re.sub(r"[^\w\-.]+", "-", text, flags=re.UNICODE).strip("-.")
    return (name or fallback)[:60]


def study_json(form: StudyForm, study=None) -> tuple[bytes, str]:
    """(bytes, kind): the study when the form makes one ("study"), else the draft ("draft")."""
    if study is not None:
        return (study.to_json() + "\n").encode("utf-8"), "study"
    return (draft_json(form) + "\n").encode("utf-8"), "draft"


def results_xlsx(result, t, stage_name, uncertainty=None, evaluation=None, language: str = "en") -> bytes:
    """A workbook with the summary, the lines, the stages and the gases of one result (and the
    rule findings when there are any); headings come from ``t`` in the interface language."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list]):
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([_text_cell(value) for value in row])
        for column in ws.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        return ws

    book.remove(book.active)
    summary = [
        [t("xlsx.product"), result.product],
        [t("xlsx.declared_unit"), result.declared_unit],
        [t("xlsx.total"), result.total_kgco2e],
        [t("xlsx.grid"), result.grid],
        [t("xlsx.method"), result.method.get("name", "")],
        [t("xlsx.dataset"), f"{result.dataset.get('id')} {result.dataset.get('version')}"],
        [t("xlsx.dataset_sha"), result.dataset.get("sha256", "")],
        [t("xlsx.aircraft"), result.aircraft_kgco2e],
        [t("xlsx.biogenic"), result.biogenic_co2_kg],
    ]
    if uncertainty is not None:
        summary += [[t("xlsx.p2_5"), uncertainty.low], [t("xlsx.p97_5"), uncertainty.high], [t("xlsx.iterations"), uncertainty.iterations]]
    if evaluation is not None:
        summary += [[t("xlsx.eligibility"), evaluation.status]]
    sheet(t("xlsx.sheet_summary"), [t("xlsx.item"), t("xlsx.value")], summary)
    sheet(
        t("xlsx.sheet_lines"),
        [t("xlsx.line"), t("xlsx.activity"), t("xlsx.name_zh"), t("xlsx.name_en"), t("xlsx.stage"), t("xlsx.data_type"), t("xlsx.amount"), t("xlsx.unit"), t("xlsx.activity_amount"), t("xlsx.activity_unit"), "kg CO2e", t("xlsx.share")],
        [
            [line.path, line.activity_id, line.activity_name_zh, line.activity_name, stage_name(line.stage), line.data_type, line.amount, line.unit, line.activity_amount, line.activity_unit, line.kgco2e, line.share]
            for line in result.lines
        ],
    )
    total = result.total_kgco2e
    sheet(
        t("xlsx.sheet_stages"),
        [t("xlsx.stage"), "kg CO2e", t("xlsx.share")],
        [[stage_name(stage), result.by_stage[stage], result.by_stage[stage] / total if total else 0.0] for stage in STAGES if stage in result.by_stage],
    )
    sheet(t("xlsx.sheet_gases"), [t("xlsx.gas"), "kg CO2e"], [[gas, value] for gas, value in result.by_gas.items()])
    if evaluation is not None:
        zh = language != "en"
        sheet(
            t("xlsx.sheet_findings"),
            [t("xlsx.rule"), t("xlsx.severity"), t("xlsx.verdict"), t("xlsx.message")],
            [[f.rule_id, f.severity.value, f.verdict.value, f.message.zh if zh else f.message.en] for f in evaluation.findings],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(value):
    """Text that Excel would run as a formula is stored with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value
