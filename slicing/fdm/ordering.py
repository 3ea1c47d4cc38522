"""Print order: nearest-neighbour chaining of lines and loops, to keep travel short; seam placement.

Ties go to the lower index, so the order depends only on the input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SEAM_POSITIONS = ("aligned", "nearest", "rear")


def order_polylines(polylines: Sequence[np.ndarray] | np.ndarray, start: np.ndarray) -> list[np.ndarray]:
    """Open polylines ((n, 2) each) in print order, each possibly reversed, nearest-first from start (2,).

    Lines of one area come out back and forth (boustrophedon) because the neighbour of a line's end is
    the near end of the next line.
    """
    return [polylines[index][::-1] if flip else polylines[index] for index, flip in polyline_order(polylines, start)]


def polyline_order(polylines: Sequence[np.ndarray] | np.ndarray, start: np.ndarray) -> list[tuple[int, bool]]:
    """The order of order_polylines as (index, reversed) pairs; polylines may be one (m, k, 2) array."""
    if not len(polylines):
        return []
    if isinstance(polylines, np.ndarray):  # (m, k, 2): lines of k points each, as hatching gives them
        heads, tails = polylines[:, 0].astype(np.float64), polylines[:, -1].astype(np.float64)
    else:
        heads = np.array([line[0] for line in polylines], dtype=np.float64)
        tails = np.array([line[-1] for line in polylines], dtype=np.float64)
    # Heads then tails in one array; a line used up has both ends moved to infinity. argmin takes the first
    # of equal distances, so a head beats a tail at the same distance and a lower index beats a higher one.
    count = len(heads)
    ends = np.concatenate([heads, tails])
    xs, ys = ends[:, 0].copy(), ends[:, 1].copy()
    px, py = (float(value) for value in np.asarray(start, dtype=np.float64))
    order = []
    for _ in range(count):
        dx, dy = xs - px, ys - py
        nearest = int(np.argmin(dx * dx + dy * dy))
        index, flip = (nearest, False) if nearest < count else (nearest - count, True)
        order.append((index, flip))
        other = index if flip else index + count
        px, py = float(xs[other]), float(ys[other])
        xs[index] = xs[index + count] = ys[index] = ys[index + count] = np.inf
    return order


def order_segments(segments: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Segments (m, 2, 2) in print order, each possibly reversed, nearest-first from start (2,)."""
    return np.array(order_polylines(list(segments), start)).reshape(-1, 2, 2)


def seam_index(ring: np.ndarray, position: np.ndarray, mode: str, hint: np.ndarray | None) -> int:
    """Index of the vertex of a closed ring ((n, 2) mm) where its loop starts and ends.

    nearest: the vertex nearest the head (shortest travel); rear: the vertex furthest back (largest Y,
    then smallest X), hidden behind the part; aligned: the vertex nearest to `hint`, the previous layer's
    seam, so the seams stack into one line (the rear vertex when there is no hint yet).
    """
    if mode == "rear" or (mode == "aligned" and hint is None):
        return int(np.lexsort((ring[:, 0], -ring[:, 1]))[0])
    target = hint if mode == "aligned" else position
    return int(np.argmin(np.sum((ring - target) ** 2, axis=1)))


def order_loops(
    loops: Sequence[np.ndarray], start: np.ndarray, *, seam: str = "nearest", hint: np.ndarray | None = None
) -> list[np.ndarray]:
    """Closed rings ((n, 2) each) in print order, nearest-first from start (2,).

    Each ring starts at its seam (see seam_index) and repeats that vertex at the end, so it can be printed
    as it stands.
    """
    remaining = list(loops)
    ordered = []
    position = np.asarray(start, dtype=np.float64)
    while remaining:
        ring = remaining.pop(nearest_index(remaining, position))
        ring = np.roll(ring, -seam_index(ring, position, seam, hint), axis=0)
        ordered.append(np.vstack([ring, ring[:1]]))
        position = ring[0]
    return ordered


def nearest_index(point_sets: Sequence[np.ndarray], position: np.ndarray) -> int:
    """Index of the point set ((n, 2) each) that has the point nearest to position (2,)."""
    return int(np.argmin([np.min(np.sum((points - position) ** 2, axis=1)) for points in point_sets]))
