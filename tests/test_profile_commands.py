"""Profiles from the command line: list, show, import a vendor preset into the user's profiles."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

CREALITY = Path("/usr/share/PrusaSlicer/profiles/Creality.ini")


def test_profiles_are_listed_and_shown(capsys):
    assert main(["profiles", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"kind": "printer", "id": "generic-220", "name": "Generic 220 x 220 x 250 mm (0.4 mm nozzle)"} in rows
    assert main(["profiles", "show", "printer", "prusa-mk4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["bed_size_x"] == 250


@pytest.mark.skipif(not CREALITY.is_file(), reason="Debian's prusa-slicer package (vendor bundles) is not installed")
def test_a_vendor_preset_is_imported_and_usable_for_slicing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOCALFAB_DATA_DIR", str(tmp_path / "user-data"))  # keep the import to this test
    assert main(["profiles", "import", str(CREALITY), "--printer", "Creality Ender-3 V2 (0.4 mm nozzle)",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any(path.endswith("creality-ender-3-v2-0-4-mm-nozzle.toml") for path in report["written"])
    assert any("5 mm in X" in w for w in report["warnings"])
    cube = Path(__file__).resolve().parents[2] / "shared/corpus/meshes/20mm-xyz-cube.stl"
    if not cube.is_file():
        pytest.skip("corpus cube missing")
    assert main(["slice", str(cube), "--printer", "creality-ender-3-v2-0-4-mm-nozzle",
                 "-o", str(tmp_path / "c.gcode")]) == 0
    assert main(["profiles", "import", str(CREALITY), "--printer", "Creality Ender-3 V2 (0.4 mm nozzle)"]) == 2
    assert "exists" in capsys.readouterr().err


def test_an_incomplete_config_is_refused_with_what_it_lacks(capsys):
    peer = Path(__file__).resolve().parents[2] / "shared/bench/peer_prusa.ini"
    if not peer.is_file():
        pytest.skip("shared/bench/peer_prusa.ini missing")
    assert main(["profiles", "import", str(peer)]) == 2
    assert "lacks end_gcode" in capsys.readouterr().err


def test_a_closed_pipe_is_not_an_error():
    listing = subprocess.Popen([sys.executable, "-m", "app.cli", "settings"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    listing.stdout.readline()
    listing.stdout.close()
    assert listing.wait(timeout=60) == 0
    assert b"Traceback" not in listing.stderr.read()
