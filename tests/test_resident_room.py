"""A municipality that outgrows the room for its residents is given more, with the same results.

The world gives each municipality ``world.CAPACITY_FACTOR`` times its first residents' slots.
Strong in-migration settings (in range) can need more: the fast engine then runs the batch again
with more room (``fast.ROOM``), the Mesa model grows its arrays before the demography step.
Draws are keyed, so the room changes nothing else. Here a world with almost no spare room must
give the same tables as the usual world, in both engines.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from frivilligsim.engines import fast
from frivilligsim.engines.mesa.model import FrivilligModel, config_overrides
from frivilligsim.errors import FrivilligsimError
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import Scenario, prepare
from frivilligsim.simulation.runner import simulate

GROWING = ("demography.immigration_2030=3", "demography.immigration_2050=3", "model.spinup_years=2")


@pytest.fixture(scope="module")
def growing():
    items = config_overrides(
        "cocreation", "MMMM", 2024, 2027, ["S004"], None, None, ("region=synthetic", *GROWING)
    )
    run = validate(load_config(items))
    setup = prepare(run)
    tight = replace(setup.world, block_cap=setup.world.n_residents + 8)  # 8 spare slots
    return run, setup, tight


def test_the_fast_engine_runs_again_with_more_room_and_the_same_results(growing):
    run, setup, tight = growing
    usual, _ = simulate(run, Scenario("cocreation", "MMMM", 0, 3), setup.world)
    assert usual["residents"].iloc[-1] > usual["residents"].iloc[0] + 8  # it needs the room
    roomy, _ = simulate(run, Scenario("cocreation", "MMMM", 0, 3), tight)
    assert usual.equals(roomy)


def test_the_mesa_model_grows_its_arrays_with_the_same_results(growing):
    run, setup, tight = growing
    usual = FrivilligModel(seed=3, setup=setup)
    usual.run_model()
    small = FrivilligModel(seed=3, setup=replace(setup, world=tight))
    small.run_model()
    assert small.municipalities[0].capacity > int(tight.block_cap[0])
    assert usual.results_table().equals(small.results_table())


def test_a_municipality_beyond_every_room_is_refused_with_one_line(growing, monkeypatch):
    run, setup, tight = growing
    monkeypatch.setattr(fast, "ROOM", (1,))
    with pytest.raises(FrivilligsimError, match=r"S004, 20\d\d-01: the municipality outgrew") as e:
        simulate(run, Scenario("cocreation", "MMMM", 0, 3), tight)
    assert "\n" not in str(e.value) and np.all(tight.block_cap < setup.world.block_cap)
