"""The build worker: runs one template's design code in its own process and writes the mesh to a file.

Started by parametric_designs.build as `python -m parametric_designs.worker REQUEST.json`. The request names
the design source, the validated parameter values and where to write `mesh.npz` and `result.json`. Whatever
the design code does, the calling process only ever reads those two files.
"""

from __future__ import annotations

import json
import runpy
import sys
import traceback
from pathlib import Path

import numpy as np

# Meshing tolerances of the B-rep: 0.02 mm chordal deviation is below what a 0.4 mm nozzle resolves;
# 0.15 rad keeps small holes round.
LINEAR_TOLERANCE_MM = 0.02
ANGULAR_TOLERANCE_RAD = 0.15


def solids_of(result):
    """Every solid in what a design returned (a Workplane, a Shape, or a list of them)."""
    import cadquery as cq

    items = result if isinstance(result, list | tuple) else [result]
    solids = []
    for item in items:
        if isinstance(item, cq.Workplane):
            shapes = [v for v in item.vals() if isinstance(v, cq.Shape)]
        elif isinstance(item, cq.Shape):
            shapes = [item]
        else:
            raise TypeError(f"build() returned a {type(item).__name__}; return a CadQuery Workplane or Shape")
        for shape in shapes:
            solids.extend(shape.Solids())
    return solids


def build_mesh(source: Path, parameters: dict) -> tuple[np.ndarray, np.ndarray]:
    import cadquery as cq

    namespace = runpy.run_path(str(source), run_name="localfab_design")
    build = namespace.get("build")
    if not callable(build):
        raise TypeError(f"{source.name} defines no build(**parameters) function")
    solids = solids_of(build(**parameters))
    if not solids:
        raise ValueError("the design produced no solid")
    for index, solid in enumerate(solids):
        if not solid.isValid():
            raise ValueError(f"solid {index + 1} of {len(solids)} is not a valid solid (OCCT check failed)")
    compound = cq.Compound.makeCompound(solids)
    vertices, triangles = compound.tessellate(LINEAR_TOLERANCE_MM, ANGULAR_TOLERANCE_RAD)
    return (np.array([v.toTuple() for v in vertices], dtype=np.float64),
            np.array(triangles, dtype=np.int64).reshape(-1, 3))


def main(request_path: str) -> int:
    request = json.loads(Path(request_path).read_text())
    result_path = Path(request["result"])
    try:
        vertices, faces = build_mesh(Path(request["source"]), request["parameters"])
        np.savez(request["mesh"], vertices=vertices, faces=faces)
        result = {"ok": True, "triangles": len(faces)}
    except Exception as exc:  # the design is untrusted code: report whatever it raised, as text
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == request["source"]]
        where = f" (design.py line {frames[-1].lineno})" if frames else ""
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}{where}"}
    result_path.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
