"""The activity catalogue seen by the web form: which activities each BOM section offers,
how they are named in each language, and search by Chinese or English name.

Why a module: the activity picker, the grid drop-downs and the upload mapping all need the same
answer to "which section does this activity belong to" and "what is it called in Chinese", and
these are pure functions of the dataset (no Streamlit), so they are tested directly.
The footprint per unit shown next to a name comes from
:func:`footprint.commands.datasets.activity_rows` (the engine's unit scores), never from here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from footprint.commands.datasets import activity_rows
from footprint.i18n import to_hong_kong

from .texts import Texts

# BOM sections of the form, in screen order. Electricity of the site is its own input.
SECTIONS = ("materials", "energy", "emissions", "transport")
SITE_ELECTRICITY = "ELEC-SITE"

# Which activity categories each grid offers (a loaded BOM line goes to the section of its
# activity's category; anything else is a material / part line).
SECTION_CATEGORIES: dict[str, frozenset[str]] = {
    "energy": frozenset({"fuel_combustion", "fuel_supply", "heat", "electricity_generation", "electricity_grid", "electricity_site"}),
    "emissions": frozenset({"direct_emission"}),
    "transport": frozenset({"freight"}),
}
# Stage written for lines of the sections that have no stage column.
SECTION_STAGE = {
    "energy": "manufacturing_energy",
    "emissions": "process_emissions",
    "transport": "inbound_transport",
}

# Order in which the grids of the GBA appear in the grid choice (others follow, by id).
GRID_ORDER = ("SZ", "GD", "HK-CLP", "HK-HKE", "MO", "CSG", "CN-2024", "CN-2023")


@dataclass(frozen=True)
class ActivityOption:
    id: str
    name_en: str
    name_zh: str
    unit: str
    category: str
    default_stage: str
    geography: str
    kgco2e_per_unit: float
    source: str


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=1)
def _traditional_to_simplified():
    try:
        import opencc  # type: ignore[import-not-found]

        return opencc.OpenCC("t2s").convert
    except (ImportError, OSError, ValueError):  # pragma: no cover - OpenCC is a declared dependency
        return lambda text: text


class Catalog:
    """Activities of one engine's dataset, grouped by form section; read-only after creation."""

    def __init__(self, engine) -> None:
        self.dataset = engine.dataset
        rows = activity_rows(engine)
        self.options: dict[str, ActivityOption] = {
            r["id"]: ActivityOption(
                id=r["id"],
                name_en=r["name"],
                name_zh=r["name_zh"],
                unit=r["unit"],
                category=r["category"],
                default_stage=r["default_stage"],
                geography=r["geography"],
                kgco2e_per_unit=r["kgco2e_per_unit"],
                source=r["source"],
            )
            for r in rows
        }
        self._haystack = {
            code: _fold(f"{code} {o.name_en} {o.name_zh} {to_hong_kong(o.name_zh)}") for code, o in self.options.items()
        }
        self.grid_ids = self._ordered_grids()
        self.default_grid = self.dataset.default_site_grid

    # ------------------------------------------------------------------ sections

    def section_of(self, activity_id: str | None) -> str:
        """The form section a line with this activity belongs to (unknown ids: materials)."""
        option = self.options.get(activity_id or "")
        if option is None:
            return "materials"
        for section, categories in SECTION_CATEGORIES.items():
            if option.category in categories:
                return section
        return "materials"

    def ids_for(self, section: str | None = None) -> list[str]:
        """Activity ids offered in one section's drop-down (all sections: every activity)."""
        ids = [code for code in self.options if section is None or self.section_of(code) == section]
        if section == "energy":  # the site electricity has its own input above the grid
            ids = [code for code in ids if code != SITE_ELECTRICITY] + ([SITE_ELECTRICITY] if SITE_ELECTRICITY in self.options else [])
        return ids

    def _ordered_grids(self) -> list[str]:
        grids = [a.id for a in self.dataset.grids()]

        def rank(code: str) -> tuple[int, str]:
            for position, marker in enumerate(GRID_ORDER):
                if f"-{marker}-" in f"-{code}-":
                    return position, code
            return len(GRID_ORDER), code

        return sorted(grids, key=rank)

    def generation_ids(self) -> list[str]:
        """Renewable / low-carbon generation activities a green certificate may point at."""
        return [code for code, o in self.options.items() if o.category == "electricity_generation" and "-GEN-" in code]

    # ------------------------------------------------------------------ names

    def name(self, activity_id: str, language: str) -> str:
        """The activity's name in the interface language (Traditional via OpenCC)."""
        option = self.options.get(activity_id)
        if option is None:
            return activity_id
        if language == "en":
            return option.name_en
        if language == "zh-Hant":
            return to_hong_kong(option.name_zh) if option.name_zh else option.name_en
        return option.name_zh or option.name_en

    def other_name(self, activity_id: str, language: str) -> str:
        """The name in the other language (English for Chinese screens, Chinese for English)."""
        option = self.options.get(activity_id)
        if option is None:
            return ""
        return self.name(activity_id, "zh-Hans") if language == "en" else option.name_en

    def line_names(self, line, language: str) -> tuple[str, str]:
        """(name in the interface language, name in the other) of a result line's activity: the
        catalogue's, else the line's own (a supplier's product, named from its PACT footprint; a
        Circular Footprint Formula row, named by the engine after the line it corrects)."""
        if line.activity_id in self.options and not getattr(line, "cff", None):
            return self.name(line.activity_id, language), self.other_name(line.activity_id, language)
        chinese = line.activity_name_zh or line.activity_name
        if language == "en":
            return line.activity_name, chinese
        return (to_hong_kong(chinese) if language == "zh-Hant" else chinese), line.activity_name

    def label(self, activity_id: str, language: str) -> str:
        """Short label for grid cells: the name in the interface language and the id."""
        if not activity_id:
            return ""
        if activity_id not in self.options:
            return f"? {activity_id}"
        return f"{self.name(activity_id, language)} [{activity_id}]"

    def picker_label(self, activity_id: str, language: str) -> str:
        """Long label for the picker: both names, unit (named in the interface language: 件 for a
        piece) and footprint per unit."""
        option = self.options[activity_id]
        return (
            f"{self.name(activity_id, language)} · {self.other_name(activity_id, language)} "
            f"({option.kgco2e_per_unit:.4g} kg CO2e/{Texts(language).unit(option.unit)}) [{activity_id}]"
        )

    # ------------------------------------------------------------------ search

    def search(self, query: str, section: str | None = None, limit: int | None = None) -> list[str]:
        """Ids whose id, English or Chinese name contain every word of ``query``.

        Chinese may be typed in Simplified or Traditional characters; case and width are folded.
        Words are separated by spaces; a Chinese query without spaces is matched as one piece.
        """
        words = [_fold(word) for word in _traditional_to_simplified()(query or "").split()]
        ids = self.ids_for(section)
        if words:
            ids = [code for code in ids if all(word in self._haystack[code] for word in words)]
        return ids[:limit] if limit else ids
