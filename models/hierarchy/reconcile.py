"""Forecast reconciliation: base forecasts of every node -> coherent forecasts (parents = sum of children).

All forecasts are stacked [n_nodes, horizon] in the node order of `models.hierarchy.matrix` (top level
first, bottom units last, so S = [A; I]); residuals are [n_nodes, n_obs] (in-sample or backtest errors,
one row per node, same order).

Methods
-------
bottom_up    S @ yhat_bottom.
ols          W = I.
wls_struct   W = diag(S @ 1): the number of bottom units under each node (structural scaling).
wls_var      W = diag of the residual variances per node (mean of squared residuals, as in hts/fable).
mint_shrink  W = lambda * D + (1 - lambda) * Sigma, Sigma the residuals' sample covariance (uncentred,
             as in hts/fable), D its diagonal, lambda the Schaefer-Strimmer intensity.

All optimal-combination methods are the projection yt = S P yhat, P = (S' W^-1 S)^-1 S' W^-1. How it is
computed at ~8,800 nodes: S' W^-1 S is *not* sparse for a hierarchy with a national total (the nation
row adds a dense all-ones block: 7,850^2 = 490 MB and an O(n_bottom^3) factorisation), so the default
solver uses the equivalent constraint form (Wickramasuriya, Athanasopoulos & Hyndman 2019)

    yt = yhat - W C' (C W C')^-1 C yhat,    C = [I_m, -A]  (C y = 0 <=> coherent),

whose system is m x m, m = the number of aggregate nodes (962 for Thailand). For a diagonal W, C W C'
= W_agg + A W_bottom A' has a non-zero only between a node and its ancestors (~8k non-zeros): sparse LU
(scipy.sparse.linalg.splu). solver="normal" instead solves the brief's normal equations
(S' W^-1 S) x = S' W^-1 yhat by preconditioned conjugate gradients with sparse mat-vecs, never
forming S' W^-1 S (WLS only; used to cross-check).

MinT-shrink at scale: the shrunk covariance is never formed. With T residual periods, Sigma = R R' / T
has rank <= T, so W = lambda D + U U' (U = sqrt((1 - lambda) / T) R, n x T): W C' z is evaluated as
lambda D C' z + U (C U)' z and C W C' = lambda C D C' + V V' (V = C U, m x T). For m <= dense_limit
(default 4,000) that m x m matrix is factorised densely (962^2 for Thailand: trivial); above it, by
Woodbury on the sparse LU of lambda C D C'. Memory O(n T + m^2), no n x n matrix, exact (no fallback).
The Schaefer-Strimmer lambda needs sums over all n^2 correlation pairs: computed from T x T Gram
matrices, O(n T^2). lambda is kept >= 1e-8 so that W stays positive definite when T < n.

Non-negativity (counts, tonnes, baht): with nonnegative=True (the default) negative reconciled bottom
values are set to 0 and every aggregate is re-summed bottom-up (yt = S max(yt_bottom, 0)). That keeps
coherence exactly; it is the "set-negative-to-zero" heuristic that Wickramasuriya, Athanasopoulos &
Hyndman (2020) found close to the constrained optimum, not the constrained WLS optimum itself.
The result reports how many bottom cells were clipped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from models.hierarchy.matrix import Hierarchy

__all__ = [
    "METHODS", "Reconciled", "ReconciliationWarning", "reconcile", "bottom_up", "wls", "mint_shrink",
    "structural_weights", "residual_variances", "shrinkage_intensity", "clip_nonnegative",
    "coherence_gaps", "coherence_gap",
]

METHODS = ("bottom_up", "ols", "wls_struct", "wls_var", "mint_shrink")
Method = Literal["bottom_up", "ols", "wls_struct", "wls_var", "mint_shrink"]
Solver = Literal["constraint", "normal"]
_MIN_SHRINKAGE = 1e-8


class ReconciliationWarning(UserWarning):
    """Something about the inputs changed the computation (e.g. variances floored)."""


@dataclass(frozen=True)
class Reconciled:
    """Coherent forecasts [n_nodes, horizon] (same shape as the base forecasts) and how they were made."""

    values: np.ndarray
    method: str
    shrinkage: float | None = None  # MinT-shrink's lambda
    clipped: int = 0  # bottom cells that were negative and set to 0


# -- helpers --------------------------------------------------------------------------------------
def _as_2d(h: Hierarchy, y: np.ndarray, name: str) -> tuple[np.ndarray, tuple[int, ...]]:
    y = np.asarray(y, dtype=np.float64)
    if y.ndim not in (1, 2) or y.shape[0] != h.n_nodes:
        raise ValueError(f"{name}: expected [{h.n_nodes}] or [{h.n_nodes}, k], got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError(f"{name}: {int((~np.isfinite(y)).sum())} non-finite values (fill or drop them first)")
    return y.reshape(h.n_nodes, -1), y.shape


def _constraint_matrix(h: Hierarchy) -> sp.csr_matrix:
    """C = [I_m, -A] (m x n): C y = 0 exactly when y is coherent."""
    m = h.n_aggregate
    return sp.hstack([sp.identity(m, format="csr"), -h.A], format="csr")


def _floor(variances: np.ndarray, what: str) -> np.ndarray:
    """Variances > 0: zeros (a node that never erred) would make the system singular."""
    v = np.asarray(variances, dtype=np.float64)
    if not np.isfinite(v).all() or (v < 0).any():
        raise ValueError(f"{what}: variances must be finite and >= 0")
    top = v.max(initial=0.0)
    floor = top * 1e-10 if top > 0 else 1.0
    if (v < floor).any():
        warnings.warn(f"{what}: {int((v < floor).sum())} variances below {floor:.3g} floored to it",
                      ReconciliationWarning, stacklevel=3)
    return np.maximum(v, floor)


def structural_weights(h: Hierarchy) -> np.ndarray:
    """diag of W for structural scaling: bottom units under each node (S @ 1)."""
    return h.nodes["n_bottom"].to_numpy(dtype=np.float64)


def residual_variances(h: Hierarchy, residuals: np.ndarray) -> np.ndarray:
    """Per-node mean of squared residuals [n_nodes] (uncentred: residuals of unbiased forecasts)."""
    r, _ = _as_2d(h, residuals, "residuals")
    if r.shape[1] < 1:
        raise ValueError("residuals: need at least one observation per node")
    return np.mean(r * r, axis=1)


# -- bottom-up and non-negativity -----------------------------------------------------------------
def bottom_up(h: Hierarchy, yhat: np.ndarray) -> np.ndarray:
    """Coherent forecasts from the bottom level's base forecasts alone: S @ yhat_bottom."""
    y, shape = _as_2d(h, yhat, "yhat")
    return np.asarray(h.S @ y[h.n_aggregate:]).reshape(shape)


def clip_nonnegative(h: Hierarchy, y: np.ndarray) -> tuple[np.ndarray, int]:
    """Set negative bottom values to 0 and re-aggregate: (S max(y_bottom, 0), cells clipped)."""
    y2, shape = _as_2d(h, y, "y")
    bottom = y2[h.n_aggregate:]
    clipped = int((bottom < 0).sum())
    if not clipped:
        return y2.reshape(shape).copy(), 0
    return np.asarray(h.S @ np.maximum(bottom, 0.0)).reshape(shape), clipped


# -- WLS ------------------------------------------------------------------------------------------
def _wls_constraint(h: Hierarchy, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    C = _constraint_matrix(h)
    K = (C @ sp.diags(w) @ C.T).tocsc()
    z = spla.splu(K).solve(np.asarray(C @ y))
    return y - w[:, None] * np.asarray(C.T @ z)


def _wls_normal(h: Hierarchy, y: np.ndarray, w: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    """(S' W^-1 S) x = S' W^-1 y by Jacobi-preconditioned CG, mat-vecs through sparse S."""
    S, winv = h.S, 1.0 / w
    St = S.T.tocsr()
    nb = h.n_bottom
    op = spla.LinearOperator((nb, nb), matvec=lambda x: St @ (winv * (S @ x)), dtype=np.float64)
    diag = np.asarray(St @ winv).ravel()  # S is 0/1: diag(S' W^-1 S) = S' w^-1
    prec = spla.LinearOperator((nb, nb), matvec=lambda x: x / diag, dtype=np.float64)
    rhs = np.asarray(St @ (winv[:, None] * y))
    out = np.empty((nb, y.shape[1]))
    for j in range(y.shape[1]):
        x0 = y[h.n_aggregate:, j]
        out[:, j], info = spla.cg(op, rhs[:, j], x0=x0, rtol=rtol, atol=0.0, maxiter=10 * nb, M=prec)
        if info != 0:
            raise RuntimeError(f"CG did not converge (info={info}) for column {j}")
    return np.asarray(S @ out)


def wls(h: Hierarchy, yhat: np.ndarray, weights: np.ndarray, *, solver: Solver = "constraint") -> np.ndarray:
    """The WLS projection S (S' W^-1 S)^-1 S' W^-1 yhat for W = diag(weights) (no clipping)."""
    y, shape = _as_2d(h, yhat, "yhat")
    w = _floor(np.asarray(weights, dtype=np.float64).ravel(), "weights")
    if w.shape != (h.n_nodes,):
        raise ValueError(f"weights: expected {h.n_nodes}, got {w.shape}")
    if solver == "constraint":
        out = _wls_constraint(h, y, w)
    elif solver == "normal":
        out = _wls_normal(h, y, w)
    else:
        raise ValueError(f"unknown solver {solver!r}")
    return out.reshape(shape)


# -- MinT-shrink ----------------------------------------------------------------------------------
def shrinkage_intensity(residuals: np.ndarray) -> tuple[float, np.ndarray]:
    """Schaefer-Strimmer lambda for shrinking the residual correlation towards 0 (covariance towards
    its diagonal), and the per-series variances. residuals [n_series, T]; as hts::shrink.estim with
    uncentred moments, but computed from T x T Gram matrices: O(n T^2), no n x n matrix."""
    r = np.asarray(residuals, dtype=np.float64)
    n, T = r.shape
    if T < 2:
        raise ValueError("MinT-shrink needs at least 2 residual periods per node")
    var = np.mean(r * r, axis=1)
    sd = np.sqrt(var)
    x = np.divide(r, sd[:, None], out=np.zeros_like(r), where=sd[:, None] > 0)  # standardised, [n, T]
    # corr_ij = (X X')_ij / T; sum over all pairs of (X X')_ij^2 = ||X' X||_F^2 (T x T Gram).
    gram = x.T @ x  # [T, T]
    sum_sq_xx = float(np.sum(gram * gram))
    diag_xx = np.sum(x * x, axis=1)  # (X X')_ii
    off_sq_xx = sum_sq_xx - float(np.sum(diag_xx ** 2))
    # v_ij = (1/(T(T-1))) [ (X^2 X^2')_ij - (X X')_ij^2 / T ]; sum_ij (X^2 X^2')_ij = ||sum_i x_i^2||^2.
    x2 = x * x
    col = x2.sum(axis=0)  # [T]
    off_x2 = float(col @ col) - float(np.sum(x2 * x2))
    sum_v = (off_x2 - off_sq_xx / T) / (T * (T - 1))
    sum_d = off_sq_xx / T**2  # sum over i != j of corr_ij^2
    lam = 1.0 if sum_d <= 0 else float(np.clip(sum_v / sum_d, 0.0, 1.0))
    return lam, var


def _mint_apply(h: Hierarchy, y: np.ndarray, r: np.ndarray, lam: float, d: np.ndarray,
                dense_limit: int) -> np.ndarray:
    """yhat - W C' (C W C')^-1 C yhat with W = lam D + U U', U = sqrt((1 - lam)/T) r."""
    T = r.shape[1]
    C = _constraint_matrix(h)
    U = np.sqrt((1.0 - lam) / T) * r  # [n, T]
    V = np.asarray(C @ U)  # [m, T]
    K0 = (C @ sp.diags(lam * d) @ C.T).tocsc()  # sparse m x m
    rhs = np.asarray(C @ y)
    if h.n_aggregate <= dense_limit:
        K = K0.toarray() + V @ V.T
        try:
            z = sla.solve(K, rhs, assume_a="pos")
        except (np.linalg.LinAlgError, sla.LinAlgError):
            z = np.linalg.lstsq(K, rhs, rcond=None)[0]
    else:  # Woodbury: (K0 + V V')^-1 = K0^-1 - K0^-1 V (I + V' K0^-1 V)^-1 V' K0^-1
        lu = spla.splu(K0)
        k0_rhs, k0_v = lu.solve(rhs), lu.solve(V)
        small = np.eye(T) + V.T @ k0_v
        z = k0_rhs - k0_v @ sla.solve(small, V.T @ k0_rhs, assume_a="pos")
    ct_z = np.asarray(C.T @ z)  # [n, k]
    return y - (lam * d[:, None] * ct_z + U @ (V.T @ z))


def mint_shrink(h: Hierarchy, yhat: np.ndarray, residuals: np.ndarray, *,
                dense_limit: int = 4000) -> tuple[np.ndarray, float]:
    """The MinT-shrink projection (no clipping) and its lambda. residuals [n_nodes, T]."""
    y, shape = _as_2d(h, yhat, "yhat")
    r, _ = _as_2d(h, residuals, "residuals")
    lam, var = shrinkage_intensity(r)
    lam = max(lam, _MIN_SHRINKAGE)
    d = _floor(var, "residual variances")
    return _mint_apply(h, y, r, lam, d, dense_limit).reshape(shape), lam


# -- entry point ----------------------------------------------------------------------------------
def reconcile(h: Hierarchy, yhat: np.ndarray, method: Method = "wls_struct", *,
              residuals: np.ndarray | None = None, variances: np.ndarray | None = None,
              nonnegative: bool = True, solver: Solver = "constraint", dense_limit: int = 4000) -> Reconciled:
    """Reconcile base forecasts yhat [n_nodes, horizon] (or [n_nodes]) into coherent ones.

    wls_var takes `variances` [n_nodes] or `residuals` [n_nodes, T]; mint_shrink takes `residuals`.
    nonnegative: clip negative bottom values at 0 and re-aggregate (see the module docstring)."""
    y, shape = _as_2d(h, yhat, "yhat")
    lam: float | None = None
    if method == "bottom_up":
        out = bottom_up(h, y)
    elif method == "ols":
        out = wls(h, y, np.ones(h.n_nodes), solver=solver)
    elif method == "wls_struct":
        out = wls(h, y, structural_weights(h), solver=solver)
    elif method == "wls_var":
        if variances is None:
            if residuals is None:
                raise ValueError("wls_var needs variances or residuals")
            variances = residual_variances(h, residuals)
        out = wls(h, y, variances, solver=solver)
    elif method == "mint_shrink":
        if residuals is None:
            raise ValueError("mint_shrink needs residuals [n_nodes, T]")
        out, lam = mint_shrink(h, y, residuals, dense_limit=dense_limit)
    else:
        raise ValueError(f"unknown method {method!r}; methods: {METHODS}")
    clipped = 0
    if nonnegative:
        out, clipped = clip_nonnegative(h, out)
    return Reconciled(values=out.reshape(shape), method=method, shrinkage=lam, clipped=clipped)


# -- coherence ------------------------------------------------------------------------------------
def _has_children(h: Hierarchy) -> np.ndarray:
    parent = h.nodes["parent"].to_numpy()
    return np.bincount(parent[parent >= 0], minlength=h.n_nodes) > 0


def coherence_gaps(h: Hierarchy, y: np.ndarray) -> np.ndarray:
    """|parent - sum of its children| for every node with children: [n_parents, k] (NaN stays NaN)."""
    y2 = np.asarray(y, dtype=np.float64).reshape(h.n_nodes, -1)
    has = _has_children(h)
    return np.abs(y2[has] - np.asarray(h.children_matrix() @ y2)[has])


def coherence_gap(h: Hierarchy, y: np.ndarray, *, relative: bool = False) -> float:
    """Largest gap between a parent and the sum of its children (rounding only when coherent).

    relative=True: each gap divided by max(|parent|, |sum of children|) (0 where both are 0)."""
    y2 = np.asarray(y, dtype=np.float64).reshape(h.n_nodes, -1)
    has = _has_children(h)
    parents, sums = y2[has], np.asarray(h.children_matrix() @ y2)[has]
    gaps = np.abs(parents - sums)
    if gaps.size == 0:
        return 0.0
    if relative:
        scale = np.maximum(np.abs(parents), np.abs(sums))
        gaps = np.divide(gaps, scale, out=np.zeros_like(gaps), where=scale > 0)
    return float(gaps.max())
