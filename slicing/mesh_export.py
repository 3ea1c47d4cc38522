"""Meshes out: binary STL and 3MF, byte-identical for the same mesh and metadata.

3MF is written here rather than with trimesh's or lib3mf's writers because both stamp a random UUID on
every object, which would make two builds of the same part differ, and neither writes the core-spec
metadata that carries a part's template and parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import trimesh

from slicing.packaging import deterministic_zip

_CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
    "</Types>\n"
)
_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
    'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>'
    "</Relationships>\n"
)


def export_stl(mesh: trimesh.Trimesh) -> bytes:
    """Binary STL with a zeroed header (so equal meshes give equal bytes)."""
    return mesh.export(file_type="stl")


def export_3mf(mesh: trimesh.Trimesh, metadata: Mapping[str, str] | None = None, name: str = "part") -> bytes:
    """A 3MF package (millimetres) holding `mesh` as one object, with `metadata` as core-spec metadata.

    Keys are written in sorted order; 3MF's own names (Title, Designer, LicenseTerms, Description) are
    shown by other programs, any other key is namespaced by its prefix (for example `localfab:parameters`).
    """
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    vertex_xml = "".join(f'<vertex x="{x:.6f}" y="{y:.6f}" z="{z:.6f}"/>' for x, y, z in vertices.tolist())
    triangle_xml = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in faces.tolist())
    metadata_xml = "".join(
        f"<metadata name={quoteattr(key)}>{escape(str(value))}</metadata>"
        for key, value in sorted((metadata or {}).items())
    )
    namespaces = ' xmlns:localfab="https://localfab.org/3mf/2026"' if metadata_xml else ""
    model = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<model unit="millimeter" xml:lang="en-US" xmlns="{_CORE_NS}"{namespaces}>'
        f"{metadata_xml}<resources><object id=\"1\" type=\"model\" name={quoteattr(name)}><mesh>"
        f"<vertices>{vertex_xml}</vertices><triangles>{triangle_xml}</triangles>"
        "</mesh></object></resources><build><item objectid=\"1\"/></build></model>\n"
    )
    entries = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELATIONSHIPS, "3D/3dmodel.model": model}
    return deterministic_zip({name: text.encode("utf-8") for name, text in entries.items()}, sort=False)
