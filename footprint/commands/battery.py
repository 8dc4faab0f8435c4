"""``footprint battery-declaration STUDY.json [-o FILE]``: the EU battery carbon footprint
declaration (Regulation (EU) 2023/1542 Art. 7, Annex II) of a battery study, as JSON.

kg CO2e per kWh of total energy over the service life, in the regulation's four stages (mapping:
``footprint/battery_stages.yaml``), with the study, dataset, rule-set and mapping hashes.
Exit 0 written, 2 invalid input (no service-life energy, unreadable study...).
"""

from __future__ import annotations

import argparse

from ._subject import engine_from, write_output


def register(subcommands) -> None:
    parser = subcommands.add_parser("battery-declaration", help="EU battery carbon footprint declaration (kg CO2e per kWh over the service life) of a battery study, as JSON")
    parser.add_argument("study_file", help="battery study JSON file (product.properties: rated_energy_kwh, service_life_energy_kwh)")
    parser.add_argument("-o", "--output", default="-", help="file to write (default '-': standard output)")
    parser.add_argument("--rules", default="gba-li-ion-battery-pack", help="rule set id or YAML path whose configuration the recomputation follows (default: gba-li-ion-battery-pack)")
    parser.add_argument("--dataset", help="background dataset folder (default: the bundled GBA dataset)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..battery_declaration import battery_declaration, declaration_json
    from ..rules import load_rule_set
    from ..study import load_study

    study = load_study(args.study_file)
    declaration = battery_declaration(study, engine_from(args), load_rule_set(args.rules))
    write_output(declaration_json(declaration), args.output)
    return 0
