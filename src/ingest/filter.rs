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

    /// Exclusions win; with no inclusions, everything else is included; with
    /// some, an entity must match a domain or a pattern.
    pub fn accepts(&self, entity_id: &str) -> bool {
        let d = domain(entity_id);
        if self.exclude_domains.iter().any(|x| x == d)
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
