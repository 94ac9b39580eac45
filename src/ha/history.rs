//! Home Assistant's history answer (`GET /api/history/period/…`), streamed.
//!
//! The answer is a list of per-entity lists of states, full or
//! `minimal_response` (where only each list's first item names its entity).
//! The first item of each list is the entity's state at the start of the
//! period — a snapshot, not a change — so it only serves as the old state of
//! the next. A month of a busy home is hundreds of megabytes of JSON, so the
//! reader hands each change to a callback as it is parsed and never holds
//! more than one state in memory.

use std::fmt;
use std::io::Read;

use serde::Deserializer;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use super::WireState;
use crate::model::{EntityInfo, StateChange};

/// What a history read found besides the changes it handed on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistoryStats {
    pub entities: u64,
    pub changes: u64,
    /// Items with an unreadable time or no entity to belong to.
    pub skipped: u64,
}

/// What the reader hands on, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryItem {
    /// The first item of an entity's list: who it is.
    Entity(EntityInfo),
    Change(StateChange),
}

/// Reads a whole history answer, calling `sink` for every entity and change.
pub fn read<R: Read>(
    reader: R,
    mut sink: impl FnMut(HistoryItem),
) -> Result<HistoryStats, serde_json::Error> {
    let mut stats = HistoryStats::default();
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    Outer {
        sink: &mut sink,
        stats: &mut stats,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(stats)
}

struct Outer<'a, F> {
    sink: &'a mut F,
    stats: &'a mut HistoryStats,
}

impl<'de, F: FnMut(HistoryItem)> DeserializeSeed<'de> for Outer<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(HistoryItem)> Visitor<'de> for Outer<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of per-entity lists of states")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(EntityList {
                sink: &mut *self.sink,
                stats: &mut *self.stats,
            })?
            .is_some()
        {}
        Ok(())
    }
}

struct EntityList<'a, F> {
    sink: &'a mut F,
    stats: &'a mut HistoryStats,
}

impl<'de, F: FnMut(HistoryItem)> DeserializeSeed<'de> for EntityList<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(HistoryItem)> Visitor<'de> for EntityList<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of states of one entity")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut entity: Option<String> = None;
        let mut previous: Option<String> = None;
        while let Some(item) = seq.next_element::<WireState>()? {
            if entity.is_none() {
                match item
                    .entity_id
                    .as_deref()
                    .filter(|id| super::is_entity_id(id))
                {
                    Some(id) => {
                        self.stats.entities += 1;
                        (self.sink)(HistoryItem::Entity(item.info(id)));
                        entity = Some(id.to_owned());
                    }
                    None => {
                        self.stats.skipped += 1;
                        continue;
                    }
                }
                previous = Some(item.state);
                continue;
            }
            let Some(entity_id) = &entity else { continue };
            if previous.as_deref() == Some(item.state.as_str()) {
                continue;
            }
            match item.changed_at() {
                Ok(at) => {
                    self.stats.changes += 1;
                    (self.sink)(HistoryItem::Change(StateChange {
                        entity_id: entity_id.clone(),
                        at,
                        origin: item.origin(),
                        old_state: previous.replace(item.state.clone()),
                        state: item.state,
                    }));
                }
                Err(_) => self.stats.skipped += 1,
            }
        }
        Ok(())
    }
}

/// Reads a history answer that is small enough to hold (tests, one day of
/// backfill for a few entities).
pub fn read_all(payload: &[u8]) -> Result<(Vec<HistoryItem>, HistoryStats), serde_json::Error> {
    let mut items = Vec::new();
    let stats = read(payload, |item| items.push(item))?;
    Ok((items, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn the_full_answer_of_a_real_home_assistant() {
        let (items, stats) = read_all(&data("history_period.json")).unwrap();
        assert_eq!(stats.entities, 3);
        assert_eq!(stats.skipped, 0);
        // 6 + 4 + 3 states; each list's first is a snapshot.
        assert_eq!(stats.changes, 5 + 3 + 2);
        let changes: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                HistoryItem::Change(c) => Some(c),
                HistoryItem::Entity(_) => None,
            })
            .collect();
        assert!(
            changes
                .windows(2)
                .all(|w| w[0].entity_id != w[1].entity_id || w[0].at <= w[1].at)
        );
        assert!(changes.iter().all(|c| c.old_state.is_some()));
    }

    #[test]
    fn the_minimal_answer_names_entities_once() {
        let (items, stats) = read_all(&data("history_period_minimal.json")).unwrap();
        assert_eq!((stats.entities, stats.changes, stats.skipped), (1, 5, 0));
        let HistoryItem::Change(first) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!(first.entity_id, "sensor.test_daemon_job_status");
        assert_eq!(
            (first.old_state.as_deref(), first.state.as_str()),
            (Some("unavailable"), "unknown")
        );
        assert_eq!(first.origin, Origin::Device);
    }

    #[test]
    fn repeats_and_bad_items_are_skipped_not_fatal() {
        let payload =
            br#"[[{"entity_id":"light.a","state":"off","last_changed":"2026-01-01T00:00:00Z"},
            {"state":"off","last_changed":"2026-01-01T01:00:00Z"},
            {"state":"on","last_changed":"never"},
            {"state":"on","last_changed":"2026-01-01T02:00:00Z"}],
            [{"state":"on","last_changed":"2026-01-01T00:00:00Z"}]]"#;
        let (_, stats) = read_all(payload).unwrap();
        assert_eq!((stats.entities, stats.changes, stats.skipped), (1, 1, 2));
        assert!(read_all(b"{}").is_err());
        assert!(read_all(b"[[{\"state\": 1}]]").is_err());
    }
}
