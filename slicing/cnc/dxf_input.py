"""Flat parts from DXF drawings (ezdxf), by layer.

Layer names say what a contour is: a layer whose name contains ENGRAVE is engraved along its lines (depth
from a number in the name, e.g. ENGRAVE_0.5); POCKET_<depth> is cleared to that depth in mm; every other
layer is cut through. The drawing's $INSUNITS says its unit; a drawing that does not say is refused unless
the caller names the unit.
"""

from __future__ import annotations

import re
from pathlib import Path

import ezdxf
import numpy as np
from ezdxf import path as dxf_path

from slicing.cnc.flat import FlatPart, join_segments, region_from_contours, require_closed
from slicing.errors import SlicingError

# $INSUNITS codes of the units a flat drawing uses, and their size in mm.
UNIT_MM = {1: 25.4, 2: 304.8, 4: 1.0, 5: 10.0, 6: 1000.0}
UNIT_NAMES = {"inch": 1, "ft": 2, "mm": 4, "cm": 5, "m": 6}
# Curves become chords that stray at most this far from the true curve.
FLATTEN_TOLERANCE_MM = 0.005
_DEPTH = re.compile(r"(\d+(?:[._]\d+)?)")
_DRAWN = ("LINE", "ARC", "CIRCLE", "ELLIPSE", "LWPOLYLINE", "POLYLINE", "SPLINE")


def read_dxf(path: Path, *, units: str | None = None, name: str | None = None) -> FlatPart:
    """A flat part from a DXF file's model space.

    units: "mm", "cm", "m", "inch" or "ft", for a drawing whose $INSUNITS is 0 (unitless); it must agree
    with the drawing's own unit when that is given.
    """
    try:
        document = ezdxf.readfile(str(path))
    except (OSError, ezdxf.DXFError) as exc:
        raise SlicingError(f"cannot read the DXF file {path}: {exc}") from exc
    scale = _unit_scale(document.header.get("$INSUNITS", 0), units, path)
    layers: dict[str, list[np.ndarray]] = {}
    for entity in document.modelspace():
        if entity.dxftype() not in _DRAWN:
            continue
        tolerance = FLATTEN_TOLERANCE_MM / scale
        points = np.array([(v.x, v.y) for v in dxf_path.make_path(entity).flattening(tolerance)], dtype=np.float64)
        if len(points) >= 2:
            layers.setdefault(entity.dxf.layer.upper(), []).append(points * scale)
    return _flat_part(layers, name or path.stem, str(path))


def _unit_scale(code: int, units: str | None, path: Path) -> float:
    if units is not None and units not in UNIT_NAMES:
        raise SlicingError(f"unknown unit {units!r}: use one of {', '.join(UNIT_NAMES)}")
    if code == 0:
        if units is None:
            raise SlicingError(f"{path} does not say its unit ($INSUNITS is 0): give the unit, e.g. --units mm")
        return UNIT_MM[UNIT_NAMES[units]]
    if code not in UNIT_MM:
        raise SlicingError(f"{path} is drawn in DXF unit code {code}, which localfab does not cut: save it in mm")
    if units is not None and UNIT_NAMES[units] != code:
        drawn = next(n for n, c in UNIT_NAMES.items() if c == code)
        raise SlicingError(f"{path} says it is drawn in {drawn}, not {units}: drop the unit option or fix the file")
    return UNIT_MM[code]


def _flat_part(layers: dict[str, list[np.ndarray]], name: str, what: str) -> FlatPart:
    cut: list[np.ndarray] = []
    pockets: dict[float, list[np.ndarray]] = {}
    engravings: list[np.ndarray] = []
    engrave_depth = 0.0
    for layer in sorted(layers):
        polylines = layers[layer]
        if "ENGRAVE" in layer:
            engravings.extend(polylines)
            engrave_depth = max(engrave_depth, _layer_depth(layer, 0.0))
        elif layer.startswith("POCKET"):
            closed, open_chains = join_segments(polylines)
            require_closed(open_chains, f"{what} layer {layer}")
            pockets.setdefault(_layer_depth(layer, None), []).extend(closed)
        else:
            cut.extend(polylines)
    closed, open_chains = join_segments(cut)
    require_closed(open_chains, what)
    return FlatPart(
        name=name,
        outline=region_from_contours(closed),
        pockets=tuple((depth, region_from_contours(rings)) for depth, rings in sorted(pockets.items())),
        engravings=tuple(engravings),
        engrave_depth_mm=engrave_depth,
    )


def _layer_depth(layer: str, default: float | None) -> float:
    found = _DEPTH.search(layer)
    if found is None:
        if default is None:
            raise SlicingError(f"pocket layer {layer!r} needs its depth in mm in its name, e.g. POCKET_3.5")
        return default
    return float(found.group(1).replace("_", "."))
