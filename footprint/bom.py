"""The bill of materials (BOM): what one declared unit of a product is made from.

A :class:`Bom` holds a tree of :class:`BomLine`. A leaf line points at a background activity
(``activity_id``) with an amount in a canonical unit; a sub-assembly line has child lines
instead, each given *per 1 unit of its parent* (a housing made of 0.3 kg aluminium per piece,
used twice, contributes 0.6 kg). All amounts describe one declared unit.

Why so much validation here: every later layer trusts these objects. Units are canonical
(:mod:`footprint.units`), numbers finite and in range, ids unique across the whole tree.
A line without a stage takes its sub-assembly's stage; a top-level line without one keeps
``None``, which means "the activity's ``default_stage``" (resolved by the engine, which knows
the dataset).

Building a BOM from user data goes through :func:`bom_from_data`, which turns every problem into
one :class:`~footprint.errors.RowIssue` (English and Chinese, raw value kept) and raises them
together as an :class:`~footprint.errors.InputError`, instead of pydantic's first-error-per-field
technical messages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from footprint.errors import InputError, RowIssue, UnitError
from footprint.units import canonical_unit, dimension_of, format_number, message_zh_of, parse_number, parse_quantity

SCHEMA_VERSION = "1"
MAX_AMOUNT = 1e9  # anything larger is a unit mistake (g typed as t), not a real BOM quantity
MAX_DISTANCE_KM = 1e5  # two and a half times round the Earth
MAX_GSD = 100.0
MAX_DEPTH = 12  # nesting levels of sub-assemblies; deeper trees are almost surely a parent loop
MAX_LINES = 20_000
MAX_TEXT_LENGTH = 10_000
MAX_ID_LENGTH = 200

Language = Literal["en", "zh"]

# --------------------------------------------------------------------------------------------
# Stages and data types
# --------------------------------------------------------------------------------------------


class Stage(StrEnum):
    """Life-cycle stage of a BOM line; ids are the contract of docs/design.md.

    The first seven are cradle-to-gate (:data:`GATE_STAGES`); ``distribution``, ``use`` and
    ``end_of_life`` are optional stages after the gate (:data:`POST_GATE_STAGES`), counted only
    when the study's boundary lists them.
    """

    RAW_MATERIALS = "raw_materials"
    PURCHASED_PARTS = "purchased_parts"
    MANUFACTURING_ENERGY = "manufacturing_energy"
    PROCESS_EMISSIONS = "process_emissions"
    INBOUND_TRANSPORT = "inbound_transport"
    PACKAGING = "packaging"
    PRODUCTION_WASTE = "production_waste"
    DISTRIBUTION = "distribution"
    USE = "use"
    END_OF_LIFE = "end_of_life"

    def label(self, language: Language = "en") -> str:
        return stage_label(self, language)

    @classmethod
    def parse(cls, text: str | Stage) -> Stage:
        return parse_stage(text)


_STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.RAW_MATERIALS: ("Raw materials", "原材料获取"),
    Stage.PURCHASED_PARTS: ("Purchased parts", "外购零部件"),
    Stage.MANUFACTURING_ENERGY: ("Manufacturing energy", "生产能耗"),
    Stage.PROCESS_EMISSIONS: ("Process emissions", "过程排放"),
    Stage.INBOUND_TRANSPORT: ("Inbound transport", "进厂运输"),
    Stage.PACKAGING: ("Packaging", "包装"),
    Stage.PRODUCTION_WASTE: ("Production waste", "生产废弃物"),
    Stage.DISTRIBUTION: ("Distribution", "产品分销"),
    Stage.USE: ("Use", "使用阶段"),
    Stage.END_OF_LIFE: ("End of life", "废弃处置"),
}

POST_GATE_STAGES: tuple[str, ...] = (Stage.DISTRIBUTION.value, Stage.USE.value, Stage.END_OF_LIFE.value)
GATE_STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage if stage.value not in POST_GATE_STAGES)


def is_post_gate(stage: str | Stage | None) -> bool:
    """True for the optional stages after the factory gate (distribution, use, end of life)."""
    return stage is not None and str(stage) in POST_GATE_STAGES

# Short forms people actually type in Chinese spreadsheets; each is unambiguous among the stages
# (bare 运输 stays inbound transport, as in files written before distribution existed; transport
# to the customer is 分销 / 分销运输).
_STAGE_SYNONYMS: dict[str, Stage] = {
    "原材料": Stage.RAW_MATERIALS,
    "原料": Stage.RAW_MATERIALS,
    "零部件": Stage.PURCHASED_PARTS,
    "外购件": Stage.PURCHASED_PARTS,
    "能耗": Stage.MANUFACTURING_ENERGY,
    "运输": Stage.INBOUND_TRANSPORT,
    "废弃物": Stage.PRODUCTION_WASTE,
    "分销": Stage.DISTRIBUTION,
    "分销运输": Stage.DISTRIBUTION,
    "销售运输": Stage.DISTRIBUTION,
    "outbound transport": Stage.DISTRIBUTION,
    "使用": Stage.USE,
    "use phase": Stage.USE,
    "寿命末期": Stage.END_OF_LIFE,
    "废弃": Stage.END_OF_LIFE,
    "回收处置": Stage.END_OF_LIFE,
    "eol": Stage.END_OF_LIFE,
}


def _label_key(text: str) -> str:
    """Fold case, width and separators so "Raw-Materials", "raw_materials", "RAW MATERIALS" agree."""
    return re.sub(r"[\s_\-]+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def stage_label(stage: Stage | str, language: Language = "en") -> str:
    """The English or Chinese label of a stage (accepts a Stage or anything :func:`parse_stage` reads)."""
    english, chinese = _STAGE_LABELS[parse_stage(stage)]
    return chinese if language == "zh" else english


def stage_labels(language: Language = "en") -> dict[str, str]:
    """Stage id → label, in life-cycle order (for drop-downs and report headings)."""
    return {stage.value: stage_label(stage, language) for stage in Stage}


def _stage_lookup() -> dict[str, Stage]:
    lookup = {_label_key(name): stage for name, stage in _STAGE_SYNONYMS.items()}
    for stage, (english, chinese) in _STAGE_LABELS.items():
        lookup[_label_key(stage.value)] = stage
        lookup[_label_key(english)] = stage
        lookup[_label_key(chinese)] = stage
    return lookup


_STAGES_BY_KEY = _stage_lookup()


def parse_stage(text: str | Stage) -> Stage:
    """Read a stage from its id, English label or Chinese label; raise ValueError listing the choices."""
    if isinstance(text, Stage):
        return text
    stage = _STAGES_BY_KEY.get(_label_key(text)) if isinstance(text, str) else None
    if stage is None:
        choices = "; ".join(f"{s.value} ({stage_label(s)} / {stage_label(s, 'zh')})" for s in Stage)
        raise ValueError(f"unknown stage {text!r}: use one of {choices}")
    return stage


class DataType(StrEnum):
    """Whether the amount is measured at the site (primary) or taken from literature (secondary)."""

    PRIMARY = "primary"
    SECONDARY = "secondary"

    def label(self, language: Language = "en") -> str:
        if language == "zh":
            return "初级数据" if self is DataType.PRIMARY else "次级数据"
        return self.value

    @classmethod
    def parse(cls, text: str | DataType) -> DataType:
        return parse_data_type(text)


_DATA_TYPES_BY_KEY: dict[str, DataType] = {
    "primary": DataType.PRIMARY,
    "初级": DataType.PRIMARY,
    "初级数据": DataType.PRIMARY,
    "一手": DataType.PRIMARY,
    "一手数据": DataType.PRIMARY,
    "secondary": DataType.SECONDARY,
    "次级": DataType.SECONDARY,
    "次级数据": DataType.SECONDARY,
    "二手": DataType.SECONDARY,
    "二手数据": DataType.SECONDARY,
}


def parse_data_type(text: str | DataType) -> DataType:
    """Read primary/secondary, also 初级/一手 (primary) and 次级/二手 (secondary)."""
    if isinstance(text, DataType):
        return text
    data_type = _DATA_TYPES_BY_KEY.get(_label_key(text)) if isinstance(text, str) else None
    if data_type is None:
        raise ValueError(f"unknown data type {text!r}: use primary (初级/一手) or secondary (次级/二手)")
    return data_type


# --------------------------------------------------------------------------------------------
# Field checks shared by the models (each raises one located, bilingual problem)
# --------------------------------------------------------------------------------------------

FIELD_LABELS_ZH: dict[str, str] = {
    "id": "编号",
    "parent": "上级",
    "activity_id": "活动编号",
    "amount": "数量",
    "unit": "单位",
    "stage": "阶段",
    "data_type": "数据类型",
    "mass_kg_per_piece": "单件质量kg",
    "distance_km": "运输距离km",
    "description": "说明",
    "name": "名称",
    "gsd": "几何标准差",
    "pedigree": "数据质量谱系",
    "lines": "子项",
    "product": "产品",
    "declared_unit": "声明单位",
    "quantity": "数量",
    "grid": "电网",
    "notes": "备注",
    "schema_version": "格式版本",
    "cff": "循环足迹公式参数",
    "recycling_approach": "回收处理方法",
}


def _problem(message: str, message_zh: str, **context: Any) -> PydanticCustomError:
    """A pydantic error that carries our own English and Chinese wording through validation."""
    return PydanticCustomError("footprint", "{message}", {"message": message, "message_zh": message_zh, **context})


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _finite_number(value: Any, field: str) -> float:
    """A float from a JSON number or typed text, through the strict parser (never pint, never float())."""
    label_zh = FIELD_LABELS_ZH.get(field, field)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _problem(f"{field} must be a number", f"{label_zh}应为数字")
    try:
        return parse_number(value)
    except UnitError as error:
        raise _problem(str(error), message_zh_of(error)) from None


def _bounded(
    value: Any,
    field: str,
    *,
    minimum: float,
    minimum_allowed: bool,
    maximum: float,
    why_maximum: str,
) -> float:
    number = _finite_number(value, field)
    label_zh = FIELD_LABELS_ZH.get(field, field)
    if number < 0 and minimum == 0 and minimum_allowed:
        raise _problem(f"{field} must not be negative", f"{label_zh}不能为负数")
    if number < minimum or (number == minimum and not minimum_allowed):
        relation, relation_zh = ("at least", "不小于") if minimum_allowed else ("greater than", "大于")
        raise _problem(
            f"{field} must be {relation} {format_number(minimum)}",
            f"{label_zh}必须{relation_zh} {format_number(minimum)}",
        )
    if number > maximum:
        raise _problem(
            f"{field} {format_number(number)} is larger than {format_number(maximum)}: {why_maximum}",
            f"{label_zh} {format_number(number)} 超过上限 {format_number(maximum)}，请检查单位",
        )
    return number


def _positive(value: Any, field: str, *, maximum: float, why_maximum: str) -> float:
    return _bounded(value, field, minimum=0, minimum_allowed=False, maximum=maximum, why_maximum=why_maximum)


def _text(value: Any, field: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Free text kept verbatim (no stripping, never interpreted: "=SUM(A1)" stays text)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _problem(f"{field} must be text", f"{FIELD_LABELS_ZH.get(field, field)}应为文本")
    if len(value) > max_length:
        raise _problem(
            f"{field} is {len(value)} characters long; the limit is {max_length}",
            f"{FIELD_LABELS_ZH.get(field, field)}过长（{len(value)} 个字符，上限 {max_length}）",
        )
    if any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in value):
        # control characters are never meant: they break spreadsheets and can drive terminals
        raise _problem(f"{field} contains control characters", f"{FIELD_LABELS_ZH.get(field, field)}包含控制字符")
    return value


def _identifier(value: Any, field: str, *, required: bool) -> str | None:
    """An id: text, stripped, single line; what users type as part numbers is otherwise kept."""
    label_zh = FIELD_LABELS_ZH.get(field, field)
    if _is_blank(value):
        if required:
            raise _problem(f"{field} is required", f"{label_zh}为必填项")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _problem(f"{field} must be text", f"{label_zh}应为文本")
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise _problem(f"{field} is longer than {MAX_ID_LENGTH} characters", f"{label_zh}超过 {MAX_ID_LENGTH} 个字符")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise _problem(f"{field} must not contain line breaks or control characters", f"{label_zh}不能包含换行或控制字符")
    return text


def _unit(value: Any) -> str:
    if _is_blank(value):
        raise _problem("unit is required", "单位为必填项")
    if not isinstance(value, str):
        raise _problem("unit must be text such as kg or kWh", "单位应为文本，例如 kg 或 kWh")
    try:
        return canonical_unit(value)
    except UnitError as error:
        raise _problem(str(error), message_zh_of(error)) from None


def _pedigree(value: Any) -> tuple[int, int, int, int, int] | None:
    """Five data-quality scores 1-5 (reliability, completeness, temporal, geographical, technological)."""
    if _is_blank(value):
        return None
    if isinstance(value, str):
        parts = [part for part in re.split(r"[\s,;，；()（）]+", value) if part]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = []
    scores: list[int] = []
    for part in parts:
        if isinstance(part, bool):
            break
        if isinstance(part, float) and part.is_integer():
            part = int(part)
        if isinstance(part, str) and part.isdigit() and part.isascii():
            part = int(part)
        if not isinstance(part, int) or not 1 <= part <= 5:
            break
        scores.append(part)
    if len(scores) != 5 or len(parts) != 5:
        raise _problem(
            "pedigree must be five scores from 1 to 5, e.g. 1,2,3,1,2 "
            "(reliability, completeness, temporal, geographical, technological)",
            "数据质量谱系应为 5 个 1-5 的整数，例如 1,2,3,1,2",
        )
    return (scores[0], scores[1], scores[2], scores[3], scores[4])


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class DeclaredUnit(BaseModel):
    """What the footprint is per ("1 piece", "1 kg"). Pieces need their mass for per-kg reporting.

    Accepts a quantity text ("1 piece") or a mapping; in a mapping, ``quantity`` may also carry
    its unit as text (``{"quantity": "1 piece", "mass_kg_per_piece": 0.5}``).
    """

    model_config = ConfigDict(extra="forbid")

    quantity: float
    unit: str
    mass_kg_per_piece: float | None = None
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _read_quantity_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"quantity": data}
        if isinstance(data, Mapping) and isinstance(data.get("quantity"), str) and "unit" not in data:
            text = data["quantity"]
            try:
                quantity, unit = parse_quantity(text)
            except UnitError as error:
                raise _problem(str(error), message_zh_of(error), value=text) from None
            data = {**data, "quantity": quantity, "unit": unit}
        return data

    @field_validator("quantity", mode="before")
    @classmethod
    def _check_quantity(cls, value: Any) -> float:
        return _positive(value, "quantity", maximum=MAX_AMOUNT, why_maximum="check the unit")

    @field_validator("unit", mode="before")
    @classmethod
    def _check_unit(cls, value: Any) -> str:
        return _unit(value)

    @field_validator("mass_kg_per_piece", mode="before")
    @classmethod
    def _check_mass(cls, value: Any) -> float | None:
        if _is_blank(value):
            return None
        return _positive(value, "mass_kg_per_piece", maximum=MAX_AMOUNT, why_maximum="check the unit (kg)")

    @field_validator("description", mode="before")
    @classmethod
    def _check_description(cls, value: Any) -> str:
        return _text(value, "description")

    @model_validator(mode="after")
    def _piece_needs_mass(self) -> DeclaredUnit:
        if self.unit == "piece" and self.mass_kg_per_piece is None:
            raise _problem(
                "a declared unit counted in pieces needs mass_kg_per_piece (the mass of one piece in kg)",
                "以“件”为声明单位时必须填写单件质量（kg）",
                field="mass_kg_per_piece",
            )
        if self.unit != "piece" and self.mass_kg_per_piece is not None:
            raise _problem(
                f"mass_kg_per_piece only applies to a declared unit in pieces (this one is in {self.unit})",
                f"只有以“件”为声明单位时才填写单件质量（当前单位为 {self.unit}）",
                field="mass_kg_per_piece",
            )
        return self

    def __str__(self) -> str:
        return f"{format_number(self.quantity)} {self.unit}"


# Recycling approaches a BOM can be computed with (docs/design.md, "Recycling: cut-off or CFF").
CUT_OFF = "cut_off"
CFF = "CFF"
RECYCLING_APPROACHES: tuple[str, ...] = (CUT_OFF, CFF)

# CFF parameters this calculator does not take per line, with why (refused, never ignored).
_CFF_REFUSED: dict[str, tuple[str, str]] = {
    "R2": (
        "R2 is not given per line: it comes from the end-of-life lines (each route's amount in kg; the recycling lines name their cff.material)",
        "R2 不按行填写：由废弃处置各行得出（各处理途径的数量 kg；回收行注明 cff.material）",
    ),
    "R3": (
        "R3 (energy recovery) is not supported: incineration lines are counted with their full burden and no energy-recovery credit",
        "不支持 R3（能源回收）：焚烧行按其全部排放计入，不计能源回收抵扣",
    ),
    "B": (
        "B (energy-recovery allocation) is not supported: no energy-recovery credit is computed",
        "不支持 B（能源回收分配系数）：不计算能源回收抵扣",
    ),
}


def _omit_unset(data: Any, key: str, value: Any) -> Any:
    """A model dumped without a field added after files were written, while it is unset: the
    canonical JSON (and sha256) of every existing BOM and study stays what it was."""
    if value is None and isinstance(data, dict):
        data.pop(key, None)
    return data


class CffLineParameters(BaseModel):
    """Circular Footprint Formula values of one BOM line that replace the parameter file's defaults.

    ``material`` names a material of the CFF parameter file (``datasets/cff/<dataset>.yaml``) for
    a line whose activity is not one of that material's activities (a die-cast housing, an
    end-of-life recycling line). ``R1`` is the recycled content of the line's material; ``A``,
    ``Qsin_Qp`` and ``Qsout_Qp`` the allocation factor and quality ratios. Every value is a share
    from 0 to 1. Which keys a line may carry depends on what it is (a material line or an
    end-of-life line), checked when the CFF is computed (:mod:`footprint.cff`).
    """

    model_config = ConfigDict(extra="forbid")

    material: str | None = None
    R1: float | None = None
    A: float | None = None
    Qsin_Qp: float | None = None
    Qsout_Qp: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _refused_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise _problem("cff must be an object such as {\"R1\": 0.3}", "cff 应为对象，例如 {\"R1\": 0.3}", field="cff")
        for key, (message, message_zh) in _CFF_REFUSED.items():
            if key in data:
                raise _problem(message, message_zh, field=f"cff.{key}")
        return data

    @field_validator("material", mode="before")
    @classmethod
    def _check_material(cls, value: Any) -> str | None:
        return _identifier(value, "cff.material", required=False)

    @field_validator("R1", "A", "Qsin_Qp", "Qsout_Qp", mode="before")
    @classmethod
    def _check_share(cls, value: Any, info: Any) -> float | None:
        if _is_blank(value):
            return None
        field = f"cff.{info.field_name}"
        number = _finite_number(value, field)
        if not 0.0 <= number <= 1.0:
            raise _problem(
                f"{field} must be a share from 0 to 1, not {format_number(number)}",
                f"{field} 应为 0 到 1 之间的比例，当前为 {format_number(number)}",
            )
        return number

    def given(self) -> dict[str, float | str]:
        """The values this line states (its overrides), in a fixed order."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class BomLine(BaseModel):
    """One line of the BOM: either a leaf (``activity_id``) or a sub-assembly (``lines``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    activity_id: str | None = None
    amount: float
    unit: str
    stage: Stage | None = None
    data_type: DataType = DataType.SECONDARY
    mass_kg_per_piece: float | None = None
    # The mass of one unit of a line counted in neither mass nor pieces (kg per kWh of battery
    # cells, per m2 of glass): it lets such a line enter the mass balance and be carried.
    mass_kg_per_unit: float | None = None
    distance_km: float | None = None
    name: str = ""
    description: str = ""
    gsd: float | None = None
    pedigree: tuple[int, int, int, int, int] | None = None
    # Circular Footprint Formula values of this line (only in a BOM computed with the CFF).
    cff: CffLineParameters | None = None
    lines: list[BomLine] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _check_id(cls, value: Any) -> str | None:
        return _identifier(value, "id", required=True)

    @field_validator("activity_id", mode="before")
    @classmethod
    def _check_activity_id(cls, value: Any) -> str | None:
        return _identifier(value, "activity_id", required=False)

    @field_validator("amount", mode="before")
    @classmethod
    def _check_amount(cls, value: Any) -> float:
        return _bounded(
            value,
            "amount",
            minimum=0,
            minimum_allowed=True,
            maximum=MAX_AMOUNT,
            why_maximum="check the unit (g instead of t?)",
        )

    @field_validator("unit", mode="before")
    @classmethod
    def _check_unit(cls, value: Any) -> str:
        return _unit(value)

    @field_validator("stage", mode="before")
    @classmethod
    def _check_stage(cls, value: Any) -> Stage | None:
        if _is_blank(value):
            return None
        try:
            return parse_stage(value)
        except ValueError as error:
            choices = "、".join(f"{stage_label(s, 'zh')}" for s in Stage)
            raise _problem(str(error), f"无法识别的阶段 {value!r}：请使用 {choices}") from None

    @field_validator("data_type", mode="before")
    @classmethod
    def _check_data_type(cls, value: Any) -> DataType:
        if _is_blank(value):
            return DataType.SECONDARY
        try:
            return parse_data_type(value)
        except ValueError as error:
            raise _problem(str(error), f"无法识别的数据类型 {value!r}：请使用 初级/一手 或 次级/二手") from None

    @field_validator("mass_kg_per_piece", "mass_kg_per_unit", mode="before")
    @classmethod
    def _check_mass(cls, value: Any, info: Any) -> float | None:
        if _is_blank(value):
            return None
        return _positive(value, info.field_name, maximum=MAX_AMOUNT, why_maximum="check the unit (kg)")

    @field_validator("distance_km", mode="before")
    @classmethod
    def _check_distance(cls, value: Any) -> float | None:
        if _is_blank(value):
            return None
        return _positive(value, "distance_km", maximum=MAX_DISTANCE_KM, why_maximum="check the unit (km, not m)")

    @field_validator("gsd", mode="before")
    @classmethod
    def _check_gsd(cls, value: Any) -> float | None:
        if _is_blank(value):
            return None
        why = "a geometric standard deviation is a factor such as 1.5"
        return _bounded(value, "gsd", minimum=1, minimum_allowed=True, maximum=MAX_GSD, why_maximum=why)

    @field_validator("pedigree", mode="before")
    @classmethod
    def _check_pedigree(cls, value: Any) -> tuple[int, int, int, int, int] | None:
        return _pedigree(value)

    @field_validator("name", "description", mode="before")
    @classmethod
    def _check_text(cls, value: Any, info: Any) -> str:
        return _text(value, info.field_name)

    @field_validator("lines", mode="before")
    @classmethod
    def _check_lines(cls, value: Any) -> Any:
        return [] if value is None else value

    @model_serializer(mode="wrap")
    def _omit_unset_cff(self, handler: Any) -> Any:
        return _omit_unset(handler(self), "cff", self.cff)

    @model_validator(mode="after")
    def _check_consistency(self) -> BomLine:
        wrong_shape = _shape_problem(bool(self.activity_id), bool(self.lines))
        if wrong_shape:
            raise _problem(*wrong_shape, field="activity_id")
        if self.cff is not None and self.lines:
            raise _problem(
                "cff values go on a line with an activity, not on a sub-assembly",
                "cff 参数应填在有活动编号的行上，而不是子装配上",
                field="cff",
            )
        if self.mass_kg_per_piece is not None and self.unit != "piece":
            raise _problem(
                f"mass_kg_per_piece only applies to lines counted in pieces (this line is in {self.unit})",
                f"只有以“件”计量的行才填写单件质量（本行单位为 {self.unit}）",
                field="mass_kg_per_piece",
            )
        if self.mass_kg_per_unit is not None and dimension_of(self.unit) in {"mass", "piece"}:
            raise _problem(
                f"mass_kg_per_unit is for lines counted in neither mass nor pieces (this line is in {self.unit}; "
                "a line in pieces takes mass_kg_per_piece)",
                f"单位质量只用于既不以质量也不以件计量的行（本行单位为 {self.unit}；以件计量的行请填单件质量）",
                field="mass_kg_per_unit",
            )
        if self.distance_km is not None:
            carried_mass = dimension_of(self.unit) == "mass" or self.unit_mass_kg is not None
            if not carried_mass:
                raise _problem(
                    "distance_km applies to transport lines given as the mass carried (tkm = t × km); "
                    f"this line is in {self.unit}",
                    f"运输距离只用于以所运质量填写的运输行（周转量 = 吨 × 公里）；本行单位为 {self.unit}",
                    field="distance_km",
                )
        return self

    @property
    def is_assembly(self) -> bool:
        return bool(self.lines)

    @property
    def unit_mass_kg(self) -> float | None:
        """kg in one unit of a line not counted in mass (a piece, a kWh of cells, a m2 of glass)."""
        return self.mass_kg_per_piece if self.mass_kg_per_piece is not None else self.mass_kg_per_unit


def _shape_problem(has_activity: bool, has_children: bool) -> tuple[str, str] | None:
    """A line is a leaf (activity) or a sub-assembly (children): the wording, when it is neither."""
    if has_activity and has_children:
        return (
            "a line has either an activity_id or child lines (a sub-assembly), not both",
            "一行只能填写活动编号或包含子项（子装配），不能两者都有",
        )
    if not has_activity and not has_children:
        return (
            "activity_id is required (or give the line child lines to make it a sub-assembly)",
            "活动编号为必填项（或为该行添加子项，使其成为子装配）",
        )
    return None


class Bom(BaseModel):
    """A product's bill of materials for one declared unit.

    Reading problems that are not errors (e.g. ignored columns) are kept in :attr:`warnings`;
    they are not part of the BOM's data and are not serialised.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    product: str
    declared_unit: DeclaredUnit
    grid: str | None = None
    notes: str = ""
    # How recycled content and end of life are counted: None (not stated) and "cut_off" compute
    # the dataset's cut-off system; "CFF" adds the Circular Footprint Formula rows (footprint.cff).
    # A study sets it on the BOM it computes from ``method.recycling_approach``.
    recycling_approach: Literal["cut_off", "CFF"] | None = None
    lines: list[BomLine] = Field(min_length=1)

    _warnings: list[str] = PrivateAttr(default_factory=list)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _check_schema_version(cls, value: Any) -> str:
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if text != SCHEMA_VERSION:
            raise _problem(
                f"unsupported schema_version {value!r}: this version reads {SCHEMA_VERSION}",
                f"不支持的格式版本 {value!r}：当前版本为 {SCHEMA_VERSION}",
            )
        return text

    @field_validator("product", mode="before")
    @classmethod
    def _check_product(cls, value: Any) -> str:
        if _is_blank(value) or not isinstance(value, str):
            raise _problem("product name is required", "产品名称为必填项")
        return _text(value.strip(), "product", max_length=500)

    @field_validator("grid", mode="before")
    @classmethod
    def _check_grid(cls, value: Any) -> str | None:
        return _identifier(value, "grid", required=False)

    @field_validator("notes", mode="before")
    @classmethod
    def _check_notes(cls, value: Any) -> str:
        return _text(value, "notes")

    @field_validator("recycling_approach", mode="before")
    @classmethod
    def _check_recycling_approach(cls, value: Any) -> str | None:
        if _is_blank(value):
            return None
        if value not in RECYCLING_APPROACHES:
            raise _problem(
                f"recycling_approach must be one of {', '.join(RECYCLING_APPROACHES)}, not {value!r}",
                f"recycling_approach 应为 {'、'.join(RECYCLING_APPROACHES)} 之一，当前为 {value!r}",
            )
        return value

    @model_serializer(mode="wrap")
    def _omit_unset_approach(self, handler: Any) -> Any:
        return _omit_unset(handler(self), "recycling_approach", self.recycling_approach)

    @model_validator(mode="after")
    def _check_tree(self) -> Bom:
        issues = shape_issues(self.lines, _model_node) or tree_issues(self.lines, _model_node)
        if issues:
            raise InputError(issues=issues)  # not a ValueError: pydantic lets it through intact
        _inherit_stages(self.lines, None)
        return self

    @property
    def warnings(self) -> list[str]:
        """Non-fatal remarks from reading the BOM (ignored columns, comments...)."""
        return self._warnings

    def add_warnings(self, messages: list[str]) -> None:
        self._warnings.extend(messages)

    def iter_lines(self) -> Iterator[tuple[str, BomLine, int]]:
        """Every line, parents before children, as (path, line, depth from 0)."""
        stack: list[tuple[str, BomLine, int]] = [(line.id, line, 0) for line in reversed(self.lines)]
        while stack:
            path, line, depth = stack.pop()
            yield path, line, depth
            stack.extend((f"{path}/{child.id}", child, depth + 1) for child in reversed(line.lines))

    def flat_lines(self) -> Iterator[tuple[str, BomLine, float]]:
        """Leaf lines as (path, line, multiplier), in BOM order.

        ``multiplier`` is the product of the amounts of the line's ancestors, so the leaf's amount
        per declared unit is ``line.amount * multiplier``. Paths join ids with "/" ("HOUSING/H1").
        """
        stack: list[tuple[str, BomLine, float]] = [(line.id, line, 1.0) for line in reversed(self.lines)]
        while stack:
            path, line, multiplier = stack.pop()
            if not line.lines:
                yield path, line, multiplier
                continue
            inner = multiplier * line.amount
            stack.extend((f"{path}/{child.id}", child, inner) for child in reversed(line.lines))


BomLine.model_rebuild()


def _inherit_stages(lines: list[BomLine], parent_stage: Stage | None) -> None:
    for line in lines:
        if line.stage is None and parent_stage is not None:
            line.stage = parent_stage
        _inherit_stages(line.lines, line.stage)


# --------------------------------------------------------------------------------------------
# Whole-tree checks, run on raw data (to report them with field problems) and on the model
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _NodeView:
    """What the tree checks need from a node, whether it is raw data or a BomLine."""

    raw_id: Any
    children: list[Any]
    has_activity: bool


def _model_node(line: Any) -> _NodeView:
    return _NodeView(line.id, list(line.lines), bool(line.activity_id))


def _raw_node(node: Any) -> _NodeView:
    if not isinstance(node, Mapping):  # reported as a type problem by the model
        return _NodeView(None, [], True)
    children = node.get("lines")
    return _NodeView(node.get("id"), list(children) if isinstance(children, list) else [], not _is_blank(node.get("activity_id")))


def _walk(lines: list[Any], view: Callable[[Any], _NodeView]) -> Iterator[tuple[tuple[int, ...], Any]]:
    """Nodes in tree order (parents first) as (index path, node); stops descending past MAX_DEPTH."""
    stack: list[tuple[tuple[int, ...], Any]] = [((i,), line) for i, line in reversed(list(enumerate(lines)))]
    while stack:
        path, node = stack.pop()
        yield path, node
        if len(path) <= MAX_DEPTH:
            children = view(node).children
            stack.extend(((*path, i), child) for i, child in reversed(list(enumerate(children))))


def shape_issues(
    lines: list[Any],
    view: Callable[[Any], _NodeView] = _raw_node,
    row_numbers: Mapping[tuple[int, ...], int] | None = None,
) -> list[RowIssue]:
    """A tree too deep (a parent loop, or hostile input) or too big to validate safely."""
    issues: list[RowIssue] = []
    for position, (path, node) in enumerate(_walk(lines, view), start=1):
        if position > MAX_LINES:
            return [RowIssue(f"a BOM may have at most {MAX_LINES} lines", f"物料清单最多 {MAX_LINES} 行")]
        if len(path) > MAX_DEPTH:
            issues.append(
                RowIssue(
                    f"sub-assemblies are nested more than {MAX_DEPTH} levels deep; check the parent column for a loop",
                    f"子装配嵌套超过 {MAX_DEPTH} 层，请检查上级列是否有循环",
                    row=(row_numbers or {}).get(path, position),
                    line_id=_shown_id(view(node).raw_id),
                    field="parent",
                )
            )
    return issues


def tree_issues(
    lines: list[Any],
    view: Callable[[Any], _NodeView] = _raw_node,
    row_numbers: Mapping[tuple[int, ...], int] | None = None,
) -> list[RowIssue]:
    """Problems that need the whole tree (duplicate ids) or that pydantic would only report once
    the line's fields are valid (activity_id vs child lines).

    ``view`` reads a node (default: a raw mapping; ``_model_node`` for a BomLine); ``row_numbers``
    maps a line's index path to the row the user sees (default: position in tree order, from 1).
    """
    issues: list[RowIssue] = []
    first_row_of_id: dict[str, int] = {}
    for position, (path, node) in enumerate(_walk(lines, view), start=1):
        row = (row_numbers or {}).get(path, position)
        node_view = view(node)
        raw_id = node_view.raw_id
        line_id = _shown_id(raw_id)
        wrong_shape = _shape_problem(node_view.has_activity, bool(node_view.children))
        if wrong_shape:
            issues.append(RowIssue(*wrong_shape, row=row, line_id=line_id, field="activity_id"))
        if line_id is not None and line_id in first_row_of_id:
            first_row = first_row_of_id[line_id]
            issues.append(
                RowIssue(
                    f"duplicate line id {line_id!r}: ids must be unique across the whole BOM (first used on row {first_row})",
                    f"行编号 {line_id!r} 重复：编号在整个物料清单中必须唯一（首次出现在第 {first_row} 行）",
                    row=row,
                    line_id=line_id,
                    field="id",
                    value=str(raw_id),
                )
            )
        elif line_id is not None:
            first_row_of_id[line_id] = row
    return issues


def _shown_id(raw_id: Any) -> str | None:
    if _is_blank(raw_id) or not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        return None
    return str(raw_id).strip()


# --------------------------------------------------------------------------------------------
# From raw data to a Bom, with every problem located
# --------------------------------------------------------------------------------------------

_GENERIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("{field} is required", "{field_zh}为必填项"),
    "extra_forbidden": ("unknown field {field!r}", "未知字段 {field!r}"),
    "string_type": ("{field} must be text", "{field_zh}应为文本"),
    "list_type": ("{field} must be a list", "{field_zh}应为列表"),
    "model_type": ("{field} must be an object with named fields", "{field_zh}格式不正确，应为对象"),
    "dict_type": ("{field} must be an object with named fields", "{field_zh}格式不正确，应为对象"),
    "model_attributes_type": ("{field} must be an object with named fields", "{field_zh}格式不正确，应为对象"),
}


def bom_from_data(
    data: Any,
    *,
    source: str | None = None,
    row_numbers: Mapping[tuple[int, ...], int] | None = None,
) -> Bom:
    """Validate raw data (the Bom's JSON form) into a :class:`Bom`, or raise every problem at once.

    ``row_numbers`` maps a line's index path (``(0, 2)`` = third child of the first line) to the
    row number the user sees; without it, rows count lines in tree order from 1.
    """
    raw_lines = data.get("lines") if isinstance(data, Mapping) else None
    raw_lines = raw_lines if isinstance(raw_lines, list) else []
    rows = dict(row_numbers) if row_numbers is not None else _tree_order_rows(raw_lines)
    too_big = shape_issues(raw_lines, _raw_node, rows)
    if too_big:
        raise InputError(issues=too_big, source=source)  # validating further would be unsafe
    # Checked on the raw data too, so that they are reported together with field problems.
    issues = tree_issues(raw_lines, _raw_node, rows)
    try:
        bom = Bom.model_validate(data)
    except ValidationError as error:
        issues.extend(_issues_from_validation(error, raw_lines, rows))
    except InputError as error:
        if not issues:  # the model repeats the raw tree checks; keep the row numbers given here
            issues.extend(error.issues)
    else:
        if not issues:
            return bom
    raise InputError(issues=sorted(_unique(issues), key=_reading_order), source=source)


def _reading_order(issue: RowIssue) -> tuple[bool, int]:
    """Whole-BOM problems first, then by row; stable, so a row's problems keep their field order."""
    return issue.row is not None, issue.row or 0


def _tree_order_rows(raw_lines: list[Any]) -> dict[tuple[int, ...], int]:
    return {path: position for position, (path, _) in enumerate(_walk(raw_lines, _raw_node), start=1)}


def _unique(issues: list[RowIssue]) -> list[RowIssue]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for issue in issues:
        key = (issue.row, issue.line_id, issue.field, issue.message)
        if key not in seen:
            seen.add(key)
            unique.append(issue)
    return unique


def _issues_from_validation(
    error: ValidationError,
    raw_lines: list[Any],
    rows: Mapping[tuple[int, ...], int],
) -> list[RowIssue]:
    issues = []
    for detail in error.errors(include_url=False):
        path, rest = _split_location(detail["loc"])
        context = detail.get("ctx") or {}
        field = context.get("field") or ".".join(str(part) for part in rest if not isinstance(part, int)) or None
        if not path and rest and rest[0] == "declared_unit" and context.get("field"):
            field = f"declared_unit.{context['field']}"
        message, message_zh = _wording(detail, field, whole_document=not detail["loc"])
        raw_value = context.get("value", detail.get("input") if rest and context.get("field") is None else None)
        line_id = _raw_id(raw_lines, path) if path else None
        issues.append(
            RowIssue(
                message=message,
                message_zh=message_zh,
                row=rows.get(path) if path else None,
                line_id=line_id,
                field=field,
                value=_as_typed(raw_value),
            )
        )
    return issues


def _split_location(location: tuple[Any, ...]) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    """("lines", 0, "lines", 2, "amount") → ((0, 2), ("amount",))."""
    path: list[int] = []
    index = 0
    while index + 1 < len(location) and location[index] == "lines" and isinstance(location[index + 1], int):
        path.append(location[index + 1])
        index += 2
    return tuple(path), tuple(location[index:])


def _wording(detail: Mapping[str, Any], field: str | None, *, whole_document: bool) -> tuple[str, str]:
    context = detail.get("ctx") or {}
    if detail["type"] == "footprint":
        return str(context["message"]), str(context.get("message_zh", ""))
    if detail["type"] == "missing" and field == "declared_unit":
        return "declared_unit is required, e.g. 1 piece or 1 kg", "声明单位为必填项，例如 1 piece 或 1 kg"
    if detail["type"] == "too_short" and field == "lines":
        return "a BOM needs at least one line", "物料清单至少需要一行"
    if detail["type"] == "model_type" and whole_document:
        return (
            "a BOM must be an object with product, declared_unit and lines",
            "物料清单应为包含 product、declared_unit 和 lines 的对象",
        )
    shown = field or ("line" if detail["type"] in {"model_type", "dict_type"} else "value")
    leaf = shown.rsplit(".", 1)[-1]
    english, chinese = _GENERIC_MESSAGES.get(detail["type"], (f"{{field}}: {detail['msg']}", "{field_zh}格式不正确"))
    return english.format(field=shown), chinese.format(field=shown, field_zh=FIELD_LABELS_ZH.get(leaf, leaf))


def _raw_id(raw_lines: list[Any], path: tuple[int, ...]) -> str | None:
    nodes: Any = raw_lines
    node: Any = None
    for index in path:
        if not isinstance(nodes, list) or index >= len(nodes):
            return None
        node = nodes[index]
        nodes = node.get("lines") if isinstance(node, Mapping) else None
    line_id = node.get("id") if isinstance(node, Mapping) else None
    return None if _is_blank(line_id) or isinstance(line_id, (dict, list)) else str(line_id).strip()


def _as_typed(value: Any) -> str | None:
    """The value as the user typed it, for messages: text verbatim, numbers as written."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value if isinstance(value, str) else str(value)
