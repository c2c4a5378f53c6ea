"""Evaluator.simulate_many: a whole sample at once gives what each request gives alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from frivilligsim.analysis.outcomes import Evaluator, Request
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import demography_for


def test_simulate_many_gives_each_request_what_simulate_gives_alone():
    cfg = validate(
        load_config(
            ["region=synthetic", "region.max_municipalities=6", "end_year=2027"]
            + ["model.spinup_years=2"]
        )
    )
    evaluator = Evaluator(cfg)
    adult = cfg.model.recruit_base_adult
    requests = [
        Request(5, "cocreation"),
        Request(5, "mobilisation", levers={"order_intensity": 0.9}),
        (5, "mobilisation", {"recruit_base_adult": adult * 1.5}, None),
        Request(6, "as_planned"),
        Request(5, "cocreation"),  # a repeat gives the same numbers
        Request(5, "cocreation", demography="LLML"),
    ]
    many = evaluator.simulate_many(requests)
    alone = [evaluator.simulate(*Request(*r)[:4]) for r in requests[:-1]]
    other = Evaluator(replace(cfg, demography=demography_for(cfg, "LLML")))
    alone.append(other.simulate(5, "cocreation"))
    for got, expected in zip(many, alone, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(many[0], many[4])
    assert not np.array_equal(many[0], many[1])
    assert not np.array_equal(many[1], many[2]), "a model override must change the result"
    assert not np.array_equal(many[0], many[5]), "the demography must change the result"
