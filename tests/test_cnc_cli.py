"""`localfab cam` and `localfab laser` end to end: drawings and designs in, proven programs and a record of
settings and output hashes out."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import ezdxf
import numpy as np
import pytest

from app.cli import main
from app.jobs import Recipe, pack_recipe, read_recipe, sha256_of
from slicing.cnc.arcs import ARC_TOLERANCE_MM
from slicing.cnc.grbl_rules import GrblDialect, grbl_violations
from tests.gcode_arcs import arc_samples

SHORTEST_REVERSAL_MM = 0.02


def _backward_steps(program: str) -> list[str]:
    """Lines whose straight move turns back (over 90 degrees) on the one before it at the same height, where
    either of the two is shorter than SHORTEST_REVERSAL_MM: a stutter, not a feature of the part."""
    position = {"X": 0.0, "Y": 0.0, "Z": 0.0}
    previous: np.ndarray | None = None
    found = []
    for line in program.splitlines():
        words = dict((word[0], word[1:]) for word in line.split()[1:])
        start = np.array([position["X"], position["Y"], position["Z"]])
        position.update({axis: float(words[axis]) for axis in "XYZ" if axis in words})
        step = np.array([position["X"], position["Y"], position["Z"]]) - start
        if not line.startswith("G1 ") or step[2] != 0:
            previous = None
            continue
        if previous is not None and np.dot(previous[:2], step[:2]) < 0 and \
                min(np.linalg.norm(previous[:2]), np.linalg.norm(step[:2])) < SHORTEST_REVERSAL_MM:
            found.append(line)
        previous = step
    return found


@pytest.fixture
def plate_dxf(tmp_path: Path) -> Path:
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4
    space = doc.modelspace()
    space.add_lwpolyline([(0, 0), (160, 0), (160, 90), (0, 90)], close=True, dxfattribs={"layer": "CUT"})
    space.add_lwpolyline([(100, 30), (140, 30), (140, 42), (100, 42)], close=True, dxfattribs={"layer": "CUT"})
    space.add_circle((130, 70), 3.0, dxfattribs={"layer": "CUT"})
    space.add_circle((110, 70), 8.0, dxfattribs={"layer": "CUT"})
    space.add_lwpolyline([(15, 15), (75, 15), (75, 75), (15, 75)], close=True, dxfattribs={"layer": "POCKET_4"})
    path = tmp_path / "plate.dxf"
    doc.saveas(path)
    return path


def test_cam_writes_grbl_programs_and_a_record_of_settings_and_hashes(plate_dxf: Path, tmp_path: Path, capsys):
    out = tmp_path / "job"
    arguments = ["cam", str(plate_dxf), "--thickness", "12", "--sheet", "300x200", "--relief", "dogbone", "--lead", "3",
                 "--override-checks"]
    assert main([*arguments, "-o", str(out), "--json"]) == 0
    record = json.loads((out / "cam.json").read_text())
    assert record["source"]["file"] == "plate.dxf"
    assert [op["kind"] for op in record["operations"]] == ["pocket", "drill", "pocket", "profile"]
    assert record["settings"]["corner_relief"] == "dogbone" and record["findings"] == []
    for name, digest in record["outputs"].items():
        text = (out / name).read_text()
        assert hashlib.sha256(text.encode()).hexdigest() == digest
        assert grbl_violations(text, GrblDialect(s_max=24000)) == []
    assert json.loads(capsys.readouterr().out)["outputs"] == record["outputs"]
    again = tmp_path / "again"
    assert main([*arguments, "-o", str(again)]) == 0
    assert json.loads((again / "cam.json").read_text())["outputs"] == record["outputs"]


def test_the_manufacturability_check_blocks_export_unless_overridden_and_recorded(plate_dxf: Path, tmp_path: Path,
                                                                                 capsys):
    arguments = ["cam", str(plate_dxf), "--thickness", "12", "--sheet", "300x200"]
    assert main([*arguments, "-o", str(tmp_path / "blocked")]) == 2
    assert "the cnc check found errors: " in capsys.readouterr().err
    assert not (tmp_path / "blocked").exists()
    assert main([*arguments, "--override-checks", "-o", str(tmp_path / "kept")]) == 0
    checks = json.loads((tmp_path / "kept" / "cam.json").read_text())["checks"]
    assert checks["overridden"] is True and not checks["ok"]
    assert any(f["rule"] == "cnc.inside_corner" for f in checks["findings"])


def test_cam_refuses_a_tool_too_big_for_a_hole_and_a_sheet_too_small(plate_dxf: Path, tmp_path: Path, capsys):
    base = ["cam", str(plate_dxf), "--thickness", "12", "--override-checks"]
    assert main([*base, "--tool", "flat-12-2f-nc", "-o", str(tmp_path)]) == 2
    assert "narrower than the 12 mm tool" in capsys.readouterr().err
    assert main([*base, "--sheet", "100x100", "-o", str(tmp_path)]) == 2
    assert "does not fit a 100 x 100 mm sheet" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.nc"))


def test_cam_refuses_a_program_whose_parts_are_not_held_unless_accepted(plate_dxf: Path, tmp_path: Path, capsys):
    assert main(["cam", str(plate_dxf), "--thickness", "12", "--sheet", "300x200", "--tabs", "0",
                 "--override-checks", "-o", str(tmp_path / "a")]) == 0  # no tabs asked: nothing to hold, nothing found
    assert main(["cam", str(plate_dxf), "--thickness", "30", "--sheet", "300x200", "--tool", "flat-3.175-2f",
                 "--override-checks", "-o", str(tmp_path / "b")]) == 2
    assert "flutes" in capsys.readouterr().err


def test_laser_writes_gcode_and_a_layered_svg(tmp_path: Path):
    drawing = tmp_path / "tag.svg"
    drawing.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="30mm" viewBox="0 0 80 30">'
        '<rect x="1" y="1" width="78" height="28" fill="none" stroke="#ff0000"/>'
        '<circle cx="8" cy="15" r="3" fill="none" stroke="#ff0000"/>'
        '<path d="M 20 15 L 70 15" fill="none" stroke="#0000ff"/></svg>'
    )
    assert main(["laser", str(drawing), "--thickness", "3", "-o", str(tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / "laser.json").read_text())
    assert set(record["settings"]) == {"cut", "engrave"}
    program = (tmp_path / "out" / "laser.gcode").read_text()
    assert grbl_violations(program, GrblDialect(s_max=1000, laser=True, spindle_dwell=False)) == []
    svg = (tmp_path / "out" / "layers.svg").read_text()
    assert svg.count('stroke="#FF0000"') == 2 and svg.count('stroke="#0000FF"') == 1


def test_a_program_from_a_design_never_steps_backwards_over_the_meshes_tessellation(tmp_path: Path):
    assert main(["cam", "plywood-stool", "--sheet", "800x400", "--relief", "dogbone", "-o", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "cam.json").read_text())
    for name in record["outputs"]:
        program = (tmp_path / name).read_text()
        assert _backward_steps(program) == [], name
        # Simplifying the sections keeps the curves round enough to go out as arcs.
        assert any(line.startswith(("G2 ", "G3 ")) for line in program.splitlines())
        assert program.splitlines()[-3:] == ["G0 Z5.000", "M5", "M30"]


def test_a_reversal_under_the_limit_is_found():
    zigzag = "G0 X0 Y0\nG1 Z-1 F100\nG1 X10 Y0\nG1 X9.99 Y0.001\nG1 X20 Y0"
    assert _backward_steps(zigzag) == ["G1 X9.99 Y0.001", "G1 X20 Y0"]


def test_a_single_laser_part_is_cut_on_the_bed_in_from_the_sheets_corner_and_says_where_zero_is(tmp_path: Path):
    # The finger box's panels are drawn from the origin; the coaster round it (half of it at negative X and Y).
    for design, spacing in (("laser-finger-box", "2"), ("engraved-coaster", "5")):
        assert main(["laser", design, "--spacing", spacing, "-o", str(tmp_path / design)]) == 0
        text = (tmp_path / design / "laser.gcode").read_text()
        lines = text.splitlines()
        ends = np.array([[float(word[1:]) for word in line.split() if word[0] in "XY"]
                         for line in lines if line.startswith(("G0 X", "G1 X"))])
        coordinates = np.vstack([ends, *arc_samples(text)])  # the coaster's round edge goes out as arcs
        cut = 0.075 if design == "laser-finger-box" else 0.125  # half the kerf of the table's cut setting
        assert coordinates.min(axis=0) == pytest.approx([float(spacing) - cut] * 2, abs=ARC_TOLERANCE_MM), design
        assert coordinates.max(axis=0)[0] < 400.0 and coordinates.max(axis=0)[1] < 400.0  # the laser's bed
        assert "(zero: X0 Y0 at the front left corner of the sheet)" in lines


def test_a_laser_part_bigger_than_its_sheet_or_a_sheet_bigger_than_the_bed_is_refused(tmp_path: Path, capsys):
    assert main(["laser", "engraved-coaster", "--sheet", "60x60", "-o", str(tmp_path / "a")]) == 2
    assert "does not fit a 60 x 60 mm sheet with 2 mm margins: use a bigger sheet" in capsys.readouterr().err
    assert main(["laser", "engraved-coaster", "--sheet", "900x600", "-o", str(tmp_path / "b")]) == 2
    assert "bigger than the" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_laser_finger_box_design_goes_end_to_end(tmp_path: Path):
    assert main(["laser", "laser-finger-box", "--set", "thickness=3", "-o", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "laser.json").read_text())
    # The design draws at nominal size (kerf 0) and the laser compensates with its own table's kerf.
    assert record["source"]["parameters"]["kerf"] == 0
    assert record["settings"]["cut"]["kerf_mm"] == pytest.approx(0.15)
    assert record["thickness_mm"] == pytest.approx(3.0)


def test_cam_nests_copies_and_a_fit_coupon_and_reports_utilisation(plate_dxf: Path, tmp_path: Path):
    assert main(["cam", str(plate_dxf), "--thickness", "12", "--sheet", "600x400", "--copies", "3", "--coupon",
                 "--relief", "tbone", "--override-checks", "-o", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "cam.json").read_text())
    placed = [p["part"] for sheet in record["sheets"] for p in sheet["placements"]]
    assert sorted(placed) == [0, 0, 0, 1]  # three plates and the coupon
    assert all(0 < sheet["utilisation"] < 1 for sheet in record["sheets"])
    assert any(op["kind"] == "engrave" for op in record["operations"])  # the coupon's ticks


def test_one_copy_of_a_drawing_too_big_for_the_sheet_has_its_pieces_nested_and_rebuilds(tmp_path: Path, capsys):
    # The stool is drawn 770 mm wide; its seat, legs and rail each fit a 600 x 400 mm sheet.
    assert main(["cam", "plywood-stool", "--relief", "dogbone", "-o", str(tmp_path / "stool")]) == 0
    record = json.loads((tmp_path / "stool" / "cam.json").read_text())
    placed = sorted(p["part"] for sheet in record["sheets"] for p in sheet["placements"])
    assert placed == [0, 1, 2, 3] and len(record["sheets"]) > 1, "each piece once, on the sheets it needs"
    assert record["checks"]["findings"] == [], "the drawing as a whole need not fit one sheet"
    assert _recipe_rebuild(tmp_path / "stool" / "plywood-stool.localfab", capsys) == (0, "identical\n")
    # A drawing that fits as drawn is cut as drawn, in the sheet's corner.
    assert main(["cam", "plywood-stool", "--relief", "dogbone", "--sheet", "800x400",
                 "-o", str(tmp_path / "big")]) == 0
    assert json.loads((tmp_path / "big" / "cam.json").read_text())["sheets"][0]["placements"] is None
    # The laser too: the finger box's six panels on a sheet smaller than the drawing.
    assert main(["laser", "laser-finger-box", "--set", "thickness=3", "--sheet", "200x150",
                 "-o", str(tmp_path / "box")]) == 0
    box = json.loads((tmp_path / "box" / "laser.json").read_text())
    assert sorted(p["part"] for sheet in box["sheets"] for p in sheet["placements"]) == list(range(6))


def test_a_rest_tool_clears_the_pockets_corners_between_the_big_tools_pocket_and_profile(tmp_path: Path, capsys):
    assert main(["cam", "routed-sign", "--rest-tool", "flat-3.175-2f", "-o", str(tmp_path / "sign")]) == 0
    record = json.loads((tmp_path / "sign" / "cam.json").read_text())
    assert [(op["name"], op["tool"]) for op in record["operations"]] == [
        ("pocket 3 mm", "flat-6-2f"), ("rest of pocket 3 mm", "flat-3.175-2f"), ("outside profile", "flat-6-2f")]
    assert record["rest_tool"]["id"] == "flat-3.175-2f"
    # The small tool only goes where the big one left material: a few percent of the pocket's cutting.
    pocket, rest, _ = (op["cut_length_mm"] for op in record["operations"])
    assert 0 < rest < 0.05 * pocket
    # In cutting order, so the part is still held by the sheet while its pocket's corners are cleared: the
    # big tool comes back for the profile, in a file of its own.
    programs = sorted((tmp_path / "sign" / "sheet-01").glob("*.nc"))
    assert [p.name for p in programs] == ["01-flat-6-2f.nc", "02-flat-3.175-2f.nc", "03-flat-6-2f.nc"]
    for program in programs:
        assert grbl_violations(program.read_text(), GrblDialect(s_max=24000)) == []
    assert "(fit T1: Flat end mill 6 mm" in programs[2].read_text()
    # The pockets' corners are checked against the rest tool, which cuts them last.
    corners = [f for f in record["checks"]["findings"] if f["rule"] == "cnc.pocket_corner"]
    assert corners and corners[0]["limit"] == pytest.approx(1.587, abs=0.001)
    assert _recipe_rebuild(tmp_path / "sign" / "routed-sign.localfab", capsys) == (0, "identical\n")

    assert main(["cam", "routed-sign", "--rest-tool", "flat-12-2f-nc", "-o", str(tmp_path / "big")]) == 2
    assert "choose a smaller one" in capsys.readouterr().err
    # A V-bit engraves; it leaves no upright wall nor flat floor in a pocket (V-carving is not built).
    assert main(["cam", "routed-sign", "--pocket-tool", "vbit-60-6.35", "-o", str(tmp_path / "v")]) == 2
    assert "is a V-bit: it engraves, but cannot be the pocket tool" in capsys.readouterr().err
    assert not (tmp_path / "big").exists() and not (tmp_path / "v").exists()


def test_cam_cuts_a_design_with_a_pocket_tool_and_a_profile_tool(tmp_path: Path):
    assert main(["cam", "engraved-coaster", "--set", "text=", "--tool", "flat-3.175-2f", "--pocket-tool",
                 "flat-1-1f", "--resolution", "0.25", "--override-checks", "-o", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "cam.json").read_text())
    assert record["source"]["design"] == "engraved-coaster"
    assert sorted(record["outputs"]) == ["sheet-01/01-flat-1-1f.nc", "sheet-01/02-flat-3.175-2f.nc"]
    assert record["findings"] == []


def test_laser_nests_copies_on_the_bed(tmp_path: Path):
    drawing = tmp_path / "coaster.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="100mm" viewBox="0 0 100 100">'
                       '<circle cx="50" cy="50" r="45" fill="none" stroke="#ff0000"/></svg>')
    assert main(["laser", str(drawing), "--thickness", "3", "--copies", "20", "--sheet", "300x300",
                 "-o", str(tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / "laser.json").read_text())
    assert sum(len(sheet["placements"]) for sheet in record["sheets"]) == 20
    assert len(record["sheets"]) >= 3  # nine 90 mm circles at most fit on 300 x 300
    assert all((tmp_path / "out" / name).is_file() for name in record["outputs"])


def test_a_rebuild_from_the_recorded_placements_gives_the_same_program_byte_for_byte(plate_dxf: Path, tmp_path: Path,
                                                                                     capsys):
    nested = ["cam", str(plate_dxf), "--thickness", "12", "--copies", "4", "--coupon", "--override-checks"]
    assert main([*nested, "-o", str(tmp_path / "first")]) == 0
    record = tmp_path / "first" / "cam.json"
    for rebuild in ("second", "third"):
        assert main([*nested, "--placements", str(record), "-o", str(tmp_path / rebuild)]) == 0
    first = json.loads(record.read_text())
    assert len(first["outputs"]) >= 2  # the four plates and the coupon take more than one program file
    for name in first["outputs"]:
        programs = [(tmp_path / run / name).read_bytes() for run in ("first", "second", "third")]
        assert programs[0] == programs[1] == programs[2], name
    assert json.loads((tmp_path / "third" / "cam.json").read_text())["sheets"] == first["sheets"]
    # A record of another nesting, or of another part, is refused rather than cut where it does not fit.
    assert main([*nested[:5], "5", *nested[6:], "--placements", str(record), "-o", str(tmp_path / "more")]) == 2
    assert "the record places [4, 1] copies of the parts, but this job has [5, 1]" in capsys.readouterr().err
    plate_dxf.write_bytes(plate_dxf.read_bytes() + b"\n")  # another file, as far as the record can tell
    assert main([*nested, "--placements", str(record), "-o", str(tmp_path / "other")]) == 2
    assert "was made for another part" in capsys.readouterr().err
    assert not (tmp_path / "more").exists() and not (tmp_path / "other").exists()


def test_a_job_with_reliefs_and_a_pocket_tool_passes_its_check_without_overriding(plate_dxf: Path, tmp_path: Path):
    # The plate's square slot is relieved for the 6 mm tool; its 60 mm pocket's square corners are rounded by
    # the 3.175 mm pocket tool, which the check says and does not refuse.
    assert main(["cam", str(plate_dxf), "--thickness", "12", "--sheet", "300x200", "--relief", "dogbone",
                 "--pocket-tool", "flat-3.175-2f", "-o", str(tmp_path)]) == 0
    checks = json.loads((tmp_path / "cam.json").read_text())["checks"]
    assert checks["ok"] and not checks["overridden"]
    assert all(f["severity"] != "error" for f in checks["findings"])
    (corner,) = [f for f in checks["findings"] if f["rule"] in ("cnc.pocket_corner", "cnc.inside_corner")]
    assert (corner["rule"], corner["severity"], corner["limit"]) == ("cnc.pocket_corner", "warning", 1.587)
    assert len(corner["points"]) == 4 and all(z == pytest.approx(8.0) for _, _, z in corner["points"])


def _recipe_rebuild(recipe: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["recipe", "rebuild", str(recipe)])
    return code, capsys.readouterr().out


def test_a_cam_job_writes_a_recipe_with_every_input_by_value_and_byte_identical_twice(plate_dxf: Path,
                                                                                       tmp_path: Path, capsys):
    arguments = ["cam", str(plate_dxf), "--thickness", "12", "--sheet", "300x200", "--relief", "dogbone", "--lead", "3",
                 "--tabs", "3", "--override-checks"]
    for run in ("first", "second"):
        assert main([*arguments, "-o", str(tmp_path / run)]) == 0
    first, second = ((tmp_path / run / "plate.localfab").read_bytes() for run in ("first", "second"))
    assert first == second
    capsys.readouterr()
    assert main(["recipe", "show", "--json", str(tmp_path / "first" / "plate.localfab")]) == 0
    recipe = json.loads(capsys.readouterr().out)
    assert recipe["process"] == "cnc" and recipe["design"]["drawing"] == "plate.dxf"
    assert recipe["design"]["content_hash"] == "sha256:" + hashlib.sha256(plate_dxf.read_bytes()).hexdigest()
    settings = recipe["settings"]
    assert settings["tool"]["diameter_mm"] == 6.0 and settings["machine"]["id"] == "generic-grbl-router"
    assert settings["material"]["id"] == "plywood" and settings["engrave_tool"]["kind"] == "vbit"
    assert (settings["thickness_mm"], settings["sheet_mm"], settings["relief"], settings["tabs"],
            settings["lead_mm"], settings["copies"], settings["coupon"]) == (12.0, [300.0, 200.0], "dogbone", 3, 3.0,
                                                                             1, False)
    # The override was asked for and recorded; the relieved plate did not need it.
    assert settings["override_checks"] and recipe["check"] == {"ok": True, "counts": recipe["check"]["counts"],
                                                                "override": False}
    record = json.loads((tmp_path / "first" / "cam.json").read_text())
    assert {name: recipe["outputs"]["programs/" + name] for name in record["outputs"]} == \
        {name: "sha256:" + digest for name, digest in record["outputs"].items()}
    assert {"part.3mf", "check.json"} <= set(recipe["outputs"])
    assert recipe["estimate"]["run_time_s"] == record["run_time_s"]


def test_a_nested_cam_recipe_rebuilds_identical_from_its_recorded_placements(plate_dxf: Path, tmp_path: Path, capsys):
    assert main(["cam", str(plate_dxf), "--thickness", "12", "--copies", "4", "--coupon", "--override-checks",
                 "-o", str(tmp_path)]) == 0
    recipe = read_recipe(tmp_path / "plate.localfab").recipe
    assert sum(len(sheet["placements"]) for sheet in recipe.settings["sheets"]) == 5
    assert _recipe_rebuild(tmp_path / "plate.localfab", capsys) == (0, "identical\n")


def test_a_laser_design_recipe_rebuilds_identical_and_names_a_changed_program(tmp_path: Path, capsys):
    assert main(["laser", "laser-finger-box", "-o", str(tmp_path)]) == 0
    path = tmp_path / "laser-finger-box.localfab"
    loaded = read_recipe(path)
    assert loaded.recipe.process == "laser" and loaded.recipe.design["id"] == "laser-finger-box"
    assert loaded.recipe.settings["cut"]["kerf_mm"] == pytest.approx(0.15)
    assert set(loaded.recipe.outputs) == {"part.3mf", "check.json", "programs/laser.gcode", "programs/layers.svg"}
    assert _recipe_rebuild(path, capsys) == (0, "identical\n")
    # A recipe whose program was changed (and rehashed, so it opens) rebuilds to the program it should have.
    files = dict(loaded.files)
    files["programs/laser.gcode"] += b"G0 X0 Y0\n"
    document = loaded.recipe.as_json()
    document["outputs"]["programs/laser.gcode"] = sha256_of(files["programs/laser.gcode"])
    edited = tmp_path / "edited.localfab"
    edited.write_bytes(pack_recipe(Recipe.from_json(document), files))
    code, out = _recipe_rebuild(edited, capsys)
    assert code == 1 and out.startswith("differs: programs/laser.gcode ") and out.count("differs") == 1


def test_a_cam_recipe_whose_drawing_was_swapped_is_refused(plate_dxf: Path, tmp_path: Path, capsys):
    assert main(["cam", str(plate_dxf), "--thickness", "12", "--override-checks", "-o", str(tmp_path)]) == 0
    loaded = read_recipe(tmp_path / "plate.localfab")
    files = {**loaded.files, "drawing.dxf": loaded.files["drawing.dxf"] + b"\n"}
    edited = tmp_path / "edited.localfab"
    edited.write_bytes(pack_recipe(loaded.recipe, files))
    assert main(["recipe", "rebuild", str(edited)]) == 2
    assert "does not match the hash recorded" in capsys.readouterr().err


def test_a_cam_recipe_with_a_setting_of_the_wrong_type_is_refused_as_damaged(plate_dxf: Path, tmp_path: Path,
                                                                             capsys):
    assert main(["cam", str(plate_dxf), "--thickness", "12", "--override-checks", "-o", str(tmp_path)]) == 0
    loaded = read_recipe(tmp_path / "plate.localfab")
    document = loaded.recipe.as_json()
    document["settings"]["tabs"] = "four"
    edited = tmp_path / "edited.localfab"
    edited.write_bytes(pack_recipe(Recipe.from_json(document), dict(loaded.files)))
    assert main(["recipe", "rebuild", str(edited)]) == 2
    assert "recipe.json is damaged: its cnc settings do not make a job (tabs should be of type int, not 'four')" in \
        capsys.readouterr().err


def test_a_cam_recipe_records_the_check_limits_it_was_held_to_and_rebuilds_with_them(plate_dxf: Path,
                                                                                      tmp_path: Path, capsys,
                                                                                      monkeypatch):
    import app.cam_chain

    assert main(["cam", str(plate_dxf), "--thickness", "12", "--override-checks", "-o", str(tmp_path / "cnc")]) == 0
    assert main(["laser", "laser-finger-box", "-o", str(tmp_path / "laser")]) == 0
    cnc = read_recipe(tmp_path / "cnc" / "plate.localfab").recipe.settings["check_limits"]
    assert cnc == {"corner_clearance": 0.1, "max_depth_to_width": 4.0, "min_wall_thickness": 1.5,
                   "smallest_tool_diameter": 1.0}
    laser = read_recipe(tmp_path / "laser" / "laser-finger-box.localfab").recipe.settings["check_limits"]
    assert laser == {"bed_size_x": 400.0, "bed_size_y": 400.0, "kerf": 0.15, "max_cut_thickness": 6.0}

    def installed_limits_gone(*_):
        raise AssertionError("a rebuild read the installed limits instead of the recorded ones")

    monkeypatch.setattr(app.cam_chain, "router_check_limits", installed_limits_gone)
    monkeypatch.setattr(app.cam_chain, "laser_limits", installed_limits_gone)
    assert _recipe_rebuild(tmp_path / "cnc" / "plate.localfab", capsys) == (0, "identical\n")
    assert _recipe_rebuild(tmp_path / "laser" / "laser-finger-box.localfab", capsys) == (0, "identical\n")
    # Limits with one missing are refused as damage, not read as zero.
    loaded = read_recipe(tmp_path / "cnc" / "plate.localfab")
    document = loaded.recipe.as_json()
    del document["settings"]["check_limits"]["corner_clearance"]
    edited = tmp_path / "edited.localfab"
    edited.write_bytes(pack_recipe(Recipe.from_json(document), loaded.files))
    monkeypatch.undo()
    assert main(["recipe", "rebuild", str(edited)]) == 2
    assert "check_limits should give a number for each of corner_clearance" in capsys.readouterr().err


def test_tabs_placed_by_hand_and_arc_leads_are_cut_recorded_and_rebuilt(tmp_path: Path, capsys):
    # One tab by hand in the middle of the stool seat's front edge (the seat is drawn from 0,0 to 320,220);
    # the legs and the rail, with no tab given, get their four automatic tabs.
    arguments = ["cam", "plywood-stool", "--sheet", "800x400", "--relief", "dogbone", "--tab-at", "160,0",
                 "--lead", "4", "--lead-style", "arc"]
    assert main([*arguments, "-o", str(tmp_path)]) == 0
    recipe = read_recipe(tmp_path / "plywood-stool.localfab").recipe
    assert recipe.settings["tab_points"] == [[160.0, 0.0]] and recipe.settings["lead_style"] == "arc"
    assert _recipe_rebuild(tmp_path / "plywood-stool.localfab", capsys) == (0, "identical\n")
    program = (tmp_path / "sheet-01" / "01-flat-6-2f.nc").read_text().splitlines()
    # Climb cutting enters along a counter-clockwise quarter circle of the lead's radius after each plunge
    # from above the stock (a tab's climb and descent stay on the line).
    plunges = [i for i, line in enumerate(program) if line.startswith("G1 Z-") and program[i - 1].startswith("G1 Z0.")]
    assert len(plunges) >= 4  # the four pieces' outlines, at least
    for i in plunges:
        words = {word[0]: float(word[1:]) for word in program[i + 1].split()[1:]}
        assert program[i + 1].startswith("G3 ") and np.hypot(words["I"], words["J"]) == pytest.approx(4.0)
    assert grbl_violations("\n".join(program), GrblDialect(s_max=24000)) == []


def test_hand_placed_tabs_follow_their_piece_and_the_others_get_automatic_ones():
    from app.cam_chain import RouterInputs, cut_design_values, cut_with_router, design_source
    from app.profiles.cam import load_cam
    from parametric_designs.templates import find_template

    template = find_template("plywood-stool")
    source = design_source(template, cut_design_values(template, {}, None))
    inputs = RouterInputs(machine=load_cam("machine", "generic-grbl-router"), material=load_cam("material", "plywood"),
                          tool=load_cam("tool", "flat-6-2f"), engrave_tool=load_cam("tool", "vbit-60-6.35"),
                          pocket_tool=None, sheet_mm=(800.0, 400.0), relief="dogbone", relief_clearance_mm=0.1,
                          tab_points=((160.0, 0.0),))
    (sheet,) = cut_with_router(source, inputs).sheets
    (profile,) = [t for t in sheet.toolpaths if t.kind == "profile"]
    margin = 10.0  # the part's lower left corner sits this far in from the sheet's
    centres = np.array([tab.centre_xy.mean(axis=0) for tab in profile.tabs])
    distances = np.linalg.norm(centres - np.array([160.0 + margin, margin]), axis=1)
    assert len(profile.tabs) == 1 + 3 * 4
    assert np.sort(distances)[0] < 3.2 and np.sort(distances)[1] > 50.0  # on the tool's centre line, 3 mm out


def test_the_commands_defaults_are_the_library_calls_defaults():
    from dataclasses import fields

    from app.cam_chain import LaserInputs, RouterInputs
    from app.cli import _parser

    def defaults(cls) -> dict:
        return {field.name: field.default for field in fields(cls)}

    cam = vars(_parser().parse_args(["cam", "part.dxf", "-o", "out"]))
    router = defaults(RouterInputs)
    names = {"copies": "copies", "spacing": "spacing_mm", "keep_grain": "keep_grain", "nest_seconds": "nest_seconds",
             "coupon": "coupon", "tabs": "tabs", "tab_width": "tab_width_mm", "tab_height": "tab_height_mm",
             "relief": "relief", "lead": "lead_mm", "lead_style": "lead_style", "direction": "direction",
             "allowance": "allowance_mm", "resolution": "resolution_mm", "labels": "labels",
             "override_checks": "override_checks", "accept_findings": "accept_findings"}
    assert {name: cam[option] for option, name in names.items()} == {name: router[name] for name in names.values()}
    laser = vars(_parser().parse_args(["laser", "part.svg", "-o", "out"]))
    names = {"copies": "copies", "spacing": "spacing_mm", "nest_seconds": "nest_seconds", "overscan": "overscan_mm",
             "labels": "labels", "override_checks": "override_checks"}
    assert {name: laser[option] for option, name in names.items()} == {name: defaults(LaserInputs)[name]
                                                                       for name in names.values()}


def test_a_nested_labelled_laser_job_with_a_coupon_rebuilds_identical(tmp_path: Path, capsys):
    assert main(["laser", "engraved-coaster", "--copies", "5", "--labels", "--coupon", "-o", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "laser.json").read_text())
    assert record["labels"] == {"not_fitted": []} and record["copies"] == 5
    assert sum(len(sheet["placements"]) for sheet in record["sheets"]) == 5 + 1
    assert _recipe_rebuild(tmp_path / "engraved-coaster.localfab", capsys) == (0, "identical\n")
