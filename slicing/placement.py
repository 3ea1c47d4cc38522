"""Parts on the bed: scale, rotate, lay a face down, arrange several parts without overlap, spot unit mistakes.

Everything is in millimetres, with the bed's front-left corner at the origin, X to the right, Y to the back
and Z up. Every function takes a TriangleMesh or a trimesh.Trimesh and gives back the same kind; it returns
new meshes and leaves its inputs as they were; the same inputs give the same placement, so a placed part
slices to the same G-code every time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from slicing.errors import SlicingError
from slicing.mesh import AnyMesh, place_on_bed
from slicing.triangles import TriangleMesh, concatenated

# A part whose largest extent is outside these limits was most likely drawn in other units.
SMALLEST_LIKELY_PART_MM = 1.0
LARGEST_LIKELY_PART_MM = 1000.0
# The size a part drawn in the wrong units most likely has: the suggested scale is the one that brings the
# part nearest to it (on a log scale), among the usual unit mistakes.
TYPICAL_PART_MM = 40.0
# (factor, what the drawing was most likely in) for parts too small, and for parts too large.
SMALL_PART_UNITS = ((25.4, "inches"), (1000.0, "metres"))
LARGE_PART_UNITS = ((0.1, "tenths of a millimetre"), (0.001, "micrometres"))
MAX_COPIES = 1000


class PlacementError(SlicingError):
    """A scale, rotation or arrangement that cannot be made (bad factor, parts that do not fit the bed)."""


@dataclass(frozen=True)
class UnitHint:
    """A part of an unlikely size and the scale that would most likely fix it."""

    largest_mm: float
    scale: float
    units: str

    def message(self, name: str = "the part") -> str:
        """One line for a person, e.g. "the part is 0.79 mm across: was it drawn in inches? use --scale 25.4"."""
        size = f"{self.largest_mm:.3g} mm" if self.largest_mm < 1000 else f"{self.largest_mm / 1000:.3g} m"
        return f"{name} is {size} across: was it drawn in {self.units}? use --scale {self.scale:g}"


def unit_hint(mesh: AnyMesh) -> UnitHint | None:
    """A UnitHint when the mesh's largest extent is under 1 mm or over 1 m, else None."""
    largest = float(np.max(mesh.extents)) if len(mesh.vertices) else 0.0
    if largest <= 0.0 or SMALLEST_LIKELY_PART_MM <= largest <= LARGEST_LIKELY_PART_MM:
        return None
    candidates = SMALL_PART_UNITS if largest < SMALLEST_LIKELY_PART_MM else LARGE_PART_UNITS
    scale, units = min(candidates, key=lambda c: abs(math.log(largest * c[0] / TYPICAL_PART_MM)))
    return UnitHint(largest_mm=largest, scale=scale, units=units)


def parse_scale(text: str) -> tuple[float, float, float]:
    """A --scale value: one factor for every axis ("25.4") or one per axis ("1,1,2" or "1x1x2")."""
    parts = text.replace("x", ",").replace("X", ",").split(",")
    try:
        factors = [float(p) for p in parts]
    except ValueError:
        raise PlacementError(f"--scale {text!r} is not a number nor three numbers X,Y,Z (e.g. 25.4 or 1,1,2)") from None
    if len(factors) == 1:
        factors *= 3
    if len(factors) != 3:
        raise PlacementError(f"--scale {text!r} has {len(factors)} numbers: give one, or three (X,Y,Z)")
    return _checked_factors(factors)


def _checked_factors(factors: Sequence[float]) -> tuple[float, float, float]:
    for factor in factors:
        if not math.isfinite(factor) or factor <= 0.0:
            raise PlacementError(f"scale factor {factor:g} must be a positive number (1 keeps the size)")
    x, y, z = (float(f) for f in factors)
    return x, y, z


def scaled(mesh: AnyMesh, factor: float | Sequence[float]) -> AnyMesh:
    """A copy of `mesh` scaled about the origin by one factor, or by (x, y, z) factors."""
    factors = _checked_factors([factor] * 3 if np.isscalar(factor) else list(factor))
    result = mesh.copy()
    if factors != (1.0, 1.0, 1.0):
        result.apply_transform(np.diag([*factors, 1.0]))
    return result


def rotated_z(mesh: AnyMesh, degrees: float) -> AnyMesh:
    """A copy of `mesh` turned by `degrees` (counter-clockwise seen from above) about a vertical axis through
    the centre of its bounding box."""
    if not math.isfinite(degrees):
        raise PlacementError(f"--rotate {degrees} is not a number of degrees")
    result = mesh.copy()
    if degrees % 360.0 != 0.0:
        centre = (mesh.bounds[0] + mesh.bounds[1]) / 2.0
        result.apply_transform(_turn_about_vertical(math.radians(degrees), centre))
    return result


def _turn_about_vertical(radians: float, centre: np.ndarray) -> np.ndarray:
    """The 4x4 matrix turning points by `radians` (counter-clockwise from above) about the vertical through
    `centre`."""
    cos, sin = math.cos(radians), math.sin(radians)
    turn = np.array([[cos, -sin, 0.0, 0.0], [sin, cos, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    turn[:2, 3] = centre[:2] - turn[:2, :2] @ centre[:2]
    return turn


def face_down(mesh: AnyMesh, face: int) -> AnyMesh:
    """A copy of `mesh` rotated so that facet `face` (an index into mesh.faces) faces the bed (normal -Z)."""
    if not 0 <= face < len(mesh.faces):
        raise PlacementError(f"the part has facets 0 to {len(mesh.faces) - 1}: there is no facet {face}")
    normal = np.asarray(mesh.face_normals[face], dtype=np.float64)
    if not np.isfinite(normal).all() or np.linalg.norm(normal) < 0.5:
        raise PlacementError(f"facet {face} has no area, so it has no side to lay down: choose another facet")
    import trimesh  # laying a part down is rare; plain slicing does not pay for the import

    result = mesh.copy()
    result.apply_transform(trimesh.geometry.align_vectors(normal, [0.0, 0.0, -1.0]))
    return result


def largest_flat_face(mesh: AnyMesh) -> int:
    """The index of a facet on the largest flat side of the part's convex hull: the side it stands best on.

    Coplanar hull facets are summed into one side; ties go to the lowest facet index, so the answer is fixed.
    """
    hull = (mesh.to_trimesh() if isinstance(mesh, TriangleMesh) else mesh).convex_hull
    normals = np.round(hull.face_normals, 4)
    offsets = np.round(np.einsum("ij,ij->i", hull.face_normals, hull.triangles[:, 0]), 3)
    keys = np.column_stack([normals, offsets])
    _, side, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    areas = np.bincount(inverse.ravel(), weights=hull.area_faces)
    best_normal = hull.face_normals[side[int(np.argmax(areas))]]
    # The mesh facet whose normal is nearest the best side's, and that lies on the hull's side.
    return int(np.argmax(mesh.face_normals @ best_normal - 1e-6 * np.arange(len(mesh.faces))))


def footprint(mesh: AnyMesh) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) XY corners of the part's footprint on the bed: the box around its convex hull's shadow."""
    low, high = mesh.bounds
    return low[:2].copy(), high[:2].copy()


def arrange(meshes: Sequence[AnyMesh], bed_size_x: float, bed_size_y: float, spacing: float = 5.0,
            margin: float = 0.0) -> list[AnyMesh]:
    """Copies of `meshes` standing on the bed (lowest point z = 0), side by side without overlap.

    Parts are packed in rows (shelves) from the front-left, tallest footprint (in Y) first, `spacing` mm
    apart, and the whole group is centred on the bed; `margin` mm are kept free along every edge of the bed
    (for a skirt or brim). A single part is centred as `slicing.mesh.place_on_bed` centres it. Raises
    PlacementError saying how many parts fit when they do not all fit.
    """
    if not meshes:
        raise PlacementError("there is no part to place")
    if spacing < 0 or margin < 0:
        raise PlacementError("the spacing between parts and the margin at the bed edge cannot be negative")
    if len(meshes) == 1:
        return [place_on_bed(meshes[0], bed_size_x, bed_size_y)]
    sizes = np.array([np.subtract(*footprint(m)[::-1]) for m in meshes])
    usable = np.array([bed_size_x - 2 * margin, bed_size_y - 2 * margin])
    order = sorted(range(len(meshes)), key=lambda i: (-round(sizes[i][1], 6), -round(sizes[i][0], 6), i))
    corners, fitted = _shelf_pack(sizes, order, usable, spacing)
    if len(fitted) < len(meshes):
        raise PlacementError(
            f"only {len(fitted)} of the {len(meshes)} parts fit on the {bed_size_x:g} x {bed_size_y:g} mm bed "
            f"with {spacing:g} mm between them{f' and {margin:g} mm at the edges' if margin else ''}: "
            f"print fewer copies, scale down, or reduce --spacing")
    used_high = np.max([corners[i] + sizes[i] for i in fitted], axis=0)
    shift = (np.array([bed_size_x, bed_size_y]) - used_high) / 2.0
    placed = []
    for i, mesh in enumerate(meshes):
        low = mesh.bounds[0]
        target = corners[i] + shift
        result = mesh.copy()
        result.apply_translation([target[0] - low[0], target[1] - low[1], -low[2]])
        placed.append(result)
    return placed


def _shelf_pack(sizes: np.ndarray, order: Sequence[int], usable: np.ndarray,
                spacing: float) -> tuple[dict[int, np.ndarray], list[int]]:
    """Place rectangles of `sizes` (n, 2) in `order` on shelves inside `usable`; a rectangle that does not fit
    is skipped (so the count of those that fit is known). Returns the lower-left corners and the placed."""
    corners: dict[int, np.ndarray] = {}
    fitted: list[int] = []
    eps = 1e-9
    x = y = shelf_depth = 0.0
    for i in order:
        width, depth = sizes[i]
        if width > usable[0] + eps or depth > usable[1] + eps:
            continue
        if x > 0 and x + width > usable[0] + eps:  # the row is full: start a new one behind it
            y += shelf_depth + spacing
            x = shelf_depth = 0.0
        if y + depth > usable[1] + eps:
            continue
        corners[i] = np.array([x, y])
        fitted.append(i)
        x += width + spacing
        shelf_depth = max(shelf_depth, depth)
    return corners, fitted


def copies(meshes: Sequence[AnyMesh], count: int) -> list[AnyMesh]:
    """`count` copies of every mesh, in order (a, a, b, b for two copies of a and b)."""
    if not 1 <= count <= MAX_COPIES:
        raise PlacementError(f"--copies {count}: ask for 1 to {MAX_COPIES} copies")
    return [mesh.copy() for mesh in meshes for _ in range(count)]


def combined(meshes: Sequence[AnyMesh]) -> AnyMesh:
    """One mesh holding every placed part (bodies stay separate; the slicer unites them layer by layer)."""
    if len(meshes) == 1:
        return meshes[0]
    if all(isinstance(mesh, TriangleMesh) for mesh in meshes):
        return concatenated(list(meshes))
    import trimesh  # trimesh meshes come from callers that have imported it already

    return trimesh.util.concatenate(list(meshes))
