"""scripts/volunteer_flows.py, which docs/uncertainty.md uses to show the spin-up's missing exits."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["region.max_municipalities=3", "end_year=2027", "model.spinup_years=2"]


def _script():
    spec = importlib.util.spec_from_file_location(
        "volunteer_flows", ROOT / "scripts/volunteer_flows.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_spin_up_has_no_demographic_exits_and_the_run_proper_has(capsys):
    flows = _script()
    years, totals, start = flows.flows(SMALL, seed=3)
    assert start == 2024 and list(years) == [-2, -1, 0, 1, 2, 3]
    col = {c: k for k, c in enumerate(flows.COLUMNS)}
    spin, run = totals[years < 0], totals[years > 0]
    exits = ("volunteer_deaths", "volunteer_outmigrants", "deaths", "out_migrants")
    assert (spin[:, [col[c] for c in exits]] == 0).all()
    assert (spin[:, col["residents"]] == spin[0, col["residents"]]).all()  # population held
    assert run[:, col["deaths"]].sum() > 0 and run[:, col["out_migrants"]].sum() > 0
    assert flows.main(["--every", "2", *SMALL]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["year", *flows.COLUMNS]
    assert [line.split()[0] for line in lines[1:]] == ["spin-up", "2024", "2026"]


def test_a_bad_override_is_one_line_and_exit_2(capsys):
    assert _script().main(["policy.nonsense=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nonsense" in err[0]


def test_every_must_be_positive():
    with pytest.raises(SystemExit):
        _script().main(["--every", "0"])


def _documented_commands() -> list[list[str]]:
    """Each ``python scripts/volunteer_flows.py ...`` in README.md and docs/*.md, as arguments
    (a command may wrap over two lines inside one code span)."""
    import re
    import shlex

    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text("utf-8")
        for span in re.findall(r"`([^`]*scripts/volunteer_flows\.py[^`]*)`", text):
            words = shlex.split(" ".join(span.split()))
            found.append(words[words.index("scripts/volunteer_flows.py") + 1 :])
    return found


def test_every_documented_command_runs_and_its_overrides_change_the_flows():
    commands = _documented_commands()
    assert ["demography=static"] in commands and ["model.spinup_years=40"] in commands
    flows = _script()
    base = flows.flows(SMALL, seed=1)[1]
    for args in commands:
        assert flows.main([*args, *SMALL]) == 0
        if args:
            changed = flows.flows([*SMALL, *args], seed=1)[1]
            assert changed.shape != base.shape or not (changed == base).all(), args
