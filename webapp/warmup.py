"""Work done once when the server starts, so the first visitor waits for none of it.

Streamlit runs ``app.py`` per browser session and has no start-up hook, so ``python -m webapp``
does this before it starts the server in the same process: it builds the engine and catalogue
into the ``st.cache_resource`` caches every session reads, then computes and renders the example
study once (rule sets, Monte Carlo samplers and the background blocks of the example's grid, the
PDF report with its fonts and QR code are made then, not on a visitor's first press of Calculate
or PDF). :func:`freeze_heap` then keeps all of it out of later garbage collections.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def warm_up() -> float:
    """Build and exercise everything a first session needs; the seconds it took."""
    started = time.perf_counter()
    from . import config, integrations
    from .compute import calculate
    from .main import example_form, load_catalog, load_engine

    directory = config.dataset_dir()
    engine = load_engine(directory)
    form = example_form(load_catalog(directory))
    outcome = calculate(form, engine)
    if outcome.result is not None:
        integrations.report_pdf(outcome, engine, "zh-Hans", form.rule_set)
    return time.perf_counter() - started


def freeze_heap() -> None:
    """Leave what the warm-up built out of every later garbage collection.

    Streamlit runs a full collection after each script run (``runner.postScriptGC``), and with
    the engine, dataset, rule sets and libraries in memory it walked some 290,000 objects: about
    0.14 s of every rerun, a press of Calculate included. These objects live as long as the
    process, so after one last collection they are moved to the permanent generation
    (:func:`gc.freeze`); the collection after a run then only walks what sessions made since.
    """
    gc.collect()
    gc.freeze()
