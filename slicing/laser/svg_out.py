"""Laser layers as an SVG that LightBurn, Inkscape and laser-shop software read: one group per layer in
the usual colours (cut red #FF0000, engrave blue #0000FF, fill black areas), sizes in mm, Y pointing down as
SVG has it. Cut lines are written kerf-compensated, exactly as the G-code runs them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from slicing.cnc.flat import FlatPart
from slicing.fdm import polygons
from slicing.laser.plan import LaserLayer, fill_areas

LAYER_COLOURS = {"cut": "#FF0000", "engrave": "#0000FF", "fill": "#000000"}
HAIRLINE_MM = 0.1


def laser_svg(layers: Sequence[LaserLayer], part: FlatPart, margin_mm: float = 5.0) -> str:
    """The SVG text. Fill layers are written as the areas to fill, not as raster lines."""
    xmin, ymin, xmax, ymax = part.bounds_mm()
    width = xmax - xmin + 2 * margin_mm
    height = ymax - ymin + 2 * margin_mm

    def svg_points(points: np.ndarray) -> str:
        x = points[:, 0] - xmin + margin_mm
        y = height - (points[:, 1] - ymin + margin_mm)
        return " ".join(f"{a:.3f},{b:.3f}" for a, b in zip(x, y, strict=True))

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.3f}mm" height="{height:.3f}mm" '
        f'viewBox="0 0 {width:.3f} {height:.3f}">',
        f"<title>{part.name}</title>",
    ]
    for layer in layers:
        colour = LAYER_COLOURS[layer.operation]
        lines.append(f'<g id="{layer.operation}">')
        if layer.operation == "fill":
            rings = polygons.to_mm(fill_areas(part))
            d = " ".join(f"M {svg_points(ring)} Z" for ring in rings)
            lines.append(f'<path d="{d}" fill="{colour}" fill-rule="evenodd" stroke="none"/>')
        else:
            style = f'fill="none" stroke="{colour}" stroke-width="{HAIRLINE_MM}"'
            lines += [f'<polyline points="{svg_points(path)}" {style}/>' for path in layer.paths]
        lines.append("</g>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n"
