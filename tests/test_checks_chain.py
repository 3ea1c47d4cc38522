"""The checks wired into the chain and the command line: `make` refuses a part with errors unless forced
(and records the override), every built-in FDM template passes at its defaults, and `localfab check`
prints a table or JSON with an exit code that says whether errors were found."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
import trimesh

from app.chain import fabricate
from app.checks import check_fdm
from app.cli import main
from app.errors import CheckFailed
from app.profiles import resolve_fdm_setup, resources_dir
from parametric_designs.build import build_part
from parametric_designs.publish import new_template
from parametric_designs.templates import discover, find_template
from slicing.mesh import place_on_bed
from slicing.mesh_export import export_stl

FDM_TEMPLATES = sorted(tid for tid, template in discover().items() if "fdm" in template.processes)


@pytest.fixture(scope="module")
def setup():
    return resolve_fdm_setup()


@pytest.mark.parametrize("template_id", FDM_TEMPLATES)
def test_every_builtin_fdm_template_has_no_errors_at_its_defaults(template_id, setup):
    # Defaults-only builds (about 0.1 to 2 s each, cached for the library sweep that follows).
    part = build_part(find_template(template_id), {})
    settings = setup.settings
    report = check_fdm(place_on_bed(part.mesh, settings["bed_size_x"], settings["bed_size_y"]), settings)
    assert report.ok, [f.message for f in report.errors]


@pytest.fixture(scope="module")
def box_with_a_fin():
    """The box template at its defaults with a 0.05 mm fin standing beside it: too thin to print."""
    part = build_part(find_template("box"), {})
    fin = trimesh.creation.box((20.0, 0.05, 10.0))
    low, high = part.mesh.bounds
    fin.apply_translation((low[0] + 10.0, high[1] + 5.0, low[2] + 5.0))
    return dataclasses.replace(part, mesh=trimesh.util.concatenate([part.mesh, fin]))


def test_make_refuses_a_part_with_errors_and_says_how_to_override(box_with_a_fin, setup):
    with pytest.raises(CheckFailed, match="--force") as refused:
        fabricate(box_with_a_fin, setup)
    assert "too thin to print" in str(refused.value)


def test_a_forced_make_slices_and_records_the_override(box_with_a_fin, setup):
    fabrication = fabricate(box_with_a_fin, setup, force=True)
    assert fabrication.recipe.check["override"] is True and fabrication.recipe.check["ok"] is False
    assert fabrication.recipe.check["counts"]["error"] >= 1 and fabrication.program is not None
    recorded = json.loads(fabrication.files["check.json"])
    assert any(f["rule"] == "fdm.thin_wall" and f["severity"] == "error" for f in recorded["findings"])


@pytest.fixture(scope="module")
def part_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    cube = trimesh.creation.box((20, 20, 20))
    thin = trimesh.creation.box((20, 0.05, 10))
    open_ball = trimesh.creation.icosphere(subdivisions=3, radius=10)
    open_ball.update_faces(open_ball.triangles_center[:, 2] <= 9.0)  # a hole too large to close safely
    paths = {}
    for name, mesh in (("cube", cube), ("thin", thin), ("open", open_ball)):
        paths[name] = folder / f"{name}.stl"
        paths[name].write_bytes(export_stl(mesh))
    return paths


def test_check_exits_0_for_a_clean_part_and_1_when_it_finds_errors(part_files, capsys):
    assert main(["check", str(part_files["cube"])]) == 0
    assert "no problems found" in capsys.readouterr().out
    assert main(["check", str(part_files["thin"]), "--process", "fdm"]) == 1
    out = capsys.readouterr().out
    assert "fdm.thin_wall" in out and "measured / limit" in out and "0.05 / 0.8 mm" in out
    assert "1 errors" in out


def test_check_json_carries_every_field_the_gui_needs(part_files, capsys):
    assert main(["check", str(part_files["open"]), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["process"] == "fdm" and data["counts"]["error"] >= 1
    (hole,) = [f for f in data["findings"] if f["rule"] == "mesh.watertight"]
    assert set(hole) == {"rule", "severity", "message", "measured", "limit", "unit", "faces", "points"}
    assert hole["faces"] and len(hole["points"][0]) == 3 and hole["measured"] > 0


def test_check_exits_2_with_one_line_when_it_cannot_run(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.stl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_check_orient_adds_three_ranked_orientations(part_files, capsys):
    assert main(["check", str(part_files["cube"]), "--orient", "--json"]) == 0
    rules = [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert [r for r in rules if r.startswith("fdm.orientation")] == [
        "fdm.orientation.1", "fdm.orientation.2", "fdm.orientation.3"]


def test_template_validation_refuses_parts_the_checks_refuse(tmp_path, capsys):
    # A printer with a 100 mm bed: the scaffold template's 200 mm plate (its width at maximum) cannot fit.
    printers = Path(os.environ["LOCALFAB_DATA_DIR"]) / "profiles" / "printers"
    printers.mkdir(parents=True, exist_ok=True)
    generic = (resources_dir() / "profiles" / "printers" / "generic-220.toml").read_text()
    small = generic.replace('id = "generic-220"', 'id = "checks-small-100"') \
        .replace("bed_size_x = 220.0", "bed_size_x = 100.0").replace("bed_size_y = 220.0", "bed_size_y = 100.0")
    (printers / "checks-small-100.toml").write_text(small)
    try:
        folder = new_template("Checked plate", tmp_path)
        assert main(["template", "validate", str(folder), "--samples", "0", "--printer", "checks-small-100",
                     "--json"]) == 1
        failures = json.loads(capsys.readouterr().out)["failures"]
        assert failures and all("fdm.fits_bed" in f["message"] for f in failures)
        assert "width at maximum" in [f["case"] for f in failures]
    finally:
        (printers / "checks-small-100.toml").unlink()
