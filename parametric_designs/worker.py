"""The build worker: a fork server with CadQuery loaded, and the confined child that runs one design.

`python -m parametric_designs.worker` imports CadQuery once (2-4 s) and then reads one JSON request per
line on stdin. For each it forks a child, answers `{"pid": N}` on stdout, and goes back to waiting. The
child confines itself (parametric_designs.sandbox), runs the design's `build(**parameters)`, and writes
`mesh.stl` and `result.json` into the request's scratch folder, then exits. Every build starts from the
server's pristine state, so nothing one design does can reach the next build, and whatever it does, the
calling process only ever reads those two files.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import traceback
from pathlib import Path

import cadquery as cq  # loaded here once, in the server, so every forked build starts warm
from OCP.BRepMesh import BRepMesh_IncrementalMesh
from OCP.StlAPI import StlAPI_Writer

from parametric_designs.sandbox import Limits, confine

# Meshing tolerances of the B-rep: 0.02 mm chordal deviation is below what a 0.4 mm nozzle resolves and
# what a router follows; 0.15 rad keeps small holes round. The deviation is absolute: OCCT's relative mode
# scales it by each edge's size, which left a 300 mm circle 0.10 mm off and a 100 mm one 0.035 mm.
LINEAR_TOLERANCE_MM = 0.02
ANGULAR_TOLERANCE_RAD = 0.15


def solids_of(result: object) -> list[cq.Solid]:
    """Every solid in what a design returned (a Workplane, a Shape, or a list of them)."""
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


def run_design(source: Path, parameters: dict) -> object:
    """Run a template's design.py: its build(**parameters) returns the shapes."""
    namespace = runpy.run_path(str(source), run_name="localfab_design")
    build = namespace.get("build")
    if not callable(build):
        raise TypeError(f"{source.name} defines no build(**parameters) function")
    return build(**parameters)


def run_cqgi_script(source: Path, parameters: dict) -> object:
    """Run a plain CadQuery script through CQGI with the parameters replacing its constants."""
    from cadquery import cqgi

    outcome = cqgi.parse(source.read_text(encoding="utf-8")).build(build_parameters=parameters)
    if not outcome.success:
        raise outcome.exception
    return [result.shape for result in outcome.results]


RUNNERS = {"cadquery": run_design, "cqgi": run_cqgi_script}


def build_solids(source: Path, parameters: dict, kind: str = "cadquery") -> cq.Compound:
    """Run the design and check every solid it returns; the solids as one compound."""
    sys.path.insert(0, str(source.parent))  # a design may import helper modules from its own folder
    solids = solids_of(RUNNERS[kind](source, parameters))
    if not solids:
        raise ValueError("the design produced no solid")
    for index, solid in enumerate(solids):
        if not solid.isValid():
            raise ValueError(f"solid {index + 1} of {len(solids)} is not a valid solid (OCCT check failed)")
    return cq.Compound.makeCompound(solids)


def write_mesh(compound: cq.Compound, path: Path) -> None:
    """Mesh the compound and write it as binary STL (mm). OCCT's own writer does in a millisecond what reading
    the triangulation node by node through Python takes 100-200 ms for on a text-heavy part."""
    BRepMesh_IncrementalMesh(compound.wrapped, LINEAR_TOLERANCE_MM, False, ANGULAR_TOLERANCE_RAD, False)
    writer = StlAPI_Writer()
    writer.ASCIIMode = False
    if not writer.Write(compound.wrapped, str(path)):
        raise ValueError("OCCT could not write the meshed part")


def write_exports(compound: cq.Compound, scratch: Path, formats: list[str]) -> None:
    """Write `part.<format>` for each requested format: STEP from the B-rep; DXF and SVG outlines of a
    flat part, cut through half its height (what a router profile or a laser cut follows)."""
    if "step" in formats:
        cq.exporters.export(compound, str(scratch / "part.step"), "STEP")
    if "dxf" in formats or "svg" in formats:
        box = compound.BoundingBox()
        outline = cq.Workplane("XY", origin=(0, 0, (box.zmin + box.zmax) / 2)).add(compound).section()
        cq.exporters.export(outline, str(scratch / "part.dxf"), "DXF")
        if "svg" in formats:
            (scratch / "part.svg").write_text(_dxf_to_svg(scratch / "part.dxf"))


def _dxf_to_svg(path: Path) -> str:
    import ezdxf
    from ezdxf.addons.drawing import Frontend, RenderContext, config, layout, svg

    document = ezdxf.readfile(path)
    backend = svg.SVGBackend()
    # Black hairlines on no background: what laser software reads as cut lines.
    settings = config.Configuration(background_policy=config.BackgroundPolicy.OFF,
                                    color_policy=config.ColorPolicy.BLACK)
    Frontend(RenderContext(document), backend, config=settings).draw_layout(document.modelspace())
    page = layout.Page(0, 0, layout.Units.mm, margins=layout.Margins.all(0))
    return backend.get_string(page, settings=layout.Settings(scale=1, fit_page=False))


def describe_failure(exc: BaseException, source: str) -> str:
    """One line for a person: what the design raised, where, and whether the sandbox stopped it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    where = f" (design.py line {frames[-1].lineno})" if frames else ""
    if isinstance(exc, MemoryError):
        return f"the design used more memory than a build may{where}"
    if isinstance(exc, PermissionError):
        return f"the sandbox blocked the design: {exc}{where}"
    return f"{type(exc).__name__}: {exc}{where}"


def run_build(request: dict) -> None:
    """In the forked child: confine, build, and leave mesh.stl and result.json in scratch."""
    scratch = Path(request["scratch"])
    result = scratch / "result.json"
    try:
        limits = Limits(cpu_seconds=int(request["cpu_seconds"]), memory_bytes=int(request["memory_bytes"]))
        confine(scratch, (Path(request["source"]).parent,), limits)
        compound = build_solids(Path(request["source"]), request["parameters"], request["kind"])
        write_mesh(compound, scratch / "mesh.stl")
        write_exports(compound, scratch, request.get("exports", []))
        outcome = {"ok": True}
    except BaseException as exc:  # the design is untrusted code: whatever it raised becomes a message
        outcome = {"ok": False, "error": describe_failure(exc, request["source"])}
    partial = scratch / "result.partial"
    partial.write_text(json.dumps(outcome))
    os.replace(partial, result)  # the caller polls for result.json: it must never see half of it


def _detach_from_server(scratch: Path) -> None:
    """Give the child its own stdin/stdout/stderr, so the design cannot read or forge server messages."""
    log = os.open(scratch / "build.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.chdir(scratch)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)


def serve() -> int:
    # Children are reaped by the kernel: the caller watches their results, not their exit codes.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # Fonts are found and loaded on first use of text(); doing it here, once, saves every build that writes
    # text the time (about 75 ms), since each build is a fork of this process.
    cq.Workplane("XY").text("0", 5.0, 1.0)
    sys.stdout.write(json.dumps({"ready": True}) + "\n")  # CadQuery is loaded: builds start warm from now on
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _detach_from_server(Path(request["scratch"]))
                run_build(request)
                code = 0
            finally:
                os._exit(code)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
