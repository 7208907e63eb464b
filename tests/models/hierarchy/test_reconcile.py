"""Reconciliation: exact small cases against dense formulas, properties on random trees, and the real
Thailand hierarchy (8,812 nodes) for speed and coherence."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.hierarchy.matrix import Hierarchy, build_hierarchy, hierarchy_from_table
from models.hierarchy.reconcile import (
    METHODS,
    bottom_up,
    clip_nonnegative,
    coherence_gap,
    coherence_gaps,
    mint_shrink,
    reconcile,
    residual_variances,
    shrinkage_intensity,
    structural_weights,
    wls,
)

TOTAL_AB = hierarchy_from_table(pd.DataFrame({"t": [0, 0], "b": [1, 2]}), ["t", "b"])
# total > {mid 1: 10, 11; mid 2: 12, 13, 15}; 14 straight under the total (skips mid)
THREE = hierarchy_from_table(pd.DataFrame({"total": [0] * 6, "mid": [1, 1, 2, 2, -1, 2],
                                           "leaf": [10, 11, 12, 13, 14, 15]}), ["total", "mid", "leaf"])


def dense_projection(h: Hierarchy, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Textbook formula S (S' W^-1 S)^-1 S' W^-1 y, dense."""
    S = h.S.toarray()
    Wi = np.linalg.inv(W)
    return S @ np.linalg.solve(S.T @ Wi @ S, S.T @ Wi @ y)


def dense_shrunk_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """hts::shrink.estim written out densely (x = residuals [T, n], uncentred)."""
    x = residuals.T
    T = x.shape[0]
    covm = x.T @ x / T
    sd = np.sqrt(np.diag(covm))
    corm = covm / np.outer(sd, sd)
    xs = x / sd
    v = ((xs**2).T @ (xs**2) - (xs.T @ xs) ** 2 / T) / (T * (T - 1))
    np.fill_diagonal(v, 0)
    d = corm**2
    np.fill_diagonal(d, 0)
    lam = float(np.clip(v.sum() / d.sum(), 0, 1))
    return lam * np.diag(np.diag(covm)) + (1 - lam) * covm, lam


# --- exact small cases ------------------------------------------------------------------------------
def test_bottom_up_exact():
    y = np.array([[100.0, 0], [3, 1], [5, 2]])
    np.testing.assert_array_equal(bottom_up(TOTAL_AB, y), [[8, 3], [3, 1], [5, 2]])
    y3 = np.array([0, 0, 0, 1, 2, 3, 4, 5, 6.0])
    np.testing.assert_array_equal(bottom_up(THREE, y3), [21, 3, 13, 1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(reconcile(THREE, y3, "bottom_up").values, bottom_up(THREE, y3))


def test_ols_two_levels_by_hand():
    # total forecast 10, a 3, b 5: the OLS projection spreads the gap 10 - 8 = 2 evenly over 3 nodes.
    out = reconcile(TOTAL_AB, np.array([10.0, 3, 5]), "ols").values
    np.testing.assert_allclose(out, [28 / 3, 11 / 3, 17 / 3], rtol=1e-14)


def test_wls_struct_two_levels_by_hand():
    # W = diag(2, 1, 1): gap 2 split as 2 / (2 + 1 + 1) per unit weight -> total -1, a +0.5, b +0.5
    out = reconcile(TOTAL_AB, np.array([10.0, 3, 5]), "wls_struct").values
    np.testing.assert_allclose(out, [9, 3.5, 5.5], rtol=1e-14)


@pytest.mark.parametrize("solver", ["constraint", "normal"])
@pytest.mark.parametrize("h", [TOTAL_AB, THREE], ids=["2-level", "3-level"])
def test_wls_matches_dense_formula(h, solver):
    rng = np.random.default_rng(1)
    y = rng.normal(50, 20, size=(h.n_nodes, 4))
    for w in (np.ones(h.n_nodes), structural_weights(h), rng.uniform(0.1, 5, h.n_nodes)):
        np.testing.assert_allclose(wls(h, y, w, solver=solver), dense_projection(h, y, np.diag(w)),
                                   rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(structural_weights(THREE), [6, 2, 3, 1, 1, 1, 1, 1, 1])


def test_wls_var_uses_residual_variances():
    rng = np.random.default_rng(2)
    y = rng.normal(50, 20, size=(THREE.n_nodes, 3))
    res = rng.normal(0, 1, size=(THREE.n_nodes, 24)) * np.arange(1, THREE.n_nodes + 1)[:, None]
    var = np.mean(res**2, axis=1)
    np.testing.assert_allclose(residual_variances(THREE, res), var)
    expected = dense_projection(THREE, y, np.diag(var))
    got = reconcile(THREE, y, "wls_var", residuals=res, nonnegative=False).values
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    got2 = reconcile(THREE, y, "wls_var", variances=var, nonnegative=False).values
    np.testing.assert_allclose(got2, expected, rtol=1e-10)


@pytest.mark.parametrize("dense_limit", [4000, 0], ids=["dense-mxm", "woodbury"])
def test_mint_shrink_matches_dense_formula(dense_limit):
    rng = np.random.default_rng(3)
    h = THREE
    common = rng.normal(size=(1, 10))
    res = rng.normal(size=(h.n_nodes, 10)) + 2 * common  # correlated: lambda strictly inside (0, 1)
    W, lam_ref = dense_shrunk_covariance(res)
    lam, var = shrinkage_intensity(res)
    assert 0 < lam < 1
    assert lam == pytest.approx(lam_ref, rel=1e-12)
    np.testing.assert_allclose(var, np.diag(W))
    y = rng.normal(50, 20, size=(h.n_nodes, 5))
    got, lam2 = mint_shrink(h, y, res, dense_limit=dense_limit)
    assert lam2 == pytest.approx(lam_ref, rel=1e-12)
    np.testing.assert_allclose(got, dense_projection(h, y, W), rtol=1e-9, atol=1e-9)
    result = reconcile(h, y, "mint_shrink", residuals=res, nonnegative=False, dense_limit=dense_limit)
    assert result.shrinkage == pytest.approx(lam_ref) and result.method == "mint_shrink"


def test_nonnegative_clip_then_bottom_up():
    # WLS-struct of (total 0, a 3, b -5): gap 0 - (-2) = 2 -> total -1, a 3.5, b -4.5;
    # b is clipped and the total re-summed from the bottom: (3.5, 3.5, 0).
    raw = reconcile(TOTAL_AB, np.array([0.0, 3, -5]), "wls_struct", nonnegative=False).values
    np.testing.assert_allclose(raw, [-1, 3.5, -4.5])
    result = reconcile(TOTAL_AB, np.array([0.0, 3, -5]), "wls_struct")
    np.testing.assert_allclose(result.values, [3.5, 3.5, 0])
    assert result.clipped == 1
    y, n = clip_nonnegative(TOTAL_AB, np.array([7.0, 1, 2]))
    assert n == 0 and y.tolist() == [7, 1, 2]


def test_coherence_gap_measures_parent_minus_children():
    y = bottom_up(THREE, np.arange(THREE.n_nodes, dtype=float))
    assert coherence_gap(THREE, y) == 0.0
    y[1] += 0.5  # mid 1 off by 0.5: its own gap 0.5, and the total's gap (it is a child there) 0.5
    assert coherence_gap(THREE, y) == 0.5
    assert coherence_gaps(THREE, y).shape == (3, 1)
    assert coherence_gap(THREE, y, relative=True) == pytest.approx(0.5 / (y[1] - 0.0))
    assert coherence_gap(THREE, np.zeros(THREE.n_nodes), relative=True) == 0.0


def test_input_errors():
    y = np.ones(TOTAL_AB.n_nodes)
    with pytest.raises(ValueError, match="unknown method"):
        reconcile(TOTAL_AB, y, "mint")
    with pytest.raises(ValueError, match="needs residuals"):
        reconcile(TOTAL_AB, y, "mint_shrink")
    with pytest.raises(ValueError, match="variances or residuals"):
        reconcile(TOTAL_AB, y, "wls_var")
    with pytest.raises(ValueError, match="non-finite"):
        reconcile(TOTAL_AB, np.array([1.0, np.nan, 2]))
    with pytest.raises(ValueError, match="expected"):
        reconcile(TOTAL_AB, np.ones(4))
    with pytest.raises(ValueError, match="at least 2"):
        reconcile(TOTAL_AB, y, "mint_shrink", residuals=np.ones((3, 1)))


# --- properties on random trees ----------------------------------------------------------------------
@st.composite
def trees(draw) -> Hierarchy:
    """Random 2- or 3-level trees: total > optional mid > optional sub > leaf (-1 = skip a level)."""
    n = draw(st.integers(1, 12))
    mids = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    subs = draw(st.lists(st.integers(-1, 1), min_size=n, max_size=n))
    table = pd.DataFrame({
        "total": [0] * n, "mid": mids,
        "sub": [(m + 2) * 10 + s if s >= 0 else -1 for m, s in zip(mids, subs, strict=True)],
        "leaf": range(100, 100 + n)})
    levels = draw(st.sampled_from([["total", "leaf"], ["total", "mid", "leaf"], ["total", "mid", "sub", "leaf"]]))
    return hierarchy_from_table(table, levels)


def _case(h: Hierarchy, seed: int, horizon: int):
    rng = np.random.default_rng(seed)
    yhat = rng.normal(0, 1, size=(h.n_nodes, horizon)) * 100 + rng.uniform(-50, 200)
    res = rng.normal(size=(h.n_nodes, 6)) + rng.normal(size=(1, 6)) * rng.uniform(0, 2)
    return yhat, res, np.abs(yhat).max() + 1


PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(h=trees(), seed=st.integers(0, 2**32 - 1), horizon=st.integers(1, 4), method=st.sampled_from(METHODS))
def test_reconciled_forecasts_are_coherent(h, seed, horizon, method):
    yhat, res, scale = _case(h, seed, horizon)
    for nonnegative in (False, True):
        out = reconcile(h, yhat, method, residuals=res, nonnegative=nonnegative).values
        assert out.shape == yhat.shape
        assert coherence_gap(h, out) <= 1e-9 * scale * h.n_nodes
        if nonnegative:
            assert (out >= 0).all()


@PROPS
@given(h=trees(), seed=st.integers(0, 2**32 - 1), method=st.sampled_from(METHODS))
def test_coherent_forecasts_are_left_unchanged(h, seed, method):
    rng = np.random.default_rng(seed)
    y = h.aggregate(rng.uniform(0, 1000, size=(h.n_bottom, 3)))
    _, res, _ = _case(h, seed, 3)
    for nonnegative in (False, True):
        out = reconcile(h, y, method, residuals=res, nonnegative=nonnegative).values
        np.testing.assert_allclose(out, y, rtol=1e-8, atol=1e-8 * 1000 * h.n_bottom)


@PROPS
@given(h=trees(), seed=st.integers(0, 2**32 - 1))
def test_projection_is_idempotent_and_solvers_agree(h, seed):
    yhat, _, scale = _case(h, seed, 2)
    w = np.random.default_rng(seed).uniform(0.2, 5, h.n_nodes)
    once = wls(h, yhat, w)
    np.testing.assert_allclose(wls(h, once, w), once, atol=1e-9 * scale)
    np.testing.assert_allclose(wls(h, yhat, w, solver="normal"), once, atol=1e-7 * scale)


# --- the real hierarchy --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def thailand(reference):
    return build_hierarchy(reference)


def test_wls_struct_full_thailand_is_fast_and_coherent(thailand):
    h = thailand
    rng = np.random.default_rng(4)
    size = h.nodes["n_bottom"].to_numpy(dtype=float)[:, None]
    yhat = size * 1e5 * rng.lognormal(0, 0.2, size=(h.n_nodes, 15))  # baht-like, noisy per level
    start = time.perf_counter()
    result = reconcile(h, yhat, "wls_struct")
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"WLS-struct on {h.n_nodes} nodes x 15 took {elapsed:.2f} s"
    out = result.values
    assert out.shape == (8812, 15) and (out >= 0).all()
    assert coherence_gap(h, out, relative=True) < 1e-12
    assert coherence_gap(h, out) < 1e-9 * out.max()
    # same answer as the normal equations (S' W^-1 S) x = S' W^-1 yhat solved by CG
    normal = wls(h, yhat, structural_weights(h), solver="normal")
    raw = reconcile(h, yhat, "wls_struct", nonnegative=False).values
    np.testing.assert_allclose(raw, normal, rtol=1e-8, atol=1e-8 * yhat.max())


def test_mint_shrink_full_thailand(reference, thailand):
    h = thailand
    rng = np.random.default_rng(5)
    size = h.nodes["n_bottom"].to_numpy(dtype=float)[:, None]
    bottom_res = rng.normal(size=(h.n_bottom, 36)) + rng.normal(size=(1, 36))
    res = h.aggregate(bottom_res) + 0.1 * np.sqrt(size) * rng.normal(size=(h.n_nodes, 36))
    yhat = h.aggregate(rng.uniform(10, 100, size=(h.n_bottom, 15))) + 5 * np.sqrt(size) * rng.normal(
        size=(h.n_nodes, 15))
    start = time.perf_counter()
    result = reconcile(h, yhat, "mint_shrink", residuals=res)
    elapsed = time.perf_counter() - start
    assert elapsed < 15.0
    assert 0 < result.shrinkage < 1
    assert coherence_gap(h, result.values, relative=True) < 1e-10
    assert (result.values >= 0).all()
    woodbury = reconcile(h, yhat, "mint_shrink", residuals=res, dense_limit=0).values
    np.testing.assert_allclose(woodbury, result.values, rtol=1e-7, atol=1e-7 * np.abs(yhat).max())
