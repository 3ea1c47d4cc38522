import shutil

import pytest

from parametric_designs.errors import DesignError, DesignNotFound
from parametric_designs.templates import content_hash, discover, find_template, load_template


def test_library_has_the_storage_box_with_its_declared_parameters():
    box = discover()["box"]
    assert box.schema.names == ["width", "depth", "height", "wall", "corner_radius", "lid_clearance"]
    assert box.licence == "CC0-1.0" and box.processes == ("fdm",)
    assert box.content_hash.startswith("sha256:")


def test_unknown_design_suggests_close_names():
    with pytest.raises(DesignNotFound, match="did you mean box"):
        find_template("bx")


def test_content_hash_changes_with_the_design_source_but_not_the_thumbnail(tmp_path):
    folder = tmp_path / "box"
    shutil.copytree(find_template("box").folder, folder)
    before = content_hash(folder)
    (folder / "thumbnail.png").write_bytes(b"another picture")
    assert content_hash(folder) == before
    (folder / "design.py").write_text((folder / "design.py").read_text() + "\n# changed\n")
    assert content_hash(folder) != before
    assert load_template(folder).content_hash == content_hash(folder)


def test_a_folder_without_manifest_is_not_a_template(tmp_path):
    with pytest.raises(DesignError, match="no template.toml"):
        load_template(tmp_path)
