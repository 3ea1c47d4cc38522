"""Extrusion widths: how wide each kind of line is laid, from the per-feature width settings, where 0 means
line_width and the first layer may have a width of its own for everything it prints."""

from __future__ import annotations

from dataclasses import dataclass

from slicing.fdm.features import (
    BRIDGE_INFILL,
    EXTERNAL_PERIMETER,
    INTERNAL_INFILL,
    OVERHANG_PERIMETER,
    PERIMETER,
    SKIRT,
    SOLID_INFILL,
    SUPPORT_MATERIAL,
    SUPPORT_MATERIAL_INTERFACE,
    TOP_SOLID_INFILL,
)
from slicing.fdm.settings import FdmSettings


@dataclass(frozen=True)
class LayerWidths:
    """The width in mm of each kind of line on one layer. Bridges are laid at the solid infill width."""

    external_perimeter: float
    perimeter: float
    infill: float
    solid_infill: float
    top_infill: float
    support: float
    skirt: float


def layer_widths(settings: FdmSettings, *, first_layer: bool) -> LayerWidths:
    """The widths of a layer: first_layer_extrusion_width for everything on the first layer when it is set,
    else each feature's own width setting, line_width where that is 0."""
    line_width = float(settings.line_width)

    def own(value: float) -> float:
        return float(value) if value > 0.0 else line_width

    if first_layer and settings.first_layer_extrusion_width > 0.0:
        width = float(settings.first_layer_extrusion_width)
        return LayerWidths(width, width, width, width, width, width, width)
    return LayerWidths(
        external_perimeter=own(settings.external_perimeter_extrusion_width),
        perimeter=own(settings.perimeter_extrusion_width),
        infill=own(settings.infill_extrusion_width),
        solid_infill=own(settings.solid_infill_extrusion_width),
        top_infill=own(settings.top_infill_extrusion_width),
        support=own(settings.support_material_extrusion_width),
        skirt=line_width,
    )


def feature_widths(settings: FdmSettings, *, first_layer: bool) -> dict[str, float | None]:
    """The width (mm) the planner gives every feature's paths; None where it is line_width, which the
    G-code writer takes as the default (gap fill is absent: each of its lines has a width of its own)."""
    widths = layer_widths(settings, first_layer=first_layer)
    by_feature = {
        EXTERNAL_PERIMETER: widths.external_perimeter,
        OVERHANG_PERIMETER: widths.external_perimeter,
        PERIMETER: widths.perimeter,
        SOLID_INFILL: widths.solid_infill,
        TOP_SOLID_INFILL: widths.top_infill,
        BRIDGE_INFILL: widths.solid_infill,
        INTERNAL_INFILL: widths.infill,
        SKIRT: widths.skirt,
        SUPPORT_MATERIAL: widths.support,
        SUPPORT_MATERIAL_INTERFACE: widths.support,
    }
    return {feature: None if width == settings.line_width else width for feature, width in by_feature.items()}
