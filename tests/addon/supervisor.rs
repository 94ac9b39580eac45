//! The Supervisor's own rules for an add-on, transcribed from
//! home-assistant/supervisor at commit
//! 090ef31ec024952c2469ed5a7c9f3ce8c1a5499e (2026-08-21): the patterns of
//! `supervisor/apps/validate.py` and `options.py`, the keys of
//! `_SCHEMA_APP_CONFIG`, the `MappingType`s of `apps/const.py`, and how
//! `options.py` checks a value against its schema type. When the Supervisor
//! changes them, update this file and the commit above together.

use regex::Regex;
use serde_json::Value;

// The Supervisor's patterns and lists, as written in its source.
pub const RE_SLUG: &str = r"^[-_.A-Za-z0-9]+$";
pub const RE_SERVICE: &str = r"^(?P<service>mqtt|mysql):(?P<rights>provide|want|need)$";
pub const RE_DOCKER_IMAGE_BUILD: &str =
    r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$";
pub const RE_SCHEMA_ELEMENT: &str = concat!(
    r"^(?:",
    r"|bool",
    r"|email",
    r"|url",
    r"|port",
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?",
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?",
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?",
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?",
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?",
    r"|match\((?P<match>.*)\)",
    r"|list\((?P<list>.+)\)",
    r")\??$"
);
/// `MappingType` without the legacy names (`addons`, `all_addon_configs`,
/// `addon_config`: deprecated as of 2026.07, logged as such).
pub const MAP_TYPES: &[&str] = &[
    "data",
    "config",
    "ssl",
    "local_apps",
    "backup",
    "share",
    "media",
    "homeassistant_config",
    "all_app_configs",
    "app_config",
];
/// Every key `_SCHEMA_APP_CONFIG` knows. It drops the others silently, so a
/// misspelt key would simply do nothing.
pub const KNOWN_KEYS: &[&str] = &[
    "name",
    "version",
    "slug",
    "description",
    "arch",
    "machine",
    "url",
    "startup",
    "boot",
    "init",
    "stage",
    "ports",
    "ports_description",
    "watchdog",
    "webui",
    "ingress",
    "ingress_port",
    "ingress_entry",
    "ingress_stream",
    "panel_icon",
    "panel_title",
    "panel_admin",
    "homeassistant",
    "host_network",
    "host_pid",
    "host_ipc",
    "host_uts",
    "host_dbus",
    "devices",
    "udev",
    "tmpfs",
    "map",
    "environment",
    "privileged",
    "apparmor",
    "full_access",
    "audio",
    "video",
    "gpio",
    "usb",
    "uart",
    "devicetree",
    "kernel_modules",
    "realtime",
    "hassio_api",
    "hassio_role",
    "homeassistant_api",
    "stdin",
    "legacy",
    "docker_api",
    "auth_api",
    "services",
    "discovery",
    "backup_exclude",
    "backup_pre",
    "backup_post",
    "backup",
    "options",
    "schema",
    "image",
    "ulimits",
    "timeout",
    "journald",
    "breaking_versions",
];
/// Keys the Supervisor still reads but logs as deprecated (`advanced` since
/// 2026.03, `codenotary` unused).
pub const DEPRECATED_KEYS: &[&str] = &["advanced", "codenotary"];
/// `ARCH_ALL`; armhf, armv7 and i386 are `ARCH_DEPRECATED` since Home
/// Assistant dropped 32-bit systems.
pub const SUPPORTED_ARCH: &[&str] = &["aarch64", "amd64"];
/// `FILE_SUFFIX_CONFIGURATION`.
pub const CONFIG_SUFFIXES: &[&str] = &["yaml", "yml", "json"];

pub fn check_schema_type(key: &str, element: &str, value: &Value) -> Result<(), String> {
    let re = Regex::new(RE_SCHEMA_ELEMENT).unwrap();
    let caps = re
        .captures(element)
        .ok_or_else(|| format!("{key}: {element:?} is not a schema type the Supervisor knows"))?;
    let base = element.trim_end_matches('?');
    let number = |name: &str| caps.name(name).map(|m| m.as_str().parse::<f64>().unwrap());
    let within = |v: f64, min: &str, max: &str| {
        number(min).is_none_or(|m| v >= m) && number(max).is_none_or(|m| v <= m)
    };
    let ok = if base.starts_with("bool") {
        value.is_boolean()
    } else if base.starts_with("int") {
        value
            .as_i64()
            .is_some_and(|v| within(v as f64, "i_min", "i_max"))
    } else if base.starts_with("float") {
        value.as_f64().is_some_and(|v| within(v, "f_min", "f_max"))
    } else if base == "port" {
        value.as_u64().is_some_and(|v| (1..=65535).contains(&v))
    } else if let Some(pattern) = caps.name("match") {
        let pattern = Regex::new(pattern.as_str()).map_err(|e| format!("{key}: {e}"))?;
        value.as_str().is_some_and(|v| pattern.is_match(v))
    } else if let Some(list) = caps.name("list") {
        value
            .as_str()
            .is_some_and(|v| list.as_str().split('|').any(|option| option == v))
    } else if base.starts_with("str") || base.starts_with("password") {
        let length = value.as_str().map(|v| v.chars().count() as f64);
        let (min, max) = if base.starts_with("str") {
            ("s_min", "s_max")
        } else {
            ("p_min", "p_max")
        };
        length.is_some_and(|n| within(n, min, max))
    } else {
        value.is_string()
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{key}: {value} does not fit {element:?}"))
    }
}
