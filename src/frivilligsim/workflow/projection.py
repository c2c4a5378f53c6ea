"""The demography on its own: ``python -m frivilligsim.workflow.projection`` prints the
calibration table of the demographic projection on the default region (and makes its figures).

Owns: that command. The projection itself is :mod:`frivilligsim.core.demography`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from frivilligsim.core.demography import calibration_table
from frivilligsim.inputs.region import load_default_region
from frivilligsim.output.plots_demography import plot_population_pyramid, plot_share_70plus


def main(argv=None) -> None:
    """``python -m frivilligsim.workflow.projection``: print the calibration table (and make figures)."""
    parser = argparse.ArgumentParser(description="Demography calibration on the default region")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--end-year", type=int, default=2050)
    parser.add_argument("--figures", default=None, help="folder for the demography figures")
    parser.add_argument("--lang", default="en", choices=("en", "nb"))
    args = parser.parse_args(argv)
    region = load_default_region()
    summary, yearly, pyramids = calibration_table(region, args.seed, 2024, args.end_year)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"{region.name}: {region.n_municipalities} municipalities, seed {args.seed}")
        print(summary.round(4).to_string(index=False))
    if args.figures:
        out = Path(args.figures)
        main_alt = pyramids["MMMM"]
        plot_population_pyramid(
            main_alt[0],
            main_alt[-1],
            out / f"pyramid_MMMM_{args.lang}",
            args.lang,
            synthetic=region.synthetic,
            years=(2024, args.end_year),
        )
        plot_share_70plus(yearly, out / f"share_70plus_{args.lang}", args.lang, region.synthetic)
        print(f"figures written to {out}")


if __name__ == "__main__":
    main()
