"""Running the `openscad` binary on a design, confined, and turning what it says into errors for a person.

OpenSCAD runs as a child process with resource limits (CPU seconds, memory, file size) and Landlock (read-only
system folders and the design's folder, read/write only its scratch folder), applied by a small launcher
(parametric_designs.confined_exec) that then becomes OpenSCAD. Seccomp is not applied: it would forbid the exec
of OpenSCAD itself. Its output goes to a file
in scratch (a pipe could fill and stall it); the parent polls it every 50 ms for the time limit and `cancel()`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import trimesh

from parametric_designs.errors import BuildError
from slicing.errors import MeshError
from slicing.mesh import load_mesh

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_BYTES = 2 << 30
INSTALL_HINT = ("install it with `sudo apt-get install openscad` (Debian, Ubuntu) or from https://openscad.org, "
                "or set LOCALFAB_OPENSCAD to the path of the openscad program")
_POLL_INTERVAL_S = 0.05
_MAX_LOG_BYTES = 1 << 20
# Read-only extras OpenSCAD is faster with: fontconfig's cache (without it every text() rescans the fonts).
_EXTRA_READABLE = ("/var/cache/fontconfig",)
# 2021.01: `ERROR: Parser error: syntax error in file x.scad, line 3`;
# later releases: `ERROR: Parser error in file "x.scad", line 3: syntax error`.
_PARSE_ERRORS = (
    re.compile(r"ERROR: Parser error: (?P<what>.*?) in file (?P<file>.+?), line (?P<line>\d+)"),
    re.compile(r'ERROR: Parser error in file "(?P<file>[^"]+)", line (?P<line>\d+): (?P<what>.*)'),
)
_WORTH_SHOWING = re.compile(r"undefined|unknown|can't open|cannot open|not found", re.IGNORECASE)


def openscad_binary() -> Path:
    """The `openscad` program ($LOCALFAB_OPENSCAD, else the one on PATH); BuildError says how to install it."""
    override = os.environ.get("LOCALFAB_OPENSCAD")
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BuildError(f"LOCALFAB_OPENSCAD names {override}, which is not a program; {INSTALL_HINT}")
        return path
    found = shutil.which("openscad")
    if found is None:
        raise BuildError(f"OpenSCAD is not installed (there is no `openscad` on PATH): {INSTALL_HINT}")
    return Path(found)


@functools.cache
def _version_of(binary: Path) -> str:
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"{binary} does not answer `--version`: {exc}") from exc
    match = re.search(r"OpenSCAD version (\S+)", result.stdout + result.stderr)
    return match.group(1) if match else "unknown"


def openscad_version() -> str:
    """The version of the OpenSCAD that renders (e.g. "2021.01"): a built mesh depends on it."""
    return _version_of(openscad_binary())


def run_openscad(source: Path, arguments: Sequence[str], *, readable: tuple[Path, ...] = (),
                 timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES,
                 cancel: Callable[[], bool] | None = None) -> trimesh.Trimesh:
    """Run `openscad -o part.stl <arguments> source` confined, and load the mesh it writes.

    `arguments` are already-checked OpenSCAD options (`-D name=value`, `-p file -P set`); `readable` adds
    folders OpenSCAD may read besides the design's own.
    """
    binary = openscad_binary()
    source = Path(source).resolve()
    with tempfile.TemporaryDirectory(prefix="localfab-openscad-") as scratch_name:
        scratch = Path(scratch_name)
        output = scratch / "part.stl"
        log_path = scratch / "openscad.log"
        command = [str(binary), "-o", str(output), "--export-format", "binstl", *arguments, str(source)]
        folders = (source.parent, *readable, *(Path(p) for p in _EXTRA_READABLE if os.path.isdir(p)))
        spec = scratch / "confinement.json"
        spec.write_text(json.dumps({"scratch": str(scratch), "readable": [str(f) for f in folders],
                                    "cpu_seconds": math.ceil(timeout_s) + 1, "memory_bytes": memory_bytes}))
        # -P: the design's folder (the working folder) must not be able to shadow the launcher's modules.
        launcher = [sys.executable, "-P", "-m", "parametric_designs.confined_exec", str(spec), "--"]

        started = time.monotonic()
        with open(log_path, "wb") as log:
            try:
                process = subprocess.Popen([*launcher, *command], stdin=subprocess.DEVNULL, stdout=log,
                                           stderr=subprocess.STDOUT, cwd=source.parent, env=_environment(scratch),
                                           start_new_session=True)
            except FileNotFoundError as exc:
                raise BuildError(f"OpenSCAD could not be started ({binary} is missing): {INSTALL_HINT}") from exc
            except (OSError, subprocess.SubprocessError) as exc:
                raise BuildError(f"OpenSCAD could not be started in its sandbox (resource limits and Landlock): "
                                 f"{exc}") from exc
        try:
            _wait(process, source, timeout_s, cancel, started)
        finally:
            _stop(process)
        seconds = time.monotonic() - started
        log_text = _read_log(log_path)
        _raise_on_failure(process.returncode, log_text, output, source, timeout_s, memory_bytes)
        try:
            mesh = load_mesh(output)
        except MeshError as exc:
            raise BuildError(f"OpenSCAD rendered {source.name}, but its mesh cannot be read: {exc}") from exc
    mesh.metadata["openscad"] = {"warnings": _warnings(log_text, source.parent), "seconds": round(seconds, 3),
                                 "version": _version_of(binary)}
    return mesh


def _wait(process: subprocess.Popen[bytes], source: Path, timeout_s: float, cancel: Callable[[], bool] | None,
          started: float) -> None:
    while True:
        try:
            process.wait(timeout=_POLL_INTERVAL_S)
            return
        except subprocess.TimeoutExpired:
            pass
        if cancel is not None and cancel():
            raise BuildError(f"rendering {source.name} with OpenSCAD was cancelled")
        if time.monotonic() - started > timeout_s:
            raise BuildError(f"rendering {source.name} with OpenSCAD took longer than {timeout_s:g} s and was "
                             "stopped; try smaller values, a lower $fn, or a longer time limit")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: OpenSCAD and anything it started
        process.wait()


def _environment(scratch: Path) -> dict[str, str]:
    """A small, fixed environment: nothing of the user's (no DISPLAY, no OPENSCADPATH, no home folder)."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "XDG_CACHE_HOME": str(scratch / "cache"), "XDG_CONFIG_HOME": str(scratch / "config"),
            "TMPDIR": str(scratch), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def _read_log(path: Path) -> str:
    try:
        with open(path, "rb") as log:
            return log.read(_MAX_LOG_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _raise_on_failure(returncode: int, log: str, output: Path, source: Path, timeout_s: float,
                      memory_bytes: int) -> None:
    folder = source.parent
    for pattern in _PARSE_ERRORS:
        match = pattern.search(log)
        if match:
            where = _shorten(match.group("file"), folder)
            raise BuildError(f"OpenSCAD cannot read {where}, line {match.group('line')}: {match.group('what')}")
    hints = _warnings(log, folder)[:3]
    also = f" (OpenSCAD also said: {'; '.join(hints)})" if hints else ""
    if "Current top level object is empty" in log:
        raise BuildError(f"{source.name} rendered nothing with these parameters: the design made no 3D object{also}")
    if "Current top level object is not a 3D object" in log:
        raise BuildError(f"{source.name} made a 2D shape; localfab needs a 3D solid (linear_extrude it){also}")
    errors = [_shorten(line, folder) for line in log.splitlines() if line.startswith("ERROR:")]
    if errors:
        raise BuildError(f"OpenSCAD failed on {source.name}: {errors[0].removeprefix('ERROR: ')}{also}")
    if returncode < 0:
        number = -returncode
        if number in (signal.SIGXCPU, signal.SIGKILL):
            raise BuildError(f"OpenSCAD was stopped on {source.name}: it used more than {math.ceil(timeout_s) + 1} s "
                             "of CPU time, or the system ran out of memory")
        if "bad_alloc" in log or number in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
            raise BuildError(f"OpenSCAD crashed on {source.name} ({signal.Signals(number).name}); it may have run "
                             f"out of memory (the limit is {memory_bytes / 2**30:g} GiB)")
        raise BuildError(f"OpenSCAD was stopped by signal {signal.Signals(number).name} on {source.name}")
    if returncode != 0:
        last = [line for line in log.splitlines() if line.strip()][-1:] or ["no message"]
        raise BuildError(f"OpenSCAD failed on {source.name} (exit status {returncode}): "
                         f"{_shorten(last[0], folder)}{also}")
    if not output.is_file():
        raise BuildError(f"OpenSCAD finished {source.name} without writing a mesh{also}")


def _warnings(log: str, folder: Path) -> list[str]:
    """OpenSCAD's warnings worth a person's attention: undefined values, unknown names, missing files."""
    return [_shorten(line, folder).removeprefix("WARNING: ") for line in log.splitlines()
            if line.startswith("WARNING:") and _WORTH_SHOWING.search(line)]


def _shorten(text: str, folder: Path) -> str:
    """Paths inside the design's folder shown relative to it (OpenSCAD runs there, so most already are)."""
    return text.replace(str(folder) + os.sep, "")
