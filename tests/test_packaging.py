"""The built wheel, as a user installs it (not editable): every package in it, no tests, and `run` works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "ledger", "projections", "runner")


def project_files(*paths: str) -> list[str]:
    """The checkout's files as git sees them (tracked or new, not ignored), where they exist."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *paths], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return sorted({line for line in listed.stdout.splitlines() if (ROOT / line).is_file()})


def source_modules() -> set[str]:
    """Every module of the four packages as a path inside a wheel, e.g. runner/planners/offline/planner.py."""
    return {path for path in project_files(*PACKAGES) if path.endswith(".py")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the project's files, so the build leaves nothing in the checkout."""
    copy = tmp_path_factory.mktemp("source")
    for path in project_files():
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, copy / path)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(copy)],
                   check=True, capture_output=True, text=True, timeout=600)
    (built,) = dist.glob("codec_ledger-*.whl")
    return built


def test_the_wheel_holds_every_module_and_no_tests(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = source_modules() - names
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert not [name for name in names if name.startswith("tests/")]


@pytest.mark.slow
def test_an_installed_wheel_runs_the_main_job(wheel, tmp_path):
    venv = tmp_path / "venv"
    # The wheel and its dependencies by this pip into a venv without one of its own, and no bytecode compiled
    # ahead: the same packages as `pip install` in the venv, in a third of the time.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                                "-q", "--no-compile", str(wheel)], capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-2000:]
    # From an empty folder, so nothing of the checkout can be imported by accident.
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([venv / "bin" / "codec-ledger", "run", "--iterations", "1", "--workers", "1",
                             "--frames", "6", "--json"], cwd=work, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (work / "codec-ledger.db").exists()
    where = subprocess.run([venv / "bin" / "python", "-c", "import runner; print(runner.__file__)"], cwd=work,
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(venv))
