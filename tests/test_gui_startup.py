"""Start-up, measured the way a person meets it: `localfab-gui` as a new process under the display, until the
window is usable (the library listed) and until the first part stands on the bed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.gui_helpers import ARTIFACTS, skip_without_display

skip_without_display()

pytestmark = pytest.mark.gui

# The target is 2 s on the 2-core machine; other jobs share it while the tests run, so the test allows twice
# that and records the measurement in tests/artifacts/startup.json.
USABLE_LIMIT_S = 4.0


def test_the_window_is_usable_quickly_and_makes_a_part(tmp_path):
    env_overrides = {"LOCALFAB_CACHE_DIR": str(tmp_path / "cache"), "LOCALFAB_CONFIG_DIR": str(tmp_path / "config")}
    run = subprocess.run([sys.executable, "-m", "app.gui.main", "--probe"], capture_output=True, text=True,
                         timeout=180, env={**os.environ, **env_overrides}, check=False)
    events = {event["event"]: event for event in map(json.loads, filter(str.strip, run.stdout.splitlines()))}

    assert run.returncode == 0, run.stdout + run.stderr
    assert events["window usable"]["seconds"] < USABLE_LIMIT_S
    assert events["part on the bed"]["facets"] > 0
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "startup.json").write_text(json.dumps(events, indent=2) + "\n", encoding="utf-8")
