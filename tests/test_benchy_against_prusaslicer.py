"""A correctness bar: 3DBenchy sliced by localfab and by PrusaSlicer with the same settings (the peer benchmark's
shared/bench/peer_prusa.ini) has the same number of layers and about the same volume of plastic.

PrusaSlicer's G-code is kept in pytest's cache (keyed by the mesh, the settings, the script and the PrusaSlicer
version), so only the first run pays for it.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from slicing.gcode.parse import parse_gcode

SHARED = Path(__file__).resolve().parents[2] / "shared"
BENCHY = SHARED / "corpus" / "meshes" / "3DBenchy.3mf"
PEER_INI = SHARED / "bench" / "peer_prusa.ini"
PEERS_SCRIPT = SHARED / "bench" / "peers.sh"
FILAMENT_DIAMETER_MM = 1.75  # both slicers: peer_prusa.ini, and generic-pla
# peer_prusa.ini as localfab settings: 0.2 mm layers, 2 perimeters, 4/4 top/bottom, 15% grid infill, 1 skirt
# loop, no brim, no supports, a 350 x 350 x 250 mm bed.
PEER_SETTINGS = {
    "bed_size_x": 350, "bed_size_y": 350, "max_print_height": 250, "nozzle_diameter": 0.4,
    "layer_height": 0.2, "first_layer_height": 0.2, "perimeters": 2, "top_solid_layers": 4,
    "bottom_solid_layers": 4, "infill_density": 15, "infill_pattern": "grid", "skirt_loops": 1,
    "brim_width": 0, "support_material": "false", "temperature": 210, "first_layer_temperature": 215,
    "bed_temperature": 60, "first_layer_bed_temperature": 60, "filament_diameter": FILAMENT_DIAMETER_MM,
}
VOLUME_TOLERANCE = 0.10

pytestmark = pytest.mark.skipif(shutil.which("prusa-slicer") is None,
                                reason="prusa-slicer is not installed (Debian package prusa-slicer): "
                                       "nothing to compare localfab's Benchy with")


def extruded_volume_mm3(gcode: str) -> tuple[float, int]:
    """Plastic laid down (mm3) and the number of layers: the positive E of moves that also move in X or Y,
    times the filament's cross-section (so unretracts and priming in place do not count)."""
    moves = parse_gcode(gcode)
    travel = np.linalg.norm(moves.end[:, :2] - moves.start[:, :2], axis=1)
    extruding = (moves.e > 0) & (travel > 1e-9)
    area = math.pi * FILAMENT_DIAMETER_MM**2 / 4.0
    return float(moves.e[extruding].sum()) * area, len(moves.layer_z)


@pytest.fixture(scope="session")
def prusaslicer_benchy(request: pytest.FixtureRequest) -> str:
    for needed in (BENCHY, PEER_INI, PEERS_SCRIPT):
        if not needed.is_file():
            pytest.skip(f"{needed} is missing")
    helps = subprocess.run(["prusa-slicer", "--help"], capture_output=True, text=True, timeout=60).stdout
    version = next((line for line in helps.splitlines() if line.startswith("PrusaSlicer")), "")
    key = hashlib.sha256()
    for part in (BENCHY.read_bytes(), PEER_INI.read_bytes(), PEERS_SCRIPT.read_bytes(), version.encode()):
        key.update(hashlib.sha256(part).digest())
    folder = request.config.cache.mkdir(f"prusaslicer-benchy-{key.hexdigest()[:16]}")
    gcode = folder / "prusa.gcode"
    if not gcode.is_file() or gcode.stat().st_size == 0:
        run = subprocess.run(["bash", str(PEERS_SCRIPT), str(BENCHY), str(folder), "prusa"],
                             capture_output=True, text=True, timeout=600)
        if run.returncode != 0 or not gcode.is_file():
            pytest.fail(f"peers.sh could not slice Benchy with PrusaSlicer: {run.stderr[-2000:]}")
    return gcode.read_text()


def test_benchy_has_prusaslicers_layers_and_plastic_within_ten_percent(prusaslicer_benchy, tmp_path, capsys):
    out = tmp_path / "benchy.gcode"
    settings = [arg for name, value in PEER_SETTINGS.items() for arg in ("--set", f"{name}={value}")]
    assert main(["slice", str(BENCHY), *settings, "-o", str(out), "--json"]) == 0
    capsys.readouterr()
    ours, our_layers = extruded_volume_mm3(out.read_text())
    theirs, their_layers = extruded_volume_mm3(prusaslicer_benchy)
    with capsys.disabled():
        print(f"\nBenchy: localfab {ours:.0f} mm3 in {our_layers} layers, PrusaSlicer {theirs:.0f} mm3 in "
              f"{their_layers} layers ({(ours / theirs - 1):+.1%})")
    assert our_layers == their_layers == 240
    assert ours == pytest.approx(theirs, rel=VOLUME_TOLERANCE)
