"""One colour per extrusion feature, shared by the toolpath preview and its legend.

Keys are the feature names of slicing.fdm.features (PrusaSlicer's `;TYPE:` wording), written out here because
importing slicing.fdm loads the whole slicer, which the window must not wait for at start-up; a test keeps
the two lists in step. The colours follow PrusaSlicer's preview, so people who know it read this one at a
glance.
"""

from __future__ import annotations

FEATURE_COLOURS = {
    "External perimeter": "#ff7d38",
    "Overhang perimeter": "#1f3fd6",
    "Perimeter": "#f2c94c",
    "Solid infill": "#c238c2",
    "Top solid infill": "#e0312b",
    "Bridge infill": "#4d80ba",
    "Internal infill": "#a8322b",
    "Gap fill": "#8c8c8c",
    "Skirt/Brim": "#00876e",
    "Support material": "#2fbf3a",
    "Support material interface": "#0f7a1c",
}
FALLBACK_COLOUR = "#606060"
# Moves without extrusion, drawn for the layer on top only (as PrusaSlicer's preview does when asked).
TRAVEL = "Travel"
TRAVEL_COLOUR = "#3d7fd9"


def feature_colour(feature: str) -> str:
    return TRAVEL_COLOUR if feature == TRAVEL else FEATURE_COLOURS.get(feature, FALLBACK_COLOUR)
