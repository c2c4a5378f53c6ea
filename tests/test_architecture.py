"""The layout: the layers contract of pyproject.toml holds, and no module imports itself back.

Both checks read the imports of the installed package with grimp (import-linter's graph), so
they count imports inside functions too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def module_cycles(package: str = "frivilligsim") -> list[list[str]]:
    """Strongly connected groups of more than one module in the package's import graph."""
    graph = grimp.build_graph(package)
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    # Tarjan's algorithm, iterative
    low, order, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for root in modules:
        if root in order:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = [c for c in edges[node] if c in index]
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in order:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            for child in children:
                if child in on_stack:
                    low[node] = min(low[node], low[child])
            if low[node] == order[node]:
                group = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    group.append(top)
                    if top == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_imports_itself_back():
    assert module_cycles() == [], "import cycles between modules"


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "cyclic"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic import b\n")
    (pkg / "b.py").write_text("def f():\n    from cyclic import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert module_cycles("cyclic") == [["cyclic.a", "cyclic.b"]]


def test_layers_contract_is_kept():
    exe = Path(sys.executable).parent / "lint-imports"  # import-linter, a dev dependency
    result = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout
