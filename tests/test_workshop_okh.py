"""A recipe exported for publishing carries an Open Know-How manifest that validates against the published
OKH v1.0 JSON schema (stored in resources/workshops with its source)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from app.jobs import read_recipe
from app.profiles.loader import resources_dir
from app.workshops.errors import WorkshopError
from app.workshops.okh import okh_manifest, write_okh_manifest
from tests.workshops.recipes import recipe_bytes

SCHEMA = json.loads((resources_dir() / "workshops" / "okh-v1.schema.json").read_text())


def test_the_manifest_of_a_recipe_validates_against_the_okh_schema(tmp_path):
    path = tmp_path / "box.localfab"
    path.write_bytes(recipe_bytes(tag="okh"))
    written = write_okh_manifest(path, read_recipe(path))
    manifest = json.loads(written.read_text())
    assert written.name == "box.okh.json"
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(manifest)
    assert manifest["title"] == "Box" and manifest["version"] == "1.0.0"
    assert manifest["license"] == {"hardware": "CC0-1.0", "documentation": "CC0-1.0"}
    (files,) = manifest["manufacturing-files"]
    assert files["path"] == "box.localfab" and files["contains"][:2] == ["part.3mf", "program.gcode"]


def test_the_schema_catches_what_a_broken_manifest_would_lack():
    # The stored schema is the real one: a manifest without its licence does not validate.
    with pytest.raises(jsonschema.ValidationError, match="'license' is a required property"):
        jsonschema.validate({"title": "x", "description": "y", "documentation-home": "x.localfab"}, SCHEMA)


def test_a_licence_that_is_not_spdx_stops_publishing(tmp_path):
    path = tmp_path / "box.localfab"
    path.write_bytes(recipe_bytes(tag="okh"))
    loaded = read_recipe(path)
    loaded.recipe.design["licence"] = "do whatever you like"
    with pytest.raises(WorkshopError, match="is not an SPDX identifier"):
        okh_manifest(loaded, "box.localfab", path.read_bytes())
