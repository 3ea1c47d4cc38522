"""The user's printers: kept in the config folder with mode 600, keys masked when shown; the CLI verbs."""

from __future__ import annotations

import json
import stat

import pytest

from app.cli import main
from app.machines.registry import Printer, add_printer, get_printer, mask, printers_path

KEY = "A1B2C3D4E5F60718293A4B5C6D7E8F90"


def test_printers_are_kept_owner_only_and_listed_with_the_key_masked(capsys):
    assert main(["printers", "add", "mk4", "--connector", "octoprint", "--address", "192.168.1.20:5000",
                 "--api-key", KEY, "--profile", "prusa-mk4"]) == 0
    path = printers_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert get_printer("mk4") == Printer("mk4", "octoprint", "192.168.1.20:5000", KEY, "prusa-mk4")
    capsys.readouterr()

    assert main(["printers", "list"]) == 0
    shown = capsys.readouterr().out
    assert "mk4" in shown and "****8F90" in shown and KEY not in shown
    assert main(["printers", "list", "--json"]) == 0
    (record,) = [p for p in json.loads(capsys.readouterr().out) if p["name"] == "mk4"]
    assert record["api_key"] == "****8F90"

    assert main(["printers", "remove", "mk4"]) == 0
    assert main(["printers", "remove", "mk4"]) == 2
    assert "no printer named 'mk4'" in capsys.readouterr().err


def test_a_short_key_is_masked_whole():
    assert mask("abc") == "****" and mask("") == ""


@pytest.mark.parametrize(("name", "connector", "address", "message"), [
    ("bad name!", "octoprint", "host:80", "not a usable printer name"),
    ("ok", "bambu", "host:80", "unknown connector"),
    ("ok", "marlin", " ", "give the printer's address"),
])
def test_a_bad_printer_is_refused_with_advice(name, connector, address, message):
    with pytest.raises(Exception, match=message):
        add_printer(Printer(name, connector, address))


def test_a_damaged_printers_file_is_reported_not_a_traceback(capsys):
    printers_path().parent.mkdir(parents=True, exist_ok=True)
    printers_path().write_text("{not json")
    try:
        assert main(["printers", "list"]) == 2
        assert "is damaged" in capsys.readouterr().err
    finally:
        printers_path().unlink()


def test_a_usb_printer_needs_start_to_send(tmp_path, capsys):
    program = tmp_path / "part.gcode"
    program.write_text("G28\n")
    add_printer(Printer("usb", "marlin", "/dev/no-such-printer"))
    assert main(["send", str(program), "--to", "usb"]) == 2
    assert "keeps no files" in capsys.readouterr().err
