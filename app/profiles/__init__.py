"""Machine, material and print-settings profiles: TOML files in resources/, read through one loader."""

from app.profiles.cam import list_cam, load_cam, load_laser_settings
from app.profiles.loader import (
    DEFAULT_PRINT,
    FdmSetup,
    Profile,
    check_settings,
    list_profiles,
    load_profile,
    resolve_fdm_setup,
    resources_dir,
    with_newer_settings,
)
from app.profiles.prusaslicer_import import ImportReport, import_prusaslicer_ini, import_vendor_bundle
from app.profiles.settings_schema import SettingSpec, load_settings_schema
from app.profiles.toml_writer import profile_to_toml, write_profile

__all__ = [
    "DEFAULT_PRINT",
    "FdmSetup",
    "ImportReport",
    "Profile",
    "SettingSpec",
    "check_settings",
    "import_prusaslicer_ini",
    "import_vendor_bundle",
    "list_cam",
    "list_profiles",
    "load_cam",
    "load_laser_settings",
    "load_profile",
    "load_settings_schema",
    "profile_to_toml",
    "resolve_fdm_setup",
    "resources_dir",
    "with_newer_settings",
    "write_profile",
]
