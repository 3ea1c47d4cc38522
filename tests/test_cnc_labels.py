"""Engraved part labels: one per piece, lettered in order, inside the piece and clear of its cuts, as big as
fits, refused characters said; a labelled part cuts on the router without gouging and posts clean GRBL."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from app.profiles.cam import load_cam, load_laser_settings
from slicing.cnc.engrave import engrave_width_mm
from slicing.cnc.flat import FlatPart
from slicing.cnc.grbl_rules import GrblDialect, grbl_violations
from slicing.cnc.job import RouterSettings, place_on_sheet, plan_router_job
from slicing.cnc.labels import CLEARANCE_MM, MIN_CAP_HEIGHT_MM, labelled
from slicing.cnc.stroke_font import text_strokes
from slicing.cnc.tooling import cutting_data
from slicing.errors import SlicingError
from slicing.laser.gcode import laser_program
from slicing.laser.plan import plan_laser
from tests import flat_shapes as shapes

STROKE = 0.5
# The clearance is kept from round joins drawn as chords, which cut a few µm into it.
SLACK_MM = 0.01





def _label(part: FlatPart, text: str = "7", height_mm: float = 10.0) -> tuple[FlatPart, tuple[str, ...]]:
    return labelled(part, text, height_mm=height_mm, stroke_width_mm=STROKE, depth_mm=0.4)


def _new_strokes(before: FlatPart, after: FlatPart) -> list[np.ndarray]:
    assert all(a is b for a, b in zip(before.engravings, after.engravings, strict=False))
    return list(after.engravings[len(before.engravings):])


def _in(strokes: list[np.ndarray], box: tuple[float, float, float, float]) -> list[np.ndarray]:
    return [s for s in strokes if shapely.box(*box).contains(shapely.LineString(s))]


def _reads(strokes: list[np.ndarray], text: str) -> bool:
    """Whether upright strokes are the text's, scaled and moved."""
    expected, _ = text_strokes(text)
    if len(strokes) != len(expected):
        return False
    low, high = np.vstack(expected).min(axis=0), np.vstack(expected).max(axis=0)
    got_low, got_high = np.vstack(strokes).min(axis=0), np.vstack(strokes).max(axis=0)
    span = high - low
    scale = np.divide(got_high - got_low, span, out=np.ones(2), where=span > 0)  # "-" has no height
    return all(s.shape == e.shape and np.allclose((e - low) * scale + got_low, s, atol=1e-6)
               for s, e in zip(strokes, expected, strict=True))


def _size(strokes: list[np.ndarray]) -> np.ndarray:
    points = np.vstack(strokes)
    return points.max(axis=0) - points.min(axis=0)


def test_three_pieces_are_lettered_by_their_lowest_then_leftmost_point():
    pieces = {"7A": (100, 0, 180, 40), "7B": (0, 5, 80, 45), "7C": (0, 60, 80, 100)}
    part = FlatPart("shelf", shapes.region(*(shapes.rect(*box) for box in pieces.values())), 12.0)
    marked, left_off = _label(part)
    assert left_off == ()
    strokes = _new_strokes(part, marked)
    for text, box in pieces.items():
        assert _reads(_in(strokes, box), text), text
    assert sum(len(_in(strokes, box)) for box in pieces.values()) == len(strokes)
    assert marked.engrave_depth_mm == 0.4
    assert all(s.dtype == np.float64 and s.ndim == 2 and s.shape[1] == 2 for s in strokes)


def test_pieces_past_the_twenty_sixth_get_two_letters():
    boxes = [(x * 40.0, y * 30.0, x * 40.0 + 35, y * 30.0 + 25) for y in range(4) for x in range(7)]
    part = FlatPart("tiles", shapes.region(*(shapes.rect(*box) for box in boxes)), 6.0)
    marked, left_off = _label(part, "7", height_mm=6.0)
    strokes = _new_strokes(part, marked)
    assert left_off == ()
    assert _reads(_in(strokes, boxes[25]), "7Z") and _reads(_in(strokes, boxes[26]), "7AA")
    assert _reads(_in(strokes, boxes[27]), "7AB")


def test_a_single_piece_is_labelled_with_the_text_alone_at_the_full_height():
    part = FlatPart("side", shapes.region(shapes.rect(0, 0, 200, 100)), 12.0)
    marked, left_off = _label(part, "7", height_mm=12.0)
    strokes = _new_strokes(part, marked)
    assert left_off == () and _reads(strokes, "7")
    # The 7 runs from the baseline to the cap line: its height is the cap height.
    assert _size(strokes)[1] == pytest.approx(12.0, abs=0.1)
    # Centred in the piece's room.
    middle = (np.vstack(strokes).min(axis=0) + np.vstack(strokes).max(axis=0)) / 2
    assert middle == pytest.approx([100.0, 50.0], abs=1.0)


def test_labels_stay_inside_their_piece_clear_of_holes_pockets_engraving_and_other_pieces():
    plate = shapes.rect(0, 0, 120, 60)
    hole = shapes.circle(35, 30, 12, n=96)
    ring_piece = shapes.circle(35, 30, 4, n=96)  # a disc standing in the hole: a piece of its own
    bar = shapes.rect(0, 70, 120, 84)
    outline = shapes.region(plate, hole, ring_piece, bar)
    pocket = shapes.region(shapes.rect(60, 10, 80, 50))
    engraving = np.array([[90.0, 5.0], [110.0, 55.0]])
    part = FlatPart("panel", outline, 12.0, pockets=((3.0, pocket),), engravings=(engraving,),
                    engrave_depth_mm=0.8)
    marked, left_off = _label(part, "P7")
    assert marked.engrave_depth_mm == 0.8  # a part has one engraving depth: the labels take the part's
    strokes = _new_strokes(part, marked)
    assert left_off == ("P7B",)  # the disc (r 4) has no room for 3 mm letters
    pieces = [shapely.Polygon(plate, [hole]), shapely.Polygon(bar)]
    disc = shapely.Polygon(ring_piece)
    pocket_shape = shapely.Polygon(shapes.rect(60, 10, 80, 50))
    engraved = shapely.LineString(engraving).buffer(STROKE / 2)
    for stroke in strokes:
        groove = shapely.LineString(stroke).buffer(STROKE / 2)
        (home,) = [p for p in pieces if p.contains(shapely.MultiPoint(stroke))]
        assert home.exterior.distance(groove) >= CLEARANCE_MM - SLACK_MM
        for other in [*home.interiors, disc, pocket_shape, engraved, *(p for p in pieces if p is not home)]:
            assert other.distance(groove) >= CLEARANCE_MM - SLACK_MM
    assert _reads(_in(strokes, (0, 0, 120, 60)), "P7A") and _reads(_in(strokes, (0, 70, 120, 84)), "P7C")


def test_a_narrow_piece_gets_smaller_letters_or_turned_ones():
    margin = STROKE / 2 + CLEARANCE_MM
    flat_bar = FlatPart("rail", shapes.region(shapes.rect(0, 0, 150, 10)), 12.0)
    marked, _ = _label(flat_bar, "RAIL7")
    # Room is 10 mm less the margins tall, and the text's long way fits along the bar.
    assert _size(_new_strokes(flat_bar, marked))[1] == pytest.approx(10 - 2 * margin, abs=0.3)

    leg = FlatPart("leg", shapes.region(shapes.rect(0, 0, 14, 300)), 12.0)
    marked, left_off = _label(leg, "LEG7")
    strokes = _new_strokes(leg, marked)
    width, height = _size(strokes)
    # Upright, LEG7 would be under 3 mm tall in 14 mm; turned to read upwards it is 10 mm, as asked.
    assert left_off == () and width == pytest.approx(10.0, abs=0.1) and height > 2 * width
    turned_back = [np.column_stack([s[:, 1], -s[:, 0]]) for s in strokes]
    assert _reads(turned_back, "LEG7")


def test_a_piece_too_small_for_the_smallest_letters_is_returned_unlabelled():
    part = FlatPart("bits", shapes.region(shapes.rect(0, 0, 60, 30), shapes.rect(80, 0, 86, 6)), 12.0)
    marked, left_off = _label(part, "9")
    assert left_off == ("9B",)
    strokes = _new_strokes(part, marked)
    assert _in(strokes, (80, 0, 86, 6)) == [] and _reads(strokes, "9A")
    nothing, left_off = _label(FlatPart("chip", shapes.region(shapes.rect(0, 0, 5, 5)), 12.0), "9")
    assert left_off == ("9",) and nothing.engravings == () and nothing.engrave_depth_mm == 0.0


def test_two_calls_give_identical_strokes():
    outline = shapes.region(shapes.rect(0, 0, 120, 60), shapes.circle(40, 30, 10, n=96), shapes.rect(0, 70, 30, 200))
    part = FlatPart("panel", outline, 12.0,
                    pockets=((3.0, shapes.region(shapes.rect(70, 10, 90, 50))),))
    first, _ = _label(part, "Side-3")
    again, _ = _label(part, "Side-3")
    assert len(first.engravings) == len(again.engravings)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(first.engravings, again.engravings, strict=True))


def test_every_character_a_label_needs_is_drawn():
    part = FlatPart("plate", shapes.region(shapes.rect(0, 0, 400, 40)), 12.0)
    text = "AZaz09 -_.#/"
    marked, left_off = _label(part, text, height_mm=5.0)
    assert left_off == () and _reads(_new_strokes(part, marked), text)
    assert all(text_strokes(char)[0] for char in text if char != " ")
    for thin in ("l", "-", "I"):  # one stroke, without width or height of its own
        marked, left_off = _label(part, thin, height_mm=5.0)
        assert left_off == () and _reads(_new_strokes(part, marked), thin)


def test_a_character_the_font_lacks_is_refused_saying_which():
    part = FlatPart("plate", shapes.region(shapes.rect(0, 0, 100, 40)), 12.0)
    with pytest.raises(SlicingError, match="no 'é'.*letters, digits"):
        _label(part, "Café")
    with pytest.raises(SlicingError, match="at least 3 mm"):
        _label(part, "7", height_mm=MIN_CAP_HEIGHT_MM / 2)


def test_a_labelled_part_cuts_on_the_router_without_gouging_and_posts_clean_grbl():
    machine = load_cam("machine", "generic-grbl-router")
    plywood = load_cam("material", "plywood")
    tool, vbit = load_cam("tool", "flat-6-2f"), load_cam("tool", "vbit-60-6.35")
    settings = RouterSettings(tool=tool, cutting=cutting_data(tool, plywood, machine), sheet_mm=(300.0, 200.0),
                              engrave_tool=vbit, engrave_cutting=cutting_data(vbit, plywood, machine),
                              resolution_mm=0.25)
    depth = 0.5
    outline = shapes.region(shapes.rect(0, 0, 120, 60), shapes.rect(40, 20, 70, 40), shapes.rect(0, 80, 120, 130))
    part = FlatPart("brackets", outline, 12.0)
    marked, left_off = labelled(part, "12", height_mm=8.0, stroke_width_mm=engrave_width_mm(vbit, depth),
                                depth_mm=depth)
    assert left_off == () and len(marked.engravings) == len(text_strokes("12A")[0]) + len(text_strokes("12B")[0])
    job = plan_router_job(place_on_sheet(marked, settings.sheet_mm, settings.margin_mm), settings, machine,
                          "plywood")
    (engraving,) = [t for t in job.toolpaths if t.kind == "engrave"]
    assert engraving.tool.id == "vbit-60-6.35" and engraving.depth_mm == depth
    # Strokes that continue one another are cut without lifting; every stroke is cut once, at full depth.
    assert len(engraving.passes) <= len(marked.engravings)
    strokes_mm = sum(float(np.linalg.norm(np.diff(line, axis=0), axis=1).sum()) for line in marked.engravings)
    assert engraving.cut_length_mm() == pytest.approx(strokes_mm + depth * len(engraving.passes))
    assert job.stock.heights.min() < -12.0 + 1e-6  # the profile went through; the gouge check passed
    for file in job.files:
        assert grbl_violations(file.text, GrblDialect(s_max=machine.spindle_rpm_range[1])) == [], file.name


def test_a_laser_engraves_the_labels_clear_of_its_fill_areas_in_clean_grbl():
    machine = load_cam("machine", "generic-grbl-diode-laser")
    settings = load_laser_settings("diode-10w")
    engrave = settings.lookup("plywood", "engrave", 0.0)
    fill = shapes.rect(10, 10, 70, 40)
    part = FlatPart("coaster", shapes.region(shapes.rect(0, 0, 80, 60)), 3.0, fills=shapes.region(fill))
    width = engrave.kerf_mm  # the burnt line's width; the depth does not matter to a laser
    marked, left_off = labelled(part, "C1", height_mm=6.0, stroke_width_mm=width, depth_mm=0.1)
    strokes = _new_strokes(part, marked)
    assert left_off == () and _reads(strokes, "C1")
    assert all(shapely.Polygon(fill).distance(shapely.LineString(s).buffer(width / 2)) >= CLEARANCE_MM - SLACK_MM
               for s in strokes)
    layers = plan_laser(marked, cut=settings.lookup("plywood", "cut", 3.0), engrave=engrave,
                        fill=settings.lookup("plywood", "fill", 0.0))
    (engraved,) = [layer for layer in layers if layer.operation == "engrave"]
    assert len(engraved.paths) == len(strokes)
    program = laser_program(layers, machine, "coaster", "plywood", 3.0)
    assert grbl_violations(program.text, GrblDialect(s_max=1000, laser=True, spindle_dwell=False)) == []
