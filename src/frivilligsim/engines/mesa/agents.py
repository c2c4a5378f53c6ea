"""The Mesa agents: volunteers, centres, service units and municipalities, one object each.

Owns each agent's state and its step methods. Every decision is a call to a ``rules.py``
function with a keyed draw from ``rng.py`` (the same (seed, entity, month, purpose) keys as the
fast engine), so the Mesa model and ``engine/fast.py`` draw the same numbers and take the same
decisions. Residents who do not volunteer are numpy arrays inside their :class:`Municipality`
(the recruitment pool); a resident who joins a centre becomes a :class:`Volunteer` object.

Must not: hold behaviour of its own (write it in ``rules.py``), draw from ``model.random`` or
``model.rng`` (those only shuffle the activation order, which results do not depend on), or let
one agent's step read what another agent wrote in the same phase (sums over agents are made
after each phase, in resident order, by the municipality).
"""

from __future__ import annotations

import mesa
import numpy as np

from frivilligsim.core import rules, schema
from frivilligsim.core.demography import FIRST_NEW_SERIAL, in_migrant_count, step_year
from frivilligsim.engines import (
    layout,  # the output layout (column indices) and invariant codes
    recruitment_pool,
)
from frivilligsim.errors import FrivilligsimError
from frivilligsim.inputs.region import largest_remainder_counts

MUNICIPAL = schema.OWNERSHIP.index("municipal")
VOLUNTARY_ORG = schema.OWNERSHIP.index("voluntary_org")

# Resident status in Municipality.status (recruitment_pool's codes, shared with the fast engine)
NOT_VOLUNTEER = recruitment_pool.IN_POOL
VOLUNTEER = recruitment_pool.VOLUNTEER
RECRUITED = recruitment_pool.JOINED  # joined this month; a volunteer from next month's work on


class Volunteer(mesa.Agent):
    """A resident active at a volunteer centre (*frivillig*), MODEL.md section 2.

    Attributes:
        municipality: the :class:`Municipality` the volunteer lives in.
        centre: the :class:`Centre` the volunteer works through.
        resident_id: the resident's id (keys every draw about this person).
        age: age on 1 January of the current year.
        motivation: in [0, 1].
        hours: hours a month.
        tenure: months active.
        area: main welfare area, a code of ``schema.AREAS``.
        dropped: set by :meth:`step` when the volunteer quits this month.
    """

    def __init__(
        self,
        model: mesa.Model,
        municipality: Municipality,
        centre: Centre,
        resident_id: int,
        age: int,
        motivation: float,
        hours: float,
        tenure: int,
        area: int,
    ) -> None:
        """Create a volunteer (see the class attributes)."""
        super().__init__(model)
        self.municipality = municipality
        self.centre = centre
        self.resident_id = int(resident_id)
        self.age = int(age)
        self.motivation = float(motivation)
        self.hours = float(hours)
        self.tenure = int(tenure)
        self.area = int(area)
        self.dropped = False
        # this month's split of the hours (set by step)
        self.hours_ordered = 0.0
        self.hours_cocreated = 0.0
        self.hours_meeting_demand = 0.0

    @property
    def cohort(self) -> int:
        """Cohort code of ``schema.COHORTS``: youth 13-25, adult 26-61, young retiree 62-75, senior 76+."""
        return schema.cohort_of_age(self.age)

    @property
    def cohort_name(self) -> str:
        return schema.COHORTS[self.cohort]

    @property
    def order_tolerant(self) -> bool:
        """Whether the volunteer does not mind ordered tasks (a fixed trait, ``rules.is_order_tolerant``)."""
        model = self.model
        return bool(rules.is_order_tolerant(model.stream_seed, self.resident_id, model.params))

    def step(self) -> None:
        """One month of work (rule 5) and the dropout decision (rule 6).

        Reads only the centre's state fixed earlier this month, so volunteers may act in any
        order.
        """
        model = self.model
        p = model.params
        lv = self.municipality.lever
        centre = self.centre
        tolerant = self.order_tolerant
        share = centre.ordered_share_tolerant if tolerant else centre.ordered_share
        m = rules.motivation_after_month(
            self.motivation,
            share,
            centre.followup_quality,
            centre.felt_strain,
            tolerant,
            lv,
            p,
        )
        if centre.cocreation_failed:
            m = rules.motivation_after_cocreation_failure(m, centre.cocreation, p)
        if centre.evaluating:
            m = rules.redesigned_motivation(m, p)
        self.motivation = m
        h = self.hours
        self.hours_ordered, self.hours_cocreated, self.hours_meeting_demand = rules.hours_split(
            h, share, centre.cocreation, self.municipality.travel_burden, p
        )
        if model.check:
            if m < 0.0 or m > 1.0:
                model.fail(layout.ERR_MOTIVATION, self.resident_id)
            if h < 0.0:
                model.fail(layout.ERR_HOURS, self.resident_id)
        if rules.drops_out(model.stream_seed, self.resident_id, model.month, m, p):
            self.dropped = True
        else:
            self.tenure += 1


class Centre(mesa.Agent):
    """A volunteer centre (*frivilligsentral*) and its daily leader (*daglig leder*).

    Attributes:
        municipality: the host :class:`Municipality`.
        key: the centre's stable rng entity (``world.centre_key``).
        ownership, role, agreement, compensation: codes of ``schema.OWNERSHIP``,
            ``schema.ROLE``, ``schema.AGREEMENT``, ``schema.COMPENSATION``.
        co_located: shares premises with municipal services.
        felt_strain: the leader's felt strain (moving average of hours asked / budget).
        vacancy: months the leader post stays empty (0 = a leader is in post).
        trust: trust between the municipality's service units and the centre, in [0, 1].
        order_pool: ordered volunteer hours a month still running (*bestillinger*).
        order_multiplier: how much the units still order from the centre (1 unless they back
            off after declines, ``rules.order_multiplier_after_month``).
    """

    def __init__(
        self,
        model: mesa.Model,
        municipality: Municipality,
        index: int,
        key: int,
        ownership: int,
        role: int,
        agreement: int,
        co_located: bool,
        compensation: int,
    ) -> None:
        """Create a centre with a leader in post (see the class attributes)."""
        super().__init__(model)
        p = model.params
        self.municipality = municipality
        self.index = int(index)
        self.key = int(key)
        self.ownership = int(ownership)
        self.role = int(role)
        self.agreement = int(agreement)
        self.co_located = bool(co_located)
        self.compensation = int(compensation)
        self.felt_strain = 0.0
        self.vacancy = 0
        self.trust = float(p.trust_initial)
        self.order_pool = 0.0
        self.order_multiplier = 1.0
        # this month (set by step)
        self.orders_issued = 0
        self.orders_declined = 0
        self.orders_declined_capacity = 0
        self.cocreation = 0.0
        self.cocreation_failed = False
        self.ordered_share = 0.0  # of an order-averse volunteer's hours
        self.ordered_share_tolerant = 0.0  # of an order-tolerant volunteer's hours
        self.followup_quality = 0.0
        self.recruiting_quality = 0.0
        self.strain = 0.0
        self.hours_worked = 0.0
        self.pull = 0.0
        self.evaluating = False
        # this year
        self.orders_this_year = 0
        self.joint_hours_year = 0.0  # co-created + ordered hours of its volunteers
        self.volunteer_hours_year = 0.0  # all hours of its volunteers
        # the centre's volunteers, tallied by the municipality after each resident pass
        self.n_volunteers = 0.0
        self.n_satisfied = 0.0
        self.volunteer_hours = 0.0
        self.tolerant_hours = 0.0
        self._leader = np.zeros(4)

    @property
    def vacant(self) -> bool:
        """True while the leader post is empty."""
        return self.vacancy > 0

    @property
    def leader_budget(self) -> float:
        """The leader's monthly time budget (hours)."""
        return float(self.model.params.leader_hours_per_month)

    def step(self) -> None:
        """Orders (rule 2), decisions (rule 3), leader time (rule 4) and evaluation (rule 9)."""
        model = self.model
        p = model.params
        seed = model.stream_seed
        month = model.month
        muni = self.municipality
        lv = muni.lever
        vacant = self.vacant
        issued = 0
        declined = 0
        declined_capacity = 0
        accepted_hours = 0.0
        running = rules.order_pool_after_month(self.order_pool, 0.0, p)
        averse_hours = self.volunteer_hours - self.tolerant_hours
        if not vacant:
            rate = rules.order_rate(
                muni.gap,
                muni.fiscal_stress,
                self.co_located,
                self.ownership == MUNICIPAL,
                self.order_multiplier,
                lv,
                p,
            )
            room = rules.order_capacity(self.tolerant_hours, averse_hours, p) - running
            issued, declined, declined_capacity, accepted_hours = rules.orders_of_month(
                seed,
                self.key,
                month,
                rate,
                self.ownership == VOLUNTARY_ORG,
                self.felt_strain,
                room,
                lv,
                p,
            )
            self.trust = rules.trust_after_declines(self.trust, declined, lv)
            self.order_multiplier = rules.order_multiplier_after_month(
                self.order_multiplier, issued, declined, lv, p
            )
        self.order_pool = running + accepted_hours
        self.cocreation = rules.cocreation_level(self.trust, self.agreement, vacant, lv)
        self.cocreation_failed = bool(
            rules.cocreation_fails(seed, self.key, month, self.cocreation, self.felt_strain, p)
        )
        if self.cocreation_failed:
            self.trust = rules.trust_after_cocreation_failure(self.trust)
        if vacant:
            self.followup_quality = 0.0
            self.recruiting_quality = 0.0
            self.strain = 0.0
            self.hours_worked = 0.0
        else:
            rules.leader_time(self.n_volunteers, issued, self.cocreation, lv, p, self._leader)
            self.strain = float(self._leader[0])
            self.felt_strain = rules.strain_memory(self.felt_strain, self.strain, p)
            self.followup_quality = float(self._leader[1])
            self.recruiting_quality = float(self._leader[2])
            self.hours_worked = float(self._leader[3])
            if model.check and self.hours_worked > self.leader_budget * (1.0 + 1e-9):
                model.fail(layout.ERR_LEADER_HOURS, self.key)
        self.ordered_share = rules.ordered_share(
            self.order_pool, self.tolerant_hours, averse_hours, False, lv, p
        )
        self.ordered_share_tolerant = rules.ordered_share(
            self.order_pool, self.tolerant_hours, averse_hours, True, lv, p
        )
        self.pull = rules.centre_pull(
            self.n_satisfied,
            muni.pool_13plus,
            self.recruiting_quality,
            self.co_located,
            vacant,
            muni.travel_burden,
            p,
        )
        self.evaluating = bool(rules.evaluates(month, vacant, lv))
        if self.evaluating:
            self.trust = rules.trust_after_evaluation(self.trust, p)
        self.orders_issued = issued
        self.orders_declined = declined
        self.orders_declined_capacity = declined_capacity
        self.orders_this_year += issued

    def end_of_month(self) -> None:
        """Leader turnover (rule 4): sustained overload makes the leader leave.

        A vacancy stops recruitment (assumption) and resets the relationship with the
        municipality (agreements that rest on persons are lost when they change, L2602-2604).
        """
        model = self.model
        p = model.params
        out = self.municipality.out
        year = model.row
        if self.vacancy > 0:
            self.vacancy -= 1
            out[year, layout.VACANT_MONTHS] += 1
            return
        if rules.leader_turnover(model.stream_seed, self.key, model.month, self.felt_strain, p):
            out[year, layout.TURNOVERS] += 1
            vacancy, felt_strain, trust, order_pool = rules.state_after_turnover(p)
            self.vacancy = int(vacancy)
            self.felt_strain = float(felt_strain)
            self.trust = float(trust)
            self.order_pool = float(order_pool)
            self.order_multiplier = 1.0

    def new_year(self) -> None:
        """Reset the yearly counters (orders received, joint and volunteer hours)."""
        self.orders_this_year = 0
        self.joint_hours_year = 0.0
        self.volunteer_hours_year = 0.0

    @property
    def cooperates(self) -> bool:
        """Cooperating with the municipality on welfare this year so far (``rules.cooperates``)."""
        return bool(
            rules.cooperates(self.joint_hours_year, self.volunteer_hours_year, self.model.params)
        )


class ServiceUnit(mesa.Agent):
    """A municipal service unit (*kommunal enhet*) for one welfare area (L1399-1409).

    Attributes:
        municipality: the owning :class:`Municipality`.
        area: code of ``schema.AREAS``.
        demand: supplementary hours a month wanted from the target population (set each January).
        demand_start: ``demand`` in the first year (staff capacity is a share of it).
        staff: municipal staff hours a month for supplementary work.
        volunteer_hours_meeting_demand: volunteer hours in this area that met demand last month.
        covered: ``min(volunteer_hours_meeting_demand, demand)``.
        orders_issued: orders attributed to this unit this year (bookkeeping; see ``issue``).
    """

    def __init__(self, model: mesa.Model, municipality: Municipality, area: int) -> None:
        """Create the unit of welfare area ``area`` (a code of ``schema.AREAS``)."""
        super().__init__(model)
        self.municipality = municipality
        self.area = int(area)
        self.demand = 0.0
        self.demand_start = 0.0
        self.staff = 0.0
        self.volunteer_hours_meeting_demand = 0.0
        self.covered = 0.0
        self.unmet = 0.0
        self.orders_issued = 0

    @property
    def name(self) -> str:
        return schema.AREAS[self.area]

    def new_year(self, demand: float, first_year: bool) -> None:
        """Take this year's demand (rule 1) and the staff capacity that goes with it."""
        model = self.model
        self.demand = float(demand)
        if first_year:
            self.demand_start = self.demand
        years_since_start = max(0, model.month // 12)  # staff frozen during the spin-up
        lv = self.municipality.lever
        self.staff = rules.staff_capacity(
            self.demand_start, years_since_start, lv.labour_shortage, model.params
        )
        self.orders_issued = 0

    def step(self) -> None:
        """The unit's standing at the start of the month: covered and unmet hours."""
        self.covered = rules.covered_hours(self.volunteer_hours_meeting_demand, self.demand)
        self.unmet = max(0.0, self.demand - self.staff - self.covered)


class Municipality(mesa.Agent):
    """A municipality (*kommune*): its residents, centres and service units.

    Non-volunteer residents are arrays (``age``, ``sex``, ``ids``, ``status``) in the order the
    fast engine keeps them; volunteers are :class:`Volunteer` objects found by resident id.

    Attributes:
        code, name, centrality, discourse, volunteer_policy: from the region.
        fiscal_stress, travel_burden, immigrant_share: from the region.
        lever_base, lever_policy: lever records (``parameters.LEVER_DTYPE``) before and from the
            policy's start month.
        centres: the :class:`Centre` agents, in the region's order.
        units: the four :class:`ServiceUnit` agents, in ``schema.AREAS`` order.
        gap: share of demand unmet last month (staff and volunteers), in [0, 1].
        out: yearly outputs ``[year, layout.OUTPUT_COLUMNS]`` (a view into the model's array).
        pyramid: residents by ``[year, sex, age]`` on 1 January.
    """

    def __init__(
        self,
        model: mesa.Model,
        *,
        index: int,
        code: str,
        name: str,
        centrality: int,
        discourse: str,
        volunteer_policy: str,
        fiscal_stress: float,
        travel_burden: float,
        immigrant_share: float,
        muni_key: int,
        age: np.ndarray,
        sex: np.ndarray,
        ids: np.ndarray,
        capacity: int,
        lever_base,
        lever_policy,
        out: np.ndarray,
        pyramid: np.ndarray,
    ) -> None:
        """Create a municipality from its initial residents (see the class attributes)."""
        super().__init__(model)
        self.index = int(index)
        self.code = str(code)
        self.name = str(name)
        self.centrality = int(centrality)
        self.discourse = str(discourse)
        self.volunteer_policy = str(volunteer_policy)
        self.fiscal_stress = float(fiscal_stress)
        self.travel_burden = float(travel_burden)
        self.immigrant_share = float(immigrant_share)
        self.muni_key = int(muni_key)
        self.lever_base = lever_base
        self.lever_policy = lever_policy
        self.out = out
        self.pyramid = pyramid
        n = len(age)
        self.capacity = int(capacity)
        self.age = np.zeros(self.capacity, dtype=np.int16)
        self.sex = np.zeros(self.capacity, dtype=np.int8)
        self.ids = np.zeros(self.capacity, dtype=np.int64)
        self.exit_reason = np.zeros(self.capacity, dtype=np.int8)
        # the recruitment pool: status and Exp(1) thresholds of every resident (rule 7)
        self.pool = recruitment_pool.new_pool(self.capacity)
        self.status = self.pool.status
        self._joined = np.zeros(self.capacity, dtype=np.int32)
        self.age[:n] = age
        self.sex[:n] = sex
        self.ids[:n] = ids
        self.n = n
        self.next_serial = FIRST_NEW_SERIAL
        self.volunteers: dict[int, Volunteer] = {}
        self.centres: list[Centre] = []
        self.units: list[ServiceUnit] = []
        self.gap = 0.0
        self.cocreated_last_month = 0.0  # co-created volunteer hours (they take staff time)
        self.pool_13plus = 0.0
        self.total_pull = 0.0
        # live tallies (refreshed after each resident pass)
        self.n_volunteers = 0
        self.volunteers_by_cohort = np.zeros(4)
        self.motivation_sum = 0.0
        # monthly bookkeeping for the conservation check
        self._month = {}

    # ---- helpers ---------------------------------------------------------------------------

    @property
    def lever(self):
        """The lever record in force this month."""
        model = self.model
        return self.lever_policy if model.month >= model.policy_start_month else self.lever_base

    @property
    def residents(self) -> int:
        """Residents now."""
        return self.n

    @property
    def demand(self) -> np.ndarray:
        """Demand hours a month by welfare area (``schema.AREAS`` order)."""
        return np.array([u.demand for u in self.units])

    def _volunteer_positions(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.status[: self.n] == code)

    def _add_volunteer(self, i, centre, motivation, hours, tenure, area) -> Volunteer:
        v = Volunteer(
            self.model,
            self,
            self.centres[centre],
            int(self.ids[i]),
            int(self.age[i]),
            motivation,
            hours,
            tenure,
            area,
        )
        self.volunteers[v.resident_id] = v
        return v

    # ---- 8. demography (each January after the first) --------------------------------------

    def close_pool_year(self) -> None:
        """Every January but the first: the pool's year closes before the demography (rule 7)."""
        recruitment_pool.close_year(self.pool, self.age, self.n)

    def _make_room(self, needed: int) -> None:
        """Grow the resident arrays (and the pool's) to hold ``needed`` residents, if they
        cannot: the fast engine runs a batch again with more room instead."""
        if needed <= self.capacity:
            return
        capacity = max(int(needed), 2 * self.capacity)
        for name in ("age", "sex", "ids", "exit_reason", "_joined"):
            old = getattr(self, name)
            grown = np.zeros(capacity, dtype=old.dtype)
            grown[: self.capacity] = old
            setattr(self, name, grown)
        pool = recruitment_pool.new_pool(capacity)
        for name, old in zip(recruitment_pool.Pool._fields, self.pool, strict=True):
            getattr(pool, name)[: len(old)] = old
        self.pool = pool
        self.status = pool.status
        self.capacity = capacity

    def demography(self) -> None:
        """Last year's deaths, births and migration by ``demography.step_year`` (rule 8).

        Called in January of year ``y``: the step of calendar year ``y - 1`` takes the residents
        from 1 January ``y - 1`` to 1 January ``y`` (its events are counted in year ``y``'s row).
        The same call, with the same arguments, as the fast engine makes; volunteers who die or
        move away leave their centre, and the resident arrays are compacted in the same order.
        """
        model = self.model
        year = model.row
        step = model.month // 12 - 1
        rates = model.rates
        before = self.n
        out_migration, in_migration = rates.migration_for(self.code)
        arrivals = in_migrant_count(
            in_migration[step], self.muni_key, model.stream_seed, model.start_year + step
        )
        self._make_room(2 * self.n + arrivals)  # at most one birth per resident
        n_new, next_serial, births, deaths, in_mig, out_mig = step_year(
            self.age,
            self.sex,
            self.ids,
            self.exit_reason,
            self.n,
            self.next_serial,
            self.muni_key,
            model.stream_seed,
            model.start_year + step,
            rates.death[step],
            rates.fertility[step],
            out_migration[step],
            in_migration[step],
        )
        if n_new < 0:
            raise FrivilligsimError(
                f"municipality {self.code}, {model.date}: {layout.ERROR_TEXT[layout.ERR_CAPACITY]}"
            )
        self.next_serial = next_serial
        vol_deaths = 0
        vol_out = 0
        for i in self._volunteer_positions(VOLUNTEER):
            reason = self.exit_reason[i]
            if reason != 0:
                if reason == 1:
                    vol_deaths += 1
                else:
                    vol_out += 1
                self.volunteers.pop(int(self.ids[i])).remove()
        self.status[before:n_new] = NOT_VOLUNTEER
        self.pool.threshold[before:n_new] = np.nan
        keep = self.exit_reason[:n_new] == 0
        n = int(keep.sum())
        for array in (self.age, self.sex, self.ids, self.status, self.pool.threshold):
            array[:n] = array[:n_new][keep]
        self.exit_reason[:n] = 0
        self.n = n
        for i in self._volunteer_positions(VOLUNTEER):
            self.volunteers[int(self.ids[i])].age = int(self.age[i])
        out = self.out
        out[year, layout.VOL_DEATHS] += vol_deaths
        out[year, layout.VOL_OUTMIG] += vol_out
        out[year, layout.BIRTHS] = births
        out[year, layout.DEATHS] = deaths
        out[year, layout.IN_MIG] = in_mig
        out[year, layout.OUT_MIG] = out_mig
        self._month["deaths"] = vol_deaths
        self._month["out_migrants"] = vol_out
        if model.check and n != before + births - deaths + in_mig - out_mig:
            model.fail(layout.ERR_PEOPLE, self.index)

    # ---- 1. demand: target populations each January ----------------------------------------

    def new_year(self) -> None:
        """Count the target populations, set the units' demand and staff, re-tally volunteers.

        In the first year this also draws the initial volunteers.
        """
        model = self.model
        year = model.row
        n = self.n
        age = self.age[:n]
        np.add.at(self.pyramid[year], (self.sex[:n], age), 1)
        n80 = float(np.count_nonzero(age >= 80))
        n70 = float(np.count_nonzero(age >= 70))
        n6_17 = float(np.count_nonzero((age >= 6) & (age <= 17)))
        self.pool_13plus = float(np.count_nonzero(age >= schema.VOLUNTEER_MIN_AGE))
        out = self.out
        out[year, layout.RESIDENTS] = n
        out[year, layout.R70] = n70
        out[year, layout.R80] = n80
        demand = np.zeros(4)
        rules.demand_hours(n80, self.immigrant_share * n, n6_17, float(n), model.params, demand)
        first = model.month == model.first_month
        for unit in self.units:
            unit.new_year(demand[unit.area], first)
        if first:
            self.initial_volunteers(demand)
        if first or model.month >= 0:  # the spin-up's later Januaries leave the pool's year running
            recruitment_pool.open_year(
                self.pool, model.stream_seed, self.ids, self.age, self.n, model.month
            )
        self.retally()
        out[year, layout.CENTRES] = len(self.centres)
        for centre in self.centres:
            centre.new_year()

    def initial_volunteers(self, demand: np.ndarray) -> None:
        """Draw the 2024 volunteers: about ``initial_volunteers_per_centre`` per centre (L192)."""
        model = self.model
        p = model.params
        seed = model.stream_seed
        nc = len(self.centres)
        if nc == 0:
            return
        n = self.n
        age = self.age[:n]
        pool = np.zeros(4)
        for i in range(n):
            if rules.in_pool_age(age[i]):
                pool[rules.cohort_of_age(age[i])] += 1.0
        prob = np.zeros(4)
        rules.initial_volunteer_probability(pool, nc, p, prob)
        demand = np.asarray(demand, dtype=np.float64)
        for i in range(n):
            if not rules.in_pool_age(age[i]):
                continue
            cohort = rules.cohort_of_age(age[i])
            joined, centre, motivation, hours, area, tenure = rules.initial_volunteer(
                seed, int(self.ids[i]), prob[cohort], nc, demand, cohort, p
            )
            if not joined:
                continue
            self.status[i] = VOLUNTEER
            self._add_volunteer(i, centre, motivation, hours, tenure, area)

    def retally(self) -> None:
        """Count each centre's volunteers, satisfied volunteers and hours, in resident order."""
        p = self.model.params
        for centre in self.centres:
            centre.n_volunteers = 0.0
            centre.n_satisfied = 0.0
            centre.volunteer_hours = 0.0
            centre.tolerant_hours = 0.0
        cohorts = np.zeros(4)
        total = 0
        motivation = 0.0
        for i in self._volunteer_positions(VOLUNTEER):
            v = self.volunteers[int(self.ids[i])]
            c = v.centre
            c.n_volunteers += 1.0
            c.volunteer_hours += v.hours
            if v.order_tolerant:
                c.tolerant_hours += v.hours
            if rules.is_satisfied(v.motivation, p):
                c.n_satisfied += 1.0
            cohorts[v.cohort] += 1.0
            total += 1
            motivation += v.motivation
        self.n_volunteers = total
        self.volunteers_by_cohort = cohorts
        self.motivation_sum = motivation

    # ---- monthly phases --------------------------------------------------------------------

    def begin_month(self) -> None:
        """Start the month's bookkeeping (volunteers before demography, for conservation)."""
        self._month = {
            "volunteers_before": self.n_volunteers,
            "deaths": 0,
            "out_migrants": 0,
        }

    def assess_gap(self) -> None:
        """The share of demand left unmet last month (rule 1), from the units' standing."""
        demand_total = 0.0
        staff_total = 0.0
        covered = 0.0
        for unit in self.units:
            demand_total += unit.demand
            staff_total += unit.staff
            covered += unit.covered
        staff = rules.staff_after_cocreation(
            staff_total, self.cocreated_last_month, self.model.params
        )
        self.gap = rules.gap_ratio(demand_total, staff, covered)
        self._month["volunteers_start"] = self.n_volunteers

    def gather_centres(self) -> None:
        """Sum the centres' strain, orders and pull in centre order; units take the orders."""
        out = self.out
        year = self.model.row
        total_pull = 0.0
        issued = 0
        for centre in self.centres:
            if not centre.vacant:
                out[year, layout.STRAIN_SUM] += centre.strain
                out[year, layout.STRAIN_MONTHS] += 1.0
            out[year, layout.ORD_ISSUED] += centre.orders_issued
            out[year, layout.ORD_DECLINED] += centre.orders_declined
            out[year, layout.ORD_DECLINED_CAPACITY] += centre.orders_declined_capacity
            total_pull += centre.pull
            issued += centre.orders_issued
        self.total_pull = total_pull
        self.issue(issued)

    def issue(self, orders: int) -> None:
        """Attribute this month's orders to the units by their unmet hours (bookkeeping only)."""
        if orders <= 0:
            return
        weights = [u.unmet for u in self.units]
        if sum(weights) <= 0.0:
            weights = [u.demand for u in self.units]
        if sum(weights) <= 0.0:
            weights = [1.0] * len(self.units)
        for unit, k in zip(self.units, largest_remainder_counts(weights, orders), strict=True):
            unit.orders_issued += int(k)

    def recruit(self) -> None:
        """Non-volunteers aged 13+ join a centre (rule 7); a vacant centre draws no one.

        The joiners are read off the recruitment pool (``recruitment_pool.joiners``) with the
        cohorts' hazards of this month (``rules.cohort_recruit_hazards``).
        """
        model = self.model
        p = model.params
        seed = model.stream_seed
        month = model.month
        nc = len(self.centres)
        pulls = np.array([c.pull for c in self.centres])
        demand = np.array([u.demand for u in self.units])
        hazard = np.zeros(4)
        rules.cohort_recruit_hazards(self.total_pull, self.lever, p, hazard)
        k = recruitment_pool.joiners(self.pool, self.age, self.n, hazard, self._joined)
        chosen = self._joined[:k]
        for i in chosen:
            rid = int(self.ids[i])
            cohort = rules.cohort_of_age(self.age[i])
            centre, motivation, hours, area = rules.recruit(
                seed, rid, month, cohort, pulls, nc, demand, p
            )
            self.status[i] = RECRUITED
            self._add_volunteer(i, centre, motivation, hours, 0, area)
        self._month["recruits"] = len(chosen)

    def close_month(self) -> None:
        """Sum the month's hours, remove dropouts, re-tally, record outputs and check them."""
        model = self.model
        year = model.row
        out = self.out
        v_hours = 0.0
        h_ordered = 0.0
        h_cocreated = 0.0
        effective = [0.0, 0.0, 0.0, 0.0]
        dropouts = 0
        dropped = []
        for i in self._volunteer_positions(VOLUNTEER):
            v = self.volunteers[int(self.ids[i])]
            v_hours += v.hours
            h_ordered += v.hours_ordered
            h_cocreated += v.hours_cocreated
            v.centre.joint_hours_year += v.hours_ordered + v.hours_cocreated
            v.centre.volunteer_hours_year += v.hours
            effective[v.area] += v.hours_meeting_demand
            if v.dropped:
                dropouts += 1
                self.status[i] = NOT_VOLUNTEER
                dropped.append(i)
                del self.volunteers[v.resident_id]
                v.remove()
        for i in dropped:  # back in the pool from next month, with a new threshold
            recruitment_pool.reenter(
                self.pool, model.stream_seed, int(self.ids[i]), i, self.age, model.month
            )
        self.cocreated_last_month = h_cocreated
        self.status[: self.n][self.status[: self.n] == RECRUITED] = VOLUNTEER
        self.retally()
        recruits = self._month.get("recruits", 0)
        start = self._month["volunteers_start"]
        if model.check and self.n_volunteers != start + recruits - dropouts:
            model.fail(layout.ERR_VOLUNTEERS, self.index)
        demand_total = 0.0
        for unit in self.units:
            demand_total += unit.demand
        covered = 0.0
        for unit in self.units:
            a = unit.area
            unit.volunteer_hours_meeting_demand = effective[a]
            cov_a = rules.covered_hours(effective[a], unit.demand)
            covered += cov_a
            out[year, layout.DEMAND_AREA + a] += unit.demand
            out[year, layout.COVERED_AREA + a] += cov_a
        if model.check and (covered < 0.0 or covered > demand_total * (1.0 + 1e-9) + 1e-9):
            model.fail(layout.ERR_COVERAGE, self.index)
        out[year, layout.VHOURS] += v_hours
        out[year, layout.HORD] += h_ordered
        out[year, layout.HCOC] += h_cocreated
        out[year, layout.DEMAND] += demand_total
        out[year, layout.COVERED] += covered
        out[year, layout.RECRUITS] += recruits
        out[year, layout.DROPOUTS] += dropouts
        self._month.update(recruits=recruits, dropouts=dropouts, volunteers_after=self.n_volunteers)
        model.record_month(self, self._month)

    def close_year(self) -> None:
        """December: the year's stocks of volunteers and the centres' cooperation."""
        year = self.model.row
        out = self.out
        p = self.model.params
        out[year, layout.VOLS] = self.n_volunteers
        for k in range(4):
            out[year, layout.VOLS_COHORT + k] = self.volunteers_by_cohort[k]
        out[year, layout.MOT_SUM] = self.motivation_sum
        for centre in self.centres:
            out[year, layout.COOPERATING] += 1 if centre.cooperates else 0
            if rules.is_pressured(centre.orders_this_year, p):
                out[year, layout.PRESSURED] += 1

    # ---- live views (for reporters and the app) ---------------------------------------------

    def cooperating_centres(self) -> int:
        return sum(1 for c in self.centres if c.cooperates)
