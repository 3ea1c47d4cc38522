"""Staff make a member's job again for the workshop's own printer: the member's design, parameters, material
and print settings, the workshop printer's bed and G-code."""

from __future__ import annotations

import pytest

from app.cli import main
from app.errors import ProfileError
from app.jobs import read_recipe
from app.workshops.staff import replan_for_printer


@pytest.fixture(scope="module")
def member_recipe(tmp_path_factory):
    out = tmp_path_factory.mktemp("member")
    assert main(["make", "box", "--set", "width=40", "--set", "depth=30", "--set", "height=15",
                 "--printer", "generic-220", "--print", "0.20mm-strong", "--set", "infill_density=35",
                 "-o", str(out)]) == 0
    return out / "box.localfab"


def test_a_job_is_made_again_for_the_workshops_printer_keeping_the_members_choices(member_recipe, tmp_path):
    before = read_recipe(member_recipe).recipe
    fabrication = replan_for_printer(member_recipe, "prusa-mk4", tmp_path / "for-mk4.localfab")
    after = read_recipe(tmp_path / "for-mk4.localfab").recipe
    assert after.printer["id"] == "prusa-mk4" and before.printer["id"] == "generic-220"
    assert (after.settings["bed_size_x"], after.settings["bed_size_y"]) == (250.0, 210.0)
    assert after.settings["infill_density"] == 35.0
    assert after.print_profile == before.print_profile
    assert after.material == before.material and after.parameters == before.parameters
    assert after.outputs["program.gcode"] != before.outputs["program.gcode"]
    assert fabrication.program is not None and fabrication.program.estimate.time_s > 0


def test_an_unknown_workshop_printer_is_a_clear_error(member_recipe, tmp_path):
    with pytest.raises(ProfileError, match="there is no printer profile called 'shed-printer'"):
        replan_for_printer(member_recipe, "shed-printer", tmp_path / "x.localfab")
    assert not (tmp_path / "x.localfab").exists()
