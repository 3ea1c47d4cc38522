"""Exports of a built part: STEP from the B-rep, DXF and SVG outlines of flat parts."""

from __future__ import annotations

import io
import textwrap

import ezdxf
import pytest
from lxml import etree

from app.cli import main
from parametric_designs.build import export_part
from parametric_designs.errors import BuildError
from parametric_designs.templates import find_template, load_template


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plate")
    (folder / "template.toml").write_text(textwrap.dedent("""
        [template]
        id = "plate"
        name = "Plate"
        version = "1"
        author = "tests"
        licence = "CC0-1.0"
        description = "a flat plate with a hole, cut on a laser"
        processes = ["laser"]
        [parameters.hole]
        type = "number"
        default = 10.0
        min = 1.0
        max = 20.0
    """))
    (folder / "design.py").write_text(textwrap.dedent("""
        import cadquery as cq
        def build(*, hole):
            return cq.Workplane("XY").rect(60, 40).extrude(3).faces(">Z").workplane().hole(hole)
    """))
    return load_template(folder)


def test_the_outline_of_a_flat_part_is_a_dxf_with_its_true_circle(plate):
    data = export_part(plate, {"hole": 12}, "dxf")
    document = ezdxf.read(io.StringIO(data.decode()))
    entities = list(document.modelspace())
    circles = [e for e in entities if e.dxftype() == "CIRCLE"]
    assert len(circles) == 1 and circles[0].dxf.radius == pytest.approx(6)
    lines = [e for e in entities if e.dxftype() == "LINE"]
    lengths = sorted(round(e.dxf.start.distance(e.dxf.end), 6) for e in lines)
    assert lengths == [40, 40, 60, 60]


def test_the_svg_outline_is_drawn_to_scale_in_millimetres(plate):
    root = etree.fromstring(export_part(plate, {}, "svg"))
    assert root.get("width") == "60mm" and root.get("height") == "40mm"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) >= 5


def test_step_holds_the_exact_solid(tmp_path, capsys):
    path = tmp_path / "box.step"
    assert main(["build", "box", "--set", "width=60", "-o", str(path)]) == 0
    text = path.read_text()
    assert text.startswith("ISO-10303-21;") and "MANIFOLD_SOLID_BREP" in text


def test_a_printed_part_has_no_outline_to_cut():
    with pytest.raises(BuildError, match="not cut from a sheet"):
        export_part(find_template("box"), {}, "dxf")


def test_an_unknown_output_type_is_refused(tmp_path, capsys):
    assert main(["build", "box", "-o", str(tmp_path / "box.iges")]) == 2
    assert "cannot write box.iges" in capsys.readouterr().err
