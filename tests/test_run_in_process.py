"""What ``frivilligsim.run()`` carries from one call to the next within a process: what it
reuses (the composed config, option files, demography rates) is keyed by everything it is
computed from, so an edited config file is read again, and every caller gets its own copy; the
engine's thread count is not carried over."""

from __future__ import annotations

import os
import shutil

import numba
import numpy as np
import pandas as pd
import pytest

import frivilligsim
from frivilligsim.core.demography import build_rates
from frivilligsim.inputs.projection import projection_targets
from frivilligsim.scenario import config, setup
from frivilligsim.simulation import runner

SMALL = ["region.max_municipalities=3", "end_year=2026"]


@pytest.fixture
def conf_copy(tmp_path, monkeypatch):
    """A copy of the config folder that the config loaders read instead of the packaged one."""
    conf = tmp_path / "conf"
    shutil.copytree(config.CONF_DIR, conf)
    monkeypatch.setattr(config, "CONF_DIR", conf)
    return conf


def _rewrite(path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in ``path``; the modification time moves on by a second."""
    text = path.read_text()
    assert old in text
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_the_config_is_composed_once_and_again_after_a_file_changes(conf_copy, monkeypatch):
    calls = []

    def counted(overrides):
        calls.append(list(overrides))
        return config.load_run_config(overrides)

    monkeypatch.setattr(runner, "load_run_config", counted)
    first = runner.typed_config(SMALL)
    second = runner.typed_config(SMALL)
    assert len(calls) == 1 and first.seed == second.seed == 2024
    second.region.max_municipalities = 99  # each caller has its own copy
    assert runner.typed_config(SMALL).region.max_municipalities == 3
    assert len(calls) == 1

    _rewrite(conf_copy / "config.yaml", "seed: 2024 ", "seed: 77 ")
    assert runner.typed_config(SMALL).seed == 77
    assert len(calls) == 2


def test_an_option_file_is_read_again_after_it_changes(conf_copy):
    run = runner.typed_config(["experiment=smoke"])
    before = setup.policy_for(run, "mobilisation")
    assert before.order_intensity == 0.6
    before.order_intensity = 0.0  # a copy: the next caller gets the file's value
    assert setup.policy_for(run, "mobilisation").order_intensity == 0.6
    _rewrite(
        conf_copy / "policy" / "mobilisation.yaml", "order_intensity: 0.6 ", "order_intensity: 0.4 "
    )
    assert setup.policy_for(run, "mobilisation").order_intensity == 0.4
    assert setup.presets(run)["mobilisation"].order_intensity == 0.4


def test_rates_are_built_once_per_world_and_each_caller_gets_a_copy():
    run = runner.typed_config(SMALL)
    world = setup.world_for(run.region, run.start_year)
    alternative = setup.demography_for(run, "LLML")
    first = setup.rates_for(run, alternative, world)
    expected = build_rates(
        alternative,
        run.start_year,
        run.end_year,
        world.region.population,
        projection_targets(world.region),
        world.codes,
    )
    for name in ("death", "fertility", "out_migration", "in_migration"):
        assert np.array_equal(getattr(first, name), getattr(expected, name))
    first.in_migration[:] = -1.0  # a caller's copy: the kept rates are not touched
    again = setup.rates_for(run, alternative, world)
    assert np.array_equal(again.in_migration, expected.in_migration)
    kept = [key for key in world.memo if key[0] == "rates" and key[1] == repr(alternative)]
    assert len(kept) == 1


def test_run_gives_the_same_table_from_overrides_again_and_from_a_typed_config():
    by_overrides = frivilligsim.run(SMALL + ["policy=mobilisation"], seed=6)
    again = frivilligsim.run(SMALL + ["policy=mobilisation"], seed=6)
    typed = config.validate(config.load_config(SMALL + ["policy=mobilisation"]))
    from_typed = frivilligsim.run(typed, seed=6)
    pd.testing.assert_frame_equal(by_overrides, again, check_exact=True)
    pd.testing.assert_frame_equal(by_overrides, from_typed, check_exact=True)


def test_engine_threads_null_is_numbas_default_after_a_run_on_one_thread():
    frivilligsim.run(SMALL + ["engine.threads=1"])
    assert numba.get_num_threads() == 1
    frivilligsim.run(SMALL)
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS


def test_the_engine_called_directly_with_threads_none_uses_numbas_default_too():
    """fast.simulate_setup / simulate_batch with threads=None (the explorer's path) do not keep a
    thread count an earlier call set."""
    from frivilligsim.engines import fast
    from frivilligsim.scenario.setup import prepare

    setup = prepare(config.validate(config.load_config(SMALL)))
    fast.simulate(*fast.job_of_setup(setup, 1), threads=1)
    assert numba.get_num_threads() == 1
    fast.simulate_batch([fast.job_of_setup(setup, 1)])
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
