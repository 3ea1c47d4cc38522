"""Hostile templates: each is blocked or stopped with a clear message, and the next build still works."""

from __future__ import annotations

import textwrap

import pytest

from parametric_designs.build import build_part
from parametric_designs.errors import BuildError
from parametric_designs.templates import find_template, load_template

MANIFEST = """
[template]
id = "hostile"
name = "hostile"
version = "0"
author = "tests"
licence = "CC0-1.0"
description = "a design that misbehaves on purpose"
[parameters.size]
type = "number"
default = 10.0
"""


def _hostile(tmp_path, body: str):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "template.toml").write_text(MANIFEST)
    (folder / "design.py").write_text(textwrap.dedent(body))
    return load_template(folder)


@pytest.fixture()
def victim(tmp_path):
    """A private file outside the template and the scratch folder."""
    path = tmp_path / "secrets" / "id_rsa"
    path.parent.mkdir()
    path.write_text("PRIVATE KEY")
    return path


HOSTILE = {
    "reads a private key": ("""
        def build(*, size):
            return open({victim!r}).read()
     """, "sandbox blocked the design: [Errno 13] Permission denied"),
    "reads /etc/shadow": ("""
        def build(*, size):
            return open("/etc/shadow").read()
     """, "sandbox blocked the design: [Errno 13] Permission denied: '/etc/shadow'"),
    "lists the home folder": ("""
        import os
        def build(*, size):
            return os.listdir(os.path.expanduser("~"))
     """, "sandbox blocked the design"),
    "opens a socket": ("""
        import socket
        def build(*, size):
            socket.create_connection(("127.0.0.1", 80), timeout=1)
     """, "sandbox blocked the design: [Errno 1] Operation not permitted"),
    "spawns a process": ("""
        import subprocess
        def build(*, size):
            subprocess.run(["touch", {victim!r} + ".spawned"])
     """, "sandbox blocked the design"),
    "runs a shell command": ("""
        import os
        def build(*, size):
            if os.system("touch " + {victim!r} + ".spawned") != 0:
                raise RuntimeError("os.system failed")
     """, "RuntimeError: os.system failed"),
    "forks repeatedly": ("""
        import os
        def build(*, size):
            while True:
                os.fork()
     """, "sandbox blocked the design: [Errno 1] Operation not permitted"),
    "writes outside scratch": ("""
        def build(*, size):
            open({victim!r} + ".written", "w").write("pwned")
     """, "sandbox blocked the design: [Errno 13] Permission denied"),
    "deletes files": ("""
        import os
        def build(*, size):
            os.remove({victim!r})
     """, "sandbox blocked the design: [Errno 13] Permission denied"),
    "kills its parent": ("""
        import os, signal
        def build(*, size):
            os.kill(os.getppid(), signal.SIGKILL)
     """, "sandbox blocked the design: [Errno 1] Operation not permitted"),
    "allocates 10 GB": ("""
        def build(*, size):
            return bytearray(10 * 2**30)
     """, "used more memory than a build may"),
    "loops forever": ("""
        def build(*, size):
            while True:
                pass
     """, "took longer than 3 s and was stopped"),
    "exits the process": ("""
        import os
        def build(*, size):
            os._exit(3)
     """, "stopped without a result"),
}


@pytest.mark.parametrize("behaviour", sorted(HOSTILE))
def test_hostile_design_is_stopped_and_the_next_build_works(tmp_path, victim, behaviour):
    body, message = HOSTILE[behaviour]
    template = _hostile(tmp_path, body.replace("{victim!r}", repr(str(victim))))
    with pytest.raises(BuildError) as caught:
        build_part(template, {}, cache_dir=tmp_path / "cache", timeout_s=3)
    assert message in str(caught.value)
    assert victim.read_text() == "PRIVATE KEY"
    assert sorted(p.name for p in victim.parent.iterdir()) == ["id_rsa"]
    box = build_part(find_template("box"), {"height": 21 + len(behaviour) % 7}, cache_dir=tmp_path / "cache")
    assert box.mesh.is_watertight


def test_builds_do_not_share_state(tmp_path):
    template = _hostile(tmp_path, """
        import cadquery as cq
        def build(*, size):
            if getattr(cq, "poisoned", False):
                raise RuntimeError("a value leaked from the previous build")
            cq.poisoned = True
            return cq.Workplane("XY").box(size, size, size)
    """)
    first = build_part(template, {"size": 5}, cache_dir=tmp_path / "cache")
    second = build_part(template, {"size": 6}, cache_dir=tmp_path / "cache")
    assert first.mesh.volume == pytest.approx(125) and second.mesh.volume == pytest.approx(216)
