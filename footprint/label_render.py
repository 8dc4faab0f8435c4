"""Draw a :class:`~footprint.label.Label` as SVG and PNG, with its QR code (segno; no browser).

Why two formats: SVG is what a printer or packaging designer places (vector, text selectable,
bilingual in any viewer with CJK fonts), PNG is what a web page or a test decodes. Both draw the
QR code from the same segno matrix, so the code on paper and on screen is identical.

PNG text needs a font file: a Noto Sans CJK collection is used when installed (Debian
``fonts-noto-cjk``; or ``$GBA_LABEL_FONT``). Without one, the PNG shows the English text only
and :func:`render_png` reports it; the SVG is always bilingual.
"""

from __future__ import annotations

import io
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import segno

from .check_url import qr_text
from .label import Label
from .output_files import make_folder, write_file

WIDTH, HEIGHT = 680, 340
QR_SIZE = 250
QR_ERROR = "m"
CJK_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Debian fonts-noto-cjk, SC face
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


def qr_code(label: Label) -> segno.QRCode:
    """The label's QR code: the check-page link carrying the payload when ``$GBA_CHECK_BASE_URL``
    is set (:func:`footprint.check_url.qr_text`), else the bare payload."""
    return _qr_code_of(qr_text(label.payload_text))


@lru_cache(maxsize=64)
def _qr_code_of(text: str) -> segno.QRCode:
    """One encoding per text (choosing the mask is most of a label's drawing time; the SVG, the
    PNG and the report of one label, and the same study calculated again, share it). The code is
    a function of the text alone, and callers only read it."""
    return segno.make(text, error=QR_ERROR, micro=False)


@dataclass(frozen=True)
class _Line:
    """One text line of the label: position, size, weight, and an id for machine reading."""

    x: float
    y: float
    size: float
    text: str
    element_id: str = ""
    bold: bool = False
    chinese: bool = False


TEXT_WIDTH = WIDTH - QR_SIZE - 24 - 24 - 10  # from the left margin to the QR code, less a gap


def _text_width(text: str, size: float) -> float:
    """Estimated advance width: a full em for Chinese (wide) characters, 0.55 em otherwise."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.55 * size for ch in text)


def _boundary_lines(label: Label) -> list[_Line]:
    """The boundary in both languages on one line; a long one (stages after the gate added) goes
    on two smaller lines, Chinese then English, each shrunk to end before the QR code."""
    both = f"{label.boundary.zh} · {label.boundary.en}"
    if _text_width(both, 15) <= TEXT_WIDTH:
        return [_Line(24, 190, 15, both, "label-boundary", chinese=True)]
    zh_size = min(13.0, 13.0 * TEXT_WIDTH / _text_width(label.boundary.zh, 13))
    en_size = min(11.0, 11.0 * TEXT_WIDTH / _text_width(label.boundary.en, 11))
    return [
        _Line(24, 186, round(zh_size, 1), label.boundary.zh, "label-boundary", chinese=True),
        _Line(24, 201, round(en_size, 1), label.boundary.en, "label-boundary-en"),
    ]


def _lines(label: Label) -> list[_Line]:
    product = f"{label.product_zh} {label.model}".strip() if label.product_zh else f"{label.product} {label.model}".strip()
    valid = f"{label.issue_date.isoformat()} – {label.expiry_date.isoformat()}"
    boundary = _boundary_lines(label)
    lines = [
        _Line(24, 40, 22, "粤港澳大湾区碳足迹标识", "label-title-zh", bold=True, chinese=True),
        _Line(24, 64, 15, "GBA Carbon Footprint Label", "label-title"),
        _Line(24, 132, 54, label.value_text, "label-value", bold=True),
        _Line(24, 162, 18, label.unit_text, "label-unit"),
        *boundary,
        _Line(24, 214 if len(boundary) == 1 else 222, 13, product, "label-product", chinese=bool(label.product_zh)),
        _Line(24, 244, 13, f"证书编号 Certificate No. {label.certificate_no or '—'}", "label-certificate", chinese=True),
        _Line(24, 266, 13, f"认证机构 Certified by {label.body.zh if label.body.zh != label.body.en else label.body.en}", "label-body", chinese=True),
        _Line(24, 288, 13, f"有效期 Valid {valid}", "label-validity", chinese=True),
    ]
    if label.location_based_text:
        lines.append(_Line(24, 314, 12, f"基于位置 location-based: {label.location_based_text} {label.unit_text}", "label-location", chinese=True))
    if label.payload.get("preview"):
        lines.append(_Line(24, 334, 12, "预览，非认证声明 · PREVIEW — not a certified claim", "label-preview", bold=True, chinese=True))
    return lines


def render_svg(label: Label) -> str:
    """The label as a standalone SVG document (UTF-8 text)."""
    qr = qr_code(label)
    modules = list(qr.matrix_iter(scale=1, border=2))
    size = len(modules)
    module = QR_SIZE / size
    x0, y0 = WIDTH - QR_SIZE - 24, (HEIGHT - QR_SIZE) / 2
    path = "".join(f"M{c} {r}h1v1h-1z" for r, row in enumerate(modules) for c, dark in enumerate(row) if dark)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif">',
        f"<title>{escape(label.value_text)} {escape(label.unit_text)} — {escape(label.product)} {escape(label.model)}</title>",
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" rx="14" fill="#ffffff" stroke="#1b5e20" stroke-width="2"/>',
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="78" rx="14" fill="#e8f5e9"/>',
    ]
    for line in _lines(label):
        weight = ' font-weight="bold"' if line.bold else ""
        ident = f' id="{line.element_id}"' if line.element_id else ""
        parts.append(f'<text{ident} x="{line.x}" y="{line.y}" font-size="{line.size}"{weight} fill="#1b1b1b">{escape(line.text)}</text>')
    parts.append(
        f'<g id="label-qr" transform="translate({x0:.2f} {y0:.2f}) scale({module:.6f})">'
        f'<rect width="{size}" height="{size}" fill="#ffffff"/><path d="{path}" fill="#000000"/></g>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def find_cjk_font() -> tuple[str, int] | None:
    """A font file (and collection index) with Chinese glyphs, or None."""
    override = os.environ.get("GBA_LABEL_FONT")
    if override:
        path, _, index = override.partition("#")
        return path, int(index or 0)
    for path, index in CJK_FONTS:
        if Path(path).exists():
            return path, index
    return None


@dataclass(frozen=True)
class PngLabel:
    data: bytes
    bilingual: bool  # False when no CJK font was found and the Chinese text was left out
    font: str


def render_png(label: Label, scale: int = 2) -> PngLabel:
    """The label as PNG bytes (``scale`` pixels per SVG unit)."""
    from PIL import Image, ImageDraw, ImageFont

    cjk = find_cjk_font()
    latin = next((p for p in LATIN_FONTS if Path(p).exists()), None)

    def font(size: float):
        pixels = int(size * scale)
        if cjk:
            return ImageFont.truetype(cjk[0], pixels, index=cjk[1])
        if latin:
            return ImageFont.truetype(latin, pixels)
        return ImageFont.load_default(pixels)

    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((scale, scale, (WIDTH - 1) * scale, (HEIGHT - 1) * scale), radius=14 * scale, outline="#1b5e20", width=2 * scale)
    for line in _lines(label):
        text = line.text
        if line.chinese and not cjk:
            text = "".join(ch for ch in text if ord(ch) < 0x2E80).strip(" ·")
            if not text:
                continue
        draw.text((line.x * scale, line.y * scale), text, fill="#1b1b1b", font=font(line.size), anchor="ls")
    qr = qr_code(label)
    buffer = io.BytesIO()
    border = 4
    modules = qr.symbol_size(scale=1, border=border)[0]
    qr.save(buffer, kind="png", scale=max(1, round(QR_SIZE * scale / modules)), border=border)
    qr_image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    x0 = (WIDTH - 24) * scale - qr_image.width
    y0 = (HEIGHT * scale - qr_image.height) // 2
    image.paste(qr_image, (x0, y0))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return PngLabel(out.getvalue(), bilingual=cjk is not None, font=cjk[0] if cjk else (latin or "Pillow default"))


def write_label(label: Label, directory: str | Path, stem: str | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.svg`` and ``<stem>.png``; returns their paths."""
    directory = make_folder(directory)
    stem = stem or f"label-{label.certificate_no or label.study_id}".replace("/", "_")
    svg = directory / f"{stem}.svg"
    png = directory / f"{stem}.png"
    return write_file(svg, render_svg(label)), write_file(png, render_png(label).data)
