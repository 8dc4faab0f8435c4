"""Fixtures of the report and exchange tests: the compliant lamp study on the hand-checkable
dataset (tests/study_fixtures.py), prepared once per session, and tool checks that skip with a
reason when a system package is missing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from ..study_fixtures import EVALUATION_DATE, build_study, market_study_data, study_dataset, study_engine  # noqa: F401


def require_font() -> None:
    from footprint.reports.fonts import FontMissingError, find_font

    try:
        find_font()
    except FontMissingError as error:
        pytest.skip(str(error))


def extract_text(pdf: bytes) -> str:
    """pdftotext when installed, else pypdf; whitespace removed (CJK extraction spaces glyphs)."""
    try:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode("utf-8")
    except (FileNotFoundError, subprocess.CalledProcessError):
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install poppler-utils)")
    return path


@pytest.fixture(scope="session")
def market_study(study_engine):
    """The lamp study with a market-based claim: headline 5.91949, location-based 6.81949."""
    return build_study(study_engine, market_study_data())


@pytest.fixture(scope="session")
def study_report(study_engine, market_study):
    from footprint.reports.inputs import prepare_report

    uncertainty = {"iterations": 1000, "seed": 7, "mean": 6.02, "median": 5.93, "p2_5": 5.1, "p97_5": 7.2, "std": 0.5}
    return prepare_report(market_study, study_engine, evaluation_date=EVALUATION_DATE, uncertainty=uncertainty)


@pytest.fixture(scope="session")
def study_pdfs(study_report):
    """The study report in both languages (rendered once: each takes about a second)."""
    require_font()
    from footprint.reports import report_pdf

    return {language: report_pdf(study_report, language) for language in ("en", "zh")}
