//! Which entities habitd records, from `ingest.include_*` / `exclude_*`.

use wildmatch::WildMatch;

use crate::config::IngestConfig;
use crate::model::domain;

#[derive(Debug)]
pub struct Filter {
    include_domains: Vec<String>,
    exclude_domains: Vec<String>,
    include_entities: Vec<WildMatch>,
    exclude_entities: Vec<WildMatch>,
}

impl Filter {
    pub fn new(config: &IngestConfig) -> Self {
        let patterns = |list: &[String]| list.iter().map(|p| WildMatch::new(p)).collect();
        Filter {
            include_domains: config.include_domains.clone(),
            exclude_domains: config.exclude_domains.clone(),
            include_entities: patterns(&config.include_entities),
            exclude_entities: patterns(&config.exclude_entities),
        }
    }

    /// Whether `entity_id` is recorded. Exclusions win; with no inclusions,
    /// everything else is included; with some, an entity must match a domain
    /// or a pattern. habitd's own entities never are, whatever the lists
    /// say: live, imported or fetched from history.
    pub fn accepts(&self, entity_id: &str) -> bool {
        let d = domain(entity_id);
        if is_own(entity_id)
            || self.exclude_domains.iter().any(|x| x == d)
            || self.exclude_entities.iter().any(|p| p.matches(entity_id))
        {
            return false;
        }
        if self.include_domains.is_empty() && self.include_entities.is_empty() {
            return true;
        }
        self.include_domains.iter().any(|x| x == d)
            || self.include_entities.iter().any(|p| p.matches(entity_id))
    }
}

/// habitd's own entities (`button.habitd_analyze`, `sensor.habitd_last_run`,
/// and the ids older releases derived from their names): what they do is
/// habitd's doing, not the home's.
pub(crate) fn is_own(entity_id: &str) -> bool {
    entity_id
        .split_once('.')
        .is_some_and(|(_, object)| object.starts_with("habitd_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pairs: &[(&str, &str)]) -> Filter {
        let env = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let config = crate::config::load_from(None, env).unwrap().config;
        Filter::new(&config.ingest)
    }

    #[test]
    fn defaults_drop_noise_domains_only() {
        let f = filter(&[]);
        assert!(f.accepts("light.kitchen"));
        assert!(!f.accepts("sun.sun"));
        assert!(!f.accepts("weather.home"));
        // habitd's own, never.
        assert!(!f.accepts("sensor.habitd_last_run"));
        assert!(!f.accepts("button.habitd_analyze"));
    }

    #[test]
    fn globs_domains_and_precedence() {
        let f = filter(&[
            ("HABITD__INGEST__INCLUDE_DOMAINS", "light"),
            ("HABITD__INGEST__INCLUDE_ENTITIES", "binary_sensor.*_motion"),
            ("HABITD__INGEST__EXCLUDE_ENTITIES", "light.test_*"),
        ]);
        assert!(f.accepts("light.kitchen"));
        assert!(f.accepts("binary_sensor.hallway_motion"));
        assert!(!f.accepts("binary_sensor.front_door"));
        assert!(!f.accepts("light.test_lamp"));
        assert!(!f.accepts("switch.kettle"));
    }
}
