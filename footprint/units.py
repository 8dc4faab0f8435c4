"""Strict parsing of numbers, units and quantities typed by users, and exact unit conversion.

Why not hand user text to pint: pint is a physics library and reads spreadsheet text in ways a
footprint cannot afford. ``"2,5 t"`` becomes 25 t, ``"1 200 kWh"`` becomes 200 kWh, ``"2.5 T"``
is 2.5 tesla, ``"ton"`` is the US short ton and ``"pc"`` a parsec. A wrong unit is silent and
can shift a footprint by orders of magnitude, so this module is deliberately narrow:

* numbers go through :func:`parse_number`, a small explicit grammar (dot decimal separator,
  thousands separators only in proper groups of three);
* units go through :func:`canonical_unit`, a whitelist held as data in ``unit_aliases.csv``
  (columns ``alias,canonical,note``; a row with an empty ``canonical`` is a *refused* alias whose
  note is the hint shown to the user, e.g. ``T`` or ``ton``);
* conversion uses a private pint registry (never pint's application registry) built from
  :data:`UNIT_DEFINITIONS` (pint's definition syntax, held as data) with exact fractions, so
  1 kWh is exactly 3.6 MJ and 1 lb exactly 0.45359237 kg. Only canonical ids ever reach it.

Case matters where it distinguishes units (``t``/``T``, ``mg``/``Mg``, ``MWh``/``mWh``) and is
folded elsewhere (``KWH``, ``Kg`` and ``PCS`` are fine).

Errors are :class:`footprint.errors.UnitError` with an English message; each also carries a
Chinese ``message_zh`` attribute so that BOM row issues can be shown in both languages.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import pint

from footprint.errors import UnitError

ALIASES_PATH = Path(__file__).resolve().parent / "unit_aliases.csv"

# The private registry's definitions, in pint's definition syntax. Only the canonical unit ids of
# unit_aliases.csv are defined, plus the base units they are built from. Loaded with exact
# fractions, so every factor is exact (1 kWh = 3.6 MJ, 1 lb = 0.45359237 kg).
# Dimensions are chosen for a footprint calculator, not for physics:
#   - energy is a base dimension (no time or power is ever needed);
#   - piece is a base dimension, so pieces never turn into mass without mass_kg_per_piece;
#   - peak_power (kWp, Wp: the rated power of a PV system) is a base dimension, never energy;
#   - tkm (transport work) is tonne * kilometre, i.e. mass * length.
UNIT_DEFINITIONS = """
kilogram = [mass] = kg
gram = kilogram / 1000 = g
milligram = gram / 1000 = mg
tonne = 1000 * kilogram = t
pound = 0.45359237 * kilogram = lb

joule = [energy] = J
kilojoule = 1000 * joule = kJ
megajoule = 1000000 * joule = MJ
gigajoule = 1000000000 * joule = GJ
watt_hour = 3600 * joule = Wh
kilowatt_hour = 1000 * watt_hour = kWh
megawatt_hour = 1000000 * watt_hour = MWh
gigawatt_hour = 1000000000 * watt_hour = GWh

metre = [length] = m
centimetre = metre / 100 = cm
kilometre = 1000 * metre = km
square_metre = metre ** 2 = m2
square_centimetre = centimetre ** 2 = cm2
cubic_metre = metre ** 3 = m3
litre = cubic_metre / 1000 = L
millilitre = litre / 1000 = mL

piece = [piece]

tonne_kilometre = tonne * kilometre = tkm

watt_peak = [peak_power] = Wp
kilowatt_peak = 1000 * watt_peak = kWp
"""


def _refuse(message: str, message_zh: str) -> UnitError:
    """Build a UnitError that also carries its Chinese message (read with ``message_zh_of``)."""
    error = UnitError(message)
    error.message_zh = message_zh  # type: ignore[attr-defined]
    return error


def message_zh_of(error: BaseException) -> str:
    """The Chinese message attached to an error raised by this module ('' when there is none)."""
    return str(getattr(error, "message_zh", ""))


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

# Characters that Chinese input methods and spreadsheets produce in place of ASCII ones. Mapped
# explicitly rather than through NFKC, which would also turn "²" into "2" or "①" into "1".
_NUMBER_CHARS = str.maketrans(
    {
        **{chr(0xFF10 + digit): str(digit) for digit in range(10)},  # full-width digits
        "\uff0b": "+",
        "\uff0d": "-",
        "\u2212": "-",  # minus sign
        "\uff0e": ".",
        "\uff0c": ",",
        "\uff45": "e",
        "\uff25": "E",
        "\u00a0": " ",  # no-break space
        "\u2009": " ",  # thin space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
    }
)

_NUMBER_PATTERN = re.compile(
    r"""
    ^(?P<sign>[+-])?
    (?P<integer>[0-9]{1,3}(?:,[0-9]{3})+     # 1,200 / 12,345,678
              |[0-9]{1,3}(?:\ [0-9]{3})+     # 1 200 (after space normalisation)
              |[0-9]+)?
    (?:\.(?P<fraction>[0-9]*))?
    (?:[eE](?P<exponent>[+-]?[0-9]+))?$
    """,
    re.VERBOSE,
)

_NOT_FINITE_WORDS = {"nan", "inf", "infinity"}


def _normalise_number_text(text: str) -> str:
    return text.translate(_NUMBER_CHARS).strip().strip("\u3000").strip()


def parse_number(text: str | int | float) -> float:
    """Read a number typed by a user, refusing anything that could be read two ways.

    Accepted: ``12``, ``12.5``, ``.5``, ``-3``, ``+3``, ``1e3``, ``1,200``, ``1,200.5``,
    ``1 200`` (space, no-break or thin space, only between groups of three), full-width digits.
    Refused: ``2,5`` (decimal comma), ``1,20``, ``1.2.3``, empty text, words, ``nan``/``inf`` and
    formulas. Real numbers (e.g. numeric spreadsheet cells) are accepted when finite.
    The sign is allowed here; whether a negative amount makes sense is the BOM's decision.
    """
    if isinstance(text, bool):
        raise _refuse(f"{text!r} is a yes/no value, not a number", f"{text!r} 是布尔值，不是数字")
    if isinstance(text, (int, float)):
        if not math.isfinite(text):
            raise _refuse("NaN and infinity are not accepted: enter a finite number", "不接受 NaN 或无穷大，请输入有限数值")
        return float(text)
    if not isinstance(text, str):
        raise _refuse(f"expected a number as text, got {type(text).__name__}", "应为数字文本")

    cleaned = _normalise_number_text(text)
    if not cleaned:
        raise _refuse("empty value: enter a number", "值为空，请输入数字")
    match = _NUMBER_PATTERN.match(cleaned)
    has_digits = match is not None and bool(match.group("integer") or match.group("fraction"))
    if not has_digits:
        raise _explain_bad_number(text, cleaned)
    value = float(re.sub(r"[, ]", "", cleaned))
    if not math.isfinite(value):
        raise _refuse(f"{text!r} is too large to be a number", f"{text!r} 数值过大")
    return value


def _explain_bad_number(original: str, cleaned: str) -> UnitError:
    """Say *why* a number is refused: a precise hint is what lets a user fix a whole column."""
    lowered = cleaned.lower().lstrip("+-")
    if lowered in _NOT_FINITE_WORDS:
        return _refuse(
            f"{original!r} is not a usable number: NaN and infinity are not accepted",
            f"{original!r} 不是可用的数字：不接受 NaN 或无穷大",
        )
    if cleaned.startswith("="):
        return _refuse(
            f"{original!r} looks like a spreadsheet formula; formulas are never evaluated: "
            "enter the value (paste as values)",
            f"{original!r} 像是电子表格公式；公式不会被计算，请填写数值（选择性粘贴为数值）",
        )
    if re.search(r"[^0-9 .,+\-eE]", cleaned) or re.search(r"[eE].*[eE]", cleaned):
        return _refuse(
            f"{original!r} is not a number: expected digits such as 12, 12.5, 1e3 or 1,200 "
            "(a unit goes in its own field)",
            f"{original!r} 不是数字：应为 12、12.5、1e3 或 1,200 这样的数字（单位请填在单位栏）",
        )
    if "," in cleaned:
        if "." in cleaned and cleaned.index(".") < cleaned.rindex(","):
            return _refuse(
                f"{original!r} uses a dot between thousands and a decimal comma: use a dot as the "
                "decimal separator and no dots between thousands (e.g. 1200.5)",
                f"{original!r} 使用了点作千位分隔、逗号作小数点：请用点作小数点（例如 1200.5）",
            )
        suggestion = ""
        if cleaned.count(",") == 1 and "." not in cleaned:
            suggestion = f" (did you mean {cleaned.replace(',', '.')}?)"
        return _refuse(
            f"ambiguous comma in {original!r}: a comma is only accepted as a thousands separator "
            f"between groups of three digits (1,200); use a dot as the decimal separator{suggestion}",
            f"{original!r} 中的逗号有歧义：逗号只能作千位分隔符（每三位一组，如 1,200）；"
            "小数请使用点（如 2.5）",
        )
    if cleaned.count(".") > 1:
        return _refuse(
            f"{original!r} has more than one decimal point",
            f"{original!r} 含有多个小数点",
        )
    if " " in cleaned:
        return _refuse(
            f"{original!r}: spaces are only accepted between groups of three digits (1 200)",
            f"{original!r}：空格只能作千位分隔（每三位一组，如 1 200）",
        )
    return _refuse(
        f"{original!r} is not a number: expected digits such as 12, 12.5, 1e3 or 1,200",
        f"{original!r} 不是数字：应为 12、12.5、1e3 或 1,200 这样的数字",
    )


def format_number(value: float) -> str:
    """The shortest text that :func:`parse_number` reads back as exactly ``value``.

    Whole numbers lose their ".0" ("2", not "2.0") so that written BOMs look like typed ones.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}")
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


# --------------------------------------------------------------------------------------------
# Units: the alias whitelist
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Alias:
    alias: str
    canonical: str  # "" for a refused alias
    note: str


@dataclass(frozen=True)
class _AliasTable:
    exact: dict[str, _Alias]
    by_folded_key: dict[str, tuple[_Alias, ...]]
    canonical_ids: tuple[str, ...]


def _normalise_unit_text(text: str) -> str:
    """Full-width to ASCII, superscripts to digits (m³ → m3), single spaces, no padding."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@lru_cache(maxsize=1)
def _alias_table() -> _AliasTable:
    exact: dict[str, _Alias] = {}
    canonical_ids: list[str] = []
    with ALIASES_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entry = _Alias(row["alias"], row["canonical"].strip(), (row.get("note") or "").strip())
            key = _normalise_unit_text(entry.alias)
            previous = exact.get(key)
            if previous is not None:
                # "m³" normalises to "m3": listing both documents the spelling, and is harmless
                # as long as they agree.
                if previous.canonical != entry.canonical:
                    raise ValueError(f"{ALIASES_PATH.name}: alias {entry.alias!r} maps to two units")
                continue
            exact[key] = entry
            if entry.canonical and entry.canonical not in canonical_ids:
                canonical_ids.append(entry.canonical)
    folded: dict[str, list[_Alias]] = {}
    for key, entry in exact.items():
        folded.setdefault(key.casefold(), []).append(entry)
    return _AliasTable(
        exact=exact,
        by_folded_key={key: tuple(entries) for key, entries in folded.items()},
        canonical_ids=tuple(canonical_ids),
    )


def canonical_units() -> tuple[str, ...]:
    """Every canonical unit id, in the order of ``unit_aliases.csv``."""
    return _alias_table().canonical_ids


def canonical_unit(text: str) -> str:
    """Map a unit as typed ("kg", "公斤", "KWH", "m³", "pcs") to its canonical id, or refuse it.

    Refused aliases (``T``, ``ton``, ``kW``...) raise with their hint; unknown text raises with
    the closest known aliases.
    """
    if not isinstance(text, str):
        raise _refuse(f"expected a unit as text, got {type(text).__name__}", "单位应为文本")
    table = _alias_table()
    key = _normalise_unit_text(text)
    if not key:
        raise _refuse("empty unit: enter a unit such as kg, kWh, t or piece", "单位为空：请填写 kg、kWh、t、piece 等单位")
    for candidate in (key, key.replace(" ", "")):
        entry = table.exact.get(candidate)
        if entry is not None:
            return _accept(entry, text)
    return _resolve_by_case_folding(text, key, table)


def _accept(entry: _Alias, typed: str) -> str:
    if entry.canonical:
        return entry.canonical
    raise _refuse(f"unit {typed!r} is refused: {entry.note}", f"不接受单位 {typed!r}：{entry.note}")


def _resolve_by_case_folding(typed: str, key: str, table: _AliasTable) -> str:
    """Fold case, but honour the typed case wherever it is what tells two aliases apart.

    ``MWH`` matches ``MWh`` (the capital M decides against ``mWh``), ``mwh`` matches the refused
    ``mWh``, ``KG`` matches ``kg`` since nothing else folds to ``kg``.
    """
    for spelled in (key, key.replace(" ", "")):
        entries = table.by_folded_key.get(spelled.casefold())
        if not entries:
            continue
        spellings = {entry: _normalise_unit_text(entry.alias) for entry in entries}
        deciding = _positions_where_case_differs(list(spellings.values()))
        matching = [
            entry
            for entry, spelling in spellings.items()
            if len(spelling) == len(spelled) and all(spelling[i] == spelled[i] for i in deciding)
        ] or list(entries)
        refused = [entry for entry in matching if not entry.canonical]
        if refused:
            return _accept(refused[0], typed)
        targets = sorted({entry.canonical for entry in matching})
        if len(targets) == 1:
            return targets[0]
        raise _refuse(
            f"unit {typed!r} is ambiguous: write exactly one of {', '.join(targets)}",
            f"单位 {typed!r} 有歧义：请写 {'、'.join(targets)} 之一",
        )
    raise _unknown_unit(typed, key, table)


def _positions_where_case_differs(spellings: list[str]) -> set[int]:
    if len(set(spellings)) < 2:
        return set()
    length = min(len(spelling) for spelling in spellings)
    return {i for i in range(length) if len({spelling[i] for spelling in spellings}) > 1}


def _unknown_unit(typed: str, key: str, table: _AliasTable) -> UnitError:
    accepted_by_folded: dict[str, str] = {}
    for alias, entry in table.exact.items():
        if entry.canonical:
            accepted_by_folded.setdefault(alias.casefold(), alias)
    close_folded = difflib.get_close_matches(key.casefold(), list(accepted_by_folded), n=4, cutoff=0.5)
    shown = []
    for folded in close_folded:
        alias = accepted_by_folded[folded]
        canonical = table.exact[alias].canonical
        shown.append(alias if alias == canonical else f"{alias} (= {canonical})")
    known = ", ".join(table.canonical_ids)
    hint = f"close matches: {', '.join(shown)}. " if shown else ""
    hint_zh = f"相近的单位：{'、'.join(shown)}。" if shown else ""
    return _refuse(
        f"unknown unit {typed!r}: {hint}Accepted units: {known}",
        f"无法识别的单位 {typed!r}：{hint_zh}可用单位：{known}",
    )


# --------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------

_QUANTITY_PATTERN = re.compile(
    r"""^(?P<number>[+-]?(?:[0-9][0-9,. ]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*(?P<unit>\S.*)?$""",
    re.VERBOSE,
)


def parse_quantity(text: str) -> tuple[float, str]:
    """Split "2.5 t", "1,200kWh", "3 吨" or "500 度" into (amount, canonical unit)."""
    if not isinstance(text, str):
        raise _refuse(f"expected a quantity as text, got {type(text).__name__}", "数量应为文本")
    cleaned = _normalise_number_text(text)
    match = _QUANTITY_PATTERN.match(cleaned)
    if match is None:
        raise _refuse(
            f"{text!r} is not a quantity: expected a number followed by a unit, e.g. 2.5 t or 500 kWh",
            f"{text!r} 不是有效的数量：应为数字加单位，例如 2.5 t 或 500 kWh",
        )
    if not match.group("unit"):
        raise _refuse(
            f"{text!r} has no unit: write e.g. {match.group('number').strip()} kg",
            f"{text!r} 缺少单位：例如写成 {match.group('number').strip()} kg",
        )
    return parse_number(match.group("number").strip()), canonical_unit(match.group("unit"))


# --------------------------------------------------------------------------------------------
# Dimensions and conversion (private pint registry)
# --------------------------------------------------------------------------------------------

_DIMENSION_NAMES: dict[frozenset[tuple[str, int]], str] = {
    frozenset({("[mass]", 1)}): "mass",
    frozenset({("[energy]", 1)}): "energy",
    frozenset({("[length]", 3)}): "volume",
    frozenset({("[length]", 2)}): "area",
    frozenset({("[length]", 1)}): "length",
    frozenset({("[piece]", 1)}): "piece",
    frozenset({("[mass]", 1), ("[length]", 1)}): "mass_distance",
    frozenset({("[peak_power]", 1)}): "peak_power",
}

# How a dimension reads in a sentence ("kg is a mass").
_DIMENSION_PHRASES = {
    "mass": "a mass",
    "energy": "an energy",
    "volume": "a volume",
    "area": "an area",
    "length": "a length",
    "piece": "a count of pieces",
    "mass_distance": "a transport work (mass × distance)",
    "peak_power": "a peak power",
}
_DIMENSION_NAMES_ZH = {
    "mass": "质量",
    "energy": "能量",
    "volume": "体积",
    "area": "面积",
    "length": "长度",
    "piece": "件数",
    "mass_distance": "运输周转量",
    "peak_power": "峰值功率",
}


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry:
    """The private registry: empty pint, our definitions only, exact fractions throughout."""
    registry = pint.UnitRegistry(None, non_int_type=Fraction, on_redefinition="raise")
    for definition in UNIT_DEFINITIONS.splitlines():
        if definition.strip():
            registry.define(definition)
    return registry


@lru_cache(maxsize=1)
def _unit_roots() -> dict[str, tuple[Fraction, str]]:
    """Canonical id → (exact factor to its root unit, dimension name), computed once.

    Built in one go so that conversions afterwards are plain dictionary reads: safe to call from
    many threads without touching pint's internal caches.
    """
    registry = _registry()
    roots: dict[str, tuple[Fraction, str]] = {}
    for canonical in canonical_units():
        factor, _ = registry.get_root_units(canonical)
        dimensionality = registry.get_dimensionality(canonical)
        signature = frozenset((name, int(exponent)) for name, exponent in dimensionality.items())
        name = _DIMENSION_NAMES.get(signature)
        if name is None:  # definitions out of step with _DIMENSION_NAMES: a programming error
            raise ValueError(f"unit {canonical!r} has no named dimension")
        roots[canonical] = (Fraction(factor), name)
    return roots


def _root(canonical: str) -> tuple[Fraction, str]:
    return _unit_roots()[canonical]


def dimension_of(unit: str) -> str:
    """The named dimension of a unit: mass, energy, volume, area, length, piece, mass_distance, peak_power."""
    return _root(canonical_unit(unit))[1]


def convert(amount: float, from_unit: str, to_unit: str, *, target: str = "the activity") -> float:
    """Convert exactly between two units of the same dimension (result rounded once to float).

    ``target`` names what ``to_unit`` belongs to in the mismatch message
    ("kg is a mass; the activity is measured in kWh (energy)").
    """
    source, destination = canonical_unit(from_unit), canonical_unit(to_unit)
    source_factor, source_dimension = _root(source)
    destination_factor, destination_dimension = _root(destination)
    if source_dimension != destination_dimension:
        raise _dimension_mismatch(source, source_dimension, destination, destination_dimension, target)
    value = parse_number(amount) if isinstance(amount, str) else float(amount)
    if not math.isfinite(value):
        raise _refuse("NaN and infinity cannot be converted", "无法换算 NaN 或无穷大")
    if source == destination:
        return value
    return float(Fraction(value) * source_factor / destination_factor)


def _dimension_mismatch(source: str, source_dim: str, destination: str, destination_dim: str, target: str) -> UnitError:
    hint = hint_zh = ""
    if {source_dim, destination_dim} == {"piece", "mass"}:
        hint, hint_zh = " Give mass_kg_per_piece to convert between pieces and mass.", "请填写单件质量（kg）以便换算件数与质量。"
    elif destination_dim == "mass_distance" and source_dim in {"mass", "piece"}:
        hint = " Give distance_km: transport work is mass (t) × distance (km)."
        hint_zh = "请填写运输距离（km）：周转量 = 质量（t）× 距离（km）。"
    return _refuse(
        f"{source} is {_DIMENSION_PHRASES[source_dim]}; {target} is measured in {destination} "
        f"({destination_dim.replace('_', ' ')}).{hint}",
        f"{source} 是{_DIMENSION_NAMES_ZH[source_dim]}单位，而{'活动' if target == 'the activity' else target}"
        f"的单位是 {destination}（{_DIMENSION_NAMES_ZH[destination_dim]}）。{hint_zh}",
    )


def to_activity_unit(
    amount: float,
    unit: str,
    activity_unit: str,
    *,
    mass_kg_per_piece: float | None = None,
    distance_km: float | None = None,
) -> float:
    """Express a BOM line amount in its activity's unit, bridging what a plain conversion cannot.

    Two bridges need data from the line itself: pieces (or any other unit with a stated mass per
    unit: m2 of glass) ↔ mass (``mass_kg_per_piece``, the mass of one unit of the line) and
    mass → transport work (``distance_km``: tkm = t × km). Everything else is :func:`convert`.
    """
    source, destination = canonical_unit(unit), canonical_unit(activity_unit)
    source_dim, destination_dim = dimension_of(source), dimension_of(destination)
    value = float(amount)
    if source_dim not in {"mass", destination_dim} and destination_dim in {"mass", "mass_distance"} and mass_kg_per_piece is not None:
        value, source, source_dim = value * mass_kg_per_piece, "kg", "mass"
    elif source_dim == "mass" and destination_dim == "piece" and mass_kg_per_piece is not None:
        return convert(convert(value, source, "kg") / mass_kg_per_piece, "piece", destination)
    if source_dim == "mass" and destination_dim == "mass_distance" and distance_km is not None:
        return convert(convert(value, source, "t") * distance_km, "tkm", destination)
    return convert(value, source, destination)
