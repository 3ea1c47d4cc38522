"""Shared by the router and laser tests: the G2/G3 arcs of a G-code program as points along them, so a test
can measure how far each strays from the path it was fitted to."""

from __future__ import annotations

import numpy as np
import shapely


def tessellated(centre: tuple[float, float], radius: float, sag_mm: float, start: float = 0.0,
                sweep: float = 2 * np.pi) -> np.ndarray:
    """Vertices ((n, 2) mm) on a circle, as a mesh section gives them: equal chords that sag sag_mm
    inside it (a full circle leaves out its repeated first point)."""
    count = int(np.ceil(abs(sweep) / (2.0 * np.arccos(1.0 - sag_mm / radius))))
    angles = start + np.linspace(0.0, sweep, count + 1)
    if abs(sweep) >= 2 * np.pi:
        angles = angles[:-1]
    return np.column_stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)])


def along_arc(start: np.ndarray, end: np.ndarray, centre: np.ndarray, ccw: bool, count: int = 4000) -> np.ndarray:
    """count points ((count, 2) mm) along the arc from start round centre to end, at the radius of start
    (as GRBL runs it), counter-clockwise or not."""
    first = np.arctan2(*(start - centre)[::-1])
    turn = (np.arctan2(*(end - centre)[::-1]) - first) % (2 * np.pi)
    if not ccw:
        turn -= 2 * np.pi
    angles = first + np.linspace(0.0, turn, count)
    return centre + np.linalg.norm(start - centre) * np.column_stack([np.cos(angles), np.sin(angles)])


def arc_samples(text: str) -> list[np.ndarray]:
    """Every G2/G3 of a program as points along it, from where the tool was round the centre its I and J
    give to where it ends."""
    here = np.zeros(2)
    arcs = []
    for line in text.splitlines():
        if not line or line.startswith("("):
            continue
        command, *rest = line.split()
        words = {word[0]: float(word[1:]) for word in rest if word[0] in "XYIJ"}
        end = np.array([words.get("X", here[0]), words.get("Y", here[1])])
        if command in ("G2", "G3"):
            centre = here + np.array([words.get("I", 0.0), words.get("J", 0.0)])
            arcs.append(along_arc(here, end, centre, command == "G3"))
        if command in ("G0", "G1", "G2", "G3"):
            here = end
    return arcs


def farthest_from(points: np.ndarray, paths: list[np.ndarray]) -> float:
    """How far (mm) the farthest of the points ((n, 2)) is from the nearest of the polylines."""
    lines = shapely.MultiLineString([np.asarray(path)[:, :2] for path in paths])
    return float(shapely.distance(shapely.points(points), lines).max())
