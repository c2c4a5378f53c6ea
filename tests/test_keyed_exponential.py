"""``rng.exponential``: the recruitment thresholds' Exp(1) draw, with its own logarithm.

The logarithm (``rng.log_unit``, fdlibm's method in plain arithmetic) replaces the platform's
``log1p`` so that the thresholds have the same bits on every machine and the loops that draw
them vectorise (issue 17). Checked here: it is within one unit in the last place of the true
logarithm, it gives the same bits in a vectorised loop as called alone, and the draws are
Exp(1) (Kolmogorov-Smirnov test at alpha = 0.001).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from scipy.stats import kstest

from frivilligsim.core import rng


@njit(cache=True)
def _log_all(xs, out):
    for i in range(xs.shape[0]):  # a loop LLVM vectorises
        out[i] = rng.log_unit(xs[i])


@njit(cache=True)
def _log_one(x):
    return rng.log_unit(x)


@njit(cache=True)
def _exponentials(stream, ids, out):
    for i in range(ids.shape[0]):
        out[i] = rng.exponential(stream, ids[i])


def _unit_values(n: int) -> np.ndarray:
    """Every kind of ``1 - u`` a draw can give: near 1, near 0, around sqrt(2)/2, powers of 2."""
    g = np.random.default_rng(3)
    k = g.integers(1, 2**53, n, dtype=np.int64)
    edges = [1.0, 2.0**-53, 0.5, 0.25, 1 - 2.0**-53, np.sqrt(0.5)]
    edges += [np.nextafter(np.sqrt(0.5), 0.0), np.nextafter(np.sqrt(0.5), 1.0)]
    return np.concatenate([1.0 - k * 2.0**-53, k * 2.0**-53, 2.0 ** -np.arange(54.0), edges])


@pytest.mark.skipif(
    np.finfo(np.longdouble).nmant < 60, reason="needs an extended-precision long double"
)
def test_log_unit_is_within_one_ulp_of_the_true_logarithm():
    xs = _unit_values(1_000_000)
    ours = np.empty_like(xs)
    _log_all(xs, ours)
    true = np.log(xs.astype(np.longdouble))
    error = np.abs(ours.astype(np.longdouble) - true)
    ulp = np.spacing(np.abs(true).astype(np.float64)).astype(np.longdouble)
    assert (ours[xs == 1.0] == 0.0).all()
    assert (error <= ulp).all(), float((error / ulp).max())
    assert np.mean(error <= ulp / 2) > 0.9  # mostly correctly rounded


def test_log_unit_agrees_with_numpy_to_one_ulp():
    xs = _unit_values(200_000)
    ours = np.empty_like(xs)
    _log_all(xs, ours)
    reference = np.log(xs)
    assert (np.abs(ours - reference) <= np.spacing(np.abs(reference))).all()


def test_log_unit_gives_the_same_bits_vectorised_and_alone():
    xs = _unit_values(2_000)
    together = np.empty_like(xs)
    _log_all(xs, together)
    alone = np.array([_log_one(x) for x in xs])
    assert np.array_equal(together.view(np.int64), alone.view(np.int64))


def test_exponential_draws_are_exp1_and_keyed():
    stream = rng.stream_key(2024, -180, rng.RECRUIT_THRESHOLD)
    ids = np.arange(200_000, dtype=np.int64) * 977 + 10**9
    draws = np.empty(len(ids))
    _exponentials(stream, ids, draws)
    assert kstest(draws, "expon").pvalue > 0.001
    again = np.empty(50)
    _exponentials(stream, ids[::-1][:50].copy(), again)  # another order, a shorter list
    assert np.array_equal(again, draws[::-1][:50])
    uniforms = np.array([rng.draw(stream, i) for i in ids[:1_000]])
    assert np.allclose(draws[:1_000], -np.log1p(-uniforms), rtol=1e-15, atol=0)
