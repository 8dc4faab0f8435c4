"""The JSON schema of the GBA data model extension carried in PACT exports.

Why a Python module and not a .json file: it ships with the code whatever the packaging (no
package-data entry to forget), and tests validate every export's extension against it. Publish
``json.dumps(SCHEMA)`` at a stable URL to let recipients fetch it; until then the extension's
``dataSchema`` is the URN below.
"""

from __future__ import annotations

from typing import Any

URN = "urn:gba-footprint:pact-extension:gba-label:1.0.0"

_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_DECIMAL = {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": URN,
    "title": "GBA carbon footprint label facts (PACT data model extension)",
    "description": (
        "What a PACT ProductFootprint cannot say in its standard fields about a footprint computed "
        "for the Greater Bay Area carbon footprint label: background dataset and method with their "
        "hashes, the site grid, the study hash, the rule set and the label certificate. Values are "
        "per declared unit; decimals are strings as in PACT."
    ),
    "type": "object",
    "required": ["dataset", "method", "grid", "totalKgCO2e"],
    "additionalProperties": True,
    "properties": {
        "dataset": {
            "type": "object",
            "required": ["id", "version", "sha256"],
            "properties": {"id": {"type": "string", "minLength": 1}, "version": {"type": "string", "minLength": 1}, "sha256": _HEX64},
        },
        "method": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string", "minLength": 1}, "sha256": {"type": "string"}},
        },
        "grid": {"type": "string", "minLength": 1},
        "totalKgCO2e": _DECIMAL,
        "biogenicCO2Kg": _DECIMAL,
        "electricity": {
            "type": "object",
            "required": ["basis", "locationBasedKgCO2e"],
            "properties": {
                "basis": {"enum": ["location", "market"]},
                "locationBasedKgCO2e": _DECIMAL,
                "marketBasedKgCO2e": _DECIMAL,
            },
        },
        "study": {"type": "object", "required": ["id", "sha256"], "properties": {"id": {"type": "string"}, "sha256": _HEX64}},
        "ruleSet": {
            "type": "object",
            "required": ["id", "version"],
            "properties": {"id": {"type": "string"}, "version": {"type": "string"}, "sha256": _HEX64},
        },
        "evaluation": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"enum": ["eligible", "not_eligible", "pending_evidence"]}, "date": _DATE},
        },
        "certificate": {
            "type": "object",
            "required": ["number", "labelValue", "labelUnit"],
            "properties": {
                "number": {"type": "string", "minLength": 1},
                "labelValue": {"type": "string"},
                "labelUnit": {"type": "string"},
                "body": {"type": "string"},
                "issueDate": _DATE,
                "expiryDate": _DATE,
            },
        },
        "supplierFootprints": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["activityId", "kgCO2ePerUnit", "unit"],
                "properties": {
                    "activityId": {"type": "string"},
                    "pactId": {"type": "string"},
                    "supplier": {"type": "string"},
                    "kgCO2ePerUnit": _DECIMAL,
                    "unit": {"type": "string"},
                },
            },
        },
    },
}
