"""core/compiled_cache.py: numba's compiled code is dropped when an engine source changes."""

from __future__ import annotations

import shutil

from frivilligsim.core import compiled_cache


def _package(tmp_path):
    """A package-shaped folder: core/ and engines/ sources with compiled files beside them."""
    for folder, name in (("core", "rules.py"), ("engines", "fast.py")):
        (tmp_path / folder / "__pycache__").mkdir(parents=True)
        (tmp_path / folder / name).write_text(f"# {name}\n")
        for ext in ("nbi", "nbc"):
            (tmp_path / folder / "__pycache__" / f"{name[:-3]}.f-1.py311.{ext}").write_text("x")
        (tmp_path / folder / "__pycache__" / f"{name[:-3]}.cpython-311.pyc").write_text("pyc")
    return tmp_path


def _compiled(package):
    return sorted(p.name for p in package.rglob("*.nb[ic]"))


def test_compiled_code_is_kept_while_the_sources_stay_and_dropped_when_one_changes(tmp_path):
    package = _package(tmp_path)
    # no digest yet (a fresh checkout, or code compiled before this check): dropped once
    assert compiled_cache.drop_stale_compiled_code(package) == 4
    assert _compiled(package) == []
    assert list(package.rglob("*.pyc"))  # Python's own bytecode is not touched
    # compiled again, sources unchanged: kept
    for folder, name in (("core", "rules"), ("engines", "fast")):
        (package / folder / "__pycache__" / f"{name}.f-1.py311.nbi").write_text("x")
    assert compiled_cache.drop_stale_compiled_code(package) == 0
    assert len(_compiled(package)) == 2
    # a rule changes (as after a git pull): fast.py's compiled code goes too
    (package / "core" / "rules.py").write_text("# rules.py, edited\n")
    assert compiled_cache.drop_stale_compiled_code(package) == 2
    assert _compiled(package) == []


def test_a_folder_that_cannot_be_read_or_written_does_not_fail_the_import(tmp_path):
    package = _package(tmp_path)
    shutil.rmtree(package / "core" / "__pycache__")
    (package / "core" / "__pycache__").write_text("a file where the folder should be")
    assert compiled_cache.drop_stale_compiled_code(package) == 0  # OSError swallowed


def test_the_installed_package_has_a_current_digest_after_import():
    import frivilligsim  # noqa: F401  (the import runs the check)

    stamp = compiled_cache.PACKAGE / "core" / "__pycache__" / compiled_cache.STAMP
    assert stamp.read_text().strip() == compiled_cache.sources_digest()
