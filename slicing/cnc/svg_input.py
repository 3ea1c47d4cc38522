"""Flat parts from SVG drawings (svgelements), by colour.

The laser convention: filled shapes are areas to fill (raster engrave); strokes in blue (#0000FF) are
engraved along; every other stroke is cut through. The SVG's width and height must carry a physical unit
(mm, cm, in, or px at 96 per inch as Inkscape and boxes.py write them); Y is flipped so that Y points up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import svgelements

from slicing.cnc.flat import FlatPart, join_segments, region_from_contours, require_closed
from slicing.errors import SlicingError

MM_PER_PX = 25.4 / 96.0  # CSS pixels, which svgelements resolves every length to
FLATTEN_TOLERANCE_MM = 0.005
ENGRAVE_STROKE = "#0000ff"


def read_svg(path: Path, *, name: str | None = None) -> FlatPart:
    """A flat part from an SVG file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SlicingError(f"cannot read the SVG file {path}: {exc}") from exc
    if 'width="' in text and not any(unit in text.split('width="', 1)[1][:20] for unit in ("mm", "cm", "in", "px")):
        raise SlicingError(f"{path} gives its width without a unit: save it with the size in mm")
    try:
        document = svgelements.SVG.parse(str(path), ppi=96.0)
    except Exception as exc:  # svgelements raises plain exceptions of many kinds on damaged files
        raise SlicingError(f"cannot read the SVG file {path}: {exc}") from exc
    height_mm = float(document.height) * MM_PER_PX
    cut: list[np.ndarray] = []
    engrave: list[np.ndarray] = []
    fill: list[np.ndarray] = []
    for element in document.elements():
        if not isinstance(element, svgelements.Shape) or isinstance(element, svgelements.Text):
            continue
        subpaths = _subpaths_mm(element, height_mm)
        if element.fill is not None and element.fill.value is not None and element.fill.alpha > 0:
            fill.extend(subpaths)
        elif element.stroke is not None and element.stroke.value is not None:
            (engrave if element.stroke.hex[:7].lower() == ENGRAVE_STROKE else cut).extend(subpaths)
    closed, open_chains = join_segments(cut)
    require_closed(open_chains, str(path))
    filled, open_fills = join_segments(fill)
    require_closed(open_fills, f"{path} filled areas")
    return FlatPart(
        name=name or path.stem,
        outline=region_from_contours(closed),
        engravings=tuple(engrave),
        fills=region_from_contours(filled),
    )


def _subpaths_mm(shape: svgelements.Shape, height_mm: float) -> list[np.ndarray]:
    """Each subpath of a shape as an (n, 2) polyline in mm with Y up; curves flattened to chords."""
    path = svgelements.Path(shape)
    path.reify()
    polylines = []
    for subpath in path.as_subpaths():
        points: list[np.ndarray] = []
        for segment in subpath:
            if isinstance(segment, svgelements.Move):
                points.append(np.array([[segment.end.x, segment.end.y]]))
                continue
            if segment.start is None or segment.end is None:
                continue
            length_mm = segment.length() * MM_PER_PX
            # A chord of length c on a curve of radius R strays c²/8R; 1 mm chords suit curves of R ≥ 25 mm,
            # and short segments get at least 8 chords.
            count = 1 if isinstance(segment, svgelements.Line | svgelements.Close) else max(8, int(length_mm))
            points.append(np.asarray(segment.npoint(np.linspace(0.0, 1.0, count + 1)[1:]), dtype=np.float64))
        xy = np.vstack(points) * MM_PER_PX if points else np.zeros((0, 2))
        if len(xy) >= 2:
            xy[:, 1] = height_mm - xy[:, 1]
            polylines.append(xy)
    return polylines
