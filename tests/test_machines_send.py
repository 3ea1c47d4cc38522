"""Sending a job: the program out of a G-code file or a recipe, named by its hash, started at most once; and
`localfab send` streaming to a USB printer."""

from __future__ import annotations

import hashlib
import json

import pytest

from app.cli import main
from app.jobs import Recipe, pack_recipe, sha256_of
from app.machines.base import MachineTimeout
from app.machines.moonraker import Moonraker
from app.machines.registry import Printer, add_printer
from app.machines.send import read_program, send_program
from tests.machines.marlin_sim import SimulatedMarlin
from tests.machines.moonraker_stand_in import MoonrakerStandIn

GCODE = b"G28\nG1 X10 Y10 F3000\nG1 X20 Y10\n"


def recipe_bytes(program: bytes) -> bytes:
    files = {"part.3mf": b"part", "program.gcode": program, "check.json": b"{}\n"}
    recipe = Recipe(app_version="0.1.0", design={"id": "box", "version": "1.0.0", "content_hash": "sha256:0"},
                    parameters={}, process="fdm", printer={"id": "p", "name": "P"}, material={"id": "m", "name": "M"},
                    settings={}, check={"ok": True, "counts": {}, "override": False}, estimate={},
                    outputs={name: sha256_of(data) for name, data in files.items()})
    return pack_recipe(recipe, files)


def test_a_program_is_named_by_its_file_and_hash(tmp_path):
    path = tmp_path / "my part (v2).gcode"
    path.write_bytes(GCODE)
    program = read_program(path)
    assert program.name == f"my_part_v2-{hashlib.sha256(GCODE).hexdigest()[:12]}.gcode"
    assert program.data == GCODE


def test_a_recipe_sends_the_program_stored_in_it(tmp_path):
    path = tmp_path / "box.localfab"
    path.write_bytes(recipe_bytes(GCODE))
    program = read_program(path)
    assert program.data == GCODE and program.name.startswith("box-")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("part.stl", b"solid", "send a G-code file"),
    ("empty.gcode", b"\n\n", "holds no program"),
    ("broken.localfab", b"not a zip", "not a localfab recipe"),
])
def test_what_is_not_a_program_is_refused(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(Exception, match=message):
        read_program(tmp_path / name)


def test_a_start_whose_answer_is_lost_is_never_sent_again(tmp_path):
    path = tmp_path / "part.gcode"
    path.write_bytes(GCODE)
    with MoonrakerStandIn(drop_start_answer=True) as server:
        with pytest.raises(MachineTimeout, match="it was not sent again"):
            send_program(Moonraker(server.url), read_program(path), start=True)
        assert server.count("POST", "/printer/print/start") == 1
        assert server.state == "printing"


def test_localfab_send_streams_a_recipe_to_a_usb_printer(tmp_path, capsys):
    program = "".join(f"G1 X{i % 100} Y{i % 50} F3000\n" for i in range(2_000)).encode()
    path = tmp_path / "box.localfab"
    path.write_bytes(recipe_bytes(program))
    with SimulatedMarlin() as firmware:
        add_printer(Printer("usb-marlin", "marlin", f"{firmware.path}@250000"))
        assert main(["send", str(path), "--to", "usb-marlin", "--start", "--json"]) == 0
    sent = json.loads(capsys.readouterr().out)
    assert sent["started"] is True and sent["sha256"] == hashlib.sha256(program).hexdigest()
    assert [c for c in firmware.accepted if not c.startswith("M110")] == program.decode().splitlines()
