"""Portfolio lines tables: the table path equals the object path bit for bit; bad rows are located."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from footprint.batch import batch_footprints
from footprint.bom import MAX_AMOUNT, bom_from_data
from footprint.cli import main
from footprint.errors import FootprintError, InputError
from footprint.portfolio import LineTable, read_portfolio

UNITS = {"kg": ["kg", "g", "t", "lb"], "kWh": ["kWh", "MWh", "MJ"], "tkm": ["tkm"], "m3": ["m3", "L"]}


def random_boms(dataset, count: int, seed: int, grids=(None,)) -> list:
    """Flat BOMs in varied units, with pieces (mass per piece), mass-carried transport
    (distance), lines without a stage (the activity's default) and several grids."""
    rng = np.random.default_rng(seed)
    activities = [a for a in dataset.activities if a.unit in UNITS]
    boms = []
    for b in range(count):
        lines = []
        for i in range(int(rng.integers(1, 12))):
            activity = activities[int(rng.integers(len(activities)))]
            line = {"id": f"L{i}", "activity_id": activity.id, "amount": float(rng.uniform(0, 20)), "unit": str(rng.choice(UNITS[activity.unit]))}
            roll = rng.random()
            if activity.unit == "kg" and roll < 0.2:
                line.update(unit="piece", mass_kg_per_piece=float(rng.uniform(0.01, 3)))
            elif activity.unit == "tkm" and roll < 0.5:
                line.update(unit=str(rng.choice(["kg", "t"])), distance_km=float(rng.uniform(1, 900)))
            elif activity.unit == "tkm" and roll < 0.7:
                line.update(unit="piece", mass_kg_per_piece=float(rng.uniform(0.1, 2)), distance_km=float(rng.uniform(1, 900)))
            if rng.random() < 0.7:
                line["stage"] = activity.default_stage if rng.random() < 0.5 else "purchased_parts"
            if rng.random() < 0.3:
                line["data_type"] = "primary"
            lines.append(line)
        data = {"product": f"variant {b}", "declared_unit": "1 kg", "lines": lines}
        grid = grids[b % len(grids)]
        if grid:
            data["grid"] = grid
        boms.append(bom_from_data(data))
    return boms


def assert_same(a, b) -> None:
    assert a.labels == b.labels and tuple(a.grids) == tuple(b.grids) and a.errors == b.errors == {}
    for name in ("totals", "by_stage", "by_gas", "aircraft", "biogenic_co2_kg", "line_offsets", "line_activity", "line_stage", "line_kgco2e"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert list(a.line_paths) == list(b.line_paths)
    assert a.row(0) == b.row(0)


def test_table_equals_objects_bit_for_bit_on_random_boms(mini_engine):
    boms = random_boms(mini_engine.dataset, 60, seed=1, grids=(None, "GRID-B", "GRID-A"))
    assert_same(batch_footprints(mini_engine, LineTable.from_boms(boms)), batch_footprints(mini_engine, boms))
    # and with one grid for everything, in chunks of 7 BOMs (the Dask task split)
    from footprint import batch

    original = batch.CHUNK_SIZE
    batch.CHUNK_SIZE = 7
    try:
        chunked = batch_footprints(mini_engine, LineTable.from_boms(boms), grid="GRID-B")
    finally:
        batch.CHUNK_SIZE = original
    assert_same(chunked, batch_footprints(mini_engine, boms, grid="GRID-B"))


def test_table_in_chunks_equals_one_evaluation(mini_engine, monkeypatch):
    """Progress (or a scheduler) splits the table's columns into chunks of BOMs, each with its own
    line offsets and a slice of the line id column; the joined result is the same bit for bit."""
    from footprint import batch

    table = LineTable.from_boms(random_boms(mini_engine.dataset, 30, seed=4, grids=(None, "GRID-B")))
    whole = batch_footprints(mini_engine, table)
    monkeypatch.setattr(batch, "CHUNK_SIZE", 7)
    calls = []
    chunked = batch_footprints(mini_engine, table, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(7, 30), (14, 30), (21, 30), (28, 30), (30, 30)]
    assert_same(chunked, whole)
    assert chunked.line_offsets.tolist() == whole.line_offsets.tolist() == table.offsets.tolist()


def test_text_column_is_a_sequence_of_its_values():
    from footprint.portfolio import TextColumn

    column = TextColumn.of([" a", "b", "", None, "a "])
    assert column.categories == ("a", "b") and column.codes.tolist() == [0, 1, -1, -1, 0]
    assert len(column) == 5 and list(column) == ["a", "b", None, None, "a"] and column[1] == "b" and column[-1] == "a"
    assert list(TextColumn.joined([column[:2], column[2:]])) == list(column)
    # blanks are counted when the column is built; the codes cannot change under the count
    assert column.n_blank == 2 and column[:2].n_blank == 0 and TextColumn.joined([column[:3], column[3:]]).n_blank == 2
    assert TextColumn.of(None, 3).n_blank == 3 and column.take(np.array([4, 3, 2, 1, 0])).n_blank == 2
    with pytest.raises(ValueError):
        column.codes[0] = 1
    with pytest.raises(ValueError):
        TextColumn.joined([column, TextColumn.of(["a"])])


def test_table_equals_engine_on_gba(gba_engine):
    boms = random_boms(gba_engine.dataset, 8, seed=2)
    result = batch_footprints(gba_engine, LineTable.from_boms(boms))
    assert_same(result, batch_footprints(gba_engine, boms))
    for i, bom in enumerate(boms[:3]):
        assert result.totals[i] == pytest.approx(gba_engine.calculate(bom).total_kgco2e, rel=1e-12)


def test_lines_of_a_bom_may_be_scattered_and_keep_their_order(mini_engine):
    table = LineTable.from_columns(
        bom_id=["B", "A", "B", "A"], id=["x", "y", "z", "w"], activity_id=["PART", "METAL", "PAPER", "PART"], amount=[1, 2, 3, 4], unit=["kg"] * 4
    )
    result = batch_footprints(mini_engine, table)
    assert result.labels == ("B", "A")
    assert [line["path"] for line in result.lines_of(0)] == ["x", "z"] and [line["path"] for line in result.lines_of(1)] == ["y", "w"]
    assert table.row.tolist() == [1, 3, 2, 4]


@pytest.mark.parametrize(
    "bom_id, ids, repeated_rows",
    [
        (["B1", "B1", "B2", "B2", "B3"], ["a", "b", "a", "b", "a"], set()),  # ids restart in every BOM
        (["B1", "B1", "B2", "B2"], ["a", "b", "b", "a"], set()),  # another order in B2: proven by the slot table
        (["B1", "B1", "B1", "B2", "B2"], ["a", "b", "a", "b", "c"], {1, 3}),  # a repeat that is not a neighbour
        (["B1", "B2", "B2"], ["a", "b", "b"], {2, 3}),  # a repeat right after a BOM boundary
    ],
)
def test_a_line_id_repeated_within_a_bom_is_the_only_problem_found(mini_engine, bom_id, ids, repeated_rows):
    """The clean scan proves ids unique per BOM; when they are not, the checked pass names both rows."""
    table = LineTable.from_columns(bom_id=bom_id, id=ids, activity_id=["PART"] * len(ids), amount=[1.0] * len(ids), unit=["kg"] * len(ids))
    if not repeated_rows:
        boms = [
            bom_from_data({"product": b, "declared_unit": "1 kg", "lines": [{"id": i, "activity_id": "PART", "amount": 1.0, "unit": "kg"} for bb, i in zip(bom_id, ids) if bb == b]})
            for b in dict.fromkeys(bom_id)
        ]
        assert_same(batch_footprints(mini_engine, table), batch_footprints(mini_engine, boms))
        return
    with pytest.raises(InputError) as caught:
        batch_footprints(mini_engine, table)
    assert {(issue.row, issue.field) for issue in caught.value.issues} == {(row, "id") for row in repeated_rows}


def test_a_mass_or_distance_anywhere_sends_the_table_to_the_checked_pass(mini_engine):
    """A mass on a line counted in kg is an error even when everything else is clean: the table
    knows (``numbers_given``) that a mass was given, so the clean scan does not skip the check."""
    def table(mass):
        return LineTable.from_columns(bom_id=["B1", "B1", "B2"], id=["a", "b", "a"], activity_id=["PART"] * 3, amount=[1.0, 2.0, 3.0], unit=["kg"] * 3, mass_kg_per_piece=mass)

    assert table(None).numbers_given == frozenset() and table([None, "", float("nan")]).numbers_given == frozenset()
    assert table([None, 0.5, None]).numbers_given == {"mass_kg_per_piece"}
    assert batch_footprints(mini_engine, table(None)).totals.tolist() == batch_footprints(mini_engine, table([None, None, None])).totals.tolist()
    with pytest.raises(InputError) as caught:
        batch_footprints(mini_engine, table([None, 0.5, None]))
    assert [(issue.row, issue.field) for issue in caught.value.issues] == [(2, "mass_kg_per_piece")]


def bad_table():
    rows = [
        ("B1", "ok", "PART", 1.0, "kg", None, None),
        ("B1", "nan", "PART", float("nan"), "kg", None, None),
        ("B1", "neg", "PART", -1.0, "kg", None, None),
        ("B2", "big", "PART", MAX_AMOUNT * 10, "kg", None, None),
        ("B2", "who", "NOPE", 1.0, "kg", None, None),
        ("B2", "dim", "ELEC-SITE", 1.0, "kg", None, None),
        ("B3", "pc", "PART", 2.0, "piece", None, None),
        ("B3", "tr", "TRUCK", 2.0, "kg", None, None),
        ("B3", "ok2", "TRUCK", 2.0, "kg", None, 100.0),
        ("B3", "wat", "PART", 2.0, "furlongs", None, None),
        ("B3", "ok2", "PART", 2.0, "kg", None, None),
        ("B3", "mpk", "PART", 2.0, "kg", 0.5, None),
    ]
    columns = list(zip(*rows))
    return LineTable.from_columns(
        bom_id=columns[0], id=columns[1], activity_id=columns[2], amount=columns[3], unit=columns[4], mass_kg_per_piece=columns[5], distance_km=columns[6]
    )


def test_every_bad_row_is_located(mini_engine):
    with pytest.raises(InputError) as caught:
        batch_footprints(mini_engine, bad_table())
    found = {(issue.row, issue.field) for issue in caught.value.issues}
    assert found == {
        (2, "amount"),
        (3, "amount"),
        (4, "amount"),
        (5, "activity_id"),
        (6, "unit"),
        (7, "unit"),
        (8, "unit"),
        (10, "unit"),
        (9, "id"),
        (11, "id"),
        (12, "mass_kg_per_piece"),
    }
    by_row = {issue.row: issue for issue in caught.value.issues}
    assert by_row[6].line_id == "dim" and "kWh" in by_row[6].message and "ELEC-SITE" in by_row[6].message
    assert "mass_kg_per_piece" in by_row[7].message and "distance_km" in by_row[8].message
    assert "unknown unit 'furlongs'" in by_row[10].message and by_row[10].value == "furlongs"
    assert by_row[5].value == "NOPE" and "negative" in by_row[3].message


def test_errors_agree_with_the_object_path(mini_engine):
    """The rows the table path refuses are the ones the engine refuses (as BOMs)."""
    for line in ({"unit": "kg", "activity_id": "ELEC-SITE"}, {"unit": "piece", "activity_id": "PART"}, {"unit": "kg", "activity_id": "TRUCK"}):
        bom = bom_from_data({"product": "p", "declared_unit": "1 kg", "lines": [{"id": "L", "amount": 1, **line}]})
        assert batch_footprints(mini_engine, [bom]).errors
        with pytest.raises(InputError) as caught:
            batch_footprints(mini_engine, LineTable.from_boms([bom]))
        assert caught.value.issues[0].message in batch_footprints(mini_engine, [bom]).errors[0]


def test_nested_boms_are_refused(mini_engine):
    with pytest.raises(InputError) as caught:
        LineTable.from_columns(bom_id=["A", "A"], id=["S", "x"], activity_id=[None, "PART"], amount=[1, 1], unit=["piece", "kg"], parent=[None, "S"])
    assert [(i.row, i.field, i.value) for i in caught.value.issues] == [(2, "parent", "S")]
    nested = bom_from_data({"product": "n", "declared_unit": "1 kg", "lines": [{"id": "S", "amount": 1, "unit": "piece", "lines": [{"id": "x", "activity_id": "PART", "amount": 1, "unit": "kg"}]}]})
    with pytest.raises(FootprintError, match="sub-assemblies"):
        LineTable.from_boms([nested])


PORTFOLIO = """bom_id,id,activity_id,amount,unit,stage,mass_kg_per_piece,distance_km,grid
lamp,L1,PART,"1,200",g,,,,GRID-B
lamp,L2,ELEC-SITE,3,kWh,manufacturing_energy,,,GRID-B
desk,L1,PART,2,piece,,0.5,,
desk,T,TRUCK,2,kg,,,120,
"""


def test_read_portfolio_with_grid_column_and_bom_table(tmp_path, mini_engine):
    path = tmp_path / "portfolio.csv"
    path.write_text(PORTFOLIO, encoding="utf-8")
    table = read_portfolio(path)
    assert table.bom.categories == ("lamp", "desk") and table.amount[0] == 1200.0
    result = batch_footprints(mini_engine, table)
    assert result.grids == ("GRID-B", "GRID-A")
    expected = batch_footprints(
        mini_engine,
        [
            bom_from_data({"product": "lamp", "declared_unit": "1 kg", "grid": "GRID-B", "lines": [{"id": "L1", "activity_id": "PART", "amount": 1200, "unit": "g"}, {"id": "L2", "activity_id": "ELEC-SITE", "amount": 3, "unit": "kWh", "stage": "manufacturing_energy"}]}),
            bom_from_data({"product": "desk", "declared_unit": "1 kg", "lines": [{"id": "L1", "activity_id": "PART", "amount": 2, "unit": "piece", "mass_kg_per_piece": 0.5}, {"id": "T", "activity_id": "TRUCK", "amount": 2, "unit": "kg", "distance_km": 120}]}),
        ],
    )
    assert np.array_equal(result.totals, expected.totals) and np.array_equal(result.line_kgco2e, expected.line_kgco2e)
    (tmp_path / "boms.csv").write_text("bom_id,grid,declared_unit\ndesk,GRID-B,1 piece\n", encoding="utf-8")
    table = read_portfolio(path, tmp_path / "boms.csv")
    assert batch_footprints(mini_engine, table).grids == ("GRID-B", "GRID-B") and table.declared_unit == {"desk": "1 piece"}


def test_read_portfolio_locates_bad_cells(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("bom_id,id,activity_id,amount,unit\nA,L1,PART,\"2,5\",kg\nA,L2,PART,,kg\n,L3,PART,1,kg\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_portfolio(path)
    assert [(i.row, i.field) for i in caught.value.issues] == [(1, "amount"), (2, "amount")]
    path.write_text("bom_id,id,activity_id,amount,unit,grid\nA,L1,PART,1,kg,GRID-A\nA,L2,PART,1,kg,GRID-B\n", encoding="utf-8")
    with pytest.raises(InputError, match="one grid per BOM"):
        read_portfolio(path)
    path.write_text("bom_id,id,parent,activity_id,amount,unit\nA,S,,,1,piece\nA,x,S,PART,1,kg\n", encoding="utf-8")
    with pytest.raises(InputError, match="flat"):
        read_portfolio(path)


def test_batch_command_reads_a_portfolio(tmp_path, capsys):
    from footprint.engine import default_engine

    activity = next(a for a in default_engine().dataset.activities if a.unit == "kg")
    path = tmp_path / "portfolio.csv"
    path.write_text(f"bom_id,id,activity_id,amount,unit\nv1,L1,{activity.id},1,kg\nv2,L1,{activity.id},2,kg\nv2,L2,{activity.id},500,g\n", encoding="utf-8")
    code = main(["batch", str(path), "--format", "csv", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["bom_id"] for r in rows] == ["v1", "v2"]
    assert float(rows[1]["total_kgco2e"]) == pytest.approx(2.5 * float(rows[0]["total_kgco2e"]), rel=1e-12)
    code = main(["batch", str(path), "--format", "json", "--quiet"])
    results = json.loads(capsys.readouterr().out)["results"]
    assert [line["path"] for line in results[1]["lines"]] == ["L1", "L2"]
    path.write_text(f"bom_id,id,activity_id,amount,unit\nv1,L1,{activity.id},-1,kg\n", encoding="utf-8")
    assert main(["batch", str(path), "--quiet"]) == 2
    assert "row 1" in capsys.readouterr().err
