"""The spec's footprint filter criteria, shared by ``ListFootprints`` and ``RequestCreatedEvent``.

Each footprint must match, for EACH criterion given, at least ONE of its values (OR within a
criterion, AND across criteria). Matches are case-insensitive. ``geography`` matches the region,
the country or the subdivision; a country also matches its subdivisions (``CN`` finds ``CN-GD``).
Validity: the footprint's validity period, or (spec default) three years from the reference
period's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .errors import BadRequest, NotImplementedByHost

LIST_CRITERIA = ("productId", "companyId", "geography", "classification")
TIME_CRITERIA = ("validOn", "validAfter", "validBefore")
STATUSES = ("Active", "Deprecated")
CANONICAL = {name.lower(): name for name in (*LIST_CRITERIA, *TIME_CRITERIA, "status")}


def parse_time(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise BadRequest(f"{name} must be an RFC 3339 date-time, e.g. 2025-04-01T00:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Criteria:
    values: Mapping[str, tuple[str, ...]]  # list criterion → accepted values, lower case
    times: Mapping[str, datetime]
    status: str | None = None

    @classmethod
    def parse(cls, pairs: Iterable[tuple[str, Any]]) -> "Criteria":
        """From query pairs or event data items; unknown names are refused, ``x-`` ones too (501)."""
        values: dict[str, list[str]] = {}
        times: dict[str, datetime] = {}
        status = None
        for raw_name, raw in pairs:
            name = CANONICAL.get(raw_name.lower())
            if name is None:
                if raw_name.lower().startswith("x-"):
                    raise NotImplementedByHost(f"this host offers no extra filter {raw_name!r}")
                raise BadRequest(f"unknown filter {raw_name!r} (known: {', '.join(CANONICAL.values())})")
            items = raw if isinstance(raw, list) else [raw]
            if not all(isinstance(i, str) for i in items):
                raise BadRequest(f"{name} must be a string or a list of strings")
            if name in LIST_CRITERIA:
                values.setdefault(name, []).extend(i.strip().lower() for i in items if i.strip())
            elif name in TIME_CRITERIA:
                if len(items) != 1:
                    raise BadRequest(f"{name} takes one date-time")
                times[name] = parse_time(items[0], name)
            else:
                if len(items) != 1 or items[0].lower() not in {s.lower() for s in STATUSES}:
                    raise BadRequest("status must be Active or Deprecated")
                status = next(s for s in STATUSES if s.lower() == items[0].lower())
        return cls({k: tuple(v) for k, v in values.items()}, times, status)

    def matches(self, footprint: Mapping[str, Any]) -> bool:
        pcf = footprint.get("pcf", {})
        fields = {
            "productId": footprint.get("productIds", []),
            "companyId": footprint.get("companyIds", []),
            "classification": footprint.get("productClassifications", []),
        }
        for name, wanted in self.values.items():
            if name == "geography":
                if not any(_in_geography(pcf, value) for value in wanted):
                    return False
            elif not {str(v).lower() for v in fields[name]} & set(wanted):
                return False
        if self.status and footprint.get("status") != self.status:
            return False
        if self.times:
            start, end = validity_period(footprint)
            if "validOn" in self.times and not start <= self.times["validOn"] <= end:
                return False
            if "validAfter" in self.times and not start > self.times["validAfter"]:
                return False
            if "validBefore" in self.times and not end < self.times["validBefore"]:
                return False
        return True


def _in_geography(pcf: Mapping[str, Any], value: str) -> bool:
    region = str(pcf.get("geographyRegionOrSubregion", "")).lower()
    country = str(pcf.get("geographyCountry", "")).lower()
    subdivision = str(pcf.get("geographyCountrySubdivision", "")).lower()
    return value in {region, country, subdivision} - {""} or (bool(subdivision) and subdivision.startswith(value + "-"))


def validity_period(footprint: Mapping[str, Any]) -> tuple[datetime, datetime]:
    if "validityPeriodStart" in footprint and "validityPeriodEnd" in footprint:
        return parse_time(footprint["validityPeriodStart"], "validityPeriodStart"), parse_time(footprint["validityPeriodEnd"], "validityPeriodEnd")
    end = parse_time(footprint["pcf"]["referencePeriodEnd"], "referencePeriodEnd")
    try:
        later = end.replace(year=end.year + 3)
    except ValueError:  # 29 February
        later = end.replace(year=end.year + 3, day=28)
    return end, later
