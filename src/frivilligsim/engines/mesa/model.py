"""The Mesa 3 model: one object per volunteer, centre, service unit and municipality.

Owns :class:`FrivilligModel` (monthly steps over one municipality or a few), its
``DataCollector`` of the MODEL.md section 8 columns, and :func:`simulate_region`, the
``engine=mesa`` entry point of ``runner.simulate``. The agents and their rules are in
``agents.py``; every rule is a ``rules.py`` function and every draw an ``rng.py`` keyed draw
with the same keys as ``engine/fast.py``, so the two engines are docked (tests/test_docking.py).

Must not: hold behaviour (``Model.step`` only orchestrates, in the order of rules.py's
docstring), or let Mesa's ``self.random`` decide anything but the activation order.

Example::

    from frivilligsim.engines.mesa.model import FrivilligModel
    model = FrivilligModel(policy="mobilisation", municipalities=["S004"], end_year=2030, seed=1)
    model.run_model()
    model.datacollector.get_model_vars_dataframe()  # one row per month, year-to-date columns
    model.results_table()                          # one row per year, the fast engine's schema
"""

from __future__ import annotations

import logging
from dataclasses import fields, replace
from typing import Any

import mesa
import numpy as np
import pandas as pd

from frivilligsim.core import rules, schema
from frivilligsim.core.parameters import LEVER_FIELDS, BehaviourParams
from frivilligsim.core.rng import stable_id
from frivilligsim.engines import layout
from frivilligsim.engines.layout import (
    HELPER_COLUMNS,
    INT_COLUMNS,
    with_municipality_names,
    yearly_table,
)
from frivilligsim.engines.mesa.agents import Centre, Municipality, ServiceUnit, Volunteer
from frivilligsim.errors import FrivilligsimError, InvariantError
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.scenario.setup import ScenarioSetup, prepare

OUTPUT_COLUMNS = layout.OUTPUT_COLUMNS
_COL = {name: i for i, name in enumerate(OUTPUT_COLUMNS)}
# Stocks the fast engine writes each December; the monthly reporters show their live value.
_LIVE = {
    "volunteers",
    "volunteers_youth",
    "volunteers_adult",
    "volunteers_young_retiree",
    "volunteers_senior",
    "motivation_sum",
    "cooperating_centres",
    "leaders_pressured",
}
# The columns the DataCollector reports: section 8 first, then the fast engine's extras.
REPORTED_COLUMNS = (
    ("month",)
    + schema.REQUIRED_COLUMNS
    + tuple(
        c for c in OUTPUT_COLUMNS if c not in schema.REQUIRED_COLUMNS and c not in HELPER_COLUMNS
    )
)
LEVER_KEYWORDS = (
    "order_intensity",
    "influence_on_orders",
    "cocreation_share",
    "decline_response",
    "decline_penalty",
    "volunteer_policy",
    "municipal_backup",
    "evaluation_interval",
    "labour_shortage",
    "fiscal_stress_multiplier",
)


def _override_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_override_value(v) for v in value) + "]"
    return str(value)


def config_overrides(
    policy: str = "cocreation",
    demography: str = "MMMM",
    start_year: int = 2024,
    end_year: int = 2050,
    municipalities: list[str] | str | None = None,
    levers: dict[str, Any] | None = None,
    policy_start_year: int | None = None,
    overrides: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The Hydra overrides that the model's keywords stand for (used by :class:`FrivilligModel`).

    ``municipalities=None`` keeps the first municipality of the region, unless ``overrides``
    choose municipalities themselves (``region.municipalities=...`` or
    ``region.max_municipalities=...``).
    """
    items = [
        f"policy={policy}",
        f"demography={demography}",
        f"start_year={int(start_year)}",
        f"end_year={int(end_year)}",
    ]
    for name, value in (levers or {}).items():
        if value is not None:
            items.append(f"policy.{name}={_override_value(value)}")
    if policy_start_year is not None:
        items.append(f"policy.start_year={int(policy_start_year)}")
    if isinstance(municipalities, str):
        municipalities = [municipalities]
    chooses = any(
        o.split("=", 1)[0].lstrip("+~") in ("region.municipalities", "region.max_municipalities")
        for o in overrides
    )
    if municipalities:
        items.append(f"region.municipalities={_override_value([str(m) for m in municipalities])}")
    elif not chooses:
        items.append("region.max_municipalities=1")
    return items + list(overrides)


def _stream_seed(seed) -> int | None:
    """The integer seed of the keyed draws for Mesa's ``seed`` argument (None: none given)."""
    if seed is None:
        return None
    if isinstance(seed, bool):
        seed = int(seed)
    if isinstance(seed, int | np.integer):
        return int(seed) & 0x7FFF_FFFF_FFFF_FFFF
    if isinstance(seed, float) and seed.is_integer():
        return int(seed) & 0x7FFF_FFFF_FFFF_FFFF
    return stable_id(repr(seed))


class FrivilligModel(mesa.Model):
    """Volunteers, centres and service units of one municipality (or a few), month by month.

    Every keyword maps onto the config (``conf/``); ``None`` keeps the value of the policy file.
    Behaviour parameters (``model.*``) are model attributes too: ``model.turnover_base = 1.0``
    changes the running model (so do the lever names, for every municipality).

    Args:
        policy: policy option, ``cocreation`` | ``mobilisation`` | ``mobilisation_well`` |
            ``as_planned``.
        demography: demography alternative, e.g. ``MMMM``.
        start_year: first simulated year (January).
        end_year: last simulated year (to December).
        municipalities: municipality codes, e.g. ``["S004"]``; None = the region's first.
        order_intensity, influence_on_orders, cocreation_share, decline_response,
            decline_penalty, volunteer_policy, municipal_backup, evaluation_interval,
            labour_shortage, fiscal_stress_multiplier: policy levers (``policy.<name>``);
            None = the policy file's value.
        policy_start_year: the year the policy takes effect (``policy.start_year``).
        overrides: any other config overrides, e.g. ``["model.motivation_decay=0.02"]``.
        seed: Mesa's seed; also the seed of every keyed draw, so ``seed=s`` gives the fast
            engine's numbers for scenario seed ``s``. None: drawn from ``rng``.
        rng: Mesa's numpy generator or seed (used only when ``seed`` is None).
        setup: a prebuilt :class:`~frivilligsim.scenario.setup.ScenarioSetup` (``simulate_region`` uses it); the config
            keywords are then ignored.
    """

    def __init__(
        self,
        policy: str = "cocreation",
        demography: str = "MMMM",
        start_year: int = 2024,
        end_year: int = 2050,
        municipalities: list[str] | str | None = None,
        order_intensity: float | None = None,
        influence_on_orders: float | None = None,
        cocreation_share: float | None = None,
        decline_response: str | None = None,
        decline_penalty: float | None = None,
        volunteer_policy: str | None = None,
        municipal_backup: bool | None = None,
        evaluation_interval: int | None = None,
        labour_shortage: float | None = None,
        fiscal_stress_multiplier: float | None = None,
        policy_start_year: int | None = None,
        overrides: list[str] | tuple[str, ...] = (),
        seed: int | None = None,
        rng: Any = None,
        setup: ScenarioSetup | None = None,
    ) -> None:
        """Build the agents of the chosen municipalities on 1 January of ``start_year``."""
        if isinstance(seed, str) and seed.strip().isdigit():
            seed = int(seed)  # from a text box (the app)
        super().__init__(seed=seed, rng=rng)
        stream = _stream_seed(seed)
        if stream is None:
            stream = int(self.rng.integers(0, 2**62))
        self.stream_seed = stream
        if setup is None:
            levers = {
                "order_intensity": order_intensity,
                "influence_on_orders": influence_on_orders,
                "cocreation_share": cocreation_share,
                "decline_response": decline_response,
                "decline_penalty": decline_penalty,
                "volunteer_policy": volunteer_policy,
                "municipal_backup": municipal_backup,
                "evaluation_interval": evaluation_interval,
                "labour_shortage": labour_shortage,
                "fiscal_stress_multiplier": fiscal_stress_multiplier,
            }
            items = config_overrides(
                policy,
                demography,
                start_year,
                end_year,
                municipalities,
                levers,
                policy_start_year,
                overrides,
            )
            setup = prepare(validate(load_config(items)))
        self.setup = setup
        run = setup.run
        self.run_config = run
        self.params = _copy_record(setup.params)  # the model's own: attributes may change it
        self.rates = setup.rates
        self.start_year = int(run.start_year)
        self.n_months = int(setup.n_months)
        self.n_years = (self.n_months + 11) // 12
        self.policy_start_month = int(setup.start_month)
        self.policy_name = setup.policy_name
        self.demography_name = setup.demography_name
        self.check = bool(run.engine.check_invariants)
        spinup_years = int(self.params.spinup_years)
        # months simulated so far; during a step, the month being simulated. The spin-up's
        # months are negative: it runs here, before the model is handed over on 1 January.
        self.first_month = -12 * spinup_years
        self.month = self.first_month
        world = setup.world
        n_muni = len(setup.indices)
        self.codes = np.array([str(world.codes[m]) for m in setup.indices])
        self.out = np.zeros((n_muni, self.n_years, layout.N_OUT))
        self.pyramid = np.zeros(
            (n_muni, self.n_years, 2, self.rates.death.shape[-1]), dtype=np.int32
        )
        # the spin-up writes its own rows (read them with spinup_out), not the run's
        self.spinup_out = np.zeros((n_muni, spinup_years, layout.N_OUT))
        spinup_pyramid = np.zeros(
            (n_muni, spinup_years, 2, self.rates.death.shape[-1]), dtype=np.int32
        )
        spinning = spinup_years > 0
        self.municipalities = [
            self._build_municipality(
                k,
                m,
                self.spinup_out[k] if spinning else self.out[k],
                spinup_pyramid[k] if spinning else self.pyramid[k],
            )
            for k, m in enumerate(setup.indices)
        ]
        self._monthly: list[dict[str, Any]] = []
        for muni in self.municipalities:
            muni.new_year()  # the first January: demand and the initial volunteers
        while self.month < 0:
            self._step_month()
        for k, muni in enumerate(self.municipalities):
            muni.out = self.out[k]
            muni.pyramid = self.pyramid[k]
            if spinning:
                muni.close_pool_year()
                muni.new_year()  # January of the start year, from the spun-up state
        self._monthly = []
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in REPORTED_COLUMNS}
        )
        self._snapshot = self._current()
        self.datacollector.collect(self)

    # ---- construction ------------------------------------------------------------------------

    @property
    def row(self) -> int:
        """The output row of the month being simulated (of the spin-up's rows while it runs)."""
        if self.month < 0:
            return (self.month - self.first_month) // 12
        return self.month // 12

    def _build_municipality(self, k: int, m: int, out: np.ndarray, pyramid: np.ndarray):
        world = self.setup.world
        munis = world.region.municipalities.reset_index(drop=True)
        row = munis.iloc[m]
        lo = int(world.block_start[m])
        n0 = int(world.n_residents[m])
        muni = Municipality(
            self,
            index=k,
            code=str(world.codes[m]),
            name=str(row["name"]),
            centrality=int(row["centrality"]),
            discourse=str(row["discourse"]),
            volunteer_policy=str(row["volunteer_policy"]),
            fiscal_stress=float(world.fiscal_stress[m]),
            travel_burden=float(row["travel_burden"]),
            immigrant_share=float(world.immigrant_share[m]),
            muni_key=int(world.muni_key[m]),
            age=world.age[lo : lo + n0],
            sex=world.sex[lo : lo + n0],
            ids=world.ids[lo : lo + n0],
            capacity=int(world.block_cap[m]),
            lever_base=_copy_record(self.setup.lever_base[m]),
            lever_policy=_copy_record(self.setup.lever_policy[m]),
            out=out,
            pyramid=pyramid,
        )
        c_lo, c_hi = int(world.centre_start[m]), int(world.centre_start[m + 1])
        table = world.region.centres
        rows = table[table["municipality"].astype(str) == muni.code].reset_index(drop=True)
        for j, c in enumerate(range(c_lo, c_hi)):
            muni.centres.append(
                Centre(
                    self,
                    muni,
                    index=j,
                    key=int(world.centre_key[c]),
                    ownership=int(world.centre_ownership[c]),
                    role=schema.ROLE.index(str(rows["role"].iloc[j])),
                    agreement=int(world.centre_agreement[c]),
                    co_located=bool(world.centre_co_located[c]),
                    compensation=schema.COMPENSATION.index(str(rows["compensation"].iloc[j])),
                )
            )
        muni.units = [ServiceUnit(self, muni, a) for a in range(len(schema.AREAS))]
        return muni

    # ---- the monthly step ----------------------------------------------------------------------

    def _each(self, agent_type: type, method: str, shuffle: bool = False) -> None:
        agents = self.agents_by_type.get(agent_type)
        if agents is None:
            return
        if shuffle:
            agents.shuffle_do(method)
        else:
            agents.do(method)

    def step(self) -> None:
        """One month, in the order of rules.py's docstring.

        Phases whose agents do not read each other's writes are shuffled (their results do
        not depend on the order); sums over agents are made by the municipalities in a fixed
        order afterwards. After the last month the model stops (``running`` becomes False).
        """
        if self.month >= self.n_months:
            self.running = False
            return
        self._step_month()
        self._snapshot = self._current()
        self.datacollector.collect(self)

    def _step_month(self) -> None:
        """The phases of one month (the spin-up's months too: demography frozen before 0)."""
        january = self.month % 12 == 0
        self._each(Municipality, "begin_month")
        if january and self.month not in (self.first_month, 0):  # __init__ does those two
            if self.month > 0:  # the spin-up's Januaries leave the pool's year running
                self._each(Municipality, "close_pool_year")
                self._each(Municipality, "demography")  # 8. demography, each January
            self._each(Municipality, "new_year")  # 1. demand from the new target populations
        self._each(ServiceUnit, "step", shuffle=True)  # 1. covered and unmet demand
        self._each(Municipality, "assess_gap")
        self._each(Centre, "step", shuffle=True)  # 2-4, 9. orders, decisions, leader time
        self._each(Municipality, "gather_centres")
        self._each(Volunteer, "step", shuffle=True)  # 5-6. work, motivation, exit
        self._each(Municipality, "recruit")  # 7. recruitment
        self._each(Municipality, "close_month")
        self._each(Centre, "end_of_month")  # 4. leader turnover
        if self.month % 12 == 11:
            self._each(Municipality, "close_year")
        self.month += 1

    # ---- checks and bookkeeping ------------------------------------------------------------------

    @property
    def date(self) -> str:
        """The month being simulated (during a step) or next (between steps), ``YYYY-MM``."""
        return f"{self.start_year + self.month // 12}-{self.month % 12 + 1:02d}"

    def fail(self, code: int, entity: int) -> None:
        """Raise the fast engine's error for invariant ``code`` (``layout.ERR_*``)."""
        muni = self.codes[0] if len(self.codes) == 1 else ",".join(self.codes)
        message = f"municipality {muni}, {self.date}: {layout.ERROR_TEXT[code]} (entity {entity})"
        if code == layout.ERR_CAPACITY:
            raise FrivilligsimError(message)
        raise InvariantError(message)

    def record_month(self, muni: Municipality, counts: dict[str, int]) -> None:
        """Keep one municipality's volunteer flows of the month (for the conservation check)."""
        row = {"municipality": muni.code, "month": self.month, "date": self.date}
        row.update(counts)
        self._monthly.append(row)

    def monthly_table(self) -> pd.DataFrame:
        """Volunteer flows per municipality and month.

        Columns: ``volunteers_before`` (end of last month), ``deaths`` and ``out_migrants``
        (volunteers leaving through demography, January), ``volunteers_start``, ``recruits``,
        ``dropouts``, ``volunteers_after``. Conservation: ``volunteers_after ==
        volunteers_before + recruits - dropouts - deaths - out_migrants``.
        """
        return pd.DataFrame(self._monthly)

    # ---- outputs -------------------------------------------------------------------------------

    def _current(self) -> dict[str, Any]:
        """The reported values now: year-to-date flows, live stocks, summed over municipalities."""
        yi = (self.month - 1) // 12 if self.month > 0 else 0
        total = self.out[:, yi, :].sum(axis=0)
        values = {name: float(total[i]) for name, i in _COL.items()}
        p = self.params
        values["volunteers"] = float(sum(m.n_volunteers for m in self.municipalities))
        cohorts = sum(m.volunteers_by_cohort for m in self.municipalities)
        for k, cohort in enumerate(schema.COHORTS):
            values[f"volunteers_{cohort}"] = float(cohorts[k]) if len(self.municipalities) else 0.0
        values["motivation_sum"] = float(sum(m.motivation_sum for m in self.municipalities))
        values["cooperating_centres"] = float(
            sum(m.cooperating_centres() for m in self.municipalities)
        )
        values["leaders_pressured"] = float(
            sum(
                1
                for m in self.municipalities
                for c in m.centres
                if rules.is_pressured(c.orders_this_year, p)
            )
        )

        row: dict[str, Any] = {
            "month": self.month,
            "year": self.start_year + yi,
            "municipality": ",".join(self.codes),
            "policy": self.policy_name,
            "demography": self.demography_name,
            "seed": self.stream_seed,
            "coverage": float(layout.coverage(values["covered_hours"], values["demand_hours"])),
            "mean_motivation": float(
                layout.mean_motivation(values["motivation_sum"], values["volunteers"])
            ),
            "leader_strain": float(layout.ratio(values["strain_sum"], values["strain_months"])),
        }
        for name, value in values.items():
            if name in HELPER_COLUMNS:
                continue
            row[name] = int(round(value)) if name in INT_COLUMNS else value
        return row

    def results_table(self, replicate: int = 0) -> pd.DataFrame:
        """One row per (year, municipality) in the fast engine's output schema.

        Complete once the model has run to ``end_year`` (``run_model()``); built by
        ``results.yearly_table`` from the same ``[municipality, year, column]`` array.
        """
        keys = {
            "policy": self.policy_name,
            "demography": self.demography_name,
            "seed": self.stream_seed,
            "replicate": replicate,
        }
        table = yearly_table(self.out, OUTPUT_COLUMNS, self.codes, self.start_year, keys)
        return with_municipality_names(table, self.setup.world.region.municipalities)

    def yearly_dataframe(self) -> pd.DataFrame:
        """The DataCollector's rows at each December (the years completed so far)."""
        frame = self.datacollector.get_model_vars_dataframe()
        done = frame[(frame["month"] > 0) & (frame["month"] % 12 == 0)]
        return done.reset_index(drop=True)


def _copy_record(record: np.record) -> np.record:
    return np.rec.array(np.array([record], dtype=record.dtype))[0]


def _reporter(name: str):
    return lambda model: model._snapshot[name]


def _param_property(name: str) -> property:
    def get(self: FrivilligModel) -> float:
        return float(getattr(self.params, name))

    def set_(self: FrivilligModel, value: float) -> None:
        setattr(self.params, name, float(value))

    return property(get, set_, doc=f"Behaviour parameter ``model.{name}`` of the running model.")


def _lever_property(name: str) -> property:
    def get(self: FrivilligModel) -> float:
        return float(getattr(self.municipalities[0].lever, name))

    def set_(self: FrivilligModel, value: float) -> None:
        for muni in self.municipalities:
            setattr(muni.lever_base, name, float(value))
            setattr(muni.lever_policy, name, float(value))

    return property(get, set_, doc=f"Lever ``{name}`` in force, for every municipality.")


for _f in fields(BehaviourParams):
    setattr(FrivilligModel, _f.name, _param_property(_f.name))
for _name in LEVER_FIELDS:
    setattr(FrivilligModel, _name, _lever_property(_name))


def simulate_region(setup: ScenarioSetup, seed: int):
    """Run every municipality of a scenario through the Mesa model (``engine=mesa``).

    One :class:`FrivilligModel` per municipality, in turn (municipalities do not interact).

    Returns:
        ``(out, pyramid)``: float64 ``[municipality, year, column]`` (``layout.OUTPUT_COLUMNS``)
        and int32 ``[municipality, year, sex, age]``, as the fast engine.
    """
    n_years = (setup.n_months + 11) // 12
    n_muni = len(setup.indices)
    out = np.zeros((n_muni, n_years, layout.N_OUT))
    pyramid = np.zeros((n_muni, n_years, 2, setup.rates.death.shape[-1]), dtype=np.int32)
    # Mesa logs every step at INFO, which Hydra's logging would print for every month
    mesa_logger = logging.getLogger("MESA")
    level = mesa_logger.level
    mesa_logger.setLevel(max(level, logging.WARNING))
    try:
        for k, m in enumerate(setup.indices):
            model = FrivilligModel(seed=int(seed), setup=replace(setup, indices=[m]))
            model.run_model()
            out[k] = model.out[0]
            pyramid[k] = model.pyramid[0]
    finally:
        mesa_logger.setLevel(level)
    return out, pyramid
