"""Arc fitting: circles and helices in polylines become arcs, straight runs and corners stay lines."""

from __future__ import annotations

import numpy as np
import pytest

from slicing.cnc.arcs import fit_arcs


def test_a_helix_becomes_one_arc_per_turn_and_its_centre_is_found():
    angles = np.linspace(0, 1.5 * np.pi, 49)
    helix = np.column_stack([10 + 4 * np.cos(angles), 20 + 4 * np.sin(angles), -angles / (2 * np.pi)])
    [(end, centre, ccw)] = fit_arcs(helix)
    assert end == 48 and ccw
    assert centre == pytest.approx([10.0, 20.0], abs=1e-9)
    [(_, _, ccw_back)] = fit_arcs(helix[::-1])
    assert not ccw_back


def test_lines_and_a_sharp_corner_stay_straight_moves():
    square = np.array([(0, 0, 0), (10, 0, 0), (20, 0, 0), (20, 10, 0), (20, 20, 0)], float)
    assert [(end, centre) for end, centre, _ in fit_arcs(square)] == [(1, None), (2, None), (3, None), (4, None)]


def test_a_polygon_too_coarse_for_its_circle_is_not_an_arc():
    angles = np.linspace(0, np.pi, 5)  # 45 degree chords on a 10 mm radius stray 0.76 mm
    coarse = np.column_stack([10 * np.cos(angles), 10 * np.sin(angles), np.zeros(5)])
    assert all(centre is None for _, centre, _ in fit_arcs(coarse))
