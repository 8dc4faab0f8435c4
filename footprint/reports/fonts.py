"""Where the report's CJK font comes from, and the clear error when it is missing.

Why a system font and not a bundled one: Noto Sans CJK is ~20 MB per weight; Debian ships it
(``fonts-noto-cjk``) and ``.ci/run`` installs it. It is embedded (subset) into every PDF, so a
report opens with the right glyphs on any machine and its text stays extractable. reportlab's
built-in CID fonts are *not* embedded and render as boxes without system fonts, so they are not
an option. ``GBA_REPORT_FONT_DIR`` points at another folder holding the same two files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import FootprintError

FONT_FILES = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
SEARCH_DIRS = (
    "/usr/share/fonts/opentype/noto",  # Debian / Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk",  # Fedora / Arch
    "/usr/share/fonts/google-noto-cjk",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
)
# Face index inside the .ttc collection: the glyph forms differ by region.
COLLECTION_INDEX = {"zh-Hans": 2, "zh-Hant": 4, "en": 2}
MATPLOTLIB_FAMILY = {"zh-Hans": "Noto Sans CJK SC", "zh-Hant": "Noto Sans CJK HK", "en": "Noto Sans CJK SC"}
INSTALL_HINT = (
    "the PDF report needs the Noto Sans CJK font: install it with "
    "'apt-get install fonts-noto-cjk' (Debian/Ubuntu) or set GBA_REPORT_FONT_DIR to a folder "
    "holding NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc"
)


class FontMissingError(FootprintError):
    """The CJK font the report embeds is not installed."""


@dataclass(frozen=True)
class ReportFont:
    regular: Path
    bold: Path
    collection_index: int
    matplotlib_family: str


def find_font(language: str = "zh-Hans") -> ReportFont:
    """The regular and bold Noto Sans CJK collections, or :class:`FontMissingError` with how to install them."""
    directories = [os.environ["GBA_REPORT_FONT_DIR"]] if os.environ.get("GBA_REPORT_FONT_DIR") else []
    directories += list(SEARCH_DIRS)
    for directory in directories:
        regular = Path(directory) / FONT_FILES["regular"]
        if regular.is_file():
            bold = Path(directory) / FONT_FILES["bold"]
            return ReportFont(
                regular=regular,
                bold=bold if bold.is_file() else regular,
                collection_index=COLLECTION_INDEX.get(language, 2),
                matplotlib_family=MATPLOTLIB_FAMILY.get(language, "Noto Sans CJK SC"),
            )
    raise FontMissingError(INSTALL_HINT)
