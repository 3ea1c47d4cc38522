"""Small, valid recipes for the workshop tests: a box part, a made-up program and check report, built through
app.jobs so they are exactly what localfab writes."""

from __future__ import annotations

import json

import trimesh

from app.jobs import CHECK_FILE, PART_FILE, PROGRAM_FILE, Recipe, pack_recipe, sha256_of
from slicing.mesh_export import export_3mf

# One warning, so a request for changes has a finding to point at.
CHECK_REPORT = {"ok": True, "process": "fdm", "counts": {"error": 0, "warning": 1, "info": 0}, "findings": [
    {"rule": "fdm.thin_wall", "severity": "warning", "message": "a wall is 0.6 mm thick; make it 0.8 mm or more",
     "measured": 0.6, "limit": 0.8, "unit": "mm", "faces": [], "points": []}]}
_PARTS: dict[tuple[float, float, float], bytes] = {}


def recipe_bytes(size_mm: tuple[float, float, float] = (80.0, 60.0, 40.0), *, time_s: float = 7200.0,
                 grams: float = 50.0, material: str = "generic-pla", tag: str = "") -> bytes:
    """A .localfab recipe for a box of `size_mm`; `tag` goes into the program so each tag gives other bytes."""
    if size_mm not in _PARTS:
        box = trimesh.creation.box(extents=size_mm)
        box.apply_translation(-box.bounds[0])
        _PARTS[size_mm] = export_3mf(box)
    files = {
        PART_FILE: _PARTS[size_mm],
        PROGRAM_FILE: f"; test program {tag}\nG28\nG1 X10 Y10 Z0.2 F3000\n".encode(),
        CHECK_FILE: (json.dumps(CHECK_REPORT) + "\n").encode(),
    }
    recipe = Recipe(
        app_version="0.1.0",
        design={"id": "box", "version": "1.0.0", "content_hash": "sha256:" + "0" * 64, "name": "Box",
                "licence": "CC0-1.0", "description": "A box for tests."},
        parameters={"tag": tag},
        process="fdm",
        printer={"id": "generic-220", "name": "Generic 220"},
        material={"id": material, "name": material},
        settings={"filament_cost": 20.0, "bed_size_x": 220.0, "bed_size_y": 220.0},
        check={"ok": True, "counts": {"error": 0, "warning": 0, "info": 0}, "override": False},
        estimate={"time_s": time_s, "filament_g": grams, "filament_mm": grams * 330.0, "layer_count": 200,
                  "filament_cost": grams * 0.02},
        outputs={name: sha256_of(files[name]) for name in (PART_FILE, PROGRAM_FILE, CHECK_FILE)},
    )
    return pack_recipe(recipe, files)
