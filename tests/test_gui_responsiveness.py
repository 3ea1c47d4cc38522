"""The window keeps answering while a design takes 5 seconds to build: the build runs off the UI thread."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.gui_helpers import open_window, skip_without_display, wait_for_part

skip_without_display()

pytestmark = pytest.mark.gui

SLOW_BUILD_S = 5.0
TICK_MS = 20
# The longest the event loop may stall while the slow build runs; a frozen window stalls for the whole 5 s.
MAX_STALL_S = 0.5

SLOW_TEMPLATE = f'''
[template]
id = "slow-block"
name = "Slow block"
version = "1.0.0"
author = "localfab tests"
licence = "CC0-1.0"
description = "A block that takes {SLOW_BUILD_S} seconds to build."

[parameters.size]
type = "number"
default = 20.0
min = 5.0
max = 50.0
unit = "mm"
'''

SLOW_DESIGN = f'''
import time

import cadquery as cq


def build(*, size):
    time.sleep({SLOW_BUILD_S})
    return cq.Workplane("XY").box(size, size, size)
'''


def test_the_event_loop_keeps_turning_during_a_five_second_build(qtbot, tmp_path):
    folder = tmp_path / "slow-block"
    folder.mkdir()
    (folder / "template.toml").write_text(SLOW_TEMPLATE, encoding="utf-8")
    (folder / "design.py").write_text(SLOW_DESIGN, encoding="utf-8")
    window = open_window(qtbot)
    wait_for_part(qtbot, window)  # the library's first design, so the slow one is what runs next

    ticks: list[float] = []
    timer = qtbot_timer(window, lambda: ticks.append(time.monotonic()))
    started = time.monotonic()
    window.open_path(folder)
    assert window.build_runner.busy
    wait_for_part(qtbot, window, size=20.0)
    timer.stop()
    elapsed = time.monotonic() - started

    assert window.shown_part.template.id == "slow-block"
    assert elapsed >= SLOW_BUILD_S, "the build really took 5 seconds"
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert len(ticks) > SLOW_BUILD_S * 1000 / TICK_MS / 4, f"the timer fired only {len(ticks)} times"
    assert max(gaps) < MAX_STALL_S, f"the event loop stalled for {max(gaps):.2f} s during the build"
    window.close()


def qtbot_timer(parent, tick):
    from PySide6.QtCore import QTimer

    timer = QTimer(parent)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    return timer


def test_a_panic_in_a_native_library_is_reported_and_the_runner_stays_usable(qtbot):
    from app.gui.background import LatestRunner

    class NativePanic(BaseException):
        """As pyo3's PanicException: a BaseException, not an Exception."""

    def panics(cancel, progress):
        raise NativePanic("called `Result::unwrap()` on an `Err` value")

    runner = LatestRunner()
    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.request("Nesting…", panics)
    assert failed.args[0].startswith("Nesting failed unexpectedly (NativePanic: called")
    assert not runner.busy
    with qtbot.waitSignal(runner.done, timeout=10_000) as done:
        runner.request("Again…", lambda cancel, progress: 42)
    assert done.args == [42]
    runner.shutdown()
