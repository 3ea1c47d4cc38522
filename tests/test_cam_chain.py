"""The CAM chain as library calls (app.cam_chain): a laser job's progress and cancel, and part labels on
nested router and laser sheets, a fit coupon on a laser sheet."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from app.cam_chain import LaserInputs, cut_design_values, cut_with_laser, design_source, laser_settings_for
from app.profiles.cam import load_cam, load_laser_settings
from parametric_designs.templates import find_template
from slicing.cnc.stroke_font import text_strokes
from slicing.errors import SliceCancelled


def _laser_inputs(source, copies: int = 1, labels: bool = False) -> LaserInputs:
    machine = load_cam("machine", "generic-grbl-diode-laser")
    chosen = laser_settings_for(source, load_laser_settings(machine.laser_settings), "plywood", labels)
    return LaserInputs(machine=machine, material="plywood", **chosen, copies=copies, labels=labels,
                       sheet_mm=(300.0, 300.0), nest_seconds=1)


@pytest.fixture(scope="module")
def coaster():
    template = find_template("engraved-coaster")
    return design_source(template, cut_design_values(template, {"text": "A"}, 3.0))


def test_a_laser_job_reports_progress_per_sheet_and_stops_when_cancelled(coaster):
    inputs = _laser_inputs(coaster, copies=12)
    heard: list[tuple[float, str]] = []
    job = cut_with_laser(coaster, inputs, progress=lambda fraction, stage: heard.append((fraction, stage)))
    assert len(job.sheets) >= 2 and len(heard) == len(job.sheets)
    assert [fraction for fraction, _ in heard] == sorted(fraction for fraction, _ in heard)
    assert heard[0] == (0.0, "planning the layers")
    with pytest.raises(SliceCancelled):
        cut_with_laser(coaster, inputs, cancel=lambda: True)


def test_a_laser_sheet_of_coasters_is_labelled_in_the_engrave_layer(coaster):
    unlabelled = cut_with_laser(coaster, _laser_inputs(coaster, copies=4))
    job = cut_with_laser(coaster, _laser_inputs(coaster, copies=4, labels=True), recorded_sheets=_sheets(unlabelled))
    assert job.record["labels"] == {"not_fitted": []}
    for plain, labelled in zip(unlabelled.sheets, job.sheets, strict=True):
        # Each coaster's number ("1" to "4") is engraved besides its own (filled) text: every stroke once.
        engraved = {layer.operation: _length_mm(layer.paths) for layer in labelled.layers}["engrave"]
        before = {layer.operation: _length_mm(layer.paths) for layer in plain.layers}.get("engrave", 0.0)
        strokes = _length_mm(labelled.part.engravings) - _length_mm(plain.part.engravings)
        assert engraved - before == pytest.approx(strokes) and strokes > 0
    assert sum(len(sheet.part.engravings) for sheet in job.sheets) == sum(
        len(text_strokes(str(number))[0]) for number in range(1, 5))


def _sheets(job) -> list[dict]:
    return job.record["sheets"]


def test_a_stools_pieces_are_nested_one_by_one_and_each_copy_is_labelled_with_its_number_and_letter():
    from app.cam_chain import RouterInputs, cut_with_router, router_check_limits
    from slicing.cnc.flat import islands_in_order, pieces
    from slicing.cnc.labels import piece_letter
    from slicing.fdm import polygons

    template = find_template("plywood-stool")
    source = design_source(template, cut_design_values(template, {}, None))
    parts = pieces(source.part)
    assert len(parts) == 4  # seat, two legs, rail: each nested where it fits, not the stool's drawing as one
    assert sum(_area_mm2(p.outline) for p in parts) == pytest.approx(_area_mm2(source.part.outline))
    assert sum(len(p.outline) for p in parts) == len(source.part.outline)  # every hole stays with its piece
    machine = load_cam("machine", "generic-grbl-router")
    inputs = RouterInputs(machine=machine, material=load_cam("material", "plywood"),
                          tool=load_cam("tool", "flat-6-2f"), engrave_tool=load_cam("tool", "vbit-60-6.35"),
                          pocket_tool=None, sheet_mm=(800.0, 800.0), copies=3, labels=True, accept_findings=True,
                          check_limits=router_check_limits(), override_checks=True)
    job = cut_with_router(source, inputs)
    placed = [p["part"] for sheet in job.record["sheets"] for p in sheet["placements"]]
    assert sorted(placed) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert job.record["labels"] == {"not_fitted": []}
    # Every piece on every sheet carries exactly one label, "<copy><letter>", drawn inside it.
    labels = []
    for sheet in job.sheets:
        strokes_per_piece = {}
        for line in sheet.part.engravings:
            point = shapely.Point(line[0])
            owner = [i for i, island in enumerate(islands_in_order(sheet.part.outline))
                     if shapely.Polygon(*polygons.to_mm(island)[:1]).contains(point)]
            assert len(owner) == 1
            strokes_per_piece[owner[0]] = strokes_per_piece.get(owner[0], 0) + 1
        assert len(strokes_per_piece) == len(islands_in_order(sheet.part.outline))
        labels += list(strokes_per_piece.values())
        assert any(t.kind == "engrave" for t in sheet.toolpaths)
    expected = sorted(len(text_strokes(f"{copy}{piece_letter(piece)}")[0]) for copy in (1, 2, 3) for piece in range(4))
    assert sorted(labels) == expected


def _area_mm2(region) -> float:
    from slicing.fdm import polygons

    return sum(shapely.Polygon(ring).area * (1 if shapely.LinearRing(ring).is_ccw else -1)
               for ring in polygons.to_mm(region))


def _length_mm(lines) -> float:
    return sum(float(np.linalg.norm(np.diff(line, axis=0), axis=1).sum()) for line in lines)


def test_a_laser_job_can_carry_a_fit_coupon_whose_slots_come_out_at_their_widths():
    from slicing.cnc.coupon import ALLOWANCES_MM, fit_coupon

    template = find_template("laser-finger-box")
    box = design_source(template, cut_design_values(template, {}, 3.0))
    machine = load_cam("machine", "generic-grbl-diode-laser")
    chosen = laser_settings_for(box, load_laser_settings(machine.laser_settings), "plywood", True)
    job = cut_with_laser(box, LaserInputs(machine=machine, material="plywood", **chosen, coupon=True))
    placed = [p["part"] for sheet in job.record["sheets"] for p in sheet["placements"]]
    coupon_index = len(placed) - 1  # the box's six panels, each once, then the coupon
    assert sorted(placed) == list(range(coupon_index + 1))
    (sheet,) = job.sheets
    engraved = {layer.operation: layer for layer in sheet.layers}["engrave"]
    assert sum(len(line) - 1 for line in engraved.paths) == sum(range(len(ALLOWANCES_MM)))  # its ticks
    # The cut follows the coupon half a kerf inside its slots: after cutting each slot is as wide as drawn.
    # Look at it in the coupon's own frame (the nesting may have turned it).
    (where,) = [p for p in job.record["sheets"][0]["placements"] if p["part"] == coupon_index]
    turn = np.array([[0.0, 1.0], [-1.0, 0.0]])  # a quarter turn clockwise, undoing one counter-clockwise
    local = [(ring - where["shift_mm"]) @ np.linalg.matrix_power(turn, where["quarter_turns"]).T
             for ring in {layer.operation: layer for layer in sheet.layers}["cut"].paths]
    coupon = fit_coupon(3.0)
    xmin, ymin, xmax, ymax = coupon.bounds_mm()
    kerf = chosen["cut"].kerf_mm
    (ring,) = [r for r in local if np.allclose([*r.min(axis=0), *r.max(axis=0)],
                                               [xmin - kerf / 2, ymin - kerf / 2, xmax + kerf / 2, ymax + kerf / 2],
                                               atol=1e-3)]
    y = ymax - 5.0  # across the slots, 5 mm below the coupon's top edge
    crossings = np.sort([x0 + (y - y0) * (x1 - x0) / (y1 - y0) for (x0, y0), (x1, y1) in itertools.pairwise(ring)
                         if (y0 - y) * (y1 - y) < 0])
    slots = np.diff(crossings)[1::2]  # beam lines: web, slot, web, slot, ...: the slots are every other gap
    assert slots + kerf == pytest.approx(3.0 + np.array(ALLOWANCES_MM), abs=1e-3)
