"""Fuzzing the SSB loaders: a mutated file either parses or raises the project's own error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frivilligsim.errors import FrivilligsimError
from frivilligsim.inputs.ssb import read_centrality_klass128, read_population_07459

FIXTURES = Path(__file__).parent / "fixtures" / "ssb"
POPULATION = sorted(FIXTURES.glob("07459_*.csv"))
CENTRALITY = sorted(FIXTURES.glob("klass128_*.csv"))

MUTATIONS = st.sampled_from(
    [
        "delete_byte",
        "insert_byte",
        "flip_byte",
        "duplicate_line",
        "delete_line",
        "truncate",
        "swap_lines",
        "replace_digit",
    ]
)


def mutate(data: bytes, kind: str, position: float, byte: int) -> bytes:
    if not data:
        return data
    i = min(len(data) - 1, int(position * len(data)))
    lines = data.split(b"\n")
    j = min(len(lines) - 1, int(position * len(lines)))
    if kind == "delete_byte":
        return data[:i] + data[i + 1 :]
    if kind == "insert_byte":
        return data[:i] + bytes([byte]) + data[i:]
    if kind == "flip_byte":
        return data[:i] + bytes([data[i] ^ (byte or 1)]) + data[i + 1 :]
    if kind == "duplicate_line":
        return b"\n".join(lines[: j + 1] + [lines[j]] + lines[j + 1 :])
    if kind == "delete_line":
        return b"\n".join(lines[:j] + lines[j + 1 :])
    if kind == "truncate":
        return data[:i]
    if kind == "swap_lines":
        k = (j + 1) % len(lines)
        lines[j], lines[k] = lines[k], lines[j]
        return b"\n".join(lines)
    digits = [n for n, c in enumerate(data) if chr(c).isdigit()]
    if not digits:
        return data
    n = digits[min(len(digits) - 1, int(position * len(digits)))]
    return data[:n] + str(byte % 10).encode() + data[n + 1 :]


def check(reader, path: Path, mutated: bytes, tmp_path: Path) -> None:
    target = tmp_path / path.name
    target.write_bytes(mutated)
    try:
        result = reader(target)
    except FrivilligsimError as exc:
        assert target.name in str(exc), f"the error names the file: {exc}"
        return
    # A file that parses must give a sane result.
    if isinstance(result, tuple):
        municipalities, population = result
        assert population.ndim == 3 and population.shape[0] == len(municipalities)
        assert (population >= 0).all()
    else:
        assert {"code", "centrality"} <= set(result.columns)


fuzz_settings = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None
)


@pytest.mark.parametrize("path", POPULATION, ids=lambda p: p.name)
@fuzz_settings
@given(kind=MUTATIONS, position=st.floats(0, 1), byte=st.integers(0, 255), rounds=st.integers(1, 3))
def test_population_loader_parses_or_raises_its_own_error(
    tmp_path, path, kind, position, byte, rounds
):
    data = path.read_bytes()
    for r in range(rounds):
        data = mutate(data, kind, (position + 0.37 * r) % 1.0, byte)
    check(read_population_07459, path, data, tmp_path)


@pytest.mark.parametrize("path", CENTRALITY, ids=lambda p: p.name)
@fuzz_settings
@given(kind=MUTATIONS, position=st.floats(0, 1), byte=st.integers(0, 255), rounds=st.integers(1, 3))
def test_centrality_loader_parses_or_raises_its_own_error(
    tmp_path, path, kind, position, byte, rounds
):
    data = path.read_bytes()
    for r in range(rounds):
        data = mutate(data, kind, (position + 0.37 * r) % 1.0, byte)
    check(read_centrality_klass128, path, data, tmp_path)


@pytest.mark.parametrize("path", POPULATION + CENTRALITY, ids=lambda p: p.name)
@fuzz_settings
@given(noise=st.binary(min_size=0, max_size=400))
def test_random_bytes_never_crash_the_loaders(tmp_path, path, noise):
    reader = read_population_07459 if path.name.startswith("07459") else read_centrality_klass128
    check(reader, path, noise, tmp_path)


def test_unmutated_fixtures_parse():
    for path in POPULATION:
        municipalities, population = read_population_07459(path)
        assert len(municipalities) >= 3 and np.asarray(population).sum() > 0
    for path in CENTRALITY:
        assert len(read_centrality_klass128(path)) >= 3
