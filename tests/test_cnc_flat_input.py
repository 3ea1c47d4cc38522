"""Flat geometry in: DXF (ezdxf) and SVG (svgelements), units checked, open contours refused."""

from __future__ import annotations

from pathlib import Path

import ezdxf
import numpy as np
import pytest
import shapely

from slicing.cnc.dxf_input import read_dxf
from slicing.cnc.svg_input import read_svg
from slicing.errors import SlicingError
from slicing.fdm import polygons
from tests.conftest import corpus_file


def _area_mm2(region) -> float:
    return sum(shapely.Polygon(r).area * (1 if _ccw(r) else -1) for r in polygons.to_mm(region))


def _ccw(ring) -> bool:
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0


def test_inch_dxf_from_the_corpus_is_read_in_millimetres():
    part = read_dxf(corpus_file("flat/1002_tray_bottom.DXF"))
    xmin, ymin, xmax, ymax = part.bounds_mm()
    # The drawing spans 14 x 14 inches ($INSUNITS = 1).
    assert xmax - xmin == pytest.approx(14 * 25.4, abs=0.01)
    assert ymax - ymin == pytest.approx(14 * 25.4, abs=0.01)
    assert len(part.outline) > 1  # the outline and its holes


def test_dxf_layers_give_cut_pocket_and_engrave(tmp_path: Path):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4
    space = doc.modelspace()
    space.add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True, dxfattribs={"layer": "CUT"})
    space.add_circle((80, 25), 5, dxfattribs={"layer": "CUT"})
    space.add_lwpolyline([(10, 10), (40, 10), (40, 40), (10, 40)], close=True, dxfattribs={"layer": "POCKET_3.5"})
    space.add_line((50, 10), (70, 10), dxfattribs={"layer": "ENGRAVE_0.5"})
    path = tmp_path / "plate.dxf"
    doc.saveas(path)
    part = read_dxf(path)
    assert _area_mm2(part.outline) == pytest.approx(100 * 50 - np.pi * 25, abs=0.05)
    assert [depth for depth, _ in part.pockets] == [3.5]
    assert _area_mm2(part.pockets[0][1]) == pytest.approx(900.0)
    assert part.engrave_depth_mm == 0.5 and len(part.engravings) == 1


def test_dxf_lines_are_joined_into_closed_contours_and_a_gap_is_reported(tmp_path: Path):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4
    space = doc.modelspace()
    for a, b in [((0, 0), (50, 0)), ((50, 30), (50, 0)), ((50, 30), (0, 30)), ((0, 30), (0, 0))]:
        space.add_line(a, b)
    doc.saveas(tmp_path / "closed.dxf")
    assert _area_mm2(read_dxf(tmp_path / "closed.dxf").outline) == pytest.approx(1500.0)
    doc.modelspace().delete_entity(list(doc.modelspace())[-1])
    doc.saveas(tmp_path / "open.dxf")
    with pytest.raises(SlicingError, match=r"1 cut contour\(s\) do not close .*\(0.000, 30.000\)"):
        read_dxf(tmp_path / "open.dxf")


def test_unitless_dxf_needs_the_unit_named(tmp_path: Path):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 0
    doc.modelspace().add_circle((0, 0), 1.0)
    doc.saveas(tmp_path / "plain.dxf")
    with pytest.raises(SlicingError, match="does not say its unit"):
        read_dxf(tmp_path / "plain.dxf")
    part = read_dxf(tmp_path / "plain.dxf", units="inch")
    assert part.bounds_mm()[2] == pytest.approx(25.4, abs=0.01)
    with pytest.raises(SlicingError, match="unknown unit"):
        read_dxf(tmp_path / "plain.dxf", units="furlong")


def test_boxes_py_svg_reads_as_seven_panels_in_mm():
    part = read_svg(corpus_file("flat/ClosedBox.svg"))
    assert len(polygons.islands(part.outline)) == 7  # six panels and the label frame
    xmin, ymin, xmax, ymax = part.bounds_mm()
    assert (xmin, ymin) == pytest.approx((10.0, 10.0), abs=0.01)
    assert (xmax, ymax) == pytest.approx((211.9, 325.3), abs=0.01)


def test_svg_colours_give_cut_engrave_and_fill(tmp_path: Path):
    path = tmp_path / "sign.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" viewBox="0 0 100 50">'
        '<rect x="0" y="0" width="100" height="50" fill="none" stroke="#ff0000"/>'
        '<path d="M 10 10 L 90 10" fill="none" stroke="#0000ff"/>'
        '<rect x="20" y="20" width="10" height="10" fill="#000000"/></svg>'
    )
    part = read_svg(path)
    assert _area_mm2(part.outline) == pytest.approx(5000.0, abs=0.01)
    assert len(part.engravings) == 1
    # SVG's Y points down; the part's points up: y = 10 from the top is 40 from the bottom.
    assert part.engravings[0][0] == pytest.approx([10.0, 40.0])
    assert _area_mm2(part.fills) == pytest.approx(100.0, abs=0.01)


def test_svg_with_an_open_cut_path_is_refused(tmp_path: Path):
    path = tmp_path / "open.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="50mm" height="50mm" viewBox="0 0 50 50">'
                    '<path d="M 0 0 L 40 0 L 40 40" fill="none" stroke="#000000"/></svg>')
    with pytest.raises(SlicingError, match="do not close"):
        read_svg(path)


def test_flat_faces_of_a_mesh_give_outline_and_pockets_by_depth():
    import trimesh

    from slicing.cnc.mesh_input import flat_part_from_mesh

    plate = trimesh.creation.box((100, 60, 12))
    plate.apply_translation((50, 30, 6))
    shallow = trimesh.creation.box((40, 20, 4))
    shallow.apply_translation((30, 30, 12))  # floor at z = 10: 2 mm deep
    deep = trimesh.creation.box((10, 10, 8))
    deep.apply_translation((30, 30, 12))  # floor at z = 8: 4 mm deep
    hole = trimesh.creation.cylinder(5, 30, sections=64)
    hole.apply_translation((80, 30, 6))
    part = flat_part_from_mesh(plate.difference(shallow).difference(deep).difference(hole), "plate")
    assert part.thickness_mm == pytest.approx(12.0)
    hole_area = 0.5 * 64 * 25 * np.sin(2 * np.pi / 64)
    assert _area_mm2(part.outline) == pytest.approx(6000 - hole_area, abs=0.01)
    assert [depth for depth, _ in part.pockets] == pytest.approx([2.0, 4.0])
    assert [_area_mm2(region) for _, region in part.pockets] == pytest.approx([800.0, 100.0], abs=0.01)
