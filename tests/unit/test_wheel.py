"""The wheel ships every file the program needs.

An office installs Station from a wheel, not from the checkout, and the tests import the
checkout: a style sheet, a built-in letter type or a migration missing from the wheel passes
every other test and breaks only the installed program (it happened once with
``station/letters/builtin``). This builds the wheel and compares it with the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Files in the tree that are deliberately not shipped.
_NOT_SHIPPED_SUFFIXES = {".pyc", ".pyo"}
# What a checkout holds besides the source (venvs, earlier builds, caches).
_NOT_COPIED = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def _source_files() -> set[str]:
    """Every file the installed package must hold, as its path inside the wheel."""
    wanted: set[str] = set()
    for base, prefix in (
        (ROOT / "station", "station"),
        (ROOT / "migrations", "station/migrations"),
    ):
        for path in base.rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.suffix in _NOT_SHIPPED_SUFFIXES:
                continue
            wanted.add(f"{prefix}/{path.relative_to(base).as_posix()}")
    return wanted


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Builds from a copy of the tree: setuptools builds in place and reuses a stale
    ``build/`` folder, which would hide a file the tree no longer ships."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "station-src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    (wheel,) = out.glob("station-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_holds_every_source_file(wheel_names: set[str]) -> None:
    missing = sorted(_source_files() - wheel_names)
    assert not missing, f"not in the wheel: {missing}"


def test_the_wheel_holds_the_parts_an_office_needs(wheel_names: set[str]) -> None:
    """A guard on the comparison itself: if the tree walk found nothing, the test above
    would pass with an empty wheel."""
    assert "station/letters/builtin/SKD.toml" in wheel_names
    assert any(name.startswith("station/migrations/versions/0001") for name in wheel_names)
    assert any(name.endswith(".tcss") for name in wheel_names)
    assert "station/cli/__init__.py" in wheel_names
