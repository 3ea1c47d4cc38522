"""Arcs found in polylines, so programs say G2/G3 (centre given by I and J, as GRBL wants) where the path is
a circle or a helix: round corners of offset paths, holes, helical bores, curves of laser cuts.

A run of at least MIN_ARC_SEGMENTS segments becomes one arc when it runs one way round a circle by less than
a full turn (a step back no longer than the tolerance, a µm zigzag of a mesh section, is no turn), no point
of the run strays from the arc (nor any point of the arc from the run) by more than ARC_TOLERANCE_MM, and Z
changes in proportion to the angle (a helix) or not at all. The circle is the one through the run's ends
that fits its vertices best, which for a tessellated curve is the designed one; where the chords sag too far
inside it for that, it is the circle halfway between the vertices and the chords, and the arc runs between
two points where the run crosses it, reached by straight moves along the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

# A curve arrives as chords of a mesh section (the design builder asks for 0.02 mm chordal deviation),
# offset by the tool radius or the kerf: chords that sag that far inside the true curve, their vertices on
# it. An arc through the vertices follows the design better than the chords and strays from them by their
# sagitta, so the tolerance is that chordal deviation: a fifth of the +-0.1 mm wood and plastic are cut to.
# (Chords that sag up to twice as far get the arc halfway between, which strays from them by half that.)
ARC_TOLERANCE_MM = 0.02
MIN_ARC_SEGMENTS = 3
# Circles much larger than a machine are straight lines; much smaller than a cell are points.
_RADIUS_RANGE_MM = (0.05, 5000.0)
# Programs give positions to 1 µm: an arc whose ends could round to one point is a full circle to GRBL.
_SHORTEST_CHORD_MM = 0.002


class _Fit(NamedTuple):
    """An arc found at the start of a run: lead, the (k, 3) points of the run to go through in straight
    moves before the arc starts (none when it starts where the run does); through, the (m, 3) points of
    the run the arc replaces after its start, the last where it ends; next_vertex: the index in the run of
    the first vertex after its end; its centre and direction."""

    lead: np.ndarray
    through: np.ndarray
    next_vertex: int
    centre: np.ndarray
    ccw: bool


def fit_arcs(points: np.ndarray, found: dict | None = None
             ) -> tuple[np.ndarray, list[tuple[int, np.ndarray | None, bool]]]:
    """Split a polyline ((n, 3) mm) into moves. Returns the polyline with the points where arcs start or
    end part-way along a segment put in (the path itself is unchanged), and its moves: (index in it of the
    move's end point, arc centre (x, y) or None for a straight move, whether the arc runs
    counter-clockwise). found: the arcs of level runs found so far, to share between the polylines of one
    program (a profile's depth passes go round the same ring)."""
    reach = _candidate_reach(points)
    path = [points[0]]
    moves: list[tuple[int, np.ndarray | None, bool]] = []
    here, vertex = points[0], 1
    found = {} if found is None else found
    while vertex < len(points):
        # An arc through the vertices follows the design where the chords allow it; else one between them.
        fit = (_flat_longest_arc(found, _arc_through_ends, here, points, vertex, int(reach[vertex - 1]))
               or _flat_longest_arc(found, _arc_between_crossings, here, points, vertex, int(reach[vertex - 1])))
        if fit is None:
            path.append(points[vertex])
            moves.append((len(path) - 1, None, False))
            here, vertex = points[vertex], vertex + 1
            continue
        for point in fit.lead:
            path.append(point)
            moves.append((len(path) - 1, None, False))
        path += list(fit.through)
        moves.append((len(path) - 1, fit.centre, fit.ccw))
        here, vertex = fit.through[-1], vertex + fit.next_vertex - 1
    return np.array(path), moves


def _candidate_reach(points: np.ndarray) -> np.ndarray:
    """For each point, the last point of the run after it whose consecutive triples all turn the same way
    (a triple whose middle point is off its neighbours' line by less than the tolerance turns neither way:
    the µm zigzags of a mesh section are no turn): how far an arc from there could reach (the point itself
    where none can). Vectorised, so corners cost nothing; the fits then check a candidate exactly. (The circles
    of neighbouring triples are no test: on short chords a vertex a µm off the curve moves a triple's centre
    by a tenth of a millimetre.)"""
    count = len(points)
    reach = np.arange(count)
    if count < 3:
        return reach
    a, b, c = points[:-2, :2], points[1:-1, :2], points[2:, :2]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - b[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - b[:, 0])
    span = np.linalg.norm(c - a, axis=1)
    off_line = np.abs(cross) / np.maximum(span, 1e-300)
    turn = np.where(off_line < ARC_TOLERANCE_MM, 0.0, np.sign(cross))
    # The way the run has turned so far at each triple: the last turn that was one.
    turned = turn[np.maximum.accumulate(np.where(turn != 0, np.arange(len(turn)), 0))]
    # Triple k spans points k..k+2 and continues triple k-1's run unless it turns against it; a sharp
    # corner (a circle smaller than any arc) ends a run too.
    sides = np.linalg.norm(b - a, axis=1) * np.linalg.norm(c - b, axis=1) * span
    radius = sides / np.maximum(2.0 * np.abs(cross), 1e-300)
    valid = (turn == 0) | (radius >= _RADIUS_RANGE_MM[0])
    joins = valid[1:] & valid[:-1] & ((turn[1:] == 0) | (turned[:-1] == 0) | (turn[1:] == turned[:-1]))
    # A run of joined triples from triple k stops at the first j >= k that does not join the next; its
    # last point is j + 2.
    breaks = np.append(np.flatnonzero(~joins), len(valid) - 1)
    end_of = breaks[np.searchsorted(breaks, np.arange(len(valid)))] + 2
    reach[:len(valid)] = np.where(valid, end_of, np.arange(len(valid)))
    return reach


def _flat_longest_arc(found: dict[tuple[str, bytes], _Fit | None], arc: Callable[[np.ndarray], _Fit | None],
                      here: np.ndarray, points: np.ndarray, vertex: int, last: int) -> _Fit | None:
    """_longest_arc, remembered for runs at one height: a profile goes round the same ring at every depth
    pass, and an arc of a level run is the same at any height (its points take the run's Z). An arc that
    starts level stays level (a helix climbs from its start), so a level start's run ends where Z changes."""
    height = here[2]
    level = points[vertex:last + 1, 2] == height
    if not len(level) or not level[0]:
        return _longest_arc(arc, here, points, vertex, last)
    if not level.all():
        last = vertex + int(np.argmin(level)) - 1
    run = points[vertex:last + 1]
    key = (arc.__name__, hashlib.blake2b(here[:2].tobytes() + run[:, :2].tobytes(), digest_size=16).digest())
    if key not in found:
        found[key] = _longest_arc(arc, here, points, vertex, last)
    fit = found[key]
    if fit is None:
        return None
    return fit._replace(lead=_at_height(fit.lead, height), through=_at_height(fit.through, height))


def _at_height(points: np.ndarray, height: float) -> np.ndarray:
    level = points.copy()
    level[:, 2] = height
    return level


def _longest_arc(arc: Callable[[np.ndarray], _Fit | None], here: np.ndarray, points: np.ndarray, vertex: int,
                 last: int) -> _Fit | None:
    """The arc of the given kind that reaches farthest along the run from `here` (on the segment before
    points[vertex]) through the vertices up to `last`: none when the shortest run does not fit, the whole
    run when it does, else grow the run by doubling while it fits, then bisect to its end."""

    def fit(end: int) -> _Fit | None:
        run = np.vstack([here[None], points[vertex:end + 1]])
        return None if np.any(np.linalg.norm(np.diff(run[:, :2], axis=0), axis=1) < 1e-9) else arc(run)

    shortest = vertex + MIN_ARC_SEGMENTS - 1
    if last < shortest:
        return None
    good_fit = fit(shortest)
    if good_fit is None:
        return None
    whole = fit(last) if last > shortest else None
    if whole is not None:
        return whole
    good, step, bad = shortest, MIN_ARC_SEGMENTS, None
    while bad is None:
        end = min(good + step, last)
        found = fit(end) if end > good else None
        if found is None:
            bad = end if end > good else good + 1
        else:
            good, good_fit = end, found
            if end == last:
                break
            step *= 2
    while bad is not None and bad - good > 1:
        middle = (good + bad) // 2
        found = fit(middle)
        if found is None:
            bad = middle
        else:
            good, good_fit = middle, found
    return good_fit


def _arc_through_ends(run: np.ndarray) -> _Fit | None:
    """The arc that replaces a run ((n, 3) mm, starting where the tool is) from end to end round the circle
    through both that fits its vertices best, if it follows the run as the module describes."""
    centre = _centre_through_ends(run[:, :2])
    if centre is None:
        return None
    ccw = _follows(run, centre, float(np.linalg.norm(run[0, :2] - centre)))
    return None if ccw is None else _Fit(run[:0], run[1:], len(run), centre, ccw)


def _arc_between_crossings(run: np.ndarray) -> _Fit | None:
    """For chords that sag too far inside the curve through their vertices for an arc through them: the
    arc round the circle that fits the run's vertices best (Kasa's least squares), its radius halfway
    between the farthest vertex and the nearest point of a segment, so the run strays from it equally both
    ways; it starts and ends where the run crosses it, so the straight moves before and after stay on the
    run."""
    xy = run[:, :2]
    centre = _best_centre(xy)
    if centre is None:
        return None
    farthest = float(np.linalg.norm(xy - centre, axis=1).max())
    nearest = float(_nearest(xy, centre).min())
    if farthest - nearest > 2.0 * ARC_TOLERANCE_MM:
        return None
    radius = (farthest + nearest) / 2.0
    crossings = _crossings(run, centre, radius)
    if len(crossings) < 2:
        return None
    (first, at_first), (last, at_last) = crossings[0], crossings[-1]
    if last - first < MIN_ARC_SEGMENTS - 1:
        return None
    start = run[first] + at_first * (run[first + 1] - run[first])
    end = run[last] + at_last * (run[last + 1] - run[last]) if at_last > 0.0 else run[last]
    arc = np.vstack([start[None], run[first + 1:last + (at_last > 0.0)], end[None]])
    ccw = _follows(arc, centre, radius)
    if ccw is None:
        return None
    lead = np.vstack([run[1:first + 1], start[None]]) if at_first > 0.0 else run[1:first + 1]
    return _Fit(lead, arc[1:], last + 1, centre, ccw)


def _crossings(run: np.ndarray, centre: np.ndarray, radius: float) -> list[tuple[int, float]]:
    """Where the run's segments cross the circle, in order along it: (segment, fraction along it), a
    crossing within 1e-9 mm of a vertex moved onto it (as the start of the segment after it)."""
    start, step = run[:-1, :2] - centre, np.diff(run[:, :2], axis=0)
    a = np.einsum("ij,ij->i", step, step)
    b = 2.0 * np.einsum("ij,ij->i", step, start)
    c = np.einsum("ij,ij->i", start, start) - radius**2
    root = np.sqrt(np.clip(b * b - 4.0 * a * c, 0.0, None))
    crossings = set()
    for segment in np.flatnonzero(b * b - 4.0 * a * c >= 0.0):
        length = float(np.sqrt(a[segment]))
        for along in ((-b[segment] - root[segment]) / (2.0 * a[segment]),
                      (-b[segment] + root[segment]) / (2.0 * a[segment])):
            distance = along * length
            if abs(distance) < 1e-9:
                crossings.add((int(segment), 0.0))
            elif abs(distance - length) < 1e-9:
                crossings.add((int(segment) + 1, 0.0))
            elif 0.0 < distance < length:
                crossings.add((int(segment), float(along)))
    return sorted(crossings)


def _follows(arc: np.ndarray, centre: np.ndarray, radius: float) -> bool | None:
    """Whether the arc round `centre` from the first of the points ((n, 3) mm) to the last runs
    counter-clockwise, when it runs one way round by less than a full turn, strays from the polyline by no
    more than the tolerance and its Z follows a helix; None when not."""
    xy = arc[:, :2]
    offsets = xy - centre
    # A vertex off the circle by more than the tolerance fails the deviation test below; most candidates
    # fail here, before the costlier tests.
    if (not _RADIUS_RANGE_MM[0] <= radius <= _RADIUS_RANGE_MM[1]
            or np.abs(np.sqrt(np.einsum("ij,ij->i", offsets, offsets)) - radius).max() > ARC_TOLERANCE_MM
            or np.linalg.norm(xy[-1] - xy[0]) < _SHORTEST_CHORD_MM
            or np.any(np.linalg.norm(np.diff(xy, axis=0), axis=1) < 1e-9)):  # a crossing a nanometre from a vertex
        return None
    angles = np.unwrap(np.arctan2(xy[:, 1] - centre[1], xy[:, 0] - centre[0]))
    ccw = bool(angles[-1] > angles[0])
    swept = (angles - angles[0]) * (1.0 if ccw else -1.0)
    # One way round, every vertex within the arc's sweep: a step back along it no longer than the
    # tolerance is a µm zigzag of the outline, not a turn.
    if (np.any(np.diff(swept) * radius < -ARC_TOLERANCE_MM) or swept.min() < 0.0 or swept.max() > swept[-1]
            or swept[-1] >= 2 * np.pi - 1e-6):
        return None
    z = arc[:, 2]
    helix = z[0] + (z[-1] - z[0]) * swept / swept[-1]
    if np.hypot(_deviation(xy, centre, radius), np.abs(z - helix).max()) > ARC_TOLERANCE_MM:
        return None
    return ccw


def _deviation(xy: np.ndarray, centre: np.ndarray, radius: float) -> float:
    """How far (mm) a polyline ((n, 2) mm) strays from the circle round `centre`: its farthest vertex
    outside or the nearest approach of a segment inside. For a polyline that winds one way round the centre
    this is also how far any point of the arc is from the polyline (the ray through it crosses the polyline
    no farther away)."""
    return float(max(np.linalg.norm(xy - centre, axis=1).max() - radius, radius - _nearest(xy, centre).min()))


def _nearest(xy: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The distance (mm) from `centre` to each segment of a polyline ((n, 2) mm)."""
    start, step = xy[:-1], np.diff(xy, axis=0)
    along = np.clip(np.einsum("ij,ij->i", centre - start, step) / np.einsum("ij,ij->i", step, step), 0.0, 1.0)
    return np.linalg.norm(start + along[:, None] * step - centre, axis=1)


def _best_centre(xy: np.ndarray) -> np.ndarray | None:
    """The centre of the circle that fits the points ((n, 2) mm) best by least squares of squared radii
    (Kasa's fit); None when they are in a line."""
    middle = xy.mean(axis=0)
    offsets = xy - middle
    # |p - c|^2 = r^2 is linear in (c, r^2 - |c|^2): 2 p.c + (r^2 - |c|^2) = p.p.
    terms = np.column_stack([2.0 * offsets, np.ones(len(xy))])
    normal = terms.T @ terms
    if abs(np.linalg.det(normal)) < 1e-12:
        return None
    return middle + np.linalg.solve(normal, terms.T @ (offsets * offsets).sum(axis=1))[:2]


def _centre_through_ends(xy: np.ndarray) -> np.ndarray | None:
    """The centre of the circle through the first and last points ((n, 2) mm) that fits all of them best
    (least squares of squared radii, as Kasa's fit, with the centre held on the ends' perpendicular bisector
    so that G2/G3 start and end on the circle); None when the points are in a line. A curve tessellated
    from a mesh has its vertices on the true curve, so this finds the designed circle, not one through
    three vertices that happen to be a µm off it."""
    half = (xy[-1] - xy[0]) / 2.0
    if half @ half < 1e-18:
        return None
    middle = xy[0] + half
    normal = np.array([-half[1], half[0]]) / np.sqrt(half @ half)
    offsets = xy - middle
    # |p - (middle + u normal)|^2 = |half|^2 + u^2 is linear in u: p.p - half.half = 2 u (p.normal).
    across = offsets @ normal
    if across @ across < 1e-18:
        return None
    u = ((offsets * offsets).sum(axis=1) - half @ half) @ across / (2.0 * (across @ across))
    return middle + u * normal
