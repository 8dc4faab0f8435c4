"""Footprint reports: the bilingual PDF (GB/T 24067 / ISO 14067 report elements) and its charts.

Entry points return bytes; the command line and the web app write or offer them:

* :func:`footprint.reports.inputs.prepare_report` — compute what a report needs for a study or
  a BOM (result, findings, label);
* :func:`report_pdf` — that input as a PDF in one language.
"""

from __future__ import annotations

from typing import Any


def report_pdf(source: Any, language: str = "en") -> bytes:
    """PDF bytes of the report for a :class:`~footprint.reports.inputs.ReportInput`."""
    from .content import build_document
    from .pdf import render_pdf

    return render_pdf(build_document(source, language))


__all__ = ["report_pdf"]
