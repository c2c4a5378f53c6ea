"""EMA Workbench adapter: the model function, and experiments through the workbench itself."""

from __future__ import annotations

import numpy as np
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

from frivilligsim.analysis.ema import LEVER_NAMES, ema_model, frivilligsim_model  # noqa: E402
from frivilligsim.errors import ConfigError  # noqa: E402

SMALL = {"end_year": 2027, "municipalities": 4, "seed": 3}


def test_model_function_returns_named_scalar_outcomes():
    out = frivilligsim_model(**SMALL)
    assert set(out) == {
        "volunteers_2027",
        "coverage_2027",
        "mean_motivation_2027",
        "volunteers_per_centre_2027",
        "pressure_share_2027",
    }
    assert all(np.isfinite(v) for v in out.values())
    assert out["volunteers_2027"] > 0


def test_levers_and_uncertainties_reach_the_simulation():
    few = frivilligsim_model(**SMALL, order_intensity=0.0)
    many = frivilligsim_model(**SMALL, order_intensity=1.0, influence_on_orders=0.0)
    assert many["pressure_share_2027"] > few["pressure_share_2027"]
    assert many["mean_motivation_2027"] < few["mean_motivation_2027"]
    leave = frivilligsim_model(**SMALL, dropout_base=0.05)
    assert leave["volunteers_2027"] < frivilligsim_model(**SMALL)["volunteers_2027"]
    with pytest.raises(ConfigError, match="unknown argument"):
        frivilligsim_model(**SMALL, not_a_parameter=1.0)


def test_workbench_runs_experiments_and_returns_outcomes():
    from ema_workbench import SequentialEvaluator

    model = ema_model(
        end_year=2027,
        municipalities=4,
        parameters=["dropout_base", "word_of_mouth", "vacancy_months", "initial_share_adult"],
    )
    assert {lever.name for lever in model.levers} == set(LEVER_NAMES)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=4, policies=2)
    assert len(experiments) == 8
    for name in ("volunteers_2027", "coverage_2027", "mean_motivation_2027"):
        values = np.asarray(outcomes[name])
        assert values.shape == (8,) and np.isfinite(values).all()
    # different uncertainties give different volunteer counts
    assert len(set(np.asarray(outcomes["volunteers_2027"]).tolist())) > 1


def test_default_model_declares_every_assumption_as_an_uncertainty():
    from frivilligsim.analysis.sensitivity import assumption_parameters

    model = ema_model()
    assert {u.name for u in model.uncertainties} == set(assumption_parameters())
    assert {o.name for o in model.outcomes} >= {"volunteers_2050", "coverage_2050"}
