"""The report opens in a real browser, offline: it renders, and every embedded image decodes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from _fake_results import EXAMPLE_PROVENANCE, make_results, write_run
from PIL import Image
from test_report import squares

from frivilligsim.output import maps, plots, report

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs headless chromium at /usr/bin/chromium"
    ),
]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    run_dir = write_run(tmp_path_factory.mktemp("run"), lang="nb", provenance=EXAMPLE_PROVENANCE)
    return report.write_report(run_dir)


@pytest.fixture(scope="module")
def municipality_html(tmp_path_factory):
    """One municipality's report of a real-region run, with its map."""
    results = make_results(demographies=("MMMM",), n_seeds=2, n_municipalities=5)
    mp = pytest.MonkeyPatch()
    mp.setattr(maps, "load_boundaries", lambda: squares(sorted(set(results["municipality"]))))
    run_dir = write_run(tmp_path_factory.mktemp("muni"), results, synthetic=False)
    path = report.write_report(run_dir, municipality="1812")
    mp.undo()
    return path


def test_report_renders_to_a_screenshot(report_html, tmp_path):
    shot = tmp_path / "report.png"
    proc = _chromium(
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,4000",
        report_html.resolve().as_uri(),
    )
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as im:
        assert im.format == "PNG"
        assert im.size == (1280, 4000)
        # not a blank page: the figures and text put many distinct colours on it
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50


def test_every_image_loads(report_html, tmp_path):
    proc = _chromium(
        tmp_path / "profile",
        "--dump-dom",
        "--virtual-time-budget=5000",
        report_html.resolve().as_uri(),
    )
    body = re.search(r"<body[^>]*>", proc.stdout)
    assert body, proc.stderr[-2000:]
    loaded = re.search(r'data-images-loaded="(\d+)"', body.group(0))
    total = re.search(r'data-images-total="(\d+)"', body.group(0))
    assert loaded and total, body.group(0)
    # the scenario figures, a pyramid per demographic alternative (2) and the 70+ share
    assert int(total.group(1)) == len(plots.FIGURE_NAMES) + 3
    assert int(loaded.group(1)) == int(total.group(1)) > 0


def test_municipality_report_renders_with_its_map(municipality_html, tmp_path):
    shot = tmp_path / "municipality.png"
    proc = _chromium(
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,3000",
        municipality_html.resolve().as_uri(),
    )
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as im:
        assert im.size == (1280, 3000)
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50
    dom = _chromium(
        tmp_path / "profile2",
        "--dump-dom",
        "--virtual-time-budget=5000",
        municipality_html.resolve().as_uri(),
    ).stdout
    assert "Sømna (1812)" in dom and 'id="fig-map"' in dom
    body = re.search(r"<body[^>]*>", dom).group(0)
    loaded = int(re.search(r'data-images-loaded="(\d+)"', body).group(1))
    total = int(re.search(r'data-images-total="(\d+)"', body).group(1))
    # the scenario figures but the distribution over municipalities, the 70+ share, the map
    assert loaded == total >= len(plots.FIGURE_NAMES) + 1
