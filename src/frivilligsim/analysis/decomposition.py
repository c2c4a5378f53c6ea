"""The policy gap split into its levers (Shapley values), and ageing's part kept apart from policy's.

Owns: which levers separate two policy presets (every field of ``PolicyConfig`` whose value
differs between the two preset files, read from ``conf/policy``, never a fixed list), running
each combination of those levers switched from one preset to the other on common random
numbers, the Shapley contributions that sum to the total gap, the no-ageing counterfactual,
and ``task=decomposition``.
Must not: change a preset or hold behaviour.

A lever combination ``S`` is the ``from`` preset with the levers in ``S`` set to the ``to``
preset's values; ``v(S)`` is the outcome in ``end_year`` averaged over the same seeds for every
``S``. The Shapley contribution of lever ``i`` is its marginal effect ``v(S + i) - v(S)``
averaged over every order in which the levers can be switched on. The contributions sum to
``v(all) - v(none)``, the total gap, exactly (efficiency), with the exact method and with
sampled orders alike.

    python -m frivilligsim experiment=decomposition
"""

from __future__ import annotations

import math
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from frivilligsim.analysis.outcomes import MEASURES, Evaluator
from frivilligsim.core.parameters import PolicyConfig
from frivilligsim.core.rng import replicate_seed
from frivilligsim.errors import ConfigError
from frivilligsim.scenario.config import RunConfig, group_options, load_demography

NO_AGEING_OPTION = "static"  # demography=static: added on branch demog; skipped until it exists
NOT_LEVERS = ("name", "regime")  # labels: a regime only matters under as_planned (world.py)
METHODS = ("exact", "permutations")
MAX_EXACT_LEVERS = 12  # 4096 combinations per seed; beyond this use sampled orders


def lever_names() -> list[str]:
    """Every field of a policy preset that acts on the simulation."""
    return [f.name for f in fields(PolicyConfig) if f.name not in NOT_LEVERS]


def differing_levers(a: PolicyConfig, b: PolicyConfig) -> list[str]:
    """The levers whose values differ between two presets, in the schema's order."""
    return [name for name in lever_names() if getattr(a, name) != getattr(b, name)]


def switched(base: PolicyConfig, target: PolicyConfig, levers) -> dict:
    """Lever overrides that set ``levers`` of ``base`` to ``target``'s values."""
    return {name: getattr(target, name) for name in levers}


# ---- Shapley values -------------------------------------------------------------------------


def exact_shapley(values: dict[int, float], n: int) -> np.ndarray:
    """Shapley values from ``v`` of every subset (bit ``i`` of a key = lever ``i`` switched)."""
    phi = np.zeros(n)
    weights = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    for mask in range(2**n):
        size = bin(mask).count("1")
        for i in range(n):
            if not mask & (1 << i):
                phi[i] += weights[size] * (values[mask | (1 << i)] - values[mask])
    return phi


def permutation_orders(n: int, count: int, seed: int) -> list[tuple[int, ...]]:
    """``count`` orders of ``n`` levers: each order with its reverse (antithetic pairs)."""
    rng = np.random.default_rng(seed)
    orders: list[tuple[int, ...]] = []
    while len(orders) < count:
        order = tuple(int(i) for i in rng.permutation(n))
        orders.extend([order, order[::-1]])
    return orders[:count]


def permutation_shapley(values: dict[int, float], n: int, orders) -> np.ndarray:
    """Mean marginal effect of each lever over the given orders (sums to the total exactly)."""
    phi = np.zeros(n)
    for order in orders:
        mask = 0
        for i in order:
            phi[i] += values[mask | (1 << i)] - values[mask]
            mask |= 1 << i
    return phi / len(orders)


def masks_needed(n: int, method: str, orders) -> list[int]:
    if method == "exact":
        return list(range(2**n))
    needed = {0}
    for order in orders:
        mask = 0
        for i in order:
            mask |= 1 << i
            needed.add(mask)
    return sorted(needed)


# ---- running the combinations ---------------------------------------------------------------


def check_settings(run: RunConfig) -> tuple[PolicyConfig, PolicyConfig, list[str]]:
    """The two presets and the levers to split by; one clear error for a bad setting."""
    from frivilligsim.scenario.setup import policy_for

    s = run.decomposition
    options = group_options("policy")
    for key in ("from_policy", "to_policy"):
        name = getattr(s, key)
        if name not in options:
            raise ConfigError(
                f"decomposition.{key}={name} is not a policy; choose one of: {', '.join(options)}"
            )
    if s.from_policy == s.to_policy:
        raise ConfigError("decomposition.from_policy and to_policy are the same; there is no gap")
    a, b = policy_for(run, s.from_policy), policy_for(run, s.to_policy)
    for key, preset in (("from_policy", a), ("to_policy", b)):
        if preset.regime == "as_planned":
            raise ConfigError(
                f"decomposition.{key}={preset.name} mixes presets by plan discourse (regime as_planned); "
                "choose presets that apply their own levers everywhere"
            )
    differ = differing_levers(a, b)
    levers = list(s.levers) or differ
    for name in levers:
        if name not in differ:
            raise ConfigError(
                f"decomposition.levers: {name!r} does not differ between {a.name} and {b.name}; "
                f"levers that differ: {', '.join(differ) or 'none'}"
            )
    if not levers:
        raise ConfigError(f"{a.name} and {b.name} have the same levers; there is no gap to split")
    if s.method not in METHODS:
        raise ConfigError(
            f"decomposition.method={s.method} is not allowed; choose one of: {', '.join(METHODS)}"
        )
    if s.method == "exact" and len(levers) > MAX_EXACT_LEVERS:
        raise ConfigError(
            f"decomposition: {len(levers)} levers need 2^{len(levers)} runs per seed; "
            "use decomposition.method=permutations"
        )
    if s.method == "permutations" and s.permutations < 2:
        raise ConfigError("decomposition.permutations must be 2 or more")
    options = group_options("demography")
    if s.no_ageing_demography not in (None, NO_AGEING_OPTION, *options):
        raise ConfigError(
            f"decomposition.no_ageing_demography={s.no_ageing_demography} is not a demography; "
            f"choose one of: {', '.join(options)}, or null"
        )
    if s.seeds < 1:
        raise ConfigError(f"decomposition.seeds={s.seeds} is out of range; expected 1 or more")
    if s.outcome not in MEASURES:
        raise ConfigError(
            f"decomposition.outcome={s.outcome} is not a measure; choose one of: {', '.join(MEASURES)}"
        )
    return a, b, levers


def seeds_of(run: RunConfig) -> list[int]:
    return [replicate_seed(run.seed, r) for r in range(run.decomposition.seeds)]


def combination_table(
    evaluator: Evaluator, a: PolicyConfig, b: PolicyConfig, levers, masks, seeds, log=None
) -> pd.DataFrame:
    """One row per (lever combination, seed): every measure in the evaluator's end year."""
    year = evaluator.run.end_year
    rows = []
    t0 = time.perf_counter()
    for k, mask in enumerate(masks):
        on = [name for i, name in enumerate(levers) if mask & (1 << i)]
        for seed in seeds:
            m = evaluator.measures(seed, a.name, levers=switched(a, b, on)).set_index("year")
            row = {"combination": int(mask), "switched": "+".join(on) or "(none)"}
            row.update(n_switched=len(on), seed=int(seed), year=year)
            row.update({name: float(m.loc[year, name]) for name in MEASURES})
            rows.append(row)
        if log is not None and (k + 1) % 32 == 0:
            rate = (time.perf_counter() - t0) / (k + 1)
            log(f"  {k + 1}/{len(masks)} combinations, ~{rate * (len(masks) - k - 1):.0f} s left")
    return pd.DataFrame(rows)


def shapley_by_seed(table: pd.DataFrame, n: int, outcome: str, method: str, orders) -> np.ndarray:
    """Shapley values per seed: array ``[seed, lever]``."""
    out = []
    for _, group in table.groupby("seed", sort=True):
        values = dict(zip(group["combination"], group[outcome], strict=True))
        if method == "exact":
            out.append(exact_shapley(values, n))
        else:
            out.append(permutation_shapley(values, n, orders))
    return np.array(out)


def decompose(
    run: RunConfig, evaluator: Evaluator | None = None, log=None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The gap from ``from_policy`` to ``to_policy`` split by lever.

    Returns ``(decomposition, detail, combinations)``: ``lever, contribution`` rows and a
    ``total`` row; the same with seed ranges, one-at-a-time and switched-last effects; and the
    outcome of every lever combination and seed.
    """
    s = run.decomposition
    a, b, levers = check_settings(run)
    evaluator = evaluator or Evaluator(run)
    n = len(levers)
    orders = permutation_orders(n, s.permutations, run.seed) if s.method != "exact" else None
    masks = masks_needed(n, s.method, orders)
    seeds = seeds_of(run)
    if log:
        log(
            f"decomposition: {a.name} -> {b.name}, {n} levers, {len(masks)} combinations x {len(seeds)} seeds"
        )
    table = combination_table(evaluator, a, b, levers, masks, seeds, log)
    phi = shapley_by_seed(table, n, s.outcome, s.method, orders)
    mean = table.groupby("combination")[s.outcome].mean()
    full, none = (1 << n) - 1, 0
    total = float(mean[full] - mean[none])
    contribution = phi.mean(axis=0)
    decomposition = pd.DataFrame(
        {"lever": [*levers, "total"], "contribution": [*contribution, total]}
    )
    detail = pd.DataFrame(
        {
            "lever": levers,
            "from_value": [getattr(a, name) for name in levers],
            "to_value": [getattr(b, name) for name in levers],
            "contribution": contribution,
            "contribution_seed_min": phi.min(axis=0),
            "contribution_seed_max": phi.max(axis=0),
            "alone": [
                float(mean[1 << i] - mean[none]) if (1 << i) in mean else np.nan for i in range(n)
            ],
            "switched_last": [
                float(mean[full] - mean[full ^ (1 << i)]) if (full ^ (1 << i)) in mean else np.nan
                for i in range(n)
            ],
        }
    )
    detail["share_of_total"] = detail["contribution"] / total if total else np.nan
    detail["outcome"] = f"{s.outcome}_{run.end_year}"
    detail["method"] = s.method
    detail["from_policy"], detail["to_policy"] = a.name, b.name
    detail["from_total"], detail["to_total"] = float(mean[none]), float(mean[full])
    return decomposition, detail, table


# ---- ageing and policy ----------------------------------------------------------------------


def ageing_and_policy(run: RunConfig, evaluator: Evaluator, log=None) -> pd.DataFrame | None:
    """What ageing does and what policy does, as separate numbers (``None`` without the option).

    Both presets run under the config's demography and under the no-ageing counterfactual
    (``decomposition.no_ageing_demography``) on the same seeds. Ageing's effect under a policy
    is its outcome with ageing minus without; the policy's effect is ``to`` minus ``from`` under
    each demography; the interaction is how much ageing changes the policy's effect.
    """
    s = run.decomposition
    if s.no_ageing_demography is None:
        return None
    if s.no_ageing_demography not in group_options("demography"):
        if log:
            log(
                f"decomposition: no demography={s.no_ageing_demography} option yet; "
                "the ageing/policy split is skipped (ageing_and_policy.csv not written)"
            )
        return None
    static = Evaluator(replace(run, demography=load_demography(s.no_ageing_demography)))
    seeds, year = seeds_of(run), run.end_year
    value = {}
    for label, ev in (("with ageing", evaluator), ("without ageing", static)):
        for policy in (s.from_policy, s.to_policy):
            per_seed = [
                float(ev.measures(seed, policy).set_index("year").loc[year, s.outcome])
                for seed in seeds
            ]
            value[label, policy] = np.array(per_seed)
    demog, none = run.demography.name, s.no_ageing_demography
    rows = []

    def add(effect, under, diff, description):
        rows.append(
            {
                "effect": effect,
                "under": under,
                "contribution": float(diff.mean()),
                "seed_min": float(diff.min()),
                "seed_max": float(diff.max()),
                "outcome": f"{s.outcome}_{year}",
                "description": description,
            }
        )

    for policy in (s.from_policy, s.to_policy):
        add(
            "ageing",
            policy,
            value["with ageing", policy] - value["without ageing", policy],
            f"{policy}: demography {demog} minus {none} (no ageing)",
        )
    for label, dem in (("with ageing", demog), ("without ageing", none)):
        add(
            "policy",
            dem,
            value[label, s.to_policy] - value[label, s.from_policy],
            f"{s.to_policy} minus {s.from_policy} under demography {dem}",
        )
    interaction = (value["with ageing", s.to_policy] - value["with ageing", s.from_policy]) - (
        value["without ageing", s.to_policy] - value["without ageing", s.from_policy]
    )
    add("interaction", "both", interaction, "policy effect with ageing minus without")
    return pd.DataFrame(rows)


# ---- the task -------------------------------------------------------------------------------


def run_task(run: RunConfig, run_dir: Path):
    """``task=decomposition``: write this task's files into ``run_dir``; return (table, info)."""
    from rich.console import Console

    from frivilligsim.output.results import write_csv, write_json

    console = Console(stderr=True)
    log = console.print if run.output.progress else None
    t0 = time.perf_counter()
    check_settings(run)
    evaluator = Evaluator(run)
    decomposition, detail, table = decompose(run, evaluator, log)
    write_csv(decomposition, run_dir / "policy_gap_decomposition.csv")
    write_csv(detail, run_dir / "policy_gap_decomposition_detail.csv")
    write_csv(table, run_dir / "policy_gap_combinations.csv")
    split = ageing_and_policy(run, evaluator, log)
    if split is not None:
        write_csv(split, run_dir / "ageing_and_policy.csv")
    s = run.decomposition
    info = {
        "from_policy": s.from_policy,
        "to_policy": s.to_policy,
        "outcome": f"{s.outcome}_{run.end_year}",
        "levers": list(detail["lever"]),
        "method": s.method,
        "combinations": int(table["combination"].nunique()),
        "seeds": seeds_of(run),
        "municipalities": int(evaluator.world.n_municipalities),
        "total": float(decomposition["contribution"].iloc[-1]),
        "ageing_and_policy": "written"
        if split is not None
        else "skipped: no such demography option",
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_json(info, run_dir / "decomposition.json")
    console.print(decomposition.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    console.print(f"[green]Done[/green] in {info['seconds']} s. Outputs in {run_dir}")
    return table, info


__all__ = [
    "ageing_and_policy",
    "decompose",
    "differing_levers",
    "exact_shapley",
    "permutation_shapley",
    "run_task",
]
