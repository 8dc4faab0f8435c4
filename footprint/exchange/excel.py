"""Excel workbooks: a bilingual BOM template that reads back through ``bom_io``, and results.

BOM template (:func:`bom_template_xlsx`)
    Sheet "BOM" holds exactly the tabular format that :func:`footprint.bom_io.read_bom` reads:
    ``# key:`` rows (key in column A, value in column B: the reader joins a comment row's cells),
    a bilingual label row (also a ``#`` comment, so the reader skips it), the header row with the
    column ids, then one row per BOM line. Drop-down lists (data validation) offer the dataset's
    activities, the accepted units, stages and data types; they warn rather than stop, because
    supplier activities and unit aliases such as 千克 are valid too. Sheet "Activities" lists every
    activity with its Chinese and English names, unit, category and default stage. Filling it
    from a BOM and reading it back gives the same BOM (tested).

Results workbook (:func:`results_xlsx`)
    Summary, lines, stages, gases, origins and, for a study, rule findings; headers in both
    languages; numbers as numbers (full precision, displayed rounded).

Why not reuse ``bom_io.write_bom_xlsx`` for the template: that writes the bare format; the
template adds labels, validation and the activity list around the same rows, which it takes from
``bom_io.bom_to_rows`` and ``bom_io.bom_header_lines`` so the two cannot drift apart.

All user text goes through :mod:`footprint.exchange.safe` (never stored as a formula). Bytes
are deterministic: document properties and zip timestamps are fixed, not "now".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from ..bom import Bom, stage_label
from ..bom_io import COLUMNS, bom_header_lines, bom_to_rows, refuse_cff_in_table
from ..bom_io import header_value  # the reader's own quoting of header values
from ..dataset import STAGES
from ..units import canonical_units
from .safe import csv_bytes, set_text, set_value

TEMPLATE_ROWS = 300  # rows under the header that carry the drop-down lists
FIXED_TIMESTAMP = datetime(2000, 1, 1, 0, 0, 0)

HEADER_KEYS: tuple[tuple[str, str, str], ...] = (
    ("product", "产品名称", "Product name"),
    ("declared_unit", "声明单位（如 1 piece、1 kg、1 kWh）", "Declared unit (e.g. 1 piece, 1 kg, 1 kWh)"),
    ("mass_kg_per_piece", "单件质量 kg（声明单位以件计时必填）", "Mass of one piece in kg (required for a unit in pieces)"),
    ("declared_unit_description", "声明单位说明", "Description of the declared unit"),
    ("grid", "工厂所用电网（活动编号）", "Site grid (activity id)"),
    ("notes", "备注", "Notes"),
)

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "Line id"),
    "parent": ("上级", "Parent"),
    "activity_id": ("活动编号", "Activity"),
    "amount": ("数量", "Amount"),
    "unit": ("单位", "Unit"),
    "stage": ("阶段", "Stage"),
    "data_type": ("数据类型", "Data type"),
    "mass_kg_per_piece": ("单件质量kg", "Mass per piece kg"),
    "distance_km": ("运输距离km", "Distance km"),
    "description": ("说明", "Description"),
    "name": ("名称", "Name"),
    "gsd": ("几何标准差", "GSD"),
    "pedigree": ("数据质量谱系", "Pedigree"),
    "mass_kg_per_unit": ("单位质量kg", "Mass per unit kg"),
}
NUMERIC_COLUMNS = frozenset({"amount", "mass_kg_per_piece", "mass_kg_per_unit", "distance_km", "gsd"})
DATA_TYPES = ("primary", "secondary", "初级", "次级")

ACCENT = "1B6E5A"
LABEL_FILL = "E7F4EE"
KEY_FILL = "F5F7F8"


# ---------------------------------------------------------------- shared


def workbook_bytes(workbook: Any, when: datetime | None = None) -> bytes:
    """Save ``workbook`` with fixed properties and zip timestamps (same input, same bytes)."""
    from openpyxl.writer.excel import ExcelWriter

    stamp = when or FIXED_TIMESTAMP
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = "gba-footprint"
    workbook.properties.lastModifiedBy = "gba-footprint"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    out = io.BytesIO()
    zip_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=zip_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _style_header(cells: Iterable[Any], fill: str = ACCENT, white: bool = True) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in cells:
        cell.font = Font(bold=True, color="FFFFFF" if white else "1F2933")
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _widths(sheet: Any, widths: Sequence[float]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _table_sheet(workbook: Any, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float], formats: dict[int, str] | None = None) -> Any:
    sheet = workbook.create_sheet(title)
    for position, header in enumerate(headers, start=1):
        set_text(sheet.cell(row=1, column=position), header)
    _style_header(sheet[1])
    for row_number, values in enumerate(rows, start=2):
        for position, value in enumerate(values, start=1):
            set_value(sheet.cell(row=row_number, column=position), value, (formats or {}).get(position))
    sheet.freeze_panes = "A2"
    _widths(sheet, widths)
    return sheet


# ---------------------------------------------------------------- BOM template


def bom_template_xlsx(dataset: Any, bom: Bom | None = None, *, rows: int = TEMPLATE_ROWS, scores: dict[str, float] | None = None) -> bytes:
    """A bilingual BOM template for ``dataset``, empty or filled with ``bom``.

    ``scores`` (activity id → kg CO2e per unit, e.g. from the engine's unit scores) adds a
    footprint column to the activity list. Reading the bytes with
    :func:`footprint.bom_io.read_bom` gives ``bom`` back.
    """
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BOM"

    # Intro rows: plain "#" comments without a colon, so the reader skips them.
    set_text(sheet.cell(row=1, column=1), "# 产品碳足迹物料清单模板 · Product carbon footprint BOM template")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13, color=ACCENT)
    set_text(
        sheet.cell(row=2, column=1),
        "# 在 B 列填写产品信息，在表头下方每行填写一条物料（每个声明单位的用量） · "
        "Fill in column B, then one row per BOM line below the header (amounts per declared unit)",
    )
    sheet.cell(row=2, column=1).font = Font(italic=True, color="6E7882")

    values = dict(bom_header_lines(bom)) if bom is not None else {}
    row = 3
    for key, label_zh, label_en in HEADER_KEYS:
        key_cell = sheet.cell(row=row, column=1)
        set_text(key_cell, f"# {key}:")
        key_cell.font = Font(bold=True)
        key_cell.fill = PatternFill("solid", fgColor=KEY_FILL)
        key_cell.comment = Comment(f"{label_zh}\n{label_en}", "gba-footprint", width=260, height=70)
        value = values.get(key, "")
        if key == "mass_kg_per_piece" and value:
            set_value(sheet.cell(row=row, column=2), float(value))
        elif value:
            set_text(sheet.cell(row=row, column=2), header_value(value))
        row += 1
    # No hint next to the value: the reader joins a comment row's cells, so a hint in column C
    # would become part of the value. The hints are the cell notes on column A.

    label_row = row + 1
    header_row = label_row + 1
    columns = list(COLUMNS)
    for position, column in enumerate(columns, start=1):
        zh, en = COLUMN_LABELS[column]
        text = f"{zh} {en}"
        set_text(sheet.cell(row=label_row, column=position), ("# " + text) if position == 1 else text)
        set_text(sheet.cell(row=header_row, column=position), column)
    _style_header(sheet[label_row][: len(columns)], LABEL_FILL, white=False)
    _style_header(sheet[header_row][: len(columns)])

    if bom is not None:
        refuse_cff_in_table(bom)
        for offset, line in enumerate(bom_to_rows(bom), start=1):
            for position, column in enumerate(columns, start=1):
                value = line[column]
                if not value:
                    continue
                cell = sheet.cell(row=header_row + offset, column=position)
                if column in NUMERIC_COLUMNS:
                    set_value(cell, float(value))
                else:
                    set_text(cell, value)

    activities = _activities_sheet(workbook, dataset, scores)
    lists = _lists_sheet(workbook)
    first, last = header_row + 1, header_row + max(rows, len(bom_to_rows(bom)) if bom is not None else 0)
    letter = {column: openpyxl.utils.get_column_letter(position) for position, column in enumerate(columns, start=1)}
    validations = (
        ("activity_id", f"Activities!$A$2:$A${activities.max_row}", "活动编号 / Activity", "请从活动表选择活动编号（供应商活动可直接填写）\nPick an activity id from the Activities sheet (supplier activity ids may be typed)"),
        ("unit", f"Lists!$A$2:$A${1 + len(canonical_units())}", "单位 / Unit", "kg, g, t, kWh, MJ, m3, piece, tkm ... 也可填写 千克、度、个 等\nChinese unit names also work"),
        ("stage", f"Lists!$B$2:$B${1 + 2 * len(STAGES)}", "阶段 / Stage", "生命周期阶段；子装配下的行可留空\nLife-cycle stage; may be empty under a sub-assembly"),
        ("data_type", f"Lists!$C$2:$C${1 + len(DATA_TYPES)}", "数据类型 / Data type", "初级（现场测量）或次级（文献）\nprimary (measured) or secondary (literature)"),
    )
    for column, source, title, prompt in validations:
        validation = DataValidation(type="list", formula1=f"={source}", allow_blank=True, showDropDown=False)
        validation.errorStyle = "warning"
        validation.error = "不在列表中，仍可使用 · Not in the list; you may keep it"
        validation.errorTitle = title
        validation.prompt = prompt
        validation.promptTitle = title
        validation.showErrorMessage = True
        validation.showInputMessage = True
        sheet.add_data_validation(validation)
        validation.add(f"{letter[column]}{first}:{letter[column]}{last}")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    _widths(sheet, (22, 14, 22, 10, 9, 18, 12, 13, 13, 36, 18, 10, 14))
    del lists
    return workbook_bytes(workbook)


def template_for_engine(engine: Any, bom: Bom | None = None, grid: str | None = None) -> bytes:
    """The BOM template with each activity's footprint per unit (engine unit scores, ``grid``)."""
    scores = engine.unit_scores(grid)
    index = engine.background.activity_index
    per_unit = {activity.id: float(scores.total[index[activity.id]]) for activity in engine.dataset.activities}
    return bom_template_xlsx(engine.dataset, bom, scores=per_unit)


def _activities_sheet(workbook: Any, dataset: Any, scores: dict[str, float] | None) -> Any:
    headers = [
        "活动编号 Activity id",
        "中文名称 Chinese name",
        "英文名称 English name",
        "单位 Unit",
        "类别 Category",
        "默认阶段 Default stage",
        "地理 Geography",
    ]
    if scores is not None:
        headers.append("kg CO2e / 单位 unit")
    rows = []
    for activity in dataset.activities:
        values: list[Any] = [
            activity.id,
            activity.name_zh,
            activity.name_en,
            activity.unit,
            activity.category,
            f"{activity.default_stage} ({stage_label(activity.default_stage, 'zh')})",
            activity.geography,
        ]
        if scores is not None:
            values.append(scores.get(activity.id))
        rows.append(values)
    widths = (26, 30, 44, 8, 18, 30, 12, 14)
    return _table_sheet(workbook, "Activities", headers, rows, widths, {8: "0.0000"})


def _lists_sheet(workbook: Any) -> Any:
    sheet = workbook.create_sheet("Lists")
    headers = ("单位 Unit", "阶段 Stage", "数据类型 Data type")
    for position, header in enumerate(headers, start=1):
        set_text(sheet.cell(row=1, column=position), header)
    _style_header(sheet[1])
    for offset, unit in enumerate(canonical_units(), start=2):
        set_text(sheet.cell(row=offset, column=1), unit)
    stage_values = list(STAGES) + [stage_label(stage, "zh") for stage in STAGES]
    for offset, value in enumerate(stage_values, start=2):
        set_text(sheet.cell(row=offset, column=2), value)
    for offset, value in enumerate(DATA_TYPES, start=2):
        set_text(sheet.cell(row=offset, column=3), value)
    _widths(sheet, (12, 22, 18))
    sheet.sheet_state = "hidden"
    return sheet


# ---------------------------------------------------------------- results workbook


def results_xlsx(source: Any) -> bytes:
    """The results of a :class:`~footprint.reports.inputs.ReportInput` as a workbook.

    Sheets: Summary, Lines, Stages, Gases, Origins and, when rules were evaluated, Findings.
    """
    import openpyxl
    from openpyxl.styles import Font

    from ..i18n import text

    result, study = source.result, source.study
    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = "Summary"
    pairs: list[tuple[str, Any]] = [
        ("产品 Product", result.product),
        ("声明单位 Declared unit", result.declared_unit),
        ("碳足迹 Footprint (kg CO2e / declared unit)", result.total_kgco2e),
        ("边界 Boundary", "cradle-to-gate 从摇篮到大门"),
        ("方法 Method", f"{result.method.get('name', '')} ({result.method.get('id', '')})"),
        ("电网 Grid", result.grid),
        ("数据库 Dataset", f"{result.dataset.get('id', '')} {result.dataset.get('version', '')}"),
        ("数据库 SHA-256 Dataset SHA-256", result.dataset.get("sha256", "")),
        ("航空运输 Aircraft (kg CO2e)", result.aircraft_kgco2e),
        ("生物源 CO2 Biogenic CO2 (kg, not in total)", result.biogenic_co2_kg),
    ]
    if study is not None:
        pairs += [
            ("研究编号 Study id", study.study_id),
            ("研究 SHA-256 Study SHA-256", study.sha256()),
            ("申请人 Applicant", study.applicant.name),
            ("时间范围 Reference period", f"{study.reference_period.start} – {study.reference_period.end}"),
            ("证书编号 Certificate no.", study.certification.certificate_no),
        ]
    computation = source.computation
    if computation is not None:
        pairs.append(("基于位置 Location-based (kg CO2e)", computation.location.total_kgco2e))
        if computation.market is not None:
            pairs.append(("基于市场 Market-based (kg CO2e)", computation.market.total_kgco2e))
        pairs.append(("排除项 Excluded (kg CO2e)", computation.excluded_kgco2e))
    if source.evaluation is not None:
        pairs.append(("规则核查 Rule evaluation", source.evaluation.status))
    for row_number, (key, value) in enumerate(pairs, start=1):
        set_text(summary.cell(row=row_number, column=1), key)
        summary.cell(row=row_number, column=1).font = Font(bold=True)
        set_value(summary.cell(row=row_number, column=2), value, "0.0000" if isinstance(value, float) else None)
    _widths(summary, (44, 70))

    total = result.total_kgco2e

    def share(value: float) -> float:
        return value / total if total else 0.0

    _table_sheet(workbook, "Lines", LINE_HEADERS, _line_rows(result), (22, 14, 24, 36, 30, 18, 12, 10, 8, 14, 10, 12, 9, 36), {12: "0.0000", 13: "0.0%"})
    _table_sheet(
        workbook,
        "Stages",
        ["阶段 Stage", "English", "中文", "kg CO2e", "占比 Share"],
        ([s, text(f"common.stage.{s}", "en"), text(f"common.stage.{s}", "zh"), v, share(v)] for s, v in result.by_stage.items()),
        (22, 24, 16, 12, 9),
        {4: "0.0000", 5: "0.0%"},
    )
    _table_sheet(
        workbook,
        "Gases",
        ["气体 Gas", "English", "中文", "kg CO2e", "占比 Share"],
        ([g, _gas_text(g, "en"), _gas_text(g, "zh"), v, share(v)] for g, v in result.by_gas.items()),
        (26, 30, 26, 12, 9),
        {4: "0.0000", 5: "0.0%"},
    )
    _table_sheet(
        workbook,
        "Origins",
        ["来源 Origin", "English", "中文", "kg CO2e", "占比 Share"],
        ([o, text(f"common.origin.{o}", "en"), text(f"common.origin.{o}", "zh"), v, share(v)] for o, v in result.by_origin.items()),
        (18, 20, 16, 12, 9),
        {4: "0.0000", 5: "0.0%"},
    )
    if source.evaluation is not None:
        _table_sheet(
            workbook,
            "Findings",
            ["规则 Rule", "等级 Severity", "结论 Verdict", "要求 Requirement (en)", "要求 Requirement (zh)", "说明 Finding (en)", "说明 Finding (zh)", "测量值 Measured", "阈值 Threshold", "依据 Source"],
            (
                [
                    f.rule_id,
                    f.severity.value,
                    f.verdict.value,
                    f.requirement.en,
                    f.requirement.zh,
                    f.message.en,
                    f.message.zh,
                    _plain(f.measured),
                    _plain(f.threshold),
                    f.source,
                ]
                for f in source.evaluation.findings
            ),
            (16, 10, 14, 40, 30, 50, 40, 12, 12, 30),
        )
    when = source.report_date()
    return workbook_bytes(workbook, datetime.combine(when, datetime.min.time()) if isinstance(when, date) else None)


LINE_HEADERS = [
    "路径 Path",
    "编号 Line id",
    "活动编号 Activity",
    "活动 Activity (en)",
    "活动 Activity (zh)",
    "阶段 Stage",
    "数据类型 Data type",
    "填写数量 Amount as entered (per parent line)",
    "单位 Unit",
    "每声明单位活动用量 Activity amount per declared unit",
    "活动单位 Activity unit",
    "kg CO2e",
    "占比 Share",
    "说明 Description",
]


def _line_rows(result: Any) -> list[list[Any]]:
    total = result.total_kgco2e
    return [
        [
            l.path,
            l.id,
            l.activity_id,
            l.activity_name,
            l.activity_name_zh,
            l.stage,
            l.data_type,
            l.amount,
            l.unit,
            l.activity_amount,
            l.activity_unit,
            l.kgco2e,
            l.kgco2e / total if total else 0.0,
            l.description,
        ]
        for l in result.lines
    ]


def results_csv(source: Any) -> bytes:
    """The result lines as CSV (UTF-8 with BOM for Excel; text neutralised, numbers as numbers).

    A last row holds the total, so a reader who opens only this file sees the footprint.
    """
    result = source.result
    rows = _line_rows(result)
    rows.append(["TOTAL", "", "", "合计 Total", "", "", "", "", "", "", result.declared_unit, result.total_kgco2e, 1.0 if result.total_kgco2e else 0.0, result.product])
    return csv_bytes(LINE_HEADERS, rows)


def _gas_text(code: str, language: str) -> str:
    from ..i18n import text

    try:
        return text(f"report.gas.{code}", language)
    except KeyError:
        return code


def _plain(value: Any) -> Any:
    """Finding evidence as a cell value: numbers stay numbers, anything else becomes text."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
