"""Where the window remembers things between runs (size, layout, recent files): an INI file in the user's
localfab config folder ($LOCALFAB_CONFIG_DIR, else the platform's), beside the printers file."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.machines.registry import config_dir

SETTINGS_FILE = "gui.ini"


def gui_settings() -> QSettings:
    return QSettings(str(config_dir() / SETTINGS_FILE), QSettings.Format.IniFormat)
