"""Web form benchmark: time from pressing "Calculate footprint" to the result, 50-line BOM.

Run: ``python benchmarks/bench_app.py [--lines 50] [--repeat 10]``

Target: under 1 s on a 2-core machine. Figures printed (medians of ``--repeat`` runs, after one
warm-up run so the engine, samplers and rule sets are loaded as in a running server; nothing
asserted):

- calculate(): :func:`webapp.compute.calculate` on a complete study form with a 50-line BOM:
  validation, engine recomputation under the rule set, Monte Carlo (1,000 runs; the background
  blocks kept from the warm-up run), declared results, the label rules and the label (its images
  and the "what would change" scenarios are made when first read); with the time of each part,
  the label SVG and the scenarios included;
- click → result (AppTest): the same press of the button through Streamlit's AppTest, i.e. the
  whole script rerun that draws the result screen (metrics, charts, tables).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GBA_FOOTPRINT_CACHE", tempfile.mkdtemp(prefix="gba-bench-"))

MATERIALS = [
    ("AL-EXTR-GBA", "kg", "raw_materials"), ("AL-SEC-CN", "kg", "raw_materials"), ("STEEL-CRC-CN", "kg", "raw_materials"),
    ("SS-304-CN", "kg", "raw_materials"), ("CU-CATH-CN", "kg", "raw_materials"), ("PP-GBA", "kg", "raw_materials"),
    ("ABS-CN", "kg", "raw_materials"), ("PC-CN", "kg", "raw_materials"), ("PA66-CN", "kg", "raw_materials"),
    ("GLASS-FLAT-CN", "kg", "raw_materials"), ("PP-PART-GBA", "kg", "purchased_parts"), ("STEEL-STAMPED-PART-GBA", "kg", "purchased_parts"),
    ("AL-DIECAST-SEC-GBA", "kg", "purchased_parts"), ("CU-WIRE-GBA", "kg", "purchased_parts"), ("PCBA-AVG", "kg", "purchased_parts"),
    ("IC-PACKAGE", "piece", "purchased_parts"), ("PROC-INJ-MOULDING", "kg", "manufacturing_energy"), ("PROC-STAMPING", "kg", "manufacturing_energy"),
    ("PROC-CNC-MACHINING", "kg", "manufacturing_energy"), ("PAPER-CORR-CN", "kg", "packaging"), ("LDPE-GBA", "kg", "packaging"),
    ("PAPER-PRINT-CN", "kg", "packaging"), ("WASTE-SCRAP-RECYCLING", "kg", "production_waste"), ("WASTE-LANDFILL-MIXED-IND", "kg", "production_waste"),
    ("WASTE-INCIN-PLASTIC-MIX", "kg", "production_waste"),
]
ENERGY = [("FUEL-NG-COMB-CN", "m3"), ("FUEL-DIESEL-COMB-CN", "kg"), ("FUEL-LPG-COMB-CN", "kg"), ("HEAT-STEAM-CN", "MJ")]
EMISSIONS = [("DE-HFC-134A", "kg"), ("DE-CO2-FOSSIL", "kg"), ("DE-R410A", "kg")]
FREIGHT = ["FRT-TRK-HEAVY-DIESEL-CN", "FRT-TRK-MED-DIESEL-CN", "FRT-TRK-HK-SZ", "FRT-SEA-CONT-CN", "FRT-RAIL-CN", "FRT-BARGE-CONT-CN"]


def bench_form(lines: int, catalog):
    """A complete study form with ``lines`` BOM lines (site electricity counts as one)."""
    from webapp.state import StudyForm

    rows = {"materials": [], "energy": [], "emissions": [], "transport": []}
    index = 0
    while sum(len(r) for r in rows.values()) < lines - 1:
        index += 1
        kind = index % 10
        if kind < 6:
            activity, unit, stage = MATERIALS[index % len(MATERIALS)]
            amount = "1" if unit == "piece" else f"{0.01 * (1 + index % 7):g}"
            rows["materials"].append({"id": f"M{index}", "activity_id": activity, "amount": amount, "unit": unit, "stage": stage})
        elif kind < 8:
            rows["transport"].append({"id": f"T{index}", "activity_id": FREIGHT[index % len(FREIGHT)], "amount": "0.05", "unit": "kg", "distance_km": f"{50 + 10 * index}"})
        elif kind == 8:
            activity, unit = ENERGY[index % len(ENERGY)]
            rows["energy"].append({"id": f"F{index}", "activity_id": activity, "amount": "0.01", "unit": unit})
        else:
            activity, unit = EMISSIONS[index % len(EMISSIONS)]
            rows["emissions"].append({"id": f"P{index}", "activity_id": activity, "amount": "0.00001", "unit": unit})
    year = date.today().year - 1
    return StudyForm(
        product_name="Benchmark product",
        product_model="B-50",
        applicant="Benchmark Co.",
        site_name="Plant",
        site_address="Shenzhen",
        mass_kg_per_piece=0.5,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        production_volume=100000.0,
        grid=catalog.default_grid,
        electricity_amount=0.4,
        rows=rows,
    )


def median_time(function, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    from webapp import integrations
    from webapp.catalog import Catalog
    from webapp.compute import calculate
    from webapp.config import engine_for
    from webapp.state import build_bom, build_study

    started = time.perf_counter()
    engine = engine_for(None)
    catalog = Catalog(engine)
    print(f"engine + catalogue ready in {time.perf_counter() - started:.2f} s (once per server process)")
    form = bench_form(args.lines, catalog)
    bom, _, issues = build_bom(form, engine.dataset)
    assert bom is not None, issues
    leaves = sum(1 for _ in bom.flat_lines())
    print(f"BOM: {leaves} lines ({', '.join(f'{k} {len(v)}' for k, v in form.rows.items())}, electricity 1)")

    warm = calculate(form, engine)  # samplers, rule sets, fonts: loaded once per process
    assert warm.ok and warm.evaluation is not None, warm.issues or warm.study_issues
    total, outcome = median_time(lambda: calculate(form, engine), args.repeat)
    print(f"calculate(): median {total * 1000:.0f} ms over {args.repeat} runs  -> total {outcome.result.total_kgco2e:.6g} kg CO2e, rules {outcome.evaluation.status}")

    rules = integrations.rule_set(form.rule_set)
    parts = {
        "validate BOM + study": lambda: build_study(form, build_bom(form, engine.dataset)[0], rules.pcr_id),
        "recompute + rules + label": lambda: integrations.label_images(integrations.judge(build_study(form, bom, rules.pcr_id)[0], engine, rules).label).svg,
        "Monte Carlo 1,000 runs": lambda: integrations.uncertainty(engine, bom, outcome.result, form.grid),
        "what would change": lambda: integrations.alternatives(engine, bom, outcome.result, form.grid),
    }
    for name, function in parts.items():
        seconds, _ = median_time(function, args.repeat)
        print(f"  {name:<28} {seconds * 1000:7.0f} ms")

    from streamlit.testing.v1 import AppTest

    from webapp import session

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    session.push_form(at.session_state, form)
    at.run()
    at.button(key="btn.calculate").click().run()  # warm-up
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        at.button(key="btn.calculate").click().run()
        times.append(time.perf_counter() - started)
        assert not at.exception, at.exception
    shown = at.metric[0].value
    print(f"click -> result (AppTest, whole rerun drawing the result screen): median {statistics.median(times) * 1000:.0f} ms; shown total {shown}")
    print("target: < 1000 ms")


if __name__ == "__main__":
    main()
