"""Monte Carlo of the CFF parameters: each CFF row as a polynomial in the shares that are drawn.

Why: a CFF row is linear in the unit scores of a few activities, but its weights are products of
the parameters (the virgin route's weight in the material part is ``m p R1 (1 - A) Qsin/Qp``), so
sampling A and the quality ratios means re-weighting the terms in every iteration. The planner
(:mod:`footprint.cff`) writes every term's weight as a short polynomial: monomials, each a
coefficient times a product of sampled parameters (``"aluminium/A"``, ``"aluminium/Qsin_Qp"``);
a value the study gives on its line, or a default whose range is collapsed, is a constant folded
into the coefficient. :func:`compile_rows` turns the monomials into arrays and
:meth:`CompiledRows.samples` evaluates them on sampled unit scores and sampled parameter values.

What is drawn: every parameter-file default with a range wider than zero (uniform, or triangular
with its mode at the given value), by inverse CDF from uniform numbers that
:mod:`footprint.montecarlo` draws from a stream of its own per parameter and block, so a run
stays reproducible byte for byte and variants compared in one run share each parameter's draw.
The deterministic result never sees any of this: it keeps the given values (``CffRow.terms``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cff_parameters import Uncertainty

Poly = dict[tuple[str, ...], float]  # sorted parameter keys of a monomial -> its coefficient

UNIFORM, TRIANGULAR = 0, 1
_KINDS = {"uniform": UNIFORM, "triangular": TRIANGULAR}


def parameter_key(material_id: str, name: str) -> str:
    return f"{material_id}/{name}"


def constant(value: float) -> Poly:
    return {(): float(value)}


def symbol(value: float, key: str | None) -> Poly:
    """A share as a polynomial: the drawn parameter ``key``, or the constant ``value``."""
    return {(key,): 1.0} if key is not None else constant(value)


def add(*polys: Poly) -> Poly:
    total: Poly = {}
    for poly in polys:
        for keys, coefficient in poly.items():
            total[keys] = total.get(keys, 0.0) + coefficient
    return total


def scale(poly: Poly, factor: float) -> Poly:
    return {keys: coefficient * factor for keys, coefficient in poly.items()}


def multiply(left: Poly, right: Poly) -> Poly:
    product: Poly = {}
    for left_keys, a in left.items():
        for right_keys, b in right.items():
            keys = tuple(sorted(left_keys + right_keys))
            product[keys] = product.get(keys, 0.0) + a * b
    return product


def evaluate(poly: Poly, values: dict[str, float]) -> float:
    """The polynomial at given parameter values (the test of a row's monomials against its terms)."""
    return sum(coefficient * float(np.prod([values[k] for k in keys])) for keys, coefficient in poly.items())


def from_uniform(kind: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of uniform or triangular distributions, column by column of ``u`` (0 <= u < 1)."""
    width = high - low
    uniform = low + u * width
    with np.errstate(divide="ignore", invalid="ignore"):
        split = np.where(width > 0, (mode - low) / np.where(width > 0, width, 1.0), 0.0)
    rising = low + np.sqrt(u * width * (mode - low))
    falling = high - np.sqrt((1.0 - u) * width * (high - mode))
    triangular = np.where(u < split, rising, falling)
    return np.where(kind == TRIANGULAR, triangular, uniform)


@dataclass(frozen=True, eq=False)
class CompiledRows:
    """The CFF rows of one BOM as monomials over ``keys`` (the sampled parameters).

    Monomial ``m`` adds ``coefficient[m] * prod(values[:, factors[m]]) * scores[:, activity[m]]``
    to row ``row[m]``; ``factors`` is padded with ``len(keys)``, a column of ones.
    """

    keys: tuple[str, ...]
    kind: np.ndarray
    low: np.ndarray
    mode: np.ndarray
    high: np.ndarray
    activity: np.ndarray
    coefficient: np.ndarray
    factors: np.ndarray
    row: np.ndarray
    n_rows: int

    def describe(self) -> dict[str, dict]:
        """What is drawn, for the Monte Carlo result: key -> distribution, min, mode, max."""
        names = {code: name for name, code in _KINDS.items()}
        return {
            key: {"distribution": names[int(kind)], "min": float(low), "mode": float(mode), "max": float(high)}
            for key, kind, low, mode, high in zip(self.keys, self.kind, self.low, self.mode, self.high)
        }

    def values(self, uniforms: np.ndarray) -> np.ndarray:
        """(iterations x keys + 1): the drawn parameter values and the column of ones."""
        drawn = from_uniform(self.kind, self.low, self.mode, self.high, uniforms)
        return np.hstack([drawn, np.ones((len(uniforms), 1))])

    def samples(self, scores: np.ndarray, values: np.ndarray) -> np.ndarray:
        """(iterations x rows) kg CO2e of the rows, ``scores`` unit scores of every activity
        (columns in the background's activity index), ``values`` from :meth:`values`."""
        weights = self.coefficient * np.prod(values[:, self.factors], axis=2)
        contributions = weights * scores[:, self.activity]
        out = np.zeros((len(scores), self.n_rows))
        for r in range(self.n_rows):
            out[:, r] = contributions[:, self.row == r].sum(axis=1)
        return out


def compile_rows(rows, columns: dict[str, int], distributions: dict[str, Uncertainty]) -> CompiledRows | None:
    """Arrays for the rows' monomials (``columns``: the background's activity index); None when
    no row draws a parameter (Monte Carlo then weights the fixed terms, as before)."""
    keys = tuple(sorted({k for row in rows for _, poly in row.monomials for monomial in poly for k in monomial}))
    if not keys:
        return None
    position = {key: i for i, key in enumerate(keys)}
    entries = [(r, columns[activity_id], monomial, coefficient) for r, row in enumerate(rows) for activity_id, poly in row.monomials for monomial, coefficient in poly.items()]
    degree = max(1, max(len(monomial) for _, _, monomial, _ in entries))
    factors = np.full((len(entries), degree), len(keys), dtype=np.int64)
    for m, (_, _, monomial, _) in enumerate(entries):
        factors[m, : len(monomial)] = [position[k] for k in monomial]
    spec = [distributions[k] for k in keys]
    return CompiledRows(
        keys=keys,
        kind=np.array([_KINDS[d.distribution] for d in spec], dtype=np.int64),
        low=np.array([d.low for d in spec]),
        mode=np.array([d.mode for d in spec]),
        high=np.array([d.high for d in spec]),
        activity=np.array([c for _, c, _, _ in entries], dtype=np.int64),
        coefficient=np.array([c for _, _, _, c in entries]),
        factors=factors,
        row=np.array([r for r, _, _, _ in entries], dtype=np.int64),
        n_rows=len(rows),
    )
