"""What the co-creation vs mobilisation gap in 2050 rests on: one lever at a time.

Runs the four presets and, for each municipal lever (parameters.MUNICIPAL_LEVERS), mobilisation
with that one lever set to co-creation's value and co-creation with that one lever set to
mobilisation's value, on the default region (MMMM, 2024-2050), with the same seeds for every
configuration (common random numbers). Prints a markdown table of 2050 volunteers.

    python experiments/policy_gap/gap_by_lever.py            # seeds 1-2
    python experiments/policy_gap/gap_by_lever.py 1 2 3      # other seeds

The Shapley decomposition over all lever subsets is `experiment=decomposition`; this is the
quick one-at-a-time view from both ends.
"""

from __future__ import annotations

import sys

import numpy as np

from frivilligsim.analysis.outcomes import Evaluator
from frivilligsim.core.parameters import MUNICIPAL_LEVERS
from frivilligsim.scenario.config import load_config, validate


def volunteers_2050(evaluator: Evaluator, seeds, policy: str, levers=None) -> np.ndarray:
    return np.array(
        [
            evaluator.totals(s, policy, levers=levers).set_index("year").loc[2050, "volunteers"]
            for s in seeds
        ],
        dtype=float,
    )


def main(seeds: list[int]) -> None:
    evaluator = Evaluator(validate(load_config([])))
    presets = ("cocreation", "mobilisation", "mobilisation_well", "as_planned")
    base = {name: volunteers_2050(evaluator, seeds, name) for name in presets}
    coc, mob = base["cocreation"], base["mobilisation"]
    gap = coc - mob
    print(f"seeds {seeds}; 2050 volunteers, mean over seeds (min-max)\n")
    print("| configuration | volunteers 2050 | gap closed vs mobilisation / cocreation |")
    print("|---|---|---|")
    for name in presets:
        v = base[name]
        print(f"| `{name}` | {v.mean():,.0f} ({v.min():,.0f}-{v.max():,.0f}) | |")
    print(f"| cocreation - mobilisation | {gap.mean():,.0f} | 100 % |")
    cocreation = evaluator.policy("cocreation")
    mobilisation = evaluator.policy("mobilisation")
    for lever in MUNICIPAL_LEVERS:
        to_coc = {lever: getattr(cocreation, lever)}
        to_mob = {lever: getattr(mobilisation, lever)}
        up = volunteers_2050(evaluator, seeds, "mobilisation", to_coc)
        down = volunteers_2050(evaluator, seeds, "cocreation", to_mob)
        print(
            f"| mobilisation with co-creation's `{lever}` | {up.mean():,.0f} | "
            f"{100 * ((up - mob) / gap).mean():+.0f} % |"
        )
        print(
            f"| cocreation with mobilisation's `{lever}` | {down.mean():,.0f} | "
            f"{100 * ((coc - down) / gap).mean():+.0f} % |"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 2])
