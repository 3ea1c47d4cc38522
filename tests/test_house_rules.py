"""The rules of the house that a tool can check: layering of imports, and a clean lint."""

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_hold():
    result = subprocess.run([str(BIN / "lint-imports")], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_qt_contract_covers_every_module_of_the_app_outside_the_gui():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    (qt_contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if "Qt" in c["name"]]
    covered = set(qt_contract["source_modules"])
    app_modules = {f"app.{p.stem}" for p in (REPO / "app").iterdir()
                   if p.name != "gui" and not p.name.startswith("_") and (p.suffix == ".py" or p.is_dir())
                   and p.name != "__pycache__"}
    assert app_modules <= covered, f"add {sorted(app_modules - covered)} to the Qt contract in pyproject.toml"


def test_ruff_finds_nothing():
    result = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
