"""A report as a list of plain blocks (headings, key-value tables, tables, images, a label).

Why a document model between the facts and the PDF: what a report *says* (which standard
element, which number, which finding) is decided once, in one language, by
:mod:`footprint.reports.content`; how it is *drawn* is :mod:`footprint.reports.pdf`. Tests can
read the blocks without parsing a PDF, and another renderer (HTML in the app) needs no second
copy of the report logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Align = Literal["L", "R", "C"]


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Literal["normal", "note", "warning"] = "normal"


@dataclass(frozen=True)
class KeyValues:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths
    align: tuple[Align, ...] = ()
    footer: tuple[str, ...] = ()  # a bold last row, e.g. the total
    font_size: float = 8.5


@dataclass(frozen=True)
class Image:
    png: bytes
    width_mm: float
    caption: str = ""


@dataclass(frozen=True)
class Highlight:
    """The headline number: value, unit and one line of context."""

    label: str
    value: str
    unit: str
    note: str = ""


@dataclass(frozen=True)
class LabelBlock:
    """The carbon footprint label as it would be printed: value, certificate, QR code."""

    title: str
    value: str
    unit: str
    lines: tuple[str, ...]
    qr_png: bytes | None = None
    qr_caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Union[Title, Heading, Paragraph, KeyValues, Table, Image, Highlight, LabelBlock, PageBreak]


@dataclass(frozen=True)
class Document:
    """Blocks in reading order plus the PDF's metadata (fixed, never 'now')."""

    language: str
    title: str
    subject: str
    author: str
    keywords: str
    created: str  # ISO date the metadata carries, taken from the study or the result
    footer: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """Every visible string, for tests and search (images excluded)."""
        parts: list[str] = [self.footer]
        for block in self.blocks:
            if isinstance(block, Title):
                parts += [block.text, block.subtitle] + [f"{k} {v}" for k, v in block.meta]
            elif isinstance(block, (Heading, Paragraph)):
                parts.append(block.text)
            elif isinstance(block, KeyValues):
                parts += [f"{k} {v}" for k, v in block.rows]
            elif isinstance(block, Table):
                parts += [" ".join(block.headers)] + [" ".join(row) for row in block.rows] + [" ".join(block.footer)]
            elif isinstance(block, Image):
                parts.append(block.caption)
            elif isinstance(block, Highlight):
                parts += [block.label, block.value, block.unit, block.note]
            elif isinstance(block, LabelBlock):
                parts += [block.title, block.value, block.unit, *block.lines, block.qr_caption]
        return "\n".join(part for part in parts if part)
