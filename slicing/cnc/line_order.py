"""The order a tool or beam follows open lines in (engravings, label strokes): always on to the nearest
line, from whichever of its ends is nearer, and lines that continue one another joined into one, so the
tool does not lift and come back down where it already is. Millimetres throughout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Line ends closer than this (mm) are the same point: the tool carries on without lifting.
TOUCHING_MM = 1e-6


def nearest_order(lines: Sequence[np.ndarray], start: np.ndarray) -> list[np.ndarray]:
    """(n, 2) lines in nearest-next order from `start`, each run from its nearer end (ties: its first end,
    then the earlier line), joined where one ends at the next one's start."""
    if not lines:
        return []
    firsts = np.array([line[0] for line in lines], dtype=np.float64)
    lasts = np.array([line[-1] for line in lines], dtype=np.float64)
    left = np.ones(len(lines), dtype=bool)
    here = np.asarray(start, dtype=np.float64)
    ordered: list[np.ndarray] = []
    for _ in range(len(lines)):
        to_first = np.where(left, np.linalg.norm(firsts - here, axis=1), np.inf)
        to_last = np.where(left, np.linalg.norm(lasts - here, axis=1), np.inf)
        chosen = int(np.argmin(np.minimum(to_first, to_last)))
        left[chosen] = False
        line = np.asarray(lines[chosen], dtype=np.float64)
        if to_last[chosen] < to_first[chosen]:
            line = line[::-1]
        if ordered and np.linalg.norm(line[0] - ordered[-1][-1]) <= TOUCHING_MM:
            ordered[-1] = np.vstack([ordered[-1], line[1:]])
        else:
            ordered.append(line)
        here = line[-1]
    return ordered
