"""Dataset loading: the bundled dataset is sound, and a broken one is refused naming the row."""

from __future__ import annotations

import re
import shutil

import pytest

from footprint.dataset import content_sha256, load_dataset
from footprint.errors import DatasetError

from .conftest import MINI


def copy_mini(tmp_path):
    target = tmp_path / "ds"
    shutil.copytree(MINI, target)
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_mini_loads_with_version_and_hash(mini_dataset):
    assert mini_dataset.version == "0.0.1"
    assert len(mini_dataset.sha256) == 64
    assert mini_dataset.sha256 == content_sha256(MINI)


def test_hash_ignores_line_endings_but_not_content(tmp_path):
    target = copy_mini(tmp_path)
    before = content_sha256(target)
    path = target / "exchanges.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert content_sha256(target) == before
    edit(path, "GRID-A,biosphere,ghg_co2e_unspecified,0.5,", "GRID-A,biosphere,ghg_co2e_unspecified,0.51,")
    assert content_sha256(target) != before


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("exchanges.csv", "METAL,biosphere,ghg_co2e_unspecified,10,", "METAL,biosphere,ghg_co2e_unspecified,ten,", "exchanges.csv line 8: amount is not a number"),
        ("exchanges.csv", "METAL,biosphere,ghg_co2e_unspecified,10,", "METAL,biosphere,ghg_co2e_unspecified,nan,", "amount must be finite"),
        ("exchanges.csv", "METAL,biosphere,ghg_co2e_unspecified,10,", "METAL,biosphere,ghg_co2e_unspecified,-10,", "amount must be >= 0"),
        ("exchanges.csv", "PART,technosphere,METAL,1.1,kg", "PART,technosphere,METAL,1.1,kWh", "does not match the unit of METAL"),
        ("exchanges.csv", "PART,technosphere,METAL,", "PART,technosphere,NO-SUCH,", "input_id 'NO-SUCH' is not an activity"),
        ("exchanges.csv", "SF6,biosphere,sf6,", "SF6,biosphere,sf7,", "'sf7' is not a flow code"),
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",NOSRC,2024,CN,F,1.2,", "source_id 'NOSRC' is not in sources.csv"),
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",TEST,2204,CN,F,1.2,", "ref_year 2204 outside"),
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",TEST,2024,CN,F,0.9,", "gsd is a geometric standard deviation"),
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",TEST,2024,CN,E,1.2,", "an estimate (tag E) needs gsd >= 1.3"),
        ("exchanges.csv", ',F,1.1,"1,1,1,1,1",', ',F,1.1,"1,1,9,1,1",', "pedigree must be five scores"),
        ("activities.csv", "METAL,Metal ingot,金属锭,kg,", "METAL,Metal ingot,金属锭,kilo,", "unit 'kilo' is not one of"),
        ("activities.csv", "METAL,Metal ingot,金属锭,kg,CN,material,raw_materials,", "METAL,Metal ingot,金属锭,kg,CN,material,end_of_life,", "default_stage 'end_of_life' is after the gate"),
        ("activities.csv", "TRUCK,Truck freight", "AIR,Truck freight", "duplicate activity id 'AIR'"),
        ("dataset.yaml", "default_site_grid: GRID-A", "default_site_grid: METAL", "default_site_grid 'METAL' is not an electricity_grid"),
        # tags are earned: F is never this project's own model or estimate; S is exact; E says so
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",GBA-MODEL,2024,CN,F,1.2,", "tag F means found in a published source, not in GBA-MODEL"),
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",TEST,2024,CN,S,1.2,", "structural link (tag S) is exact by definition: gsd must be 1"),
        ("exchanges.csv", '"3,3,3,3,3",estimate', '"3,3,3,3,3",a guess', "tag E) must say 'estimate'"),
        ("exchanges.csv", ",TEST,2024,CN,F,1.2,", ",TEST,2024,CN,X,1.2,", "tag 'X' is not one of F, D, R, E, S"),
    ],
)
def test_broken_dataset_is_refused_naming_the_row(tmp_path, file, old, new, expected):
    target = copy_mini(tmp_path)
    edit(target / file, old, new)
    with pytest.raises(DatasetError) as caught:
        load_dataset(target)
    assert expected in str(caught.value)


def test_range_check_catches_per_tonne_mixup(tmp_path):
    target = copy_mini(tmp_path)
    # 10 kg CO2e/kg entered as 10,000 (per tonne): outside the material range [0, 100].
    edit(target / "exchanges.csv", "METAL,biosphere,ghg_co2e_unspecified,10,", "METAL,biosphere,ghg_co2e_unspecified,10000,")
    with pytest.raises(DatasetError, match=r"exchanges.csv line 8 \(METAL\).*outside the material range"):
        load_dataset(target)


def test_all_problems_are_listed_at_once(tmp_path):
    target = copy_mini(tmp_path)
    edit(target / "exchanges.csv", "METAL,biosphere,ghg_co2e_unspecified,10,", "METAL,biosphere,ghg_co2e_unspecified,x,")
    edit(target / "exchanges.csv", "SF6,biosphere,sf6,", "SF6,biosphere,sf7,")
    with pytest.raises(DatasetError, match="2 problems"):
        load_dataset(target)


def test_every_gba_number_carries_its_metadata(gba_dataset):
    """Every exchange has source, year, geography, basis, tag and uncertainty (load enforces)."""
    sources = {s.source_id for s in gba_dataset.sources}
    assert len(gba_dataset.activities) >= 100
    for exchange in gba_dataset.exchanges:
        assert exchange.source_id in sources
        assert exchange.ref_year and exchange.geography and exchange.basis and exchange.ghg_basis
        assert exchange.gsd >= 1.0 and len(exchange.pedigree) == 5
        if exchange.tag == "E":
            assert exchange.gsd >= 1.3 and "estimate" in exchange.comment.lower()
        if exchange.tag == "D":
            assert exchange.comment, f"derived value without its arithmetic: line {exchange.line}"


def test_gba_covers_the_required_geographies(gba_dataset):
    grids = {a.id: a for a in gba_dataset.grids()}
    geographies = {a.geography for a in grids.values()}
    assert {"CN", "CN-GD", "HK", "MO"} <= geographies
    assert gba_dataset.default_site_grid in grids


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ('R1,CO2-only grid,电网,0.44,kg CO2/kWh,CN-GD,2023,operational,CO2,TEST,F,1.03,"1,1,1,1,1",', None),
        ('R1,CO2-only grid,电网,0.44,kg CO2/kWh,CN-GD,2023,operational,CO2,NOSRC,F,1.03,"1,1,1,1,1",', "source_id 'NOSRC'"),
        ('R1,CO2-only grid,电网,0.44,kg CO2/kWh,CN-GD,2023,gate,CO2,TEST,F,1.03,"1,1,1,1,1",', "basis 'gate'"),
        ('R1,CO2-only grid,电网,0.44,kg CO2/kWh,CN-GD,2023,operational,CO2,TEST,E,1.1,"1,1,1,1,1",estimate', "tag E) needs gsd"),
        ('R1,CO2-only grid,电网,x,kg CO2/kWh,CN-GD,2023,operational,CO2,TEST,F,1.03,"1,1,1,1,1",', "value is not a number"),
    ],
)
def test_reference_values_carry_the_same_metadata_as_exchanges(tmp_path, row, expected):
    target = copy_mini(tmp_path)
    header = "id,name_en,name_zh,value,unit,geography,ref_year,basis,ghg_basis,source_id,tag,gsd,pedigree,comment\n"
    (target / "reference_values.csv").write_text(header + row + "\n", encoding="utf-8")
    if expected is None:
        assert load_dataset(target).reference_values[0]["id"] == "R1"
        return
    with pytest.raises(DatasetError, match=r"reference_values.csv line 2: .*" + re.escape(expected)):
        load_dataset(target)


def add_gwp_set_column(target, value_for):
    """Give the mini dataset's exchanges a gwp_set column, filled by ``value_for(row)``."""
    path = target / "exchanges.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0].replace(",comment", ",gwp_set,comment")]
    for number, line in enumerate(lines[1:], start=2):
        head, _, tail = line.rpartition(",")
        out.append(f"{head},{value_for(number, line)},{tail}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_gwp_set_is_read_and_checked(tmp_path):
    target = copy_mini(tmp_path)
    add_gwp_set_column(target, lambda n, line: "AR5" if ",biosphere," in line and ",CO2e," in line else "n/a")
    dataset = load_dataset(target)
    assert {e.gwp_set for e in dataset.exchanges if e.input_id == "ghg_co2e_unspecified"} == {"AR5"}
    assert {e.gwp_set for e in dataset.exchanges if e.type == "technosphere"} == {"n/a"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("AR7", "gwp_set 'AR7' is not one of"), ("n/a", "a kg CO2e figure needs the GWP set its source used")],
)
def test_a_co2e_figure_must_name_a_known_gwp_set(tmp_path, value, expected):
    target = copy_mini(tmp_path)
    add_gwp_set_column(target, lambda n, line: value if line.startswith("METAL,") else ("not stated" if ",CO2e," in line and ",biosphere," in line else "n/a"))
    with pytest.raises(DatasetError, match=r"exchanges.csv line 8: " + re.escape(expected)):
        load_dataset(target)


RELATIONS_HEADER = "id,lower,upper,min_ratio,reason,source_id\n"


def test_relations_hold_or_the_dataset_is_refused(tmp_path):
    """PART (13.0149 kg CO2e/kg by hand, tests/test_engine.py) >= 1.3 x METAL (10): holds;
    >= 1.4 x METAL does not, and the refusal names the line, the relation and its reason."""
    target = copy_mini(tmp_path)
    (target / "relations.csv").write_text(RELATIONS_HEADER + "REL-1,METAL,PART,1.3,a part contains its metal,TEST\n", encoding="utf-8")
    assert [r.id for r in load_dataset(target).relations] == ["REL-1"]
    (target / "relations.csv").write_text(RELATIONS_HEADER + "REL-1,METAL,PART,1.4,a part contains its metal,TEST\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"relations.csv line 2 \(REL-1\): PART 13.0149 is not >= 1.4 x METAL 10: a part contains its metal"):
        load_dataset(target)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("REL-1,METAL,GRID-A,1,x,TEST", "METAL (kg) and GRID-A (kWh) are not in the same unit"),
        ("REL-1,METAL,NOPE,1,x,TEST", "upper 'NOPE' is not an activity"),
        ("REL-1,METAL,PART,0,x,TEST", "min_ratio must be > 0"),
        ("REL-1,METAL,PART,1,x,NOSRC", "source_id 'NOSRC' is not in sources.csv"),
    ],
)
def test_malformed_relations_are_refused(tmp_path, row, expected):
    target = copy_mini(tmp_path)
    (target / "relations.csv").write_text(RELATIONS_HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"relations.csv line 2: .*" + re.escape(expected)):
        load_dataset(target)


def test_the_archived_dataset_versions_stay_byte_identical():
    """Studies and certificates issued on gba 1.0.0 name its content hash; `footprint verify`
    finds the archived copy by that hash (datasets/archive/), so the copy must never change."""
    from footprint.dataset import datasets_root

    archived = load_dataset(datasets_root() / "archive" / "gba-1.0.0")
    assert (archived.version, archived.sha256) == ("1.0.0", "959b26f9312167a8a1240fc27671f54a223ea89a0d71f60b11de43dec67a8576")
