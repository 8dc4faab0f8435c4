"""The background system on Brightway 2.5: built once, then read-only matrices.

Why this shape: Brightway's project directory and current project are process-global, and the
web front end serves every browser session from a thread of one process. So the Brightway
project is written once per dataset content hash (under a lock, skipped when it already exists),
bw2calc builds the technosphere, biosphere and characterisation matrices from its processed
datapackages, and from then on calculations use only immutable scipy/numpy arrays held by a
:class:`Background`: no project switch, no SQLite write, safe from any number of threads.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import math
import os
import threading
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .dataset import Dataset, load_dataset
from .dataset_ranges import record_matrices
from .errors import DatasetError
from .methods import Method, available_methods, load_method

log = logging.getLogger(__name__)

BIOSPHERE_DB = "gba-biosphere"
_LOCK = threading.RLock()
_OPEN: dict[tuple, "Background"] = {}
_FLOW_NAMESPACE = uuid.UUID("6f0c5e1e-5c43-4c59-9a8e-3f6b1d2f9a10")


def cache_dir() -> Path:
    """The project-owned Brightway directory: ``$GBA_FOOTPRINT_CACHE`` or the user cache."""
    base = os.environ.get("GBA_FOOTPRINT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gba-footprint"
    )
    path = Path(base) / "brightway"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _quiet_stdout():
    """bw2data prints feedback (structlog) to stdout; keep stdout for our JSON output.

    What it prints goes to our debug log instead, so ``footprint calc --format json`` prints
    exactly one JSON document and the terminal stays readable.
    """
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            yield
        finally:
            if buffer.getvalue().strip():
                log.debug("brightway: %s", buffer.getvalue().strip())


def _brightway(directory: Path):
    """Import bw2data/bw2calc pointed at our own directory, never the user's default one."""
    if "bw2data" not in sys.modules:
        os.environ["BRIGHTWAY2_DIR"] = str(directory)
    warnings.filterwarnings("ignore", message="(?s).*pypardiso")
    os.environ.setdefault("TQDM_DISABLE", "1")
    import bw2calc
    import bw2data

    if Path(bw2data.projects._base_data_dir).resolve() != directory.resolve():
        bw2data.projects.change_base_directories(directory, update=False)
    return bw2data, bw2calc


def flow_key(flow) -> str:
    """Brightway code of a flow: its biosphere3 UUID, or a stable uuid5 of our code."""
    return flow.uuid or str(uuid.uuid5(_FLOW_NAMESPACE, flow.code))


def _exchange_uncertainty(amount: float, gsd: float) -> dict:
    if gsd <= 1.0 or amount == 0:
        return {"uncertainty type": 0, "loc": amount}
    return {"uncertainty type": 2, "loc": math.log(amount), "scale": math.log(gsd)}


def _write_project(bd, dataset: Dataset, methods: list[Method]) -> None:
    tech_db = f"{dataset.id}-{dataset.version}"
    flows = {
        (BIOSPHERE_DB, flow_key(f)): {
            "name": f.name,
            "code": flow_key(f),
            "flow_code": f.code,
            "formula": f.formula,
            "origin": f.origin,
            "unit": "kilogram",
            "type": "emission",
            "categories": ("air",),
        }
        for f in dataset.flows
    }
    flow_of = {f.code: (BIOSPHERE_DB, flow_key(f)) for f in dataset.flows}
    activities = {}
    for activity in dataset.activities:
        exchanges = [{"input": (tech_db, activity.id), "amount": 1.0, "type": "production"}]
        for ex in dataset.exchanges_of(activity.id):
            exchanges.append(
                {
                    "input": (tech_db, ex.input_id) if ex.type == "technosphere" else flow_of[ex.input_id],
                    "amount": ex.amount,
                    "type": ex.type,
                    **_exchange_uncertainty(ex.amount, ex.gsd),
                    "pedigree": dict(zip(("reliability", "completeness", "temporal correlation", "geographical correlation", "further technological correlation"), ex.pedigree)),
                    "source_id": ex.source_id,
                    "ref_year": ex.ref_year,
                    "tag": ex.tag,
                }
            )
        activities[(tech_db, activity.id)] = {
            "name": activity.name_en,
            "name_zh": activity.name_zh,
            "unit": activity.unit,
            "location": activity.geography,
            "category": activity.category,
            "type": "process",
            "exchanges": exchanges,
        }
    bd.Database(BIOSPHERE_DB).write(flows)
    bd.Database(tech_db).write(activities)
    for method in methods:
        bw_method = bd.Method(method.brightway_name)
        bw_method.register(unit="kg CO2e", description=f"{method.name} (sha256 {method.sha256})")
        bw_method.write([(flow_of[code], cf) for code, cf in method.factors.items() if code in flow_of])


@dataclass(frozen=True)
class Background:
    """Immutable matrices of one dataset version, indexed in dataset order.

    ``technosphere`` is the square matrix A (production on the diagonal, inputs negative),
    ``biosphere`` is B (flows x activities), ``factors[method_id]`` the characterisation vector
    over ``flow_codes``. They are checked against the matrices bw2calc builds from the
    Brightway project (see ``_agree``) and kept in float64; ``brightway_score`` runs a full
    bw2calc LCA for cross-checks.
    """

    dataset: Dataset
    methods: dict[str, Method]
    activity_codes: tuple[str, ...]
    flow_codes: tuple[str, ...]
    technosphere: sp.csc_matrix
    biosphere: sp.csr_matrix
    factors: dict[str, np.ndarray]
    brightway_ids: dict[str, int]
    project_name: str
    activity_index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "activity_index", {code: i for i, code in enumerate(self.activity_codes)})

    def brightway_score(self, demand: dict[str, float], method_id: str | None = None) -> float:
        """Total score of a demand by a full bw2calc LCA (slow; for verification and tests)."""
        method = self.methods[method_id or next(iter(self.methods))]
        with _LOCK, _quiet_stdout():
            bd, bc = _brightway(cache_dir())
            if bd.projects.current != self.project_name:
                bd.projects.set_current(self.project_name, update=False)
            lca = bc.LCA({self.brightway_ids[code]: amount for code, amount in demand.items()}, method=method.brightway_name)
            lca.lci()
            lca.lcia()
            return float(lca.score)


def _project_name(dataset: Dataset, methods: list[Method]) -> str:
    method_part = "-".join(m.sha256[:8] for m in methods)
    return f"gba-footprint-{dataset.id}-{dataset.sha256[:16]}-{method_part}"


def _agree(name: str, from_brightway: sp.spmatrix, exact: sp.spmatrix) -> None:
    """Brightway stores amounts as float32 (bw_processing); check it holds our float64 values.

    We compute with the float64 record values so that published factors stay exact (0.517
    stays 0.517, not 0.51700002), after proving here that Brightway's matrices are the same
    system: same non-zero pattern and values equal to float32 precision.
    """
    difference = abs(sp.csr_matrix(from_brightway, dtype=float) - sp.csr_matrix(exact, dtype=float))
    scale = abs(sp.csr_matrix(exact, dtype=float)).maximum(abs(sp.csr_matrix(from_brightway, dtype=float)))
    worst = (difference - scale * 1e-6).max() if difference.nnz else 0.0
    if worst > 1e-12:
        raise DatasetError(f"Brightway's {name} matrix differs from the dataset records (max excess {worst:g}); rebuild the cache")


def _extract(bd, bc, dataset: Dataset, methods: list[Method], project: str) -> Background:
    tech_db = f"{dataset.id}-{dataset.version}"
    nodes = {node["code"]: node.id for node in bd.Database(tech_db)}
    flow_nodes = {node["code"]: node.id for node in bd.Database(BIOSPHERE_DB)}
    codes = [a.id for a in dataset.activities]
    flows = [f.code for f in dataset.flows]
    first = nodes[codes[0]]
    lca = bc.LCA({first: 1.0}, method=methods[0].brightway_name)
    lca.lci()
    lca.lcia()
    col_of = lca.dicts.activity
    row_of = lca.dicts.product
    bio_row_of = lca.dicts.biosphere
    cols = np.array([col_of[nodes[c]] for c in codes])
    rows = np.array([row_of[nodes[c]] for c in codes])
    # Flows that no activity emits are absent from bw2calc's matrices: they get zero rows.
    present = [i for i, f in enumerate(dataset.flows) if flow_nodes[flow_key(f)] in bio_row_of]
    flow_rows = np.array([bio_row_of[flow_nodes[flow_key(dataset.flows[i])]] for i in present], dtype=int)
    selection = sp.csr_matrix((np.ones(len(present)), (present, np.arange(len(present)))), shape=(len(flows), len(present)))
    bw_technosphere = sp.csc_matrix(lca.technosphere_matrix)[rows][:, cols]
    bw_biosphere = selection @ sp.csr_matrix(lca.biosphere_matrix)[flow_rows][:, cols]
    technosphere, biosphere, _, _ = record_matrices(dataset)
    _agree("technosphere", bw_technosphere, technosphere)
    _agree("biosphere", bw_biosphere, biosphere)
    factors = {}
    for method in methods:
        lca.switch_method(method.brightway_name)
        diagonal = np.asarray(lca.characterization_matrix.diagonal()).ravel()
        bw_vector = np.zeros(len(flows))
        bw_vector[present] = diagonal[flow_rows]
        exact = np.array([method.factors.get(code, 0.0) for code in flows])
        _agree(f"characterisation ({method.id}), for emitted flows", sp.csr_matrix(bw_vector), sp.csr_matrix(exact * (selection.sum(axis=1).A1 > 0)))
        factors[method.id] = exact
    return _frozen_background(dataset, methods, codes, flows, technosphere, biosphere, factors, {c: nodes[c] for c in codes}, project)


def _frozen_background(dataset, methods, codes, flows, technosphere, biosphere, factors, brightway_ids, project) -> Background:
    """The Background of these matrices, made read-only: sessions share it across threads."""
    for array in (technosphere.data, biosphere.data, *factors.values()):
        array.setflags(write=False)
    return Background(
        dataset=dataset,
        methods={m.id: m for m in methods},
        activity_codes=tuple(codes),
        flow_codes=tuple(flows),
        technosphere=technosphere,
        biosphere=biosphere,
        factors=factors,
        brightway_ids=brightway_ids,
        project_name=project,
    )


def _verified_marker(project: str) -> Path:
    """Where a successful check of a project against its records is remembered."""
    return cache_dir() / "verified" / f"{project}.json"


def _from_records(dataset: Dataset, methods: list[Method], project: str, brightway_ids: dict[str, int]) -> Background:
    """The background straight from the dataset records (no Brightway import).

    Used when this (dataset hash, method hashes) project was already built and checked equal to
    the records by :func:`_extract`: the records are re-read and re-hashed on every load, so the
    matrices are the same system Brightway holds, without paying 2 s of bw2calc imports per
    command-line run.
    """
    codes = [a.id for a in dataset.activities]
    flows = [f.code for f in dataset.flows]
    technosphere, biosphere, _, _ = record_matrices(dataset)
    factors = {m.id: np.array([m.factors.get(code, 0.0) for code in flows]) for m in methods}
    return _frozen_background(dataset, methods, codes, flows, technosphere, biosphere, factors, brightway_ids, project)


def _read_verified(project: str, dataset: Dataset, methods: list[Method]) -> dict[str, int] | None:
    """Brightway ids of a project checked earlier, or None (absent, unreadable or for other data)."""
    try:
        data = json.loads(_verified_marker(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("dataset_sha256") != dataset.sha256 or data.get("methods") != [m.sha256 for m in methods]:
        return None
    ids = data.get("brightway_ids")
    if not isinstance(ids, dict) or set(ids) != {a.id for a in dataset.activities}:
        return None
    return {code: int(node) for code, node in ids.items()}


def _write_verified(background: Background) -> None:
    marker = _verified_marker(background.project_name)
    payload = {
        "dataset_sha256": background.dataset.sha256,
        "methods": [m.sha256 for m in background.methods.values()],
        "brightway_ids": background.brightway_ids,
    }
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        temporary = marker.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(payload, sort_keys=True), encoding="utf-8")
        os.replace(temporary, marker)
    except OSError as error:  # a read-only cache still computes, only slower next time
        log.info("could not remember the checked project %s: %s", background.project_name, error)


def open_background(dataset: Dataset | None = None, method_ids: list[str] | None = None) -> Background:
    """The background for a dataset, building its Brightway project on first use only.

    The project name carries the dataset content hash and the method hashes, so a changed
    dataset gets a new project and an unchanged one is never rewritten. The first open in a
    cache checks Brightway's matrices against the records (:func:`_extract`) and remembers that
    it did; later processes read the records directly and import no Brightway module.
    """
    dataset = dataset or load_dataset()
    methods = [load_method(m) for m in (method_ids or available_methods())]
    key = (dataset.sha256, tuple(m.sha256 for m in methods), str(cache_dir()))
    with _LOCK:
        if key in _OPEN:
            return _OPEN[key]
        project = _project_name(dataset, methods)
        checked = _read_verified(project, dataset, methods)
        if checked is not None:
            background = _OPEN[key] = _from_records(dataset, methods, project, checked)
            return background
        with _quiet_stdout():
            bd, bc = _brightway(cache_dir())
            bd.projects.set_current(project, update=False)
            marker = Path(bd.projects.dir) / "gba-footprint-complete.json"
            if not marker.exists():
                log.info("building Brightway project %s", project)
                _write_project(bd, dataset, methods)
                marker.write_text(json.dumps({"dataset": dataset.describe(), "methods": [m.describe() for m in methods]}))
            background = _extract(bd, bc, dataset, methods, project)
        _write_verified(background)
        _OPEN[key] = background
        return background
