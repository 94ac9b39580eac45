//! What differs between Home Assistant versions, decided in one place.
//!
//! habitd talks to Home Assistant releases from 2024.3 on, and three things
//! it sends depend on the release: how MQTT discovery is shaped (device-based
//! configs only from 2024.11), which key fixes an entity's id (`object_id`
//! before 2025.10, `default_entity_id` from then on; `object_id` is gone in
//! 2026.4), and the automation syntax ([`Syntax`], current keys from
//! 2024.10). [`HaVersion`] answers each question; an unknown version gets
//! what works on every release.

use std::fmt;

use super::Syntax;

/// A Home Assistant release, as `/api/config` reports it (`2025.4.4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HaVersion {
    pub year: u32,
    pub month: u32,
    pub patch: u32,
}

impl HaVersion {
    /// Parses `2025.4.4`, `2024.11.0b3`, `2026.1.0.dev0`; `None` for
    /// anything that does not start with a year and a month.
    pub fn parse(text: &str) -> Option<HaVersion> {
        let mut parts = text.trim().split('.');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let patch = parts
            .next()
            .map(|p| {
                p.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0);
        (year >= 2020 && (1..=12).contains(&month)).then_some(HaVersion { year, month, patch })
    }

    fn at_least(self, year: u32, month: u32) -> bool {
        (self.year, self.month) >= (year, month)
    }

    /// `<prefix>/device/<id>/config` with `cmps` (Home Assistant 2024.11).
    pub fn supports_device_discovery(self) -> bool {
        self.at_least(2024, 11)
    }

    /// `default_entity_id` replaced `object_id` in 2025.10.
    pub fn reads_default_entity_id(self) -> bool {
        self.at_least(2025, 10)
    }

    /// The automation syntax this release accepts.
    pub fn syntax(self) -> Syntax {
        if self.at_least(2024, 10) {
            Syntax::Current
        } else {
            Syntax::Legacy
        }
    }
}

impl fmt::Display for HaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.year, self.month, self.patch)
    }
}

/// `homeassistant.discovery`: how habitd announces its entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryMode {
    /// Device-based from 2024.11, entity by entity before and when the
    /// version is unknown.
    Auto,
    /// One `<prefix>/device/<id>/config` (Home Assistant 2024.11 and later).
    Device,
    /// One `<prefix>/<component>/<node>/<key>/config` per entity (every
    /// release).
    Entity,
}

text_enum!(DiscoveryMode { Auto => "auto", Device => "device", Entity => "entity" });

/// The discovery shape actually published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscoveryShape {
    Device,
    Entity,
}

text_enum!(DiscoveryShape { Device => "device", Entity => "entity" });

impl DiscoveryMode {
    /// The shape for a Home Assistant of `version` (`None`: unknown).
    pub fn shape(self, version: Option<HaVersion>) -> DiscoveryShape {
        match self {
            DiscoveryMode::Device => DiscoveryShape::Device,
            DiscoveryMode::Entity => DiscoveryShape::Entity,
            DiscoveryMode::Auto => match version {
                Some(v) if v.supports_device_discovery() => DiscoveryShape::Device,
                _ => DiscoveryShape::Entity,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> HaVersion {
        HaVersion::parse(text).unwrap()
    }

    #[test]
    fn versions_parse_with_suffixes() {
        assert_eq!(
            v("2025.4.4"),
            HaVersion {
                year: 2025,
                month: 4,
                patch: 4
            }
        );
        assert_eq!(v("2024.11.0b3").patch, 0);
        assert_eq!(v("2026.1.0.dev0").month, 1);
        assert_eq!(HaVersion::parse("unknown"), None);
        assert_eq!(HaVersion::parse("2025"), None);
        assert_eq!(HaVersion::parse("2025.13.0"), None);
    }

    #[test]
    fn what_each_tested_release_gets() {
        use DiscoveryShape::{Device, Entity};
        let auto = DiscoveryMode::Auto;
        assert_eq!(auto.shape(Some(v("2024.3.3"))), Entity);
        assert_eq!(auto.shape(Some(v("2024.10.4"))), Entity);
        assert_eq!(auto.shape(Some(v("2024.11.0"))), Device);
        assert_eq!(auto.shape(Some(v("2025.4.4"))), Device);
        assert_eq!(auto.shape(None), Entity, "unknown: what works everywhere");
        assert_eq!(DiscoveryMode::Device.shape(None), Device);
        assert!(!v("2025.4.4").reads_default_entity_id());
        assert!(v("2025.10.0").reads_default_entity_id());
        assert!(v("2026.11.0").reads_default_entity_id());
        assert_eq!(v("2024.3.3").syntax(), Syntax::Legacy);
        assert_eq!(v("2024.10.0").syntax(), Syntax::Current);
    }
}
