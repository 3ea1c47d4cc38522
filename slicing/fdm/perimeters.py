"""Perimeters: the loops that trace each island of a layer, and the area left inside them for infill."""

from __future__ import annotations

from dataclasses import dataclass

from slicing.fdm.polygons import Paths, islands, offset, opening

# Infill reaches this fraction of a line width into the innermost perimeter. A line's end is blunter than
# its nominal length, so without the overlap infill would not weld to the walls and top skins would show
# a seam along them.
INFILL_OVERLAP = 0.10


@dataclass(frozen=True)
class IslandShells:
    """One connected piece of a layer.

    loops[k] holds the centre-line rings of the k-th perimeter (0 is the external one, touching the
    outline); infill_area is where infill centre-lines may run.
    """

    loops: tuple[Paths, ...]
    infill_area: Paths


def make_shells(section: Paths, *, line_width: float, perimeters: int) -> list[IslandShells]:
    """Perimeter loops and infill area of every island of a layer's section (line_width in mm).

    The k-th loop runs (k + 1/2) line widths inside the outline, so the external loop's edge lies on the
    outline. Where an island is too thin for all loops it gets as many as fit.
    """
    shells = []
    for island in islands(section):
        loops: list[Paths] = []
        for k in range(perimeters):
            loop = offset(island, -(k + 0.5) * line_width)
            if not loop:
                break
            loops.append(loop)
        # Without perimeters, infill lines stop half a width inside so their edges meet the outline.
        inset = (perimeters - INFILL_OVERLAP) * line_width if perimeters else line_width / 2.0
        # A strip narrower than one line cannot hold an infill line; it stays out of the infill area, so the
        # layers below do not count it as covering them either. (Gap fill would print it: not yet.)
        infill_area = opening(offset(island, -inset), line_width / 2.0)
        shells.append(IslandShells(loops=tuple(loops), infill_area=infill_area))
    return shells
