"""Draw a report :class:`~footprint.reports.document.Document` as PDF bytes with fpdf2.

Why fpdf2 with an embedded Noto Sans CJK: the report is read in Chinese or English, printed,
archived and text-searched by certification bodies. fpdf2 subsets and embeds the CJK font, so the
PDF renders the same everywhere and its text stays extractable (pdftotext, pypdf); reportlab's
built-in CID fonts are not embedded and show boxes on machines without Chinese fonts.

Deterministic bytes: the PDF's creation date is the study's report date (or none at all for a
BOM-only calculation), never "now", and charts carry no timestamps, so the same study gives the
same file, and a verifier can compare hashes.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import datetime, time, timezone
from typing import Any

from .document import Document, Heading, Highlight, Image, KeyValues, LabelBlock, PageBreak, Paragraph, Table, Title
from .fonts import find_font

FAMILY = "noto"
INK = (31, 41, 51)
MUTED = (110, 120, 130)
ACCENT = (27, 110, 90)
ACCENT_LIGHT = (231, 244, 238)
WARNING_FILL = (255, 244, 214)
RULE = (205, 212, 218)
ZEBRA = (245, 247, 248)
MARGIN = 16.0
BODY_SIZE = 9.5


def _fpdf_class() -> type:
    from fpdf import FPDF

    class _ReportPDF(FPDF):
        """FPDF with our footer (page numbers) on every page."""

        footer_template = ""

        def footer(self) -> None:  # called by fpdf2 at each page end
            self.set_y(-11)
            self.set_font(FAMILY, "", 7)
            self.set_text_color(*MUTED)
            # replace, not format: the product name in the footer may itself hold braces
            text = self.footer_template.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
            self.cell(0, 5, text, align="C")

    return _ReportPDF


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes (A4, fonts embedded, text extractable)."""
    from fpdf.enums import WrapMode

    font = find_font(document.language)
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # subsetting chatter, not problems
    pdf = _fpdf_class()(format="A4", unit="mm")
    pdf.footer_template = document.footer
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font(FAMILY, "", str(font.regular), collection_font_number=font.collection_index)
    pdf.add_font(FAMILY, "B", str(font.bold), collection_font_number=font.collection_index)
    pdf.set_lang("zh-CN" if document.language.startswith("zh") else "en")
    pdf.set_title(document.title)
    pdf.set_subject(document.subject)
    pdf.set_author(document.author)
    pdf.set_keywords(document.keywords)
    pdf.set_creator("gba-footprint")
    pdf.set_producer("gba-footprint (fpdf2)")
    pdf.set_creation_date(_creation_date(document.created))
    wrap = WrapMode.CHAR if document.language.startswith("zh") else WrapMode.WORD
    pdf.add_page()
    renderer = _Renderer(pdf, wrap)
    for block in document.blocks:
        renderer.draw(block)
    return bytes(pdf.output())


def _creation_date(created: str) -> datetime:
    """The report date at midnight UTC; without one, ``SOURCE_DATE_EPOCH`` or the Unix epoch.

    Why not now(): two runs on the same inputs must give the same bytes. The epoch fallback
    follows the reproducible-builds convention for "no meaningful date" (a BOM-only calculation
    has none).
    """
    if created:
        return datetime.combine(datetime.fromisoformat(created).date(), time(0, 0), tzinfo=timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    seconds = int(epoch) if epoch.isdigit() else 0
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


class _Renderer:
    def __init__(self, pdf: Any, wrap: Any) -> None:
        self.pdf = pdf
        self.wrap = wrap
        self.width = pdf.w - 2 * MARGIN

    def draw(self, block: Any) -> None:
        method = getattr(self, f"_{type(block).__name__.lower()}")
        method(block)

    # ------------------------------------------------------------ helpers

    def _font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def _room(self, needed_mm: float) -> None:
        """Start a new page when less than ``needed_mm`` is left (no orphan headings)."""
        if self.pdf.get_y() + needed_mm > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def _text(self, text: str, size: float = BODY_SIZE, bold: bool = False, colour: tuple[int, int, int] = INK, height: float | None = None, align: str = "L", fill: bool = False) -> None:
        self._font(size, bold, colour)
        self.pdf.multi_cell(0, height or size * 0.5, text, align=align, wrapmode=self.wrap, fill=fill, new_x="LMARGIN", new_y="NEXT")

    # ------------------------------------------------------------ blocks

    def _title(self, block: Title) -> None:
        pdf = self.pdf
        pdf.set_fill_color(*ACCENT)
        pdf.rect(0, 0, pdf.w, 4, style="F")
        pdf.set_y(MARGIN)
        self._text(block.text, 19, bold=True, colour=ACCENT, height=9)
        if block.subtitle:
            self._text(block.subtitle, 13, bold=True, height=7)
        pdf.ln(2)
        if block.meta:
            self._keyvalues(KeyValues(block.meta), size=8.5)

    def _heading(self, block: Heading) -> None:
        pdf = self.pdf
        if block.level == 1:
            self._room(28)
            pdf.ln(4)
            self._text(block.text, 12.5, bold=True, colour=ACCENT, height=7)
            pdf.set_draw_color(*ACCENT)
            pdf.set_line_width(0.4)
            pdf.line(MARGIN, pdf.get_y() + 0.5, MARGIN + self.width, pdf.get_y() + 0.5)
            pdf.ln(2.5)
        else:
            self._room(20)
            pdf.ln(2)
            self._text(block.text, 10, bold=True, height=6)
            pdf.ln(0.5)

    def _paragraph(self, block: Paragraph) -> None:
        pdf = self.pdf
        if block.style == "warning":
            pdf.set_fill_color(*WARNING_FILL)
            self._text(block.text, 8.5, height=4.6, fill=True)
        elif block.style == "note":
            self._text(block.text, 8, colour=MUTED, height=4.3)
        else:
            self._text(block.text, BODY_SIZE, height=5)
        pdf.ln(1.5)

    def _keyvalues(self, block: KeyValues, size: float = 8.5) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        self._font(size)
        pdf.set_fill_color(255, 255, 255)  # rows between the zebra ones take the current fill
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        with pdf.table(
            col_widths=(1, 2.6),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=size * 0.52,
            text_align=("LEFT", "LEFT"),
            wrapmode=self.wrap,
            padding=(1.1, 1.5),
            width=self.width,
            cell_fill_color=ZEBRA,
            cell_fill_mode="ROWS",
        ) as table:
            for key, value in block.rows:
                row = table.row()
                row.cell(key, style=FontFace(emphasis="BOLD", color=MUTED))
                row.cell(value)
        pdf.ln(2)

    def _table(self, block: Table) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        self._room(18)
        self._font(block.font_size)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        align_names = {"L": "LEFT", "R": "RIGHT", "C": "CENTER"}
        align = tuple(align_names[a] for a in (block.align or ("L",) * len(block.headers)))
        with pdf.table(
            col_widths=block.widths,
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT),
            borders_layout="HORIZONTAL_LINES",
            line_height=block.font_size * 0.5,
            text_align=align,
            wrapmode=self.wrap,
            padding=(1.0, 1.2),
            width=self.width,
            repeat_headings=1,
            cell_fill_color=ZEBRA,
            cell_fill_mode="ROWS",
        ) as table:
            heading = table.row()
            for text in block.headers:
                heading.cell(text)
            for values in block.rows:
                row = table.row()
                for value in values:
                    row.cell(value)
            if block.footer:
                row = table.row()
                for value in block.footer:
                    row.cell(value, style=FontFace(emphasis="BOLD", fill_color=ACCENT_LIGHT))
        pdf.ln(2.5)

    def _image(self, block: Image) -> None:
        from PIL import Image as PILImage

        pdf = self.pdf
        with PILImage.open(io.BytesIO(block.png)) as picture:
            ratio = picture.height / picture.width
        height = block.width_mm * ratio
        self._room(height + 8)
        x = MARGIN + (self.width - block.width_mm) / 2
        pdf.image(io.BytesIO(block.png), x=x, y=pdf.get_y(), w=block.width_mm, h=height)
        pdf.set_y(pdf.get_y() + height + 1)
        if block.caption:
            self._text(block.caption, 7.5, colour=MUTED, height=4, align="C")
        pdf.ln(2)

    def _highlight(self, block: Highlight) -> None:
        pdf = self.pdf
        height = 23 + 3.7 * (block.note.count("\n") + 1)
        self._room(height + 4)
        top = pdf.get_y() + 1
        pdf.set_fill_color(*ACCENT_LIGHT)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.5)
        pdf.rect(MARGIN, top, self.width, height, style="DF")
        pdf.set_xy(MARGIN + 5, top + 3)
        self._font(9, bold=True, colour=ACCENT)
        pdf.cell(0, 5, block.label)
        pdf.set_xy(MARGIN + 5, top + 9)
        self._font(24, bold=True)
        value_width = pdf.get_string_width(block.value) + 3
        pdf.cell(value_width, 11, block.value)
        self._font(11)
        pdf.cell(0, 12, block.unit)
        pdf.set_xy(MARGIN + 5, top + 21)
        self._font(7.5, colour=MUTED)
        pdf.multi_cell(self.width - 10, 3.6, block.note, wrapmode=self.wrap)
        pdf.set_y(top + height + 3)

    def _labelblock(self, block: LabelBlock) -> None:
        pdf = self.pdf
        height = 42
        self._room(height + 4)
        top = pdf.get_y() + 1
        width = 118
        left = MARGIN
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.6)
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(left, top, width, height, style="DF", round_corners=True, corner_radius=3)
        pdf.set_fill_color(*ACCENT)
        pdf.rect(left, top, width, 8, style="F", round_corners=("TOP_LEFT", "TOP_RIGHT"), corner_radius=3)
        pdf.set_xy(left + 4, top + 1.5)
        self._font(9, bold=True, colour=(255, 255, 255))
        pdf.cell(width - 8, 5, block.title)
        pdf.set_xy(left + 4, top + 11)
        self._font(22, bold=True)
        value_width = pdf.get_string_width(block.value) + 2
        pdf.cell(value_width, 10, block.value)
        self._font(8.5)
        pdf.cell(0, 11, block.unit)
        y = top + 23
        for line in block.lines:
            pdf.set_xy(left + 4, y)
            self._font(7.5)
            pdf.cell(width - 45, 4, line)
            y += 4.2
        if block.qr_png:
            size = 27
            pdf.image(io.BytesIO(block.qr_png), x=left + width - size - 6, y=top + 9.5, w=size, h=size)
            pdf.set_xy(left + width - size - 9, top + 9.5 + size + 0.8)
            self._font(5.5, colour=MUTED)
            pdf.cell(size + 6, 2.5, block.qr_caption, align="C")
        pdf.set_y(top + height + 4)

    def _pagebreak(self, block: PageBreak) -> None:
        self.pdf.add_page()
