"""The whole chain from the command line: make, rebuild, determinism, what the G-code really extrudes,
and one clear line for bad input."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import zipfile

import manifold3d
import numpy as np
import pytest
import shapely

from app.cli import main
from app.jobs import Recipe, pack_recipe, read_recipe, sha256_of
from app.profiles import resolve_fdm_setup
from parametric_designs.build import build_part
from parametric_designs.templates import find_template
from slicing.gcode.parse import parse_gcode
from slicing.mesh import place_on_bed
from tests.conftest import corpus_file

LOCALFAB = [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("make")
    assert main(["make", "box", "--set", "width=60", "-o", str(out)]) == 0
    return out


def test_make_writes_gcode_and_a_recipe_that_rebuilds_identical(made, capsys):
    assert (made / "box.gcode").stat().st_size > 10_000
    assert main(["recipe", "rebuild", str(made / "box.localfab")]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "identical"


def test_make_twice_gives_byte_identical_gcode_and_recipe(made, tmp_path):
    assert main(["make", "box", "--set", "width=60", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "box.gcode").read_bytes() == (made / "box.gcode").read_bytes()
    assert (tmp_path / "box.localfab").read_bytes() == (made / "box.localfab").read_bytes()


def test_the_recipe_records_inputs_by_value_and_output_hashes(made, capsys):
    assert main(["recipe", "show", "--json", str(made / "box.localfab")]) == 0
    recipe = json.loads(capsys.readouterr().out)
    assert recipe["design"]["id"] == "box" and recipe["design"]["licence"] == "CC0-1.0"
    assert recipe["parameters"]["width"] == 60.0 and recipe["parameters"]["depth"] == 60.0
    assert recipe["settings"]["layer_height"] == 0.2 and recipe["settings"]["bed_size_x"] == 220.0
    assert set(recipe["outputs"]) == {"part.3mf", "program.gcode", "check.json"}
    assert recipe["check"] == {"ok": True, "counts": {"error": 0, "warning": 0, "info": 1}, "override": False}


def test_rebuild_names_the_output_that_differs(made, tmp_path, capsys):
    loaded = read_recipe(made / "box.localfab")
    files = dict(loaded.files)
    files["program.gcode"] = files["program.gcode"].replace(b"G1", b"G1 ", 1)
    document = loaded.recipe.as_json()
    document["outputs"]["program.gcode"] = sha256_of(files["program.gcode"])
    edited = tmp_path / "edited.localfab"
    edited.write_bytes(pack_recipe(Recipe.from_json(document), files))
    assert main(["recipe", "rebuild", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "differs: program.gcode" in out and "part.3mf" not in out


def test_a_recipe_made_before_a_setting_existed_rebuilds_identical_with_its_default(made, tmp_path, capsys):
    loaded = read_recipe(made / "box.localfab")
    document = loaded.recipe.as_json()
    del document["settings"]["avoid_crossing_perimeters"], document["settings"]["travel_speed_z"]
    older = tmp_path / "older.localfab"
    older.write_bytes(pack_recipe(Recipe.from_json(document), dict(loaded.files)))
    assert main(["recipe", "rebuild", str(older)]) == 0
    out = capsys.readouterr().out
    assert "avoid_crossing_perimeters, travel_speed_z" in out and out.strip().splitlines()[-1] == "identical"


@pytest.fixture(scope="module")
def box_program(made):
    settings = resolve_fdm_setup().settings
    part = build_part(find_template("box"), {"width": 60})
    placed = place_on_bed(part.mesh, settings["bed_size_x"], settings["bed_size_y"])
    moves = parse_gcode((made / "box.gcode").read_text())
    return placed, moves, settings


def _sections(mesh, z: float):
    solid = manifold3d.Manifold(manifold3d.Mesh(vert_properties=np.asarray(mesh.vertices, np.float32),
                                                tri_verts=np.asarray(mesh.faces, np.uint32)))
    polygons = solid.slice(z).to_polygons()
    rings = [shapely.Polygon(p) for p in polygons]
    region = shapely.Polygon()
    for ring in sorted(rings, key=lambda r: -abs(r.area)):  # even-odd: holes lie inside outer rings
        region = region.symmetric_difference(ring)
    return region


def _extrusions(moves):
    moved = np.linalg.norm(moves.end[:, :2] - moves.start[:, :2], axis=1) > 1e-9
    return (moves.e > 0) & moved & (moves.layer >= 0) & (moves.feature != "Skirt/Brim")


def test_every_extrusion_lies_inside_the_box_cross_section_grown_by_half_a_line(box_program):
    placed, moves, settings = box_program
    assert not moves.unknown_commands
    half_width = settings["line_width"] / 2
    extruding = _extrusions(moves)
    checked = 0
    for layer, top_z in enumerate(moves.layer_z):
        height = settings["first_layer_height"] if layer == 0 else settings["layer_height"]
        allowed = _sections(placed, top_z - height / 2).buffer(half_width + 1e-3)
        rows = np.flatnonzero(extruding & (moves.layer == layer))
        segments = shapely.linestrings(np.stack([moves.start[rows, :2], moves.end[rows, :2]], axis=1))
        outside = ~shapely.contains(allowed, segments)
        assert not outside.any(), f"layer {layer} at z={top_z}: {outside.sum()} extrusions outside the part"
        checked += len(rows)
    assert len(moves.layer_z) == round(40 / 0.2) and checked > 1000


def test_extruded_plastic_lies_between_the_outer_shells_and_the_solid_volume(box_program):
    placed, moves, settings = box_program
    filament_area = math.pi * (settings["filament_diameter"] / 2) ** 2
    extruded = float(moves.e[_extrusions(moves)].sum()) * filament_area
    width, height = settings["line_width"], settings["layer_height"]
    shells = 0.0
    for top_z in moves.layer_z:
        region = _sections(placed, top_z - height / 2)
        shells += (region.area - region.buffer(-settings["perimeters"] * width).area) * height
    solid = float(placed.volume)
    print(f"outer shells {shells:.0f} mm3 < extruded {extruded:.0f} mm3 < solid {solid:.0f} mm3")
    assert shells < extruded < solid


@pytest.mark.parametrize(("arguments", "words"), [
    (["make", "crate", "-o", "{tmp}"], "there is no design called 'crate'"),
    (["make", "box", "--set", "width=-5", "-o", "{tmp}"], "width = -5 mm is below the minimum 20 mm"),
    (["make", "box", "--set", "colour=red", "-o", "{tmp}"], "colour: not a parameter of box"),
    (["make", "box", "--set", "width", "-o", "{tmp}"], "is not KEY=VALUE"),
    (["check", "{tmp}/missing.stl"], "no such file"),
    (["check", "{tmp}/notes.stl"], "holds no triangles"),
    (["slice", "{tmp}/notes.stl", "-o", "{tmp}/x.gcode"], "holds no triangles"),
    (["slice", "{cube}", "--set", "layer_height=0.9", "-o", "{tmp}/x.gcode"], "layer_height = 0.9"),
    (["recipe", "rebuild", "{tmp}/notes.stl"], "not a localfab recipe"),
    (["make", "box", "--set", "width=250", "--set", "depth=250", "-o", "{tmp}"], "--force"),
])
def test_bad_input_gets_one_clear_line_and_no_traceback(tmp_path, arguments, words):
    (tmp_path / "notes.stl").write_text("remember to buy filament\n")
    cube = corpus_file("meshes/20mm-xyz-cube.stl")
    argv = [a.format(tmp=tmp_path, cube=cube) for a in arguments]
    result = subprocess.run(LOCALFAB + argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("localfab: error: ") and words in lines[0], result.stderr


def test_check_prints_a_table_and_exits_1_on_errors(tmp_path, capsys):
    assert main(["check", str(corpus_file("meshes/soup.stl"))]) == 1
    assert "mesh.triangle_soup" in capsys.readouterr().out
    assert main(["check", "--json", str(corpus_file("meshes/20mm-xyz-cube.stl"))]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_build_and_slice_commands_chain_through_files(tmp_path, capsys):
    part = tmp_path / "box.3mf"
    assert main(["build", "box", "--set", "height=20", "-o", str(part)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {part}")
    assert main(["slice", str(part), "--set", "infill_density=30", "-o", str(tmp_path / "box.gcode"),
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["layers"] == 100 and summary["filament_g"] > 0


def test_designs_list_and_show(capsys):
    assert main(["designs", "list", "--json"]) == 0
    assert "box" in [d["id"] for d in json.loads(capsys.readouterr().out)]
    assert main(["designs", "show", "box"]) == 0
    assert "lid_clearance" in capsys.readouterr().out


def test_a_recipe_carries_its_design_and_rebuilds_where_the_design_is_not_installed(tmp_path, capsys):
    script = tmp_path / "bracket.py"
    script.write_text(corpus_file("cadquery/cq_tutorial.py").read_text())
    assert main(["make", str(script), "--set", "thickness=6", "-o", str(tmp_path / "out")]) == 0
    recipe = tmp_path / "out" / "bracket.localfab"
    script.unlink()  # the design is gone from this machine: only the recipe has it now
    capsys.readouterr()
    assert main(["recipe", "rebuild", str(recipe)]) == 0
    out = capsys.readouterr().out
    assert "rebuilt from the design carried in the recipe" in out and out.strip().endswith("identical")


def test_a_design_carried_in_a_recipe_must_match_its_recorded_hash(made, tmp_path, capsys):
    loaded = read_recipe(made / "box.localfab")
    files = dict(loaded.files)
    design = {i.filename: zipfile.ZipFile(io.BytesIO(files["design.zip"])).read(i)
              for i in zipfile.ZipFile(io.BytesIO(files["design.zip"])).infolist()}
    design["design.py"] += b"\nimport os\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in design.items():
            archive.writestr(name, data)
    files["design.zip"] = buffer.getvalue()
    document = loaded.recipe.as_json()
    document["design"]["content_hash"] = "sha256:" + "0" * 64  # not the installed box: the carried one is used
    edited = tmp_path / "edited.localfab"
    edited.write_bytes(pack_recipe(Recipe.from_json(document), files))
    assert main(["recipe", "rebuild", str(edited)]) == 2
    assert "does not match its recorded content hash" in capsys.readouterr().err


def test_the_recipe_names_the_print_profile_it_started_from(tmp_path, capsys):
    assert main(["make", "box", "--set", "height=20", "--print", "0.30mm-draft", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["recipe", "show", "--json", str(tmp_path / "box.localfab")]) == 0
    recipe = json.loads(capsys.readouterr().out)
    assert recipe["print_profile"]["id"] == "0.30mm-draft" and recipe["settings"]["layer_height"] == 0.3
    assert main(["recipe", "rebuild", str(tmp_path / "box.localfab")]) == 0
    assert capsys.readouterr().out.strip().endswith("identical")
