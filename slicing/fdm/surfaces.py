"""Top and bottom surfaces: which parts of a layer's infill area must be solid.

An area is solid when some layer within top_solid_layers above it, or within bottom_solid_layers below it,
has no infill area there; layers beyond the part count as empty. Of the solid area, what the very next
layer leaves uncovered is the top skin itself ("Top solid infill"), and what the layer below does not hold
up at all is a bridge ("Bridge infill"), printed in one direction across the gap it spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slicing.fdm.polygons import Paths, difference, intersection, offset, opening


@dataclass(frozen=True)
class IslandSurfaces:
    """The infill area of one island split four ways; together they cover it without overlap."""

    top: Paths
    solid: Paths
    sparse: Paths
    bridge: Paths = ()


def classify_layer(
    index: int,
    layer_areas: Sequence[Paths],
    island_areas: Sequence[Paths],
    *,
    top_solid_layers: int,
    bottom_solid_layers: int,
    line_width: float,
    below: Paths | None = None,
) -> list[IslandSurfaces]:
    """Split the infill area of each island of layer `index`.

    layer_areas: the whole infill area of every layer, bottom first; island_areas: the infill areas of
    this layer's islands; below: the section of the layer underneath (None on the first layer, which
    stands on the bed). Solid areas over nothing but air, a line width in from the walls below, are
    bridges. Solid strips narrower than half a line width cannot be filled with solid lines and stay sparse.
    """
    covered = _covered_by_neighbours(index, layer_areas, top_solid_layers, bottom_solid_layers)
    above = layer_areas[index + 1] if index + 1 < len(layer_areas) else []
    held_up = None if below is None else offset(below, line_width / 2.0)
    result = []
    for area in island_areas:
        solid_all = [] if covered is None else difference(area, covered)
        bridge: Paths = []
        if held_up is not None and solid_all:
            bridge = opening(difference(solid_all, held_up), line_width)
            if bridge:
                # Reach onto the solid ground around the gap, so each bridge line is anchored at both ends.
                bridge = intersection(offset(bridge, 1.5 * line_width), solid_all)
                solid_all = difference(solid_all, bridge)
        top = opening(difference(solid_all, above), line_width / 4.0) if top_solid_layers else []
        solid = opening(difference(solid_all, top), line_width / 4.0)
        sparse = difference(difference(difference(area, top), solid), bridge)
        result.append(IslandSurfaces(top=top, solid=solid, sparse=sparse, bridge=bridge))
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
