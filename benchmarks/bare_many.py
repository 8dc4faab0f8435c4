"""The bare numerical limit for many BOMs, shared by ``bench_engine.py`` and ``bench_uncertainty.py``.

What a minimal scipy program needs to turn line arrays (grouped by BOM) into per-BOM per-gas
totals and per-line values, with nothing prepared that the answer depends on:

1. the characterised right-hand sides ``B^T diag(c)`` (one column per flow),
2. one sparse LU factorisation of the technosphere and one transposed solve (unit scores by gas),
3. the total per activity (sum over gases),
4. the demand matrix D as CSR built directly from (amount, column, indptr) (no COO sort; the
   indices converted to int32 first, which is cheaper than letting scipy check and downcast them),
5. ``D @ [U | total]`` (per-BOM per-gas totals and totals),
6. the per-line gather ``amount * total[column]``.

Inputs given in advance: the matrices of the background and the line arrays (activity amounts
already in the activity's unit, the column of each line, and the BOM offsets).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def bare_many_boms(technosphere, biosphere, factors, amount: np.ndarray, column: np.ndarray, indptr: np.ndarray):
    rhs = biosphere.T.toarray() * factors  # B^T diag(c), dense (flows are few)
    unit = spla.splu(sp.csc_matrix(technosphere)).solve(rhs, trans="T")
    total = unit.sum(axis=1)
    stacked = np.column_stack([unit, total])
    # int32 indices, converted here: scipy would otherwise scan int64 indices to downcast them
    demand = sp.csr_matrix((amount, column.astype(np.int32, copy=False), indptr.astype(np.int32, copy=False)), shape=(len(indptr) - 1, technosphere.shape[0]))
    per_bom = demand @ stacked
    per_line = amount * total[column]
    return per_bom, per_line
