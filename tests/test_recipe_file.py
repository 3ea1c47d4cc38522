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
