import io
import json
import zipfile

import pytest

from app.errors import RecipeError
from app.jobs import Recipe, pack_recipe, read_recipe, sha256_of

FILES = {"part.3mf": b"part bytes", "program.gcode": b"G1 X1\n", "check.json": b"{}\n", "thumbnail.png": b"png"}


def _recipe(**changes) -> Recipe:
    fields = dict(
        app_version="0.1.0",
        design={"id": "box", "version": "1.0.0", "content_hash": "sha256:abc", "licence": "CC0-1.0"},
        parameters={"width": 60.0}, process="fdm", printer={"id": "p", "name": "P"},
        material={"id": "m", "name": "M"}, settings={"layer_height": 0.2},
        check={"ok": True, "counts": {}, "override": False}, estimate={"time_s": 60.0},
        outputs={name: sha256_of(FILES[name]) for name in ("part.3mf", "program.gcode", "check.json")},
    )
    fields.update(changes)
    return Recipe(**fields)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_recipe_round_trips_and_packs_to_identical_bytes(tmp_path):
    data = pack_recipe(_recipe(), FILES)
    assert data == pack_recipe(_recipe(), FILES)
    path = tmp_path / "job.localfab"
    path.write_bytes(data)
    loaded = read_recipe(path)
    assert loaded.recipe == _recipe()
    assert loaded.files == FILES


def _written(tmp_path, data: bytes):
    path = tmp_path / "job.localfab"
    path.write_bytes(data)
    return path


def test_an_edited_output_is_detected(tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(pack_recipe(_recipe(), FILES)))
    entries = {name: archive.read(name) for name in archive.namelist()}
    entries["program.gcode"] = b"G1 X1000 ; edited\n"
    with pytest.raises(RecipeError, match="program.gcode does not match the hash"):
        read_recipe(_written(tmp_path, _zip(entries)))


@pytest.mark.parametrize(("entries", "words"), [
    ({"../../etc/passwd": b"x"}, "unexpected entry '../../etc/passwd'"),
    ({"/abs/recipe.json": b"x"}, "unexpected entry"),
    ({"part.3mf": b"x"}, "no recipe.json"),
    ({"recipe.json": b"{not json"}, "not valid JSON"),
    ({"recipe.json": b"[]"}, "not a JSON object"),
    ({"recipe.json": json.dumps({"format": "other"}).encode()}, "not a localfab recipe"),
    ({"recipe.json": json.dumps({"format": "localfab.recipe", "format_version": 99}).encode()},
     "format version 99 is not supported"),
    ({"recipe.json": b"0" * 10_000_000}, "compressed"),
])
def test_hostile_or_damaged_recipes_are_refused_before_use(tmp_path, entries, words):
    with pytest.raises(RecipeError, match=words):
        read_recipe(_written(tmp_path, _zip(entries)))


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    with pytest.raises(RecipeError, match="not a zip file"):
        read_recipe(_written(tmp_path, b"G28\nG1 X10\n"))
    with pytest.raises(RecipeError, match="no such file"):
        read_recipe(tmp_path / "missing.localfab")


def test_a_recipe_missing_a_field_says_which(tmp_path):
    document = _recipe().as_json()
    del document["settings"]
    entries = {"recipe.json": json.dumps(document).encode(), **FILES}
    with pytest.raises(RecipeError, match="'settings' is missing"):
        read_recipe(_written(tmp_path, _zip(entries)))


CAM_FILES = {"part.3mf": b"part bytes", "check.json": b"{}\n", "drawing.dxf": b"0\nEOF\n",
             "programs/sheet-01/01-flat-6-2f.nc": b"G0 Z5.000\nM30\n", "programs/sheet-01/layers.svg": b"<svg/>"}


def _cam_recipe() -> Recipe:
    hashed = ("part.3mf", "check.json", "programs/sheet-01/01-flat-6-2f.nc", "programs/sheet-01/layers.svg")
    return _recipe(process="cnc", design={"drawing": "plate.dxf", "content_hash": sha256_of(CAM_FILES["drawing.dxf"])},
                   outputs={name: sha256_of(CAM_FILES[name]) for name in hashed})


def test_a_cam_recipe_with_a_program_per_sheet_round_trips(tmp_path):
    loaded = read_recipe(_written(tmp_path, pack_recipe(_cam_recipe(), CAM_FILES)))
    assert loaded.recipe == _cam_recipe() and loaded.files == CAM_FILES


@pytest.mark.parametrize(("change", "words"), [
    ({"programs/sheet-01/01-flat-6-2f.nc": b"G0 Z-50\n"}, "01-flat-6-2f.nc does not match the hash"),
    ({"programs/sheet-02/02-extra.nc": b"G1 Z-50\n"}, "which recipe.json does not list"),
    ({"programs/../../evil.nc": b"x"}, "unexpected entry"),
    ({"programs/sheet-01/.hidden": b"x"}, "unexpected entry"),
])
def test_a_tampered_cam_recipe_is_refused(tmp_path, change, words):
    archive = zipfile.ZipFile(io.BytesIO(pack_recipe(_cam_recipe(), CAM_FILES)))
    entries = {name: archive.read(name) for name in archive.namelist()} | change
    with pytest.raises(RecipeError, match=words):
        read_recipe(_written(tmp_path, _zip(entries)))


def test_a_cam_recipe_listing_an_output_outside_programs_is_refused(tmp_path):
    recipe = _cam_recipe()
    outputs = {**recipe.outputs, "../x.nc": sha256_of(b"x")}
    document = {**recipe.as_json(), "outputs": outputs}
    entries = {"recipe.json": json.dumps(document).encode(), **CAM_FILES}
    with pytest.raises(RecipeError, match="lists an output '../x.nc' that no recipe holds"):
        read_recipe(_written(tmp_path, _zip(entries)))
