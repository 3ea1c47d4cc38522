"""Machine, material and print-settings profiles: TOML files in resources/, read through one loader."""

from app.profiles.loader import (
    FdmSetup,
    Profile,
    check_settings,
    list_profiles,
    load_profile,
    resolve_fdm_setup,
    resources_dir,
)
from app.profiles.settings_schema import SettingSpec, load_settings_schema

__all__ = [
    "FdmSetup",
    "Profile",
    "SettingSpec",
    "check_settings",
    "list_profiles",
    "load_profile",
    "load_settings_schema",
    "resolve_fdm_setup",
    "resources_dir",
]
