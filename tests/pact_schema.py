"""The one offline validator of PACT v3 documents: a JSON schema of the published OpenAPI file
(``../shared/reference/pact-v3/openapi.yaml``, kept outside the repository), ``$ref``s resolved
by ``referencing``. Skips the calling test when the file is absent."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACT_DIR = REPO / ".." / "shared" / "reference" / "pact-v3"
SPEC_URI = "urn:pact:openapi:3"


@lru_cache(maxsize=None)
def _registry():
    import yaml
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = yaml.safe_load((PACT_DIR / "openapi.yaml").read_text(encoding="utf-8"))
    return spec, Registry().with_resource(SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012))


def schema_validator(pointer: str):
    """A validator for ``components/schemas/<pointer>`` of the spec, or for any JSON pointer into
    it that starts with ``/`` (e.g. a response body schema under ``/paths/...``)."""
    if not (PACT_DIR / "openapi.yaml").is_file():
        pytest.skip(f"PACT v3 specification not found at {PACT_DIR.resolve()} (kept outside the repository)")
    from jsonschema import Draft202012Validator, FormatChecker

    _, registry = _registry()
    ref = pointer if pointer.startswith("/") else f"/components/schemas/{pointer}"
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{ref}"}, registry=registry, format_checker=FormatChecker())


def schema_errors(pointer: str, document) -> list[str]:
    errors = sorted(schema_validator(pointer).iter_errors(document), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
