"""Turn a BOM into demands on background activities, in each activity's own unit.

Why separate from the engine: this is where user units meet dataset units, and every way that
can go wrong (unknown activity, kg given for an electricity line, a piece without a mass) must
be reported per line, all at once, before any number is computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import units
from .dataset import Dataset
from .activity_suggestions import UnknownActivityMessages
from .errors import InputError, RowIssue, UnitError, UnknownActivityError


@dataclass(frozen=True)
class LineDemand:
    """One leaf BOM line resolved to an activity and an amount in that activity's unit."""

    path: str
    line_id: str
    activity_id: str
    stage: str
    data_type: str
    amount: float  # as typed, per parent unit
    unit: str  # as typed (canonical)
    multiplier: float  # product of parent amounts along the path
    activity_amount: float  # per declared unit, in the activity's unit
    description: str
    has_cff: bool = False  # the line carries Circular Footprint Formula values (BomLine.cff)


def build_demands(bom, dataset: Dataset, suppliers: Mapping[str, Any] | None = None) -> list[LineDemand]:
    """Resolve every leaf line; raise one InputError listing every bad line.

    ``suppliers`` (supplier activities by id, :class:`footprint.exchange.suppliers.SupplierActivity`)
    resolves the lines that draw a supplier's footprint instead of a dataset activity: in the
    supplier's unit, a line in mass converted to the supplier's pieces with the line's own mass
    per piece, else with the supplier's product mass per piece.
    """
    demands: list[LineDemand] = []
    unknown: list[RowIssue] = []
    issues: list[RowIssue] = []
    unknown_messages = UnknownActivityMessages(dataset)
    suppliers = suppliers or {}
    for path, line, multiplier in bom.flat_lines():
        supplier = suppliers.get(line.activity_id)
        if supplier is None and not dataset.has_activity(line.activity_id):
            message, message_zh = unknown_messages(line.activity_id)
            unknown.append(
                RowIssue(
                    message=message,
                    message_zh=message_zh,
                    line_id=line.id,
                    field="activity_id",
                    value=line.activity_id,
                )
            )
            continue
        if supplier is not None:
            activity_unit, default_stage, what = supplier.unit, supplier.stage, "supplier activity"
            mass = line.unit_mass_kg
            if mass is None and supplier.unit == "piece" and supplier.mass_kg_per_unit:
                mass = supplier.mass_kg_per_unit
        else:
            activity = dataset.activity(line.activity_id)
            activity_unit, default_stage, what, mass = activity.unit, activity.default_stage, "activity", line.unit_mass_kg
        try:
            per_parent = units.to_activity_unit(line.amount, line.unit, activity_unit, mass_kg_per_piece=mass, distance_km=line.distance_km)
        except UnitError as error:
            issues.append(
                RowIssue(
                    message=f"{error} ({what} {line.activity_id})",
                    message_zh=units.message_zh_of(error) or f"单位不匹配：{'供应商活动' if supplier is not None else '活动'} {line.activity_id} 的单位是 {activity_unit}",
                    line_id=line.id,
                    field="unit",
                    value=f"{line.amount} {line.unit}",
                )
            )
            continue
        stage = line.stage.value if line.stage is not None else default_stage
        data_type = line.data_type.value if hasattr(line.data_type, "value") else str(line.data_type)
        demands.append(
            LineDemand(
                path=path,
                line_id=line.id,
                activity_id=line.activity_id,
                stage=stage,
                data_type=data_type,
                amount=float(line.amount),
                unit=line.unit,
                multiplier=float(multiplier),
                activity_amount=per_parent * float(multiplier),
                description=line.description or "",
                has_cff=getattr(line, "cff", None) is not None,
            )
        )
    if unknown and not issues:
        raise UnknownActivityError(issues=unknown)
    if unknown or issues:
        raise InputError(issues=unknown + issues)
    return demands

