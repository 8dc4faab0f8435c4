"""Declared unit: defined, and with the product mass when counted in pieces."""

from __future__ import annotations

from ..model import failed, passed
from ..registry import NoParams, Params, register_check
from .common import num


class DeclaredUnitParams(Params):
    quantity: float | None = None  # a product rule may fix the declared unit (e.g. 1 kWh)
    unit: str | None = None


@register_check("declared_unit_defined", DeclaredUnitParams)
def declared_unit_defined(ctx, p: DeclaredUnitParams):
    """A declared unit with a positive quantity and a unit (the one a product rule fixes, if any)."""
    unit = ctx.study.bom.declared_unit
    text = str(unit)
    required = f"{num(p.quantity) if p.quantity is not None else 'any'} {p.unit or ''}".strip()
    wrong_quantity = p.quantity is not None and abs(unit.quantity - p.quantity) > 1e-12 * max(1.0, p.quantity)
    wrong_unit = p.unit is not None and unit.unit != p.unit
    if unit.quantity <= 0 or not unit.unit or wrong_quantity or wrong_unit:
        return failed(
            f"declared unit is {text}; the rule requires {required}",
            f"声明单位为 {text}；规则要求 {required}",
            measured=text,
            threshold=required,
        )
    return passed(f"declared unit {text}; results in kg CO2e per {text}", f"声明单位 {text}；结果以 kg CO2e/{text} 表示", measured=text, threshold=required)


@register_check("mass_per_piece", NoParams)
def mass_per_piece(ctx, p: NoParams):
    """A declared unit in pieces states the product mass, consistently."""
    unit = ctx.study.bom.declared_unit
    product_mass = ctx.study.product.mass_kg_per_unit
    mass = unit.mass_kg_per_piece or product_mass
    if not mass or mass <= 0:
        return failed("the mass of one piece is not given", "未给出单件质量", measured=None, threshold="> 0")
    if product_mass and unit.mass_kg_per_piece and abs(product_mass - unit.mass_kg_per_piece) > 0.01 * unit.mass_kg_per_piece:
        return failed(
            f"product.mass_kg_per_unit {num(product_mass)} kg differs from the BOM's mass_kg_per_piece {num(unit.mass_kg_per_piece)} kg",
            f"产品单位质量 {num(product_mass)} kg 与物料清单单件质量 {num(unit.mass_kg_per_piece)} kg 不一致",
            measured=product_mass,
            threshold=unit.mass_kg_per_piece,
        )
    return passed(f"{num(mass)} kg per piece", f"单件质量 {num(mass)} kg", measured=mass, threshold="> 0")
