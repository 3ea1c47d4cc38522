"""Nesting copies on sheets (spyrrow): inside the margins, apart by the spacing, grain kept when asked,
overflow onto further sheets, utilisation reported."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from slicing.cnc.flat import FlatPart
from slicing.cnc.nest import nest, sheet_part
from slicing.errors import SlicingError
from slicing.fdm import polygons

SHEET = (600.0, 400.0)
MARGIN = 10.0
SPACING = 8.0


def _l_part() -> FlatPart:
    ring = np.array([(0, 0), (150, 0), (150, 60), (60, 60), (60, 120), (0, 120)], float)
    return FlatPart("bracket", polygons.union(polygons.to_units([ring])), 12.0)


def _pieces(part: FlatPart) -> list[shapely.Polygon]:
    return [shapely.Polygon(polygons.to_mm(piece[:1])[0]) for piece in polygons.islands(part.outline)]


def test_copies_are_nested_apart_inside_the_margins_and_overflow_onto_another_sheet():
    part = _l_part()
    sheets = nest([part], [14], SHEET, spacing_mm=SPACING, margin_mm=MARGIN)
    assert len(sheets) >= 2
    assert sum(len(sheet.placements) for sheet in sheets) == 14
    for sheet in sheets:
        pieces = _pieces(sheet_part("sheet", [part], sheet))
        assert len(pieces) == len(sheet.placements)
        for piece in pieces:
            xmin, ymin, xmax, ymax = piece.bounds
            assert xmin >= MARGIN - 0.01 and ymin >= MARGIN - 0.01
            assert xmax <= SHEET[0] - MARGIN + 0.01 and ymax <= SHEET[1] - MARGIN + 0.01
        for a, b in itertools.combinations(pieces, 2):
            assert a.distance(b) >= SPACING - 0.05
        expected = len(pieces) * pieces[0].area / (SHEET[0] * SHEET[1])
        assert sheet.utilisation == pytest.approx(expected, rel=1e-6)


def test_grain_kept_means_half_turns_only():
    sheets = nest([_l_part()], [6], SHEET, spacing_mm=SPACING, margin_mm=MARGIN, keep_grain=[True])
    assert {p.quarter_turns for sheet in sheets for p in sheet.placements} <= {0, 2}


def test_a_part_bigger_than_the_sheet_is_refused():
    with pytest.raises(SlicingError, match="does not fit on a 100 x 100 mm sheet"):
        nest([_l_part()], [1], (100.0, 100.0), spacing_mm=SPACING, margin_mm=MARGIN)


def test_small_parts_go_into_the_holes_of_big_ones():
    frame_rings = [np.array([(0, 0), (120, 0), (120, 120), (0, 120)], float),
                   np.array([(20, 20), (20, 100), (100, 100), (100, 20)], float)]
    frame = FlatPart("frame", polygons.union(polygons.to_units(frame_rings), even_odd=True), 12.0)
    square = FlatPart("square", polygons.union(polygons.to_units([np.array([(0, 0), (25, 0), (25, 25), (0, 25)],
                                                                           float)])), 12.0)
    sheets = nest([frame, square], [2, 8], SHEET, spacing_mm=SPACING, margin_mm=MARGIN)
    assert len(sheets) == 1
    placed = sheet_part("sheet", [frame, square], sheets[0])
    pieces = [shapely.Polygon(polygons.to_mm(piece)[0], polygons.to_mm(piece)[1:])
              for piece in polygons.islands(placed.outline)]
    assert len(pieces) == 10
    frames = [p for p in pieces if len(p.interiors) == 1]
    inside = [p for p in pieces if p.area < 1000 and any(shapely.Polygon(f.exterior).contains(p) for f in frames)]
    # An 80 mm hole less 8 mm spacing all round takes four 25 mm squares 8 mm apart.
    assert len(inside) == 8
    outlines = [shapely.Polygon(f.exterior) for f in frames]
    holes = [shapely.Polygon(f.interiors[0]) for f in frames]
    for p in inside:
        hole = next(h for h, o in zip(holes, outlines, strict=True) if o.contains(p))
        assert hole.contains(p) and p.distance(hole.exterior) >= SPACING - 0.05


def test_recorded_placements_are_read_back_exactly_and_malformed_ones_refused():
    from dataclasses import asdict

    from slicing.cnc.nest import recorded_nesting

    sheets = nest([_l_part()], [3], SHEET, spacing_mm=SPACING, margin_mm=MARGIN)
    record = [{"placements": [asdict(p) for p in sheet.placements], "utilisation": sheet.utilisation}
              for sheet in sheets]
    assert recorded_nesting(record, [3]) == sheets
    with pytest.raises(SlicingError, match="not a nesting"):
        recorded_nesting([{"placements": [{"part": 0}], "utilisation": 0.1}], [1])
    with pytest.raises(SlicingError, match="this job has"):
        recorded_nesting([{"placements": [{"part": -1, "quarter_turns": 0, "shift_mm": [0, 0]}],
                           "utilisation": 0.1}], [1])


def test_parts_with_deep_notches_nest_apart_by_a_wide_spacing():
    # A gear's teeth: spyrrow's own separation panicked growing them ("Offset resulted in an empty polygon").
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    radii = np.where(np.arange(40) % 2 == 0, 30.0, 18.0)
    gear = FlatPart("gear", polygons.union(polygons.to_units([np.column_stack([radii * np.cos(angles),
                                                                                radii * np.sin(angles)])])), 12.0)
    spacing = 14.7  # a 6 mm tool's two cuts with tabs, and 2 mm
    (sheet,) = nest([gear], [5], (400.0, 200.0), spacing_mm=spacing, margin_mm=MARGIN)
    pieces = _pieces(sheet_part("sheet", [gear], sheet))
    assert len(pieces) == 5
    for a, b in itertools.combinations(pieces, 2):
        assert a.distance(b) >= spacing - 0.05
    assert all(piece.bounds[0] >= MARGIN - 0.01 and piece.bounds[2] <= 400.0 - MARGIN + 0.01 for piece in pieces)
