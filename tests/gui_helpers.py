"""Shared pieces of the GUI tests: the display check, the window fixture and waiting for a built part."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
# A cold build starts CadQuery in a worker process; on a slow machine that can take many seconds.
BUILD_TIMEOUT_MS = 60_000
SLICE_TIMEOUT_MS = 120_000


def skip_without_display() -> None:
    """Creating the QApplication without a display aborts the whole test process, so skip before any Qt fixture."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        pytest.skip("no display for the Qt window: run under xvfb-run -a -s '-screen 0 1600x1000x24'",
                    allow_module_level=True)


def open_window(qtbot):
    from app.gui.main_window import MainWindow

    main_window = MainWindow()
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window


def wait_for_part(qtbot, main_window, timeout: int = BUILD_TIMEOUT_MS, **parameters) -> None:
    """Wait until the window shows a part built with `parameters` (any part when none are given)."""
    def shown() -> bool:
        part = main_window.shown_part
        return part is not None and all(part.parameters.get(k) == v for k, v in parameters.items())

    qtbot.waitUntil(shown, timeout=timeout)


def screenshot(qtbot, widget, name: str) -> Path:
    """Save `widget` as tests/artifacts/<name>.png, once the last render has reached the screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    qtbot.wait(150)
    path = ARTIFACTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path
