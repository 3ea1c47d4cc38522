"""Perimeters: the loops that trace each island of a layer, the area left inside them for infill, and the
strips too narrow for either, which gap fill prints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slicing.fdm.polygons import UNITS_PER_MM, Paths, difference, islands, offset, opening

# Infill reaches this fraction of a line width into the innermost perimeter by default. A line's end is
# blunter than its nominal length, so without the overlap infill would not weld to the walls and top skins
# would show a seam along them.
INFILL_OVERLAP = 0.10
# A loop is kept where its two sides lie at least this fraction of a line width apart; closer, its lines
# would be laid on top of each other (a wall just over one line wide would get a doubled loop), and the
# strip is left to gap fill instead.
MIN_LOOP_SPACING = 0.8
# Gaps narrower than this fraction of a line width are below what a nozzle can lay down.
MIN_GAP_WIDTH = 0.2


@dataclass(frozen=True)
class IslandShells:
    """One connected piece of a layer.

    loops[k] holds the centre-line rings of the k-th perimeter (0 is the external one, touching the
    outline); infill_area is where infill centre-lines may run; gap is the area neither covers that is
    wide enough to print a line into (gap fill and thin walls).
    """

    loops: tuple[Paths, ...]
    infill_area: Paths
    gap: Paths = ()
    outline: Paths = ()


def make_shells(
    section: Paths,
    *,
    line_width: float,
    perimeters: int,
    infill_overlap: float = INFILL_OVERLAP,
    external_width: float | None = None,
) -> list[IslandShells]:
    """Perimeter loops, infill area and gaps of every island of a layer's section.

    line_width: width of the inner perimeters in mm (and of the external one unless external_width, mm, is
    given); infill_overlap: a fraction of the innermost loop's width.

    The external loop runs half its width inside the outline, so its edge lies on the outline; every
    further loop lies against the one outside it. Where an island is too thin for all loops it gets as many
    as fit; where a loop's two sides would come closer than MIN_LOOP_SPACING of its width, the loop is left
    out there.
    """
    external_width = line_width if external_width is None else external_width
    widths = [external_width if k == 0 else line_width for k in range(perimeters)]
    depths = [loop_depth(k, external_width, line_width) for k in range(perimeters)]
    # Without perimeters, infill lines stop half a width inside so their edges meet the outline.
    if perimeters == 0:
        inset = line_width / 2.0
    elif perimeters == 1:
        inset = (1 - infill_overlap) * external_width
    else:
        inset = (perimeters - infill_overlap) * line_width + (external_width - line_width)
    shells = []
    for island in islands(section):
        loops: list[Paths] = []
        for depth, width in zip(depths, widths, strict=True):
            half_spacing = MIN_LOOP_SPACING * width / 2.0
            # opening(offset(island, -depth), half_spacing), with the two shrinks made as one
            loop = offset(offset(island, -depth - half_spacing), half_spacing)
            if not loop:
                break
            loops.append(loop)
        # A strip narrower than one line cannot hold an infill line; it stays out of the infill area, so the
        # layers below do not count it as covering them either; gap fill prints it.
        inside = offset(island, -inset)
        infill_area = opening(inside, line_width / 2.0)
        # When every loop and the infill area came out whole (no narrow part dropped), loops and infill tile
        # the island and there is no gap to look for. The infill is checked first: it is free to check.
        whole = len(loops) == perimeters and _same_area(infill_area, inside)
        for k in range(len(loops)):
            whole = whole and _same_area(loops[k], offset(island, -depths[k]))
        gap = [] if whole else _gap(island, loops, widths, infill_area, line_width, infill_overlap)
        shells.append(IslandShells(loops=tuple(loops), infill_area=infill_area, gap=gap, outline=island))
    return shells


def loop_depth(k: int, external_width: float, width: float) -> float:
    """How far (mm) inside the outline the centre-line of the k-th loop runs: half the external loop's
    width for it, then a whole width more for each inner loop."""
    # Written so that equal widths give exactly (k + 1/2) x width, the loops of one width to the last bit.
    return 0.5 * external_width if k == 0 else (k + 0.5) * width + (external_width - width)


def _gap(
    island: Paths, loops: list[Paths], widths: list[float], infill_area: Paths, line_width: float,
    infill_overlap: float,
) -> Paths:
    """The part of the island neither a loop (widths: each loop's width in mm) nor infill covers, without
    slivers too thin to print."""
    # What the loops cover, as rings whose winding numbers add up: each loop's outer edge counts +1 and its
    # inner edge (reversed) -1; Clipper's non-zero rule sums them, with the infill's reach, on the way.
    covered: Paths = []
    for loop, width in zip(loops, widths, strict=False):
        covered += offset(loop, width / 2.0)
        covered += [ring[::-1] for ring in offset(loop, -width / 2.0)]
    covered += offset(infill_area, infill_overlap * line_width + line_width / 2.0)
    return opening(difference(island, covered), MIN_GAP_WIDTH * line_width / 2.0)


def _same_area(paths: Paths, reference: Paths) -> bool:
    """Whether two polygon sets enclose the same area, to a square of 0.01 mm (holes count negative)."""
    return abs(_area_units(paths) - _area_units(reference)) < (0.01 * UNITS_PER_MM) ** 2


def _area_units(paths: Paths) -> float:
    """The signed area of all rings together (shoelace), in square fixed-point units."""
    if not paths:
        return 0.0
    points = np.concatenate(paths).astype(np.float64)
    lengths = np.array([len(ring) for ring in paths])
    following = np.arange(1, len(points) + 1)
    following[np.cumsum(lengths) - 1] = np.cumsum(lengths) - lengths  # each ring's last point closes it
    x, y = points[:, 0], points[:, 1]
    return float(np.dot(x, y[following]) - np.dot(x[following], y)) / 2.0
