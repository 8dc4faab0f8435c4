"""footprint.units: strict numbers, whitelisted units, exact conversions, clear refusals."""

from __future__ import annotations

import csv

import pint
import pytest

from footprint import units
from footprint.errors import UnitError
from footprint.units import (
    canonical_unit,
    canonical_units,
    convert,
    dimension_of,
    format_number,
    message_zh_of,
    parse_number,
    parse_quantity,
    to_activity_unit,
)

# ---------------------------------------------------------------------------------------------
# parse_number
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        ("12.5", 12.5),
        ("-3", -3.0),
        ("+3", 3.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("2.5e+2", 250.0),
        ("1,200", 1200.0),
        ("1,200.5", 1200.5),
        ("12,345,678", 12345678.0),
        ("1 200", 1200.0),
        ("1\u2009200", 1200.0),  # thin space
        ("1\u00a0200", 1200.0),  # no-break space
        ("1 200 300.25", 1200300.25),
        ("１２", 12.0),  # full-width digits
        ("１，２００．５", 1200.5),  # full-width separators
        ("  7  ", 7.0),
        (".5", 0.5),
        ("0", 0.0),
        (2.5, 2.5),  # numeric spreadsheet cells
        (7, 7.0),
    ],
)
def test_parse_number_accepts(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2,5", "use a dot as the decimal separator"),
        ("1,20", "use a dot as the decimal separator"),
        ("1,2345", "thousands separator"),
        ("1234,567", "thousands separator"),
        ("1.200,5", "decimal separator"),
        ("1.2.3", "more than one decimal point"),
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not a number"),
        ("nan", "NaN"),
        ("NaN", "NaN"),
        ("inf", "infinity"),
        ("-Infinity", "infinity"),
        ("1  200", "groups of three"),
        ("12 00", "groups of three"),
        ("=1+2", "formula"),
        ("1e999", "too large"),
        ("5 kg", "not a number"),
        ("²", "not a number"),  # no NFKC shortcut: superscripts are not digits
        ("1/2", "not a number"),
        ("5%", "not a number"),
    ],
)
def test_parse_number_refuses_with_a_hint(text, hint):
    with pytest.raises(UnitError, match="(?i)" + hint) as caught:
        parse_number(text)
    assert message_zh_of(caught.value)  # a Chinese message rides along for row issues


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_parse_number_refuses_non_finite_and_booleans(value):
    with pytest.raises(UnitError):
        parse_number(value)


def test_decimal_comma_suggests_the_dotted_number():
    with pytest.raises(UnitError, match=r"did you mean 2\.5\?"):
        parse_number("2,5")


@pytest.mark.parametrize("value", [0.1, 1e-7, 123456789.125, 2.0, 1e20, 5e-324, 0.30000000000000004])
def test_format_number_round_trips_exactly(value):
    assert parse_number(format_number(value)) == value


def test_format_number_drops_the_trailing_zero_of_whole_numbers():
    assert format_number(2.0) == "2"
    assert format_number(1200.0) == "1200"


# ---------------------------------------------------------------------------------------------
# canonical_unit
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kg", "kg"),
        ("KG", "kg"),
        ("Kg", "kg"),
        ("千克", "kg"),
        ("公斤", "kg"),
        ("g", "g"),
        ("克", "g"),
        ("mg", "mg"),
        ("t", "t"),
        ("tonne", "t"),
        ("tonnes", "t"),
        ("公吨", "t"),
        ("吨", "t"),
        ("lb", "lb"),
        ("lbs", "lb"),
        ("kWh", "kWh"),
        ("KWH", "kWh"),
        ("kwh", "kWh"),
        ("度", "kWh"),
        ("千瓦时", "kWh"),
        ("MWh", "MWh"),
        ("MWH", "MWh"),  # the capital M decides: megawatt-hour
        ("兆瓦时", "MWh"),
        ("GWh", "GWh"),
        ("Wh", "Wh"),
        ("kJ", "kJ"),
        ("MJ", "MJ"),
        ("兆焦", "MJ"),
        ("GJ", "GJ"),
        ("吉焦", "GJ"),
        ("m3", "m3"),
        ("m³", "m3"),
        ("立方米", "m3"),
        ("方", "m3"),
        ("Nm3", "m3"),
        ("标方", "m3"),
        ("L", "L"),
        ("l", "L"),
        ("升", "L"),
        ("piece", "piece"),
        ("pieces", "piece"),
        ("pc", "piece"),
        ("pcs", "piece"),
        ("PCS", "piece"),
        ("unit", "piece"),
        ("个", "piece"),
        ("件", "piece"),
        ("只", "piece"),
        ("台", "piece"),
        ("套", "piece"),
        ("片", "piece"),
        ("颗", "piece"),
        ("tkm", "tkm"),
        ("t·km", "tkm"),
        ("t*km", "tkm"),
        ("tonne-km", "tkm"),
        ("吨公里", "tkm"),
        ("km", "km"),
        ("m2", "m2"),
        ("m²", "m2"),
        ("平方米", "m2"),
        ("cm2", "cm2"),
        ("cm²", "cm2"),
        ("平方厘米", "cm2"),
        ("kWp", "kWp"),
        ("Wp", "Wp"),
        ("ｋｇ", "kg"),  # full-width letters
        (" kg ", "kg"),
    ],
)
def test_canonical_unit_accepts(text, expected):
    assert canonical_unit(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("T", "tesla"),
        ("T", "write t for tonne"),
        ("ton", "ambiguous"),
        ("tons", "ambiguous"),
        ("TON", "ambiguous"),
        ("Ton", "write t for tonne"),
        ("Mg", "megagram"),
        ("MG", "megagram"),
        ("mWh", "did you mean MWh"),
        ("mwh", "did you mean MWh"),
        ("kW", "power"),
        ("千瓦", "power"),
        ("", "empty"),
    ],
)
def test_canonical_unit_refuses_with_a_hint(text, hint):
    with pytest.raises(UnitError, match=hint):
        canonical_unit(text)


def test_unknown_unit_lists_close_matches():
    with pytest.raises(UnitError, match="unknown unit 'kgs'.*close matches: kg") as caught:
        canonical_unit("kgs")
    assert "Accepted units" in str(caught.value)
    assert "无法识别" in message_zh_of(caught.value)


@pytest.mark.parametrize("text", ["parsec", "tesla", "furlong", "kg/m3", "kgCO2e"])
def test_unknown_units_are_refused(text):
    with pytest.raises(UnitError, match="unknown unit"):
        canonical_unit(text)


def test_pc_is_never_handed_to_pint():
    """pint's own registry reads "pc" as a parsec; ours must not even know the symbol."""
    assert canonical_unit("pc") == "piece"
    assert dimension_of("pc") == "piece"
    assert "pc" not in units._registry()
    assert "T" not in units._registry()
    assert "ton" not in units._registry()


def test_canonical_unit_is_idempotent():
    for unit in canonical_units():
        assert canonical_unit(unit) == unit


def test_alias_table_is_consistent():
    """Every accepted alias maps to a unit the private registry defines; refusals carry a hint."""
    with units.ALIASES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {"alias", "canonical", "note"}
    for row in rows:
        if row["canonical"]:
            assert row["canonical"] in units._registry(), row
        else:
            assert row["note"], f"refused alias {row['alias']!r} needs a hint"


def test_private_registry_is_not_the_application_registry():
    assert units._registry() is not pint.get_application_registry()


# ---------------------------------------------------------------------------------------------
# parse_quantity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.5 t", (2.5, "t")),
        ("1,200kWh", (1200.0, "kWh")),
        ("1 200 kWh", (1200.0, "kWh")),
        ("3 吨", (3.0, "t")),
        ("500 度", (500.0, "kWh")),
        ("1 piece", (1.0, "piece")),
        ("1e3 kg", (1000.0, "kg")),
        ("0.5 m³", (0.5, "m3")),
        ("１２ 公斤", (12.0, "kg")),
        ("2 cubic metres", (2.0, "m3")),
    ],
)
def test_parse_quantity_accepts(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2,5 t", "use a dot as the decimal separator"),
        ("2.5 T", "write t for tonne"),
        ("3 ton", "ambiguous"),
        ("5", "no unit"),
        ("kg 5", "number followed by a unit"),
        ("", "number followed by a unit"),
        ("5 parsec", "unknown unit"),
    ],
)
def test_parse_quantity_refuses(text, hint):
    with pytest.raises(UnitError, match=hint):
        parse_quantity(text)


def test_raw_pint_would_have_misread_what_we_refuse():
    """Why the strict layer exists: pint's defaults read these silently and wrongly."""
    ureg = pint.UnitRegistry()
    assert str(ureg.Quantity("2.5 T").units) == "tesla"
    assert ureg.Quantity("1 ton").to("kg").magnitude == pytest.approx(907.18474)
    for text in ("2.5 T", "1 ton"):
        with pytest.raises(UnitError):
            parse_quantity(text)


# ---------------------------------------------------------------------------------------------
# Dimensions and conversion
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "dimension"),
    [
        ("kg", "mass"),
        ("lb", "mass"),
        ("kWh", "energy"),
        ("MJ", "energy"),
        ("m3", "volume"),
        ("L", "volume"),
        ("piece", "piece"),
        ("tkm", "mass_distance"),
        ("m2", "area"),
        ("cm2", "area"),
        ("kWp", "peak_power"),
        ("Wp", "peak_power"),
        ("km", "length"),
        ("吨", "mass"),
    ],
)
def test_dimension_of(unit, dimension):
    assert dimension_of(unit) == dimension


def test_every_canonical_unit_has_a_named_dimension():
    for unit in canonical_units():
        assert dimension_of(unit) in {
            "mass",
            "energy",
            "volume",
            "piece",
            "mass_distance",
            "area",
            "peak_power",
            "length",
        }


@pytest.mark.parametrize(
    ("amount", "source", "target", "expected"),
    [
        (500, "g", "kg", 0.5),
        (1234, "g", "kg", 1.234),
        (2, "t", "kg", 2000.0),
        (1, "lb", "kg", 0.45359237),
        (1, "MWh", "kWh", 1000.0),
        (1, "kWh", "MJ", 3.6),
        (3.6, "MJ", "kWh", 1.0),
        (1, "GJ", "kWh", 1e9 / 3.6e6),
        (2.5, "m3", "m3", 2.5),
        (1, "m3", "L", 1000.0),
        (10000, "cm2", "m2", 1.0),
        (1, "kWp", "Wp", 1000.0),
        (1500, "kg", "t", 1.5),
        (1, "吨", "公斤", 1000.0),
    ],
)
def test_convert_is_exact(amount, source, target, expected):
    assert convert(amount, source, target) == expected


def test_kwh_mj_is_exact_where_plain_floats_are_not():
    """3.6e6 J / 1e6 J computed in floats gives 3.5999999999999996; exact fractions give 3.6."""
    assert convert(1, "kWh", "MJ") == 3.6
    assert convert(convert(1, "kWh", "MJ"), "MJ", "kWh") == 1.0


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("kg", "kWh", "kg is a mass; the activity is measured in kWh (energy)"),
        ("piece", "kg", "piece is a count of pieces; the activity is measured in kg (mass)"),
        ("kg", "piece", "kg is a mass; the activity is measured in piece"),
        ("kWp", "kWh", "kWp is a peak power; the activity is measured in kWh (energy)"),
        ("m3", "kg", "m3 is a volume; the activity is measured in kg (mass)"),
    ],
)
def test_dimension_mismatch_names_both_units_and_dimensions(source, target, expected):
    with pytest.raises(UnitError) as caught:
        convert(1, source, target)
    assert expected in str(caught.value)
    assert message_zh_of(caught.value)


def test_piece_to_mass_mismatch_says_what_to_add():
    with pytest.raises(UnitError, match="mass_kg_per_piece"):
        convert(1, "piece", "kg")


def test_mismatch_can_name_another_target():
    with pytest.raises(UnitError, match="the declared unit is measured in kg"):
        convert(1, "kWh", "kg", target="the declared unit")


def test_to_activity_unit_bridges_pieces_and_transport():
    assert to_activity_unit(2, "piece", "kg", mass_kg_per_piece=0.5) == 1.0
    assert to_activity_unit(2, "kg", "piece", mass_kg_per_piece=0.5) == 4.0
    assert to_activity_unit(2, "t", "tkm", distance_km=100) == 200.0
    assert to_activity_unit(500, "kg", "tkm", distance_km=100) == 50.0
    assert to_activity_unit(3, "piece", "tkm", mass_kg_per_piece=1000, distance_km=10) == 30.0
    assert to_activity_unit(0.002, "MWh", "kWh") == 2.0


def test_to_activity_unit_without_the_bridge_data_says_what_is_missing():
    with pytest.raises(UnitError, match="distance_km"):
        to_activity_unit(2, "t", "tkm")
    with pytest.raises(UnitError, match="mass_kg_per_piece"):
        to_activity_unit(2, "piece", "kg")
