"""Building a template into a part: validated parameters in, a watertight mesh (mm) out.

The design code runs in a confined child of a warm worker process (parametric_designs.worker, .sandbox) with
time and memory limits, no network, no new processes and no writes outside its scratch folder; this process
only reads the two files the child writes. Results are cached by (template content hash, parameters), in
memory and on disk, so the same request never builds twice.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import trimesh

from parametric_designs.errors import BuildError
from parametric_designs.openscad import openscad_version, render_scad
from parametric_designs.templates import Template
from slicing.mesh import load_mesh

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_BYTES = 2 << 30
# CadQuery takes 2-4 s to load when the server starts (more on a busy machine); a fork takes milliseconds.
_SERVER_ANSWER_TIMEOUT_S = 60.0
# Bumped whenever the worker's meshing changes, so cached meshes from an older mesher are not reused.
MESHER_VERSION = 3
_MEMORY_CACHE_ENTRIES = 32
DISK_CACHE_BYTES = 512 << 20
_memory_cache: OrderedDict[str, trimesh.Trimesh] = OrderedDict()
_POLL_INTERVAL_S = 0.005


@dataclass(frozen=True)
class BuiltPart:
    """A template built with given parameters: the mesh in millimetres and what made it."""

    mesh: trimesh.Trimesh
    template: Template
    parameters: dict[str, Any]
    from_cache: bool


def default_cache_dir() -> Path:
    """Where built parts are cached: $LOCALFAB_CACHE_DIR, else the user's cache folder."""
    override = os.environ.get("LOCALFAB_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("localfab")) / "parts"


def cache_key(template: Template, parameters: Mapping[str, Any]) -> str:
    """The identity of a build: the template's content and the full, typed parameter values."""
    identity = {"template": template.content_hash, "parameters": dict(parameters), "mesher": MESHER_VERSION}
    if template.kind == "openscad":  # another OpenSCAD may render the same file differently
        identity["openscad"] = openscad_version()
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def build_part(
    template: Template,
    given: Mapping[str, Any],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    cache_dir: Path | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BuiltPart:
    """Validate `given` against the template's schema (defaults fill the rest) and build the part.

    Raises ParameterError before anything runs if a value is out of range or breaks a constraint, and
    BuildError if the design fails, runs longer than `timeout_s`, or yields a mesh that is not a solid.
    """
    parameters = template.schema.resolve(given)
    key = cache_key(template, parameters)
    if key in _memory_cache:
        _memory_cache.move_to_end(key)
        return BuiltPart(_memory_cache[key].copy(), template, parameters, from_cache=True)
    cache_file = (cache_dir or default_cache_dir()) / f"{key}.npz"
    mesh = _read_cached(cache_file)
    from_cache = mesh is not None
    if mesh is None:
        if template.kind == "openscad":
            raw = render_scad(template.source, parameters, schema=template.schema, timeout_s=timeout_s,
                              memory_bytes=memory_bytes, cancel=cancel)
        else:
            raw, _ = _run_worker(template, parameters, timeout_s, memory_bytes, cancel)
        mesh = _validated_solid(template, raw)
        _write_cached(cache_file, mesh)
    _memory_cache[key] = mesh
    while len(_memory_cache) > _MEMORY_CACHE_ENTRIES:
        _memory_cache.popitem(last=False)
    return BuiltPart(mesh.copy(), template, parameters, from_cache=from_cache)


class BuildServer:
    """The warm worker (parametric_designs.worker) that forks one confined child per build.

    Started on first use, or ahead of time with `warm_up()`; if it dies it is started again on the next build.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Start the server if needed and wait until CadQuery is loaded."""
        with self._lock:
            self._ensure_running()

    def start_build(self, request: Mapping[str, Any]) -> int:
        """Send one request; return the pid of the child that runs it."""
        with self._lock:
            process = self._ensure_running()
            try:
                process.stdin.write((json.dumps(request) + "\n").encode())
                process.stdin.flush()
                answer = self._read_line(process)
            except (BrokenPipeError, OSError):
                answer = None
            if answer is None or "pid" not in answer:
                self._stop()
                raise BuildError("the build worker did not answer; it was restarted: try again")
            return int(answer["pid"])

    @staticmethod
    def _read_line(process: subprocess.Popen[bytes]) -> dict[str, Any] | None:
        ready, _, _ = select.select([process.stdout], [], [], _SERVER_ANSWER_TIMEOUT_S)
        line = process.stdout.readline() if ready else b""
        return json.loads(line) if line else None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ensure_running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            project_root = str(Path(__file__).resolve().parents[1])
            path = os.pathsep.join(filter(None, [project_root, os.environ.get("PYTHONPATH")]))
            self._process = subprocess.Popen(
                # -P: the working folder must not be able to shadow the worker's modules.
                [sys.executable, "-P", "-m", "parametric_designs.worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=dict(os.environ, PYTHONPATH=path), cwd=tempfile.gettempdir(),
            )
            if self._read_line(self._process) != {"ready": True}:
                self._stop()
                raise BuildError("the build worker could not start: is CadQuery installed? "
                                 f"Try `{sys.executable} -c 'import cadquery'`")
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.stdin.close()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None


_server = BuildServer()
atexit.register(_server.close)


def warm_up() -> None:
    """Start the build worker now (CadQuery takes seconds to load), so the first build is fast."""
    _server.warm_up()


EXPORT_FORMATS = ("step", "dxf", "svg")
# Outlines are cut through a flat part; for a printed part they mean nothing.
_OUTLINE_PROCESSES = ("cnc", "laser")


def export_part(template: Template, given: Mapping[str, Any], export_format: str, *,
                timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES,
                cancel: Callable[[], bool] | None = None) -> bytes:
    """The part as STEP (exact B-rep), or as a DXF/SVG outline of a flat part for CNC or laser (mm)."""
    if export_format not in EXPORT_FORMATS:
        raise BuildError(f"cannot export {export_format!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    if export_format != "step" and not set(template.processes) & set(_OUTLINE_PROCESSES):
        raise BuildError(f"{template.id} is made by {', '.join(template.processes)}, not cut from a sheet: "
                         "export it as STL, 3MF or STEP instead")
    if template.kind == "openscad":
        raise BuildError("OpenSCAD designs have no B-rep to export from: export STL or 3MF")
    parameters = template.schema.resolve(given)
    _, files = _run_worker(template, parameters, timeout_s, memory_bytes, cancel, exports=(export_format,))
    return files[export_format]


def _run_worker(template: Template, parameters: Mapping[str, Any], timeout_s: float, memory_bytes: int,
                cancel: Callable[[], bool] | None, exports: tuple[str, ...] = ()
                ) -> tuple[trimesh.Trimesh, dict[str, bytes]]:
    with tempfile.TemporaryDirectory(prefix="localfab-build-") as scratch:
        scratch_dir = Path(scratch)
        request = {
            "source": str(template.source),
            "kind": template.kind,
            "parameters": dict(parameters),
            "scratch": scratch,
            "cpu_seconds": math.ceil(timeout_s) + 1,
            "memory_bytes": memory_bytes,
            "exports": list(exports),
        }
        started = time.monotonic()
        pid = _server.start_build(request)
        result_file = scratch_dir / "result.json"
        try:
            while not result_file.is_file():
                if not _alive(pid):
                    if result_file.is_file():
                        break
                    raise BuildError(f"building {template.id} stopped without a result: it crashed or ran out "
                                     f"of memory{_last_log_line(scratch_dir)}")
                if cancel is not None and cancel():
                    raise BuildError(f"building {template.id} was cancelled")
                if time.monotonic() - started > timeout_s:
                    raise BuildError(f"building {template.id} took longer than {timeout_s:.0f} s and was stopped; "
                                     "try smaller values or a simpler design")
                time.sleep(_POLL_INTERVAL_S)
        finally:
            _kill(pid)
        result = json.loads(result_file.read_text())
        if not result["ok"]:
            raise BuildError(f"{template.id} failed to build: {result['error']}")
        files = {name: (scratch_dir / f"part.{name}").read_bytes() for name in exports}
        return load_mesh(scratch_dir / "mesh.stl"), files


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _last_log_line(scratch: Path) -> str:
    try:
        lines = (scratch / "build.log").read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f" (last output: {lines[-1][:200]})" if lines else ""


def _validated_solid(template: Template, mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    if not mesh.is_watertight:
        raise BuildError(f"{template.id} built a mesh with holes ({_count_open_edges(mesh)} open edges); "
                         "the design must produce closed solids")
    if not mesh.is_winding_consistent:
        raise BuildError(f"{template.id} built a mesh whose facets are not consistently oriented")
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def _count_open_edges(mesh: trimesh.Trimesh) -> int:
    return len(trimesh.grouping.group_rows(mesh.edges_sorted, require_count=1))


def _read_cached(cache_file: Path) -> trimesh.Trimesh | None:
    try:
        with np.load(cache_file, allow_pickle=False) as data:
            mesh = trimesh.Trimesh(vertices=data["vertices"], faces=data["faces"], process=False)
        os.utime(cache_file)  # the modification time is the entry's last use, for least-recently-used pruning
        return mesh
    except (OSError, KeyError, ValueError):
        return None  # no entry, or a damaged one: build again


def _write_cached(cache_file: Path, mesh: trimesh.Trimesh, limit_bytes: int = DISK_CACHE_BYTES) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    partial = cache_file.with_suffix(".partial.npz")
    np.savez(partial, vertices=mesh.vertices, faces=mesh.faces)
    os.replace(partial, cache_file)  # atomic: a crash never leaves a half-written entry under the real name
    prune_cache(cache_file.parent, limit_bytes)


def prune_cache(cache_dir: Path, limit_bytes: int) -> None:
    """Delete the least recently used entries until the cache holds at most `limit_bytes`."""
    entries = []
    for path in cache_dir.glob("*.npz"):
        with contextlib.suppress(FileNotFoundError):  # another process may prune at the same time
            stat = path.stat()
            entries.append((stat.st_mtime_ns, path.name, stat.st_size, path))
    total = sum(size for _, _, size, _ in entries)
    for _, _, size, path in sorted(entries):
        if total <= limit_bytes:
            break
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        total -= size
