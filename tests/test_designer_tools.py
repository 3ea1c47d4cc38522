"""Designer tools from the command line: scaffold, validate, pack, install; and presets."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from app.cli import main
from parametric_designs.templates import installed_dir


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture()
def scaffold(tmp_path, capsys):
    assert main(["template", "new", "Drawer Divider", "--dir", str(tmp_path), "--author", "Ada"]) == 0
    capsys.readouterr()
    return tmp_path / "drawer-divider"


def test_a_new_scaffold_validates_packs_installs_and_builds(scaffold, tmp_path, capsys):
    assert main(["template", "validate", str(scaffold), "--samples", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["failed"] == 0 and report["counts"]["built"] >= 6
    assert main(["template", "pack", str(scaffold)]) == 2  # no thumbnail yet
    assert "no thumbnail" in capsys.readouterr().err
    assert main(["template", "thumbnail", str(scaffold)]) == 0
    package = tmp_path / "divider.zip"
    assert main(["template", "pack", str(scaffold), "-o", str(package)]) == 0
    assert main(["designs", "install", str(package)]) == 0
    assert (installed_dir() / "drawer-divider" / "design.py").is_file()
    capsys.readouterr()
    assert main(["designs", "list", "--json"]) == 0
    assert "drawer-divider" in [d["id"] for d in json.loads(capsys.readouterr().out)]
    assert main(["build", "drawer-divider", "--set", "width=30", "-o", str(tmp_path / "d.stl")]) == 0


def test_validate_lists_the_values_that_fail(scaffold, capsys):
    design = scaffold / "design.py"
    design.write_text(design.read_text().replace(
        "    plate = cq.Workplane", "    if width > 150:\n        raise ValueError('too wide for my code')\n"
        "    plate = cq.Workplane"))
    assert main(["template", "validate", str(scaffold), "--samples", "3"]) == 1
    out = capsys.readouterr().out
    assert "width at maximum" in out and "width=200" in out and "too wide for my code" in out


def test_validate_runs_the_manufacturability_checks(scaffold, capsys):
    assert main(["template", "validate", str(scaffold), "--samples", "0", "--printer", "generic-220"]) == 0
    manifest = scaffold / "template.toml"
    manifest.write_text(manifest.read_text().replace("max = 200.0", "max = 300.0"))
    assert main(["template", "validate", str(scaffold), "--samples", "0"]) == 1
    assert "fdm.fits_bed" in capsys.readouterr().out


def test_a_router_template_validates_by_building_without_the_printing_check(capsys):
    assert main(["template", "validate", "plywood-stool", "--samples", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["counts"]["failed"] == 0 and result["counts"]["built"] == result["cases"] > 1


@pytest.mark.parametrize(("change", "words"), [
    (lambda e: e.update({"drawer-divider/design.py": b"import os\nos.remove('/x')\n"}), "content hash differs"),
    (lambda e: e.update({"drawer-divider/../../evil.py": b"x"}), "unsafe path"),
    (lambda e: e.update({"other/design.py": b"x"}), "exactly one template folder"),
    (lambda e: e.pop("localfab-package.json"), "not a localfab template package"),
])
def test_a_damaged_or_hostile_package_is_refused_and_nothing_is_installed(scaffold, tmp_path, capsys, change,
                                                                         words):
    assert main(["template", "thumbnail", str(scaffold)]) == 0
    package = tmp_path / "divider.zip"
    assert main(["template", "pack", str(scaffold), "-o", str(package)]) == 0
    entries = {i.filename: zipfile.ZipFile(package).read(i) for i in zipfile.ZipFile(package).infolist()}
    change(entries)
    package.write_bytes(_zip(entries))
    before = sorted(installed_dir().glob("*")) if installed_dir().exists() else []
    assert main(["designs", "install", str(package)]) == 2
    assert words in capsys.readouterr().err
    assert (sorted(installed_dir().glob("*")) if installed_dir().exists() else []) == before


def test_presets_are_saved_listed_shown_and_used(tmp_path, capsys):
    assert main(["presets", "save", "box", "tall", "--set", "height=90", "--set", "wall=1.6"]) == 0
    assert main(["presets", "list", "box"]) == 0
    assert "tall" in capsys.readouterr().out.splitlines()
    assert main(["presets", "show", "box", "tall", "--json"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert values["height"] == 90 and values["wall"] == 1.6 and values["width"] == 80
    assert main(["build", "box", "--preset", "tall", "--set", "width=50", "-o", str(tmp_path / "b.stl"),
                 "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["parameters"]["height"] == 90 and built["parameters"]["width"] == 50


def test_a_shared_preset_file_is_checked_against_the_template(tmp_path, capsys):
    shared = tmp_path / "shared.json"
    assert main(["presets", "save", "box", "wide", "--set", "width=200", "-o", str(shared)]) == 0
    document = json.loads(shared.read_text())
    document["parameters"]["width"] = 900
    shared.write_text(json.dumps(document))
    assert main(["presets", "show", "box", str(shared)]) == 2
    assert "preset 'wide' no longer fits box" in capsys.readouterr().err
    assert main(["presets", "show", "box", "nonexistent"]) == 2
    assert "there is no preset 'nonexistent'" in capsys.readouterr().err
