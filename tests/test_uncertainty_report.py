"""The ensemble report: both kinds of range, rounded once, with the policy gap and the assumptions.

Builds three small real run folders once for this module (an ensemble on 3 municipalities to
2027, a decomposition of two levers, a tiny sensitivity analysis) and checks the report's
numbers against their CSVs, the sections in English and bokmål, and the refusals.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from rich.console import Console
from test_nb_words import english_words, visible_text
from test_report_chromium import CHROMIUM, _chromium

from frivilligsim.errors import ConfigError
from frivilligsim.output import i18n, report, rounding, uncertainty_report
from frivilligsim.scenario.config import load_config, validate
from frivilligsim.workflow.tasks import run_task

ENSEMBLE = [
    "experiment=ensemble_quick",
    "ensemble.municipalities=3",
    "ensemble.population=4",
    "ensemble.generations=1",
    "ensemble.fit_seeds=1",
    "end_year=2027",
    "output.progress=false",
]
DECOMPOSITION = [
    "experiment=decomposition",
    "region.max_municipalities=3",
    "end_year=2026",
    "decomposition.seeds=1",
    "decomposition.levers=[order_intensity,influence_on_orders]",
    "output.progress=false",
]
SENSITIVITY = [
    "experiment=sensitivity",
    "end_year=2026",
    "sensitivity.municipalities=2",
    "sensitivity.trajectories=2",
    "sensitivity.parameters=[dropout_base,word_of_mouth,motivation_loss_orders]",
    "sensitivity.sobol_top=2",
    "sensitivity.sobol_samples=8",
    "sensitivity.seeds=1",
    "sensitivity.levers=false",
    "output.progress=false",
]
SECTIONS = ("can_say", "headline", "figure", "check", "gap", "influence", "municipalities")


def _run(overrides, folder):
    run_task(validate(load_config(overrides)), folder, {})
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("uncertainty_report")
    return {
        "ensemble": _run(ENSEMBLE, root / "ensemble"),
        "decomposition": _run(DECOMPOSITION, root / "decomposition"),
        "sensitivity": _run(SENSITIVITY, root / "sensitivity"),
    }


@pytest.fixture(scope="module")
def full_report(folders):
    path = report.write_report(
        folders["ensemble"],
        decomposition_dir=folders["decomposition"],
        sensitivity_dir=folders["sensitivity"],
    )
    return path, path.read_text("utf-8")


# ---- rounding, written once -----------------------------------------------------------------


def test_a_number_is_rounded_to_two_digits_of_its_ensemble_range():
    step = rounding.step_for(17_921 - 8_033)  # the as_planned range of docs/uncertainty.md
    assert step == 100
    assert rounding.round_to(13_542, step) == 13_500
    assert rounding.fmt_rounded(13_542, step, "en") == "13,500"
    assert rounding.fmt_rounded(13_542, step, "nb") == "13\u00a0500"
    assert rounding.fmt_range(8_033, 17_921, step, "en") == "8,000–17,900"
    assert rounding.step_for(0.12) == 0.01 and rounding.decimals_for(0.01) == 2
    assert rounding.step_for(0, 470.0, seed_width=23) == 1  # no ensemble width: the seeds'
    assert rounding.step_for(None, 13_542.0) == 100  # neither: three digits of the value
    small = {"outcome": "volunteers", "value": 22.19, "ensemble_low": 17.5, "ensemble_high": 26.0}
    assert rounding.row_step(small) == 1  # persons: whole ones, though the width allows 0.1
    assert rounding.row_step({**small, "outcome": "coverage"}) == 0.1
    signed = rounding.fmt_range(-11_910, -6_154, rounding.step_for(5_756), "en", signed=True)
    assert signed == "\u221211,900 to \u22126,200"


def test_rounded_columns_keep_the_raw_ones():
    row = {
        "value": 13_542.0,
        "ensemble_low": 8_033.0,
        "ensemble_high": 17_921.0,
        "seed_low": 13_421.0,
        "seed_high": 13_662.0,
    }
    out = rounding.add_rounded_columns(pd.DataFrame([row]))
    assert out.loc[0, "value"] == 13_542.0
    assert out.loc[0, "value_rounded"] == 13_500
    assert out.loc[0, "seed_low_rounded"] == 13_400 and out.loc[0, "seed_high_rounded"] == 13_700


# ---- the ensemble run writes its report --------------------------------------------------------


def test_the_ensemble_run_writes_report_bands_and_municipalities(folders):
    ens = folders["ensemble"]
    for name in ("report.html", "report.md", "yearly_uncertainty.csv", "municipalities.csv"):
        assert (ens / name).is_file(), name
    yearly = pd.read_csv(ens / "yearly_uncertainty.csv")
    head = pd.read_csv(ens / "headline_uncertainty.csv")
    end = yearly[(yearly["year"] == 2027)].set_index(["policy", "demography"])
    vols = head[head["outcome"] == "volunteers"].set_index(["policy", "demography"])
    for col in ("value", "ensemble_low", "ensemble_high", "seed_low", "seed_high"):
        pd.testing.assert_series_equal(end[col], vols[col], check_names=False)
    assert sorted(yearly["year"].unique()) == list(range(2024, 2028))


def test_municipalities_csv_has_both_ranges_raw_and_rounded(folders):
    ens = folders["ensemble"]
    table = pd.read_csv(ens / "municipalities.csv", dtype={"municipality": str})
    source = pd.read_csv(ens / "municipality_uncertainty.csv", dtype={"municipality": str})
    for col in ("ensemble_low", "ensemble_high", "seed_low", "seed_high"):
        assert col in table and f"{col}_rounded" in table
    assert table["municipality"].nunique() == 3
    assert table["municipality_name"].notna().all()
    pd.testing.assert_series_equal(table["value"], source["value"])
    steps = [rounding.row_step(row) for row in table.to_dict(orient="records")]
    assert ((table["value_rounded"] - table["value"]).abs() <= [s / 2 + 1e-9 for s in steps]).all()
    vols = table[table["outcome"] == "volunteers"]
    assert (vols["value_rounded"] == vols["value_rounded"].round()).all()  # whole persons


def test_the_headline_numbers_are_the_csvs_rounded(full_report, folders):
    _, html = full_report
    md = (folders["ensemble"] / "report.md").read_text("utf-8")
    head = pd.read_csv(folders["ensemble"] / "headline_uncertainty.csv")
    vols = head[head["outcome"] == "volunteers"]
    assert len(vols) == len(validate(load_config(ENSEMBLE)).ensemble.policies)
    for row in vols.to_dict(orient="records"):
        step = rounding.row_step(row)
        value = rounding.fmt_rounded(row["value"], step, "en")
        ens = rounding.fmt_range(row["ensemble_low"], row["ensemble_high"], step, "en")
        seed = rounding.fmt_range(row["seed_low"], row["seed_high"], step, "en")
        policy = i18n.policy_label(row["policy"], "en")
        line = f"| {policy} | Volunteers | {value} | {ens} | {seed} |"
        assert line in md, line
        assert f"{policy}: about {value} volunteers in 2027" in html
        assert abs(float(value.replace(",", "")) - row["value"]) <= step / 2
    diff = vols[vols["policy"] == "mobilisation"].iloc[0]
    share = f"{100 * diff['sign_holds_share']:.0f} %"
    assert f"holds in {share.removesuffix(' %')} % of the ensemble" in html


def test_the_report_leads_with_what_the_model_can_say_then_every_section(full_report, folders):
    path, html = full_report
    ids = re.findall(r"<h2 id='(\w+)'>", html)
    assert tuple(ids) == SECTIONS
    can_say = html.split("<h2 id='can_say'>")[1].split("<h2")[0]
    assert "Coverage of demand is illustrative" in can_say
    assert "Part of the fall in volunteers after 2024 is the model settling" in can_say
    assert "volunteers per centre 69" in can_say  # a calibration target
    assert "<code>dropout_base</code>" in can_say  # a varied parameter
    sets = pd.read_csv(folders["ensemble"] / "parameter_sets.csv")
    varied = [c for c in sets if c not in ("parameter_set", "weight", "abc_distance")]
    varied = [c for c in varied if not c.startswith("abc_")]
    design = json.loads((folders["ensemble"] / "ensemble_design.json").read_text())
    assert design["drawn_from_prior"] == []  # experiment=ensemble_quick holds the others
    assert f"{len(varied)} assumed parameters were varied" in can_say
    gens = pd.read_csv(folders["ensemble"] / "abc_generations.csv")
    eff = i18n.fmt_number(gens["effective_sets"].iloc[-1], "en", 1)
    assert f"count as about {eff} independent versions" in can_say
    assert "held at their default values" in can_say
    assert "90 % of the plausible versions" in can_say
    assert html.count("<img ") == 2  # the band figure and the waterfall


def test_the_check_table_is_the_posterior_predictive_csv(full_report, folders):
    _, html = full_report
    check = pd.read_csv(folders["ensemble"] / "posterior_predictive.csv")
    section = html.split("<h2 id='check'>")[1].split("<h2")[0]
    for row in check.to_dict(orient="records"):
        d = 3 if abs(row["report_value"]) < 1 else 1
        assert i18n.fmt_number(row["ensemble_mean"], "en", d) in section
        assert ("reproduced" if row["pass"] else "missed") in section


def test_the_gap_adds_up_and_its_figure_draws_the_csv(full_report, folders):
    _, html = full_report
    dec = pd.read_csv(folders["decomposition"] / "policy_gap_decomposition.csv")
    levers = dec[dec["lever"] != "total"]
    total = float(dec.loc[dec["lever"] == "total", "contribution"].iloc[0])
    assert levers["contribution"].sum() == pytest.approx(total, rel=0.01, abs=1e-9)
    section = html.split("<h2 id='gap'>")[1].split("<h2")[0]
    for lever in levers["lever"]:
        assert f"<code>{lever}</code>" in section
    drawn = pd.read_csv(folders["ensemble"] / "figures" / "policy_gap_decomposition.csv")
    assert drawn["contribution"].iloc[-1] == pytest.approx(total)
    assert drawn["contribution"].iloc[:-1].sum() == pytest.approx(total)
    assert "Ageing" in section and "Interaction" in section  # ageing_and_policy.csv
    assert "The decomposition run ends in 2026, the ensemble in 2027" in section


def test_the_influential_assumptions_are_sobol_ranked_with_provenance(full_report, folders):
    _, html = full_report
    sobol = pd.read_csv(folders["sensitivity"] / "sobol_indices.csv")
    ranked = sobol[sobol["outcome"] == "volunteers_2026"].sort_values("ST", ascending=False)
    section = html.split("<h2 id='influence'>")[1].split("<h2")[0]
    positions = [section.index(f"<code>{p}</code>") for p in ranked["parameter"]]
    assert positions == sorted(positions)
    assert "assumption:" in section  # the parameter's provenance from the run's manifest
    assert "convergence check" in section
    # then the policy gap's own ranking, after its introduction
    gap = sobol[sobol["outcome"] == "volunteer_difference_2026"].sort_values("ST", ascending=False)
    assert len(gap) > 0
    after = section.split("<code>volunteer_difference_2026</code>")[1]
    positions = [after.index(f"<code>{p}</code>") for p in gap["parameter"]]
    assert positions == sorted(positions)


def test_without_the_other_folders_each_section_names_its_command(folders, tmp_path):
    path = report.write_report(folders["ensemble"], lang="nb")
    html = path.read_text("utf-8")
    assert path.name == "report.nb.html"
    assert "experiment=decomposition" in html and "experiment=sensitivity" in html
    for sid in SECTIONS:
        assert f"<h2 id='{sid}'>" in html


def test_the_bokmal_reports_have_no_english(folders):
    region = report.write_report(
        folders["ensemble"],
        lang="nb",
        decomposition_dir=folders["decomposition"],
        sensitivity_dir=folders["sensitivity"],
    )
    code = pd.read_csv(folders["ensemble"] / "municipality_uncertainty.csv", dtype=str)[
        "municipality"
    ].iloc[0]
    muni = report.write_report(folders["ensemble"], lang="nb", municipality=code)
    for path in (region, muni):
        text = visible_text(path.read_text("utf-8"))
        assert "Hva modellen kan og ikke kan si" in text
        assert not english_words(text), (path.name, english_words(text))


def test_a_municipality_report_shows_its_rows(folders):
    munis = pd.read_csv(folders["ensemble"] / "municipality_uncertainty.csv", dtype=str)
    code = munis["municipality"].iloc[0]
    path = report.write_report(folders["ensemble"], municipality=code)
    assert path.name == f"report_{code}.html"
    row = pd.read_csv(
        folders["ensemble"] / "municipality_uncertainty.csv", dtype={"municipality": str}
    )
    row = row[(row["municipality"] == code) & (row["outcome"] == "volunteers")].iloc[0].to_dict()
    value = rounding.fmt_rounded(row["value"], rounding.row_step(row), "en")
    assert f"about {value} volunteers" in path.read_text("utf-8")
    with pytest.raises(ConfigError, match="9999"):
        report.write_report(folders["ensemble"], municipality="9999")


def test_the_terminal_headline_is_rounded_as_the_report(folders):
    console = Console(record=True, width=80)
    uncertainty_report.print_headline(folders["ensemble"], "en", console, "3 municipalities")
    text = console.export_text()
    head = pd.read_csv(folders["ensemble"] / "headline_uncertainty.csv")
    row = head[(head["policy"] == "cocreation") & (head["outcome"] == "volunteers")].iloc[0]
    expected = rounding.fmt_range(
        row["ensemble_low"], row["ensemble_high"], rounding.row_step(row.to_dict()), "en"
    )
    assert expected in text
    assert max(len(line) for line in text.splitlines()) <= 80


# ---- refusals --------------------------------------------------------------------------------


def test_a_bad_folder_is_refused_in_one_line(folders, tmp_path, capsys):
    ens = str(folders["ensemble"])
    for flag, word in (("--decomposition", "decomposition"), ("--sensitivity", "sensitivity")):
        code = report.main([ens, flag, str(tmp_path)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, err
        assert str(tmp_path) in err[0] and f"experiment={word}" in err[0]
    # a decomposition for a run that is not an ensemble
    code = report.main([str(folders["decomposition"]), "--decomposition", ens])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "headline_uncertainty.csv" in err[0]


def test_report_dirs_are_checked_before_a_run_and_refused_outside_an_ensemble(tmp_path):
    bad = validate(load_config([*ENSEMBLE, f"report.decomposition_dir={tmp_path}"]))
    with pytest.raises(ConfigError, match="not a decomposition run folder"):
        run_task(bad, tmp_path / "run", {})
    assert not (tmp_path / "run").exists()
    staged = validate(
        load_config([*ENSEMBLE, "ensemble.stage=fit", f"report.sensitivity_dir={tmp_path}"])
    )
    with pytest.raises(ConfigError, match="ensemble.stage=gather"):
        run_task(staged, tmp_path / "run", {})
    elsewhere = validate(load_config(["experiment=smoke", f"report.sensitivity_dir={tmp_path}"]))
    with pytest.raises(ConfigError, match="ensemble report only"):
        run_task(elsewhere, tmp_path / "run2", {})


def test_the_config_keys_feed_the_report(folders, tmp_path):
    """report.decomposition_dir in the run's manifest is used when no flag is given."""
    import json
    import shutil

    copy = tmp_path / "ens"
    shutil.copytree(folders["ensemble"], copy)
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    manifest["config"]["report"] = {
        "decomposition_dir": str(folders["decomposition"]),
        "sensitivity_dir": None,
    }
    (copy / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    html = report.write_report(copy).read_text("utf-8")
    section = html.split("<h2 id='gap'>")[1].split("<h2")[0]
    assert "<code>order_intensity</code>" in section


def test_a_stage_folder_without_a_manifest_names_itself_as_the_experiment(folders, tmp_path):
    """A staged ensemble's folder (ensemble.dir) has no manifest: the report says which folder."""
    import shutil

    copy = tmp_path / "stage"
    shutil.copytree(folders["ensemble"], copy)
    (copy / "manifest.json").unlink()
    html = report.write_report(copy).read_text("utf-8")
    assert f"<code>ensemble.dir={copy}</code>" in html
    assert "<code></code>" not in html


# ---- in a browser ----------------------------------------------------------------------------


@pytest.mark.chromium
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs headless chromium at /usr/bin/chromium")
def test_the_ensemble_report_opens_in_chromium_with_its_figures(full_report, tmp_path):
    path, _ = full_report
    dom = _chromium(
        tmp_path / "profile", "--dump-dom", "--virtual-time-budget=5000", path.resolve().as_uri()
    ).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body, dom[-2000:]
    loaded = int(re.search(r'data-images-loaded="(\d+)"', body.group(0)).group(1))
    total = int(re.search(r'data-images-total="(\d+)"', body.group(0)).group(1))
    assert loaded == total == 2  # the bands and the waterfall
    assert "What the model can and cannot say" in dom


def test_the_convergence_note_tells_a_tie_from_a_failure():
    """A ranking that fails only by swaps inside the intervals is reported as a tie; one with a
    swap beyond them, or first order above total, as a failure; an older table without the
    reversal columns as a failure too."""
    t = lambda key, **kw: key  # noqa: E731
    note = uncertainty_report._convergence_note
    row = {"converged": False, "s1_within_st": True, "reversals_beyond_intervals": 0}
    assert note(pd.Series({**row, "converged": True}), t)[1] == "unc.influence.converged.yes"
    assert note(pd.Series(row), t)[1] == "unc.influence.converged.ties"
    for bad in ({"reversals_beyond_intervals": 1}, {"s1_within_st": False}):
        assert note(pd.Series({**row, **bad}), t)[1] == "unc.influence.converged.no"
    old = pd.Series({"converged": False, "s1_within_st": True})
    assert note(old, t)[1] == "unc.influence.converged.no"


def test_a_broken_sobol_file_is_one_clear_error_not_a_quiet_fallback(folders, tmp_path, capsys):
    """A malformed convergence table must not read "maybe" as passed; unreadable indices must
    not fall back to Morris without a word. Both: one line naming the file, exit 2."""
    import shutil

    from frivilligsim.output.report import main

    for name, text in (
        ("sobol_convergence.csv", "outcome,converged,s1_within_st\nvolunteers_2026,maybe,True\n"),
        ("sobol_indices.csv", "not,a\ncsv\n"),
    ):
        copy = tmp_path / name
        shutil.copytree(folders["sensitivity"], copy)
        (copy / name).write_text(text, "utf-8")
        assert main([str(folders["ensemble"]), "--sensitivity", str(copy)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and name in err[0], err
