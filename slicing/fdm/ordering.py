"""Print order: nearest-neighbour chaining of lines and loops, to keep travel short.

Ties go to the lower index, so the order depends only on the input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def order_segments(segments: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Segments (m, 2, 2) in print order, each possibly reversed, nearest-first from start (2,).

    Lines of one area come out back and forth (boustrophedon) because the neighbour of a line's end is
    the near end of the next line.
    """
    ordered = np.empty_like(segments)
    available = np.ones(len(segments), dtype=bool)
    heads, tails = segments[:, 0], segments[:, 1]
    position = np.asarray(start, dtype=np.float64)
    for step in range(len(segments)):
        to_head = np.where(available, np.sum((heads - position) ** 2, axis=1), np.inf)
        to_tail = np.where(available, np.sum((tails - position) ** 2, axis=1), np.inf)
        by_head, by_tail = int(np.argmin(to_head)), int(np.argmin(to_tail))
        if to_head[by_head] <= to_tail[by_tail]:
            chosen, segment = by_head, segments[by_head]
        else:
            chosen, segment = by_tail, segments[by_tail][::-1]
        ordered[step] = segment
        available[chosen] = False
        position = segment[1]
    return ordered


def order_loops(loops: Sequence[np.ndarray], start: np.ndarray) -> list[np.ndarray]:
    """Closed rings ((n, 2) each) in print order, nearest-first from start (2,).

    Each ring starts at its vertex nearest to where the previous one ended (that is where its seam is)
    and repeats that vertex at the end, so it can be printed as it stands.
    """
    remaining = list(loops)
    ordered = []
    position = np.asarray(start, dtype=np.float64)
    while remaining:
        ring = remaining.pop(nearest_index(remaining, position))
        ring = np.roll(ring, -int(np.argmin(np.sum((ring - position) ** 2, axis=1))), axis=0)
        ordered.append(np.vstack([ring, ring[:1]]))
        position = ring[0]
    return ordered


def nearest_index(point_sets: Sequence[np.ndarray], position: np.ndarray) -> int:
    """Index of the point set ((n, 2) each) that has the point nearest to position (2,)."""
    return int(np.argmin([np.min(np.sum((points - position) ** 2, axis=1)) for points in point_sets]))
