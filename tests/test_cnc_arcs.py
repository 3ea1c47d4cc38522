"""Arc fitting: circles and helices in polylines become arcs, straight runs and corners stay lines."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from slicing.cnc.arcs import ARC_TOLERANCE_MM, fit_arcs
from slicing.fdm import polygons
from tests.gcode_arcs import along_arc, tessellated


def test_a_helix_becomes_one_arc_per_turn_and_its_centre_is_found():
    angles = np.linspace(0, 1.5 * np.pi, 49)
    helix = np.column_stack([10 + 4 * np.cos(angles), 20 + 4 * np.sin(angles), -angles / (2 * np.pi)])
    path, [(end, centre, ccw)] = fit_arcs(helix)
    assert end == 48 and ccw
    assert np.array_equal(path, helix)
    assert centre == pytest.approx([10.0, 20.0], abs=1e-9)
    _, [(_, _, ccw_back)] = fit_arcs(helix[::-1])
    assert not ccw_back


def test_lines_and_a_sharp_corner_stay_straight_moves():
    square = np.array([(0, 0, 0), (10, 0, 0), (20, 0, 0), (20, 10, 0), (20, 20, 0)], float)
    path, moves = fit_arcs(square)
    assert np.array_equal(path, square)
    assert [(end, centre) for end, centre, _ in moves] == [(1, None), (2, None), (3, None), (4, None)]


def test_a_polygon_too_coarse_for_its_circle_is_not_an_arc():
    angles = np.linspace(0, np.pi, 5)  # 45 degree chords on a 10 mm radius stray 0.76 mm
    coarse = np.column_stack([10 * np.cos(angles), 10 * np.sin(angles), np.zeros(5)])
    assert all(centre is None for _, centre, _ in fit_arcs(coarse)[1])


def _check_arcs_follow(points: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Fit arcs to a polyline; check the path they index is the polyline (points put in only on its
    segments) and that every arc, sampled, and the run it replaces, sampled, stay within the tolerance of
    each other. The (centre, radius) of each arc."""
    path, moves = fit_arcs(points)
    line = shapely.LineString(points[:, :2])
    assert shapely.distance(shapely.points(path[:, :2]), line).max() < 1e-9
    assert np.array_equal(path[[0, -1]], points[[0, -1]])
    circles = []
    previous = 0
    for end, centre, ccw in moves:
        if centre is not None:
            run = path[previous:end + 1, :2]
            radius = float(np.linalg.norm(run[0] - centre))
            arc = along_arc(run[0], run[-1], centre, ccw)
            fractions = np.linspace(0.0, 1.0, 100)[:, None]
            along_run = (run[:-1, None] + fractions * np.diff(run, axis=0)[:, None]).reshape(-1, 2)
            assert shapely.distance(shapely.points(arc), shapely.LineString(run)).max() <= ARC_TOLERANCE_MM
            assert shapely.distance(shapely.points(along_run), shapely.LineString(arc)).max() <= ARC_TOLERANCE_MM
            circles.append((centre, radius))
        previous = end
    return circles


def test_a_tessellated_round_corner_offset_by_the_tool_radius_becomes_one_arc():
    # As the stool's seat arrives: a rounded rectangle whose 20 mm corners are chords sagging 0.015 mm (a
    # mesh section), offset 3 mm with round joins: chords alternating with tiny join arcs, none on one circle.
    corners = [((20.0, 20.0), np.pi), ((320.0, 20.0), 1.5 * np.pi), ((320.0, 220.0), 0.0), ((20.0, 220.0), 0.5 * np.pi)]
    outline = np.vstack([tessellated(c, 20.0, 0.015, start, np.pi / 2) for c, start in corners])
    [ring] = polygons.to_mm(polygons.offset(polygons.union(polygons.to_units([outline])), 3.0, round_joins=True))
    points = np.column_stack([np.vstack([ring, ring[:1]]), np.zeros(len(ring) + 1)])
    circles = _check_arcs_follow(points)
    assert len(fit_arcs(points)[1]) <= 12  # four arcs, four sides, and where the ring starts
    assert len(circles) >= 4
    assert all(abs(radius - 23.0) < ARC_TOLERANCE_MM for _, radius in circles)


def test_chords_sagging_more_than_the_tolerance_get_an_arc_between_them_and_their_vertices():
    # A 50 mm circle as a coarse mesh gives it (chords sagging 0.035 mm), with the µm spurs of a section.
    ring = tessellated((60.0, 60.0), 50.0, 0.035)
    spurs = ring + 0.002 * (ring - 60.0) / 50.0 + np.array([0.003, 0.0])
    points = np.vstack([np.column_stack([ring, spurs]).reshape(-1, 2), ring[:1]])
    circles = _check_arcs_follow(np.column_stack([points, np.zeros(len(points))]))
    assert len(fit_arcs(np.column_stack([points, np.zeros(len(points))]))[1]) <= 8
    for centre, radius in circles:
        assert centre == pytest.approx([60.0, 60.0], abs=0.01)
        assert 50.0 - 0.035 < radius < 50.0


def test_an_arc_too_short_to_tell_its_ends_apart_stays_straight_moves():
    # GRBL runs an arc whose ends are one point as a full circle: a bend of a few µm must not become one.
    angles = np.linspace(0.0, 0.01, 5)
    tiny = np.column_stack([0.1 * np.cos(angles), 0.1 * np.sin(angles), np.zeros(5)])  # 1 µm long
    assert all(centre is None for _, centre, _ in fit_arcs(tiny)[1])


def test_arcs_remembered_across_a_profiles_depth_passes_are_the_ones_found_afresh():
    # The same ring at three depths (and a ramp between them, which is no level run), fitted with the arcs of
    # the passes before remembered, as the post does: each pass gets exactly the moves it gets alone, at its
    # own depth.
    corners = [((20.0, 20.0), np.pi), ((120.0, 20.0), 1.5 * np.pi), ((120.0, 80.0), 0.0), ((20.0, 80.0), 0.5 * np.pi)]
    outline = np.vstack([tessellated(c, 20.0, 0.015, start, np.pi / 2) for c, start in corners])
    ring = np.vstack([outline, outline[:1]])
    found: dict = {}
    for depth in (-2.0, -4.0, -6.0):
        run = np.column_stack([ring, np.full(len(ring), depth)])
        alone_points, alone_moves = fit_arcs(run)
        points, moves = fit_arcs(run, found)
        assert np.array_equal(points, alone_points) and np.all(points[:, 2] == depth)
        assert [(end, None if centre is None else tuple(centre), ccw) for end, centre, ccw in moves] == \
            [(end, None if centre is None else tuple(centre), ccw) for end, centre, ccw in alone_moves]
    assert found and all(key[0] in ("_arc_through_ends", "_arc_between_crossings") for key in found)
    ramp = np.column_stack([ring, np.linspace(0.0, -2.0, len(ring))])
    assert np.array_equal(fit_arcs(ramp, found)[0], fit_arcs(ramp)[0])
