"""A small shaded picture of a mesh as PNG bytes, drawn without a display or OpenGL.

Used for recipe thumbnails and template thumbnails, where no window exists. Facets are projected in the
usual isometric view, drawn back to front (painter's algorithm) with Lambert shading; the output is the
same bytes for the same mesh.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

if TYPE_CHECKING:
    import trimesh

    from slicing.triangles import TriangleMesh

# Isometric view: looking down at 35.26 degrees from the front-right corner.
_VIEW_DIRECTION = np.array([1.0, -1.0, 1.0]) / np.sqrt(3.0)
_LIGHT_DIRECTION = np.array([0.4, -0.7, 0.9]) / np.linalg.norm([0.4, -0.7, 0.9])
_BASE_COLOUR = np.array([235.0, 120.0, 40.0])  # localfab orange
_BACKGROUND = (255, 255, 255, 0)
_MARGIN = 0.06
# Beyond this many facets the picture no longer gains detail at thumbnail size; drawing fewer keeps
# a 225k-facet part under a second.
_MAX_FACETS = 60_000


def render_thumbnail(mesh: TriangleMesh | trimesh.Trimesh, size: int = 256) -> bytes:
    """PNG bytes of `mesh` seen from above front-right, `size` pixels square, transparent background."""
    triangles = np.asarray(mesh.triangles, dtype=np.float64)
    normals = np.asarray(mesh.face_normals, dtype=np.float64)
    if len(triangles) > _MAX_FACETS:
        keep = np.argsort(-mesh.area_faces, kind="stable")[:_MAX_FACETS]
        triangles, normals = triangles[np.sort(keep)], normals[np.sort(keep)]
    facing = normals @ _VIEW_DIRECTION > 0
    triangles, normals = triangles[facing], normals[facing]

    right = np.cross([0.0, 0.0, 1.0], _VIEW_DIRECTION)
    right /= np.linalg.norm(right)
    up = np.cross(_VIEW_DIRECTION, right)
    screen = np.stack([triangles @ right, -(triangles @ up)], axis=-1)
    depth = (triangles @ _VIEW_DIRECTION).mean(axis=1)

    image = Image.new("RGBA", (size, size), _BACKGROUND)
    if len(triangles):
        low = screen.reshape(-1, 2).min(axis=0)
        high = screen.reshape(-1, 2).max(axis=0)
        scale = size * (1 - 2 * _MARGIN) / max(float((high - low).max()), 1e-9)
        offset = (size - (high - low) * scale) / 2
        pixels = (screen - low) * scale + offset
        shade = 0.35 + 0.65 * np.clip(normals @ _LIGHT_DIRECTION, 0.0, 1.0)
        colours = np.clip(_BASE_COLOUR * shade[:, None], 0, 255).astype(int)
        draw = ImageDraw.Draw(image)
        for index in np.argsort(depth, kind="stable"):
            points = [tuple(p) for p in pixels[index].round(2).tolist()]
            colour = tuple(colours[index].tolist())
            draw.polygon(points, fill=(*colour, 255), outline=(*colour, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
