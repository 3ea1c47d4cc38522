"""Top and bottom surfaces: which parts of a layer's infill area must be solid.

An area is solid when some layer within top_solid_layers above it, or within bottom_solid_layers below it,
has no infill area there; layers beyond the part count as empty. Of the solid area, what the very next
layer leaves uncovered is the top skin itself ("Top solid infill").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slicing.fdm.polygons import Paths, difference, intersection, opening


@dataclass(frozen=True)
class IslandSurfaces:
    """The infill area of one island split three ways; together they cover it without overlap."""

    top: Paths
    solid: Paths
    sparse: Paths


def classify_layer(
    index: int,
    layer_areas: Sequence[Paths],
    island_areas: Sequence[Paths],
    *,
    top_solid_layers: int,
    bottom_solid_layers: int,
    line_width: float,
) -> list[IslandSurfaces]:
    """Split the infill area of each island of layer `index`.

    layer_areas: the whole infill area of every layer, bottom first; island_areas: the infill areas of
    this layer's islands. Solid strips narrower than half a line width cannot be filled with solid lines
    and stay sparse.
    """
    covered = _covered_by_neighbours(index, layer_areas, top_solid_layers, bottom_solid_layers)
    above = layer_areas[index + 1] if index + 1 < len(layer_areas) else []
    result = []
    for area in island_areas:
        solid_all = [] if covered is None else difference(area, covered)
        top = opening(difference(solid_all, above), line_width / 4.0) if top_solid_layers else []
        solid = opening(difference(solid_all, top), line_width / 4.0)
        sparse = difference(difference(area, top), solid)
        result.append(IslandSurfaces(top=top, solid=solid, sparse=sparse))
    return result


def _covered_by_neighbours(
    index: int, layer_areas: Sequence[Paths], top_layers: int, bottom_layers: int
) -> Paths | None:
    """Where every neighbour within reach has infill area; None (everywhere) when no layer is looked at."""
    neighbours = [*range(index - bottom_layers, index), *range(index + 1, index + top_layers + 1)]
    if not neighbours:
        return None
    if neighbours[0] < 0 or neighbours[-1] >= len(layer_areas):
        return []
    covered = layer_areas[neighbours[0]]
    for j in neighbours[1:]:
        covered = intersection(covered, layer_areas[j])
    return covered
