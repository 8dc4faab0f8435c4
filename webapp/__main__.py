"""``python -m webapp [streamlit options]``: warm the engine, then serve app.py in this process.

Equivalent to ``streamlit run app.py`` except that the engine, catalogue and first computation
are ready before the server answers (see :mod:`webapp.warmup`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    from .warmup import freeze_heap, warm_up

    seconds = warm_up()
    freeze_heap()
    logging.getLogger("webapp").warning("engine and example study ready in %.1f s", seconds)
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
