"""CNC and laser checks: known answers on generated parts, the tool and laser profiles, and the command line."""

from __future__ import annotations

import json

import manifold3d
import numpy as np
import pytest

from app.checks import check_cnc, check_laser
from app.checks.part import CheckedPart
from app.cli import main
from app.errors import ProfileError
from app.profiles import list_cam, load_cam, load_laser_settings
from app.profiles.check_limits import laser_limits, load_check_limits, smallest_tool_diameter
from parametric_designs.build import build_part
from parametric_designs.templates import discover
from slicing.mesh import place_on_bed
from slicing.mesh_export import export_stl

SMALLEST_TOOL = 1.0


@pytest.fixture(scope="module")
def tool():
    return load_cam("tool", "flat-6-2f")  # a 6 mm flat end mill with 22 mm flutes


@pytest.fixture(scope="module")
def limits():
    return load_check_limits("cnc")  # 0.1 mm corner clearance, 4 widths deep, 1.5 mm walls


@pytest.fixture(scope="module")
def laser():
    return {"bed_size_x": 600.0, "bed_size_y": 400.0, "kerf": 0.2, "max_cut_thickness": 8.0}


def part(solid: manifold3d.Manifold) -> CheckedPart:
    mesh = solid.to_mesh()
    return CheckedPart(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts))


def rounded_pocket(size: float, radius: float, depth: float, x: float, y: float, top: float) -> manifold3d.Manifold:
    """A square pocket `size` mm wide with vertical corners of `radius` mm, cut `depth` mm down from `top`."""
    outline = manifold3d.CrossSection.square((size - 2 * radius, size - 2 * radius)) \
        .offset(radius, manifold3d.JoinType.Round, 2.0, 64).translate((x + radius, y + radius))
    return manifold3d.Manifold.extrude(outline, depth + 1.0).translate((0.0, 0.0, top - depth))


def test_pocket_corners_of_1_and_3_mm_are_flagged_for_a_6_mm_tool_and_6_mm_is_not(tool, limits):
    block = manifold3d.Manifold.cube((80.0, 30.0, 10.0))
    for index, radius in enumerate((1.0, 3.0, 6.0)):
        block = block - rounded_pocket(20.0, radius, 5.0, 5.0 + 25.0 * index, 5.0, 10.0)
    report = check_cnc(part(block), tool, limits, (80.0, 30.0, 10.0), SMALLEST_TOOL)
    (corners,) = [f for f in report.findings if f.rule == "cnc.inside_corner"]
    assert corners.severity == "error" and corners.limit == pytest.approx(3.1)
    assert corners.measured == pytest.approx(1.0, abs=0.1)
    pockets_hit = sorted({int(x // 25.0) for x, _, _ in corners.points})
    assert pockets_hit == [0, 1] and len(corners.points) == 8  # four corners each of the 1 and 3 mm pockets
    assert all(z == pytest.approx(5.0) for _, _, z in corners.points)
    assert [f.rule for f in report.findings] == ["cnc.inside_corner"]


def test_round_holes_the_tool_drills_or_bores_have_no_corners_but_a_square_one_does(tool, limits):
    block = manifold3d.Manifold.cube((60.0, 20.0, 5.0))
    block = block - manifold3d.Manifold.cylinder(7.0, 3.0, 3.0, 48).translate((10.0, 10.0, -1.0))  # the tool's
    block = block - manifold3d.Manifold.cylinder(7.0, 5.0, 5.0, 48).translate((28.0, 10.0, -1.0))  # wider
    block = block - manifold3d.Manifold.cube((8.0, 8.0, 7.0)).translate((42.0, 6.0, -1.0))  # square corners
    report = check_cnc(part(block), tool, limits, (60.0, 20.0, 5.0), SMALLEST_TOOL)
    (corners,) = [f for f in report.findings if f.rule == "cnc.inside_corner"]
    assert len(corners.points) == 4 and all(x > 40.0 for x, _, _ in corners.points)


def test_pockets_deeper_than_the_flutes_or_four_widths_are_flagged(tool, limits):
    block = manifold3d.Manifold.cube((60.0, 30.0, 40.0))
    block = block - rounded_pocket(20.0, 4.0, 30.0, 5.0, 5.0, 40.0)  # 30 mm deep: beyond 22 mm flutes
    block = block - rounded_pocket(7.0, 3.2, 35.0, 40.0, 10.0, 40.0)  # 35 deep, 7 wide: 5 widths
    report = check_cnc(part(block), tool, limits, (60.0, 30.0, 40.0), SMALLEST_TOOL)
    rules = {f.rule: f for f in report.findings}
    assert rules["cnc.pocket_depth"].measured == pytest.approx(35.0) and rules["cnc.pocket_depth"].limit == 22.0
    assert len(rules["cnc.pocket_depth"].points) == 2
    ratio = rules["cnc.pocket_depth_to_width"]
    assert ratio.measured == pytest.approx(5.0, abs=0.01) and ratio.limit == 4.0 and len(ratio.points) == 1
    assert "cnc.profile_depth" in rules  # the 40 mm tall part is taller than the flutes, too


def test_holes_narrower_than_the_tool_or_any_tool_are_flagged(tool, limits):
    block = manifold3d.Manifold.cube((40.0, 20.0, 5.0))
    block = block - manifold3d.Manifold.cylinder(7.0, 2.0, 2.0, 64).translate((10.0, 10.0, -1.0))  # 4 mm
    block = block - manifold3d.Manifold.cylinder(7.0, 0.4, 0.4, 64).translate((30.0, 10.0, -1.0))  # 0.8 mm
    report = check_cnc(part(block), tool, limits, (40.0, 20.0, 5.0), SMALLEST_TOOL)
    holes = {f.severity: f for f in report.findings if f.rule == "cnc.small_hole"}
    assert holes["error"].measured == pytest.approx(0.8, abs=0.01) and holes["error"].limit == SMALLEST_TOOL
    assert holes["warning"].measured == pytest.approx(4.0, abs=0.01) and holes["warning"].limit == 6.0
    assert holes["error"].points[0][:2] == pytest.approx((30.0, 10.0), abs=0.01)


def test_faces_pointing_down_are_undercuts_and_thin_walls_are_flagged(tool, limits):
    mushroom = manifold3d.Manifold.cube((10.0, 10.0, 10.0)) + \
        manifold3d.Manifold.cube((30.0, 30.0, 5.0)).translate((-10.0, -10.0, 10.0))
    report = check_cnc(part(mushroom), tool, limits, (30.0, 30.0, 15.0), SMALLEST_TOOL)
    (undercut,) = [f for f in report.findings if f.rule == "cnc.undercut"]
    assert undercut.measured == pytest.approx(800.0) and undercut.faces
    assert all(z == pytest.approx(10.0) for _, _, z in undercut.points)
    fin = manifold3d.Manifold.cube((40.0, 20.0, 3.0)) + \
        manifold3d.Manifold.cube((30.0, 1.0, 10.0)).translate((5.0, 10.0, 3.0))
    (thin,) = [f for f in check_cnc(part(fin), tool, limits, (40, 20, 13), SMALLEST_TOOL).findings
               if f.rule == "cnc.thin_wall"]
    assert thin.measured == pytest.approx(1.0, abs=0.05) and thin.limit == 1.5


def test_laser_finds_burnt_tabs_narrow_slots_a_small_bed_and_thick_sheet(laser):
    plate = manifold3d.Manifold.cube((100.0, 50.0, 3.0))
    plate = plate - manifold3d.Manifold.cube((20.0, 0.1, 5.0)).translate((10.0, 20.0, -1.0))  # 0.1 slot
    plate = plate + manifold3d.Manifold.cube((10.0, 0.1, 3.0)).translate((100.0, 25.0, 0.0))  # 0.1 tab
    report = check_laser(part(plate), laser)
    rules = {f.rule: f for f in report.findings}
    assert set(rules) == {"laser.small_hole", "laser.small_feature"}
    assert rules["laser.small_hole"].measured == pytest.approx(0.1, abs=0.01)
    assert rules["laser.small_feature"].points[0][:2] == pytest.approx((105.0, 25.05), abs=0.5)
    big = part(manifold3d.Manifold.cube((700.0, 100.0, 3.0)))
    assert [f.rule for f in check_laser(big, laser).errors] == ["laser.fits_bed"]
    assert "laser.thickness" in [f.rule for f in check_laser(part(plate), laser, thickness=10.0).errors]


def test_an_open_outline_cannot_be_laser_cut(laser):
    sheet = part(manifold3d.Manifold.cube((50.0, 50.0, 3.0)))
    opened = CheckedPart(sheet.vertices, sheet.faces[2:])
    (finding,) = check_laser(opened, laser).errors
    assert finding.rule == "laser.open_contour" and finding.faces and finding.points


def test_builtin_laser_templates_at_their_defaults_are_cut_or_refused_for_the_right_reason():
    templates = discover()
    box = build_part(templates["laser-finger-box"], {}).mesh  # 3 mm sheets
    laser = laser_limits("generic-grbl-diode-laser", "plywood", float(box.extents[2]))
    assert check_laser(place_on_bed(box, 400, 400), laser).ok
    # The coaster is 6 mm thick: the thickest plywood the 10 W diode laser cuts; at 8 mm it is refused.
    coaster = build_part(templates["engraved-coaster"], {}).mesh
    laser = laser_limits("generic-grbl-diode-laser", "plywood", float(coaster.extents[2]))
    assert laser["max_cut_thickness"] == 6.0
    assert check_laser(place_on_bed(coaster, 400, 400), laser).ok
    thick = build_part(templates["engraved-coaster"], {"thickness": 8.0}).mesh
    laser = laser_limits("generic-grbl-diode-laser", "plywood", 8.0)
    report = check_laser(place_on_bed(thick, 400, 400), laser)
    assert [(f.rule, f.measured, f.limit) for f in report.errors] == [("laser.thickness", 8.0, 6.0)]


def test_the_limits_come_from_the_check_limits_file_and_the_cam_library():
    assert load_check_limits("cnc") == {"corner_clearance": 0.1, "max_depth_to_width": 4.0,
                                        "min_wall_thickness": 1.5}
    end_mills = [t.diameter_mm for t in list_cam("tool") if t.kind in ("flat", "ball")]
    assert smallest_tool_diameter() == min(end_mills)  # V-bits engrave; they do not size holes
    machine = load_cam("machine", "generic-grbl-diode-laser")
    table = load_laser_settings(machine.laser_settings)
    cuts = sorted((row for row in table.settings if row.material == "plywood" and row.operation == "cut"),
                  key=lambda row: row.thickness_mm)
    diode = laser_limits(machine.id, "plywood", cuts[0].thickness_mm)
    assert diode == {"bed_size_x": machine.travel_mm[0], "bed_size_y": machine.travel_mm[1],
                     "kerf": cuts[0].kerf_mm, "max_cut_thickness": cuts[-1].thickness_mm}
    too_thick = laser_limits(machine.id, "plywood", cuts[-1].thickness_mm + 2.0)
    assert too_thick["kerf"] == cuts[-1].kerf_mm  # the thickest row's: the check then refuses the sheet
    with pytest.raises(ProfileError, match="choose --sheet from hardwood, mdf, plywood"):
        laser_limits("generic-grbl-diode-laser", "steel", 3.0)
    with pytest.raises(ProfileError, match="is not a laser"):
        laser_limits("generic-grbl-router", "plywood", 3.0)


def test_a_vbit_engraves_sharp_corners_and_narrow_grooves(limits):
    block = manifold3d.Manifold.cube((40.0, 20.0, 5.0)) - rounded_pocket(10.0, 0.5, 1.0, 5.0, 5.0, 5.0)
    report = check_cnc(part(block), load_cam("tool", "vbit-60-6.35"), limits, (40.0, 20.0, 5.0), SMALLEST_TOOL)
    assert report.ok and not [f for f in report.findings if f.rule in ("cnc.inside_corner", "cnc.small_hole")]


def test_check_command_runs_cnc_and_laser_with_exit_codes(tmp_path, capsys):
    block = manifold3d.Manifold.cube((40.0, 20.0, 5.0)) - rounded_pocket(10.0, 2.0, 3.0, 5.0, 5.0, 5.0)
    mesh = part(block).to_trimesh()
    path = tmp_path / "block.stl"
    path.write_bytes(export_stl(mesh))
    assert main(["check", str(path), "--process", "cnc", "--tool", "flat-6-2f", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["process"] == "cnc" and data["tool"] == "flat-6-2f" and data["stock_mm"] == [40, 20, 5]
    assert [f["rule"] for f in data["findings"]] == ["cnc.inside_corner"]
    assert main(["check", str(path), "--process", "cnc", "--tool", "flat-3.175-2f"]) == 0
    assert main(["check", str(path), "--process", "cnc", "--stock", "30,20,5"]) == 1
    assert "cnc.fits_stock" in capsys.readouterr().out
    assert main(["check", str(path), "--process", "cnc", "--stock", "30,x"]) == 2
    assert "--stock 30,x: give the stock's size" in capsys.readouterr().err
    assert main(["check", str(path), "--process", "laser", "--thickness", "3"]) == 0
    capsys.readouterr()
    assert main(["check", str(path), "--process", "laser", "--sheet", "mdf", "--thickness", "6", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["sheet"] == "mdf" and data["kerf_mm"] > 0.0
    assert [f["rule"] for f in data["findings"]] == ["laser.thickness"]
    assert main(["check", str(path), "--process", "cnc", "--tool", "flat-7"]) == 2
    assert "choose one of" in capsys.readouterr().err


def test_a_sheet_standing_on_edge_is_laid_flat_when_asked(tmp_path, capsys):
    plate = part(manifold3d.Manifold.cube((3.0, 80.0, 60.0))).to_trimesh()  # a 3 mm sheet, on its edge
    path = tmp_path / "sheet.stl"
    path.write_bytes(export_stl(plate))
    assert main(["check", str(path), "--process", "laser"]) == 1
    assert "lay the part flat (--lay-flat)" in capsys.readouterr().out
    assert main(["check", str(path), "--process", "laser", "--lay-flat"]) == 0


def test_with_a_pocket_tool_pocket_corners_are_its_to_round_and_through_corners_stay_the_profile_tools(tool, limits):
    block = manifold3d.Manifold.cube((80.0, 30.0, 10.0))
    block = block - rounded_pocket(20.0, 1.0, 5.0, 5.0, 5.0, 10.0)  # 1 mm corners, 5 mm deep
    block = block - rounded_pocket(4.0, 0.6, 3.0, 35.0, 13.0, 10.0)  # 4 mm wide: narrower than the 6 mm tool
    block = block - manifold3d.Manifold.cube((8.0, 8.0, 12.0)).translate((60.0, 11.0, -1.0))  # square, through
    stock = (80.0, 30.0, 10.0)
    fine = load_cam("tool", "flat-1-1f")  # 0.5 mm radius reaches the pocket's 1 mm corners; 4 mm flutes
    report = check_cnc(part(block), tool, limits, stock, SMALLEST_TOOL, pocket_tool=fine)
    corners, deep = report.errors
    assert corners.rule == "cnc.inside_corner" and len(corners.points) == 4
    assert all(x > 55.0 and z == pytest.approx(0.0) for x, _, z in corners.points)  # the through hole's only
    # Pockets are measured against the tool that cuts them: the 4 mm one fits the 1 mm tool, but the 5 mm
    # deep one is beyond its flutes.
    assert (deep.rule, deep.measured, deep.limit) == ("cnc.pocket_depth", 5.0, fine.flute_length_mm)
    assert not report.warnings

    coarse = load_cam("tool", "flat-3.175-2f")  # rounds the 1 mm corners to 1.6 mm: said, not refused
    report = check_cnc(part(block), tool, limits, stock, SMALLEST_TOOL, pocket_tool=coarse)
    rounded = {f.rule: f for f in report.findings}
    assert rounded["cnc.pocket_corner"].severity == "warning" and len(rounded["cnc.pocket_corner"].points) == 8
    assert rounded["cnc.pocket_corner"].limit == pytest.approx(1.5875, abs=1e-3)
    assert [f.rule for f in report.errors] == ["cnc.inside_corner"]

    without = check_cnc(part(block), tool, limits, stock, SMALLEST_TOOL)  # every floor against the 6 mm tool
    (corners,) = without.errors
    assert len(corners.points) == 9  # the big pocket's four, the small pocket as a whole, the square hole's four
    assert [(f.rule, f.limit) for f in without.warnings] == [("cnc.small_hole", 6.0)]


@pytest.mark.parametrize("sheet", [(800.0, 400.0), (800.0, 800.0), (2440.0, 1220.0)])
def test_the_stools_tight_corners_are_found_at_the_corners_themselves_wherever_it_lies_on_the_sheet(tool, limits,
                                                                                                   sheet):
    # Without reliefs, the 6 mm tool leaves every square inside corner of the stool's mortises and notches
    # (slicing.cnc.dogbone finds them from the outline: the same corners, counted the other way).
    from app.cam_chain import cut_design_values, design_source
    from slicing.cnc.dogbone import inside_corners

    template = discover()["plywood-stool"]
    source = design_source(template, cut_design_values(template, {}, None))
    on_sheet = place_on_bed(source.mesh, *sheet)
    shift = on_sheet.bounds[0] - source.mesh.bounds[0]
    report = check_cnc(on_sheet, tool, limits, (*sheet, 12.0), SMALLEST_TOOL)
    (corners,) = [f for f in report.findings if f.rule == "cnc.inside_corner"]
    drawn = np.array([corner.point for corner in inside_corners(source.part.outline)]) + shift[:2]
    found = np.array(corners.points)[:, :2]
    assert len(found) == len(drawn) == 36
    nearest = np.min(np.linalg.norm(found[:, None] - drawn[None], axis=2), axis=1)
    assert nearest.max() < 0.1  # each at its corner (told 0.05 mm inside the waste)
