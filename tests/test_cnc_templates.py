"""The CNC router templates end to end: built at their defaults, checked, planned, simulated and posted
without overriding anything; the stool's mortises follow the measured sheet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.profiles.cam import load_cam
from parametric_designs.build import build_part
from parametric_designs.templates import discover
from slicing.cnc.dogbone import inside_corners
from slicing.cnc.grbl_rules import GrblDialect, grbl_violations
from slicing.cnc.job import RouterSettings, place_on_sheet, plan_router_job
from slicing.cnc.mesh_input import flat_part_from_mesh
from slicing.cnc.tooling import cutting_data
from slicing.fdm import polygons

TEMPLATES = discover()
STOOL_SHEET = "800x400"  # the stool's four panels at its defaults take 770 x 325 mm


def _record(folder: Path) -> dict:
    """The job's record, once every program it lists is checked to be one GRBL 1.1 runs."""
    record = json.loads((folder / "cam.json").read_text())
    for name in record["outputs"]:
        assert grbl_violations((folder / name).read_text(), GrblDialect(s_max=24000)) == [], name
    return record


def test_both_router_templates_are_marked_for_the_cnc_process():
    assert TEMPLATES["plywood-stool"].processes == ("cnc",)
    assert TEMPLATES["routed-sign"].processes == ("cnc",)


def test_the_stool_at_its_defaults_is_cut_with_dogbones_without_overriding_anything(tmp_path: Path):
    assert main(["cam", "plywood-stool", "--sheet", STOOL_SHEET, "--relief", "dogbone", "-o", str(tmp_path)]) == 0
    record = _record(tmp_path)
    assert record["checks"]["ok"] and not record["checks"]["overridden"] and record["checks"]["findings"] == []
    assert record["findings"] == [] and not record["findings_accepted"]  # every panel held by its tabs
    assert [op["kind"] for op in record["operations"]] == ["profile"]
    assert sorted(record["outputs"]) == ["sheet-01/01-flat-6-2f.nc"]


def test_the_stools_mortises_are_the_measured_sheet_plus_the_fit_wide_and_relieved_where_panels_seat():
    values = {"sheet_thickness": 11.6, "fit": 0.25}
    part = flat_part_from_mesh(build_part(TEMPLATES["plywood-stool"], values).mesh, "stool")
    holes = [ring for ring in polygons.to_mm(part.outline) if _signed_area(ring) < 0]  # holes run clockwise
    widths = sorted(round(float(min(np.ptp(ring, axis=0))), 3) for ring in holes)
    assert widths == [11.85] * 6  # four in the seat for the legs' tenons, one in each leg for the stretcher

    tool, router, sheet = load_cam("tool", "flat-6-2f"), load_cam("machine", "generic-grbl-router"), (800.0, 400.0)
    settings = RouterSettings(tool=tool, cutting=cutting_data(tool, load_cam("material", "plywood"), router),
                              sheet_mm=sheet, corner_relief="dogbone", relief_clearance_mm=0.1)
    placed = place_on_sheet(part, sheet, settings.margin_mm)
    job = plan_router_job(placed, settings, router, "plywood")
    corners = inside_corners(placed.outline)
    assert len(corners) == 36  # 6 mortises x 4, the legs' 8 tenon shoulders, the stretcher's 4
    # Every inside corner where a square tenon or shoulder seats is cut through in the simulated stock, right
    # into the corner: 0.6 mm from it, where a 6 mm tool without relief leaves 1.2 mm of material.
    x, y = job.stock.cell_centres()
    for corner in corners:
        spot = corner.point + 0.6 * corner.bisector
        nearest = np.unravel_index(np.argmin(np.hypot(x - spot[0], y - spot[1])), x.shape)
        assert job.stock.heights[nearest] <= -11.6 + 1e-6, corner.point


def _signed_area(ring: np.ndarray) -> float:
    return 0.5 * float(np.dot(ring[:, 0], np.roll(ring[:, 1], -1)) - np.dot(ring[:, 1], np.roll(ring[:, 0], -1)))


def test_the_sign_at_its_defaults_is_pocketed_with_the_pocket_tool_and_profiled_without_overrides(tmp_path: Path):
    assert main(["cam", "routed-sign", "--pocket-tool", "flat-3.175-2f", "-o", str(tmp_path)]) == 0
    record = _record(tmp_path)
    checks = record["checks"]
    assert checks["ok"] and not checks["overridden"]
    # The letters' inside corners are rounded by the 3.175 mm pocket tool, by design: said, not refused.
    assert {f["rule"] for f in checks["findings"]} == {"cnc.pocket_corner"}
    assert all(f["severity"] == "warning" for f in checks["findings"])
    assert [(op["kind"], op["tool"]) for op in record["operations"]] == [("pocket", "flat-3.175-2f"),
                                                                        ("profile", "flat-6-2f")]
    assert record["source"]["parameters"]["pocket_depth"] == pytest.approx(3.0)
    assert record["findings"] == []


def test_the_sign_pockets_to_its_pocket_depth_in_either_style():
    for style in ("raised", "engraved"):
        mesh = build_part(TEMPLATES["routed-sign"], {"style": style, "pocket_depth": 4.5, "thickness": 15}).mesh
        part = flat_part_from_mesh(mesh, "sign")
        assert [depth for depth, _ in part.pockets] == [pytest.approx(4.5)], style
