//! Suggestions: findings turned into automations a user can deploy.
//!
//! [`drafts`] is deterministic and needs no LLM: each finding gets a stable
//! id (`habitd_…`, the same for the same routine every run), a title and a
//! description with the evidence in words, a confidence, and — where the
//! finding is something to automate — a [`Plan`] that renders into a
//! complete Home Assistant automation. Every entity a plan names must be one
//! Home Assistant knows; a draft that would name another is dropped and
//! logged (Home Assistant would silently accept a service call on a typo).

pub mod automation;

use std::collections::{HashMap, HashSet};

use crate::analysis::features::UnusedFeature;
use crate::analysis::routines::{DayClass, Routine};
use crate::analysis::sequences::Sequence;
use crate::analysis::synergies::Synergy;
use crate::analysis::{Finding, Findings};
use crate::model::safety::{self, Cause, Policy, Target};
use crate::model::slugify;
use crate::model::synergy::Start;
use automation::{Condition, Plan, Trigger, action_for};

/// A suggestion before it is stored (and before an LLM rewords it).
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub id: String,
    pub title: String,
    pub description: String,
    pub confidence: f64,
    /// The finding it comes from, with its evidence.
    pub finding: Finding,
    /// `None` for advice without an automation.
    pub plan: Option<Plan>,
}

/// What the drafts may refer to: known entities, their names and device
/// classes, and what must never be suggested.
#[derive(Debug, Default)]
pub struct Context {
    pub known: HashSet<String>,
    pub names: HashMap<String, String>,
    pub device_classes: HashMap<String, String>,
    /// `None`: no safety policy (tests of wording only).
    pub policy: Option<Policy>,
}

impl Context {
    fn name<'a>(&'a self, entity_id: &'a str) -> &'a str {
        self.names.get(entity_id).map_or(entity_id, String::as_str)
    }

    fn target<'a>(&'a self, entity_id: &'a str) -> Target<'a> {
        Target {
            entity_id,
            device_class: self.device_classes.get(entity_id).map(String::as_str),
            friendly_name: self.names.get(entity_id).map(String::as_str),
        }
    }
}

/// Drops the drafts whose automation would do what the safety policy
/// forbids (unlock, open a garage door, heat, an appliance on a cue …), and
/// returns how many. Judged on the plan itself: what it does, and whether
/// only the clock starts it.
pub fn refuse_unsafe(drafts: &mut Vec<Draft>, context: &Context) -> usize {
    let Some(policy) = &context.policy else {
        return 0;
    };
    let before = drafts.len();
    drafts.retain(|d| {
        let Some(plan) = &d.plan else {
            return true;
        };
        let cause = if plan
            .triggers
            .iter()
            .all(|t| matches!(t, Trigger::Time(_) | Trigger::Sunset))
        {
            Cause::TimeOfDay
        } else {
            Cause::OtherDevice
        };
        for action in &plan.actions {
            let hvac_mode = action
                .data
                .as_ref()
                .and_then(|d| d.get("hvac_mode"))
                .and_then(|m| m.as_str());
            let Some(to) = safety::state_after(&action.service, hvac_mode) else {
                continue;
            };
            if let Some(hazard) = policy.hazard(context.target(&action.entity_id), &to, cause) {
                tracing::info!(
                    suggestion = %d.id,
                    "not suggested: it would {}",
                    hazard.describe()
                );
                return false;
            }
        }
        true
    });
    before - drafts.len()
}

/// The stable automation id of a finding: `habitd_` and its slug, shortened
/// with a hash when very long (the id is part of a URL).
pub fn suggestion_id(finding_id: &str) -> String {
    let slug = slugify(finding_id);
    if slug.len() <= 100 {
        return format!("habitd_{slug}");
    }
    let hash = finding_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("habitd_{}_{hash:016x}", &slug[..80])
}

pub fn drafts(findings: &Findings, context: &Context) -> Vec<Draft> {
    let routines = findings.routines.iter().filter_map(|r| routine(r, context));
    let sequences = findings
        .sequences
        .iter()
        .filter_map(|s| sequence(s, context));
    let synergies = findings
        .synergies
        .iter()
        .filter_map(|y| synergy(y, context));
    let features = findings.unused_features.iter().filter_map(unused_feature);
    let mut out: Vec<Draft> = routines
        .chain(sequences)
        .chain(synergies)
        .chain(features)
        .collect();
    out.retain(|d| {
        let unknown: Vec<&str> =
            d.plan.iter().flat_map(|p| p.entities()).filter(|e| !context.known.contains(*e)).collect();
        if !unknown.is_empty() {
            tracing::warn!(suggestion = %d.id, ?unknown, "dropped a suggestion naming entities Home Assistant does not have");
        }
        unknown.is_empty()
    });
    out
}

/// A routine: at its time, on its days, put the entity in its state.
fn routine(r: &Routine, context: &Context) -> Option<Draft> {
    let action = action_for(&r.entity_id, &r.state)?;
    let conditions = match r.days {
        DayClass::All => vec![],
        DayClass::Weekdays => {
            vec![Condition::Weekdays(vec!["mon", "tue", "wed", "thu", "fri"])]
        }
        DayClass::Weekends => vec![Condition::Weekdays(vec!["sat", "sun"])],
    };
    let days = match r.days {
        DayClass::All => "every day".to_owned(),
        other => format!("on {}", other.as_str()),
    };
    Some(Draft {
        id: suggestion_id(&r.id),
        title: format!(
            "{} {} at {} {days}",
            context.name(&r.entity_id),
            verb(&r.state),
            r.time
        ),
        description: format!(
            "Seen on {} of {} {} at {} ± {:.0} min ({:.0}× more regular than chance would allow).",
            r.days_observed,
            r.days_in_class,
            match r.days {
                DayClass::All => "days",
                DayClass::Weekdays => "weekdays",
                DayClass::Weekends => "weekend days",
            },
            r.time,
            r.spread_minutes,
            r.z.max(0.0)
        ),
        confidence: r.confidence,
        finding: Finding::Routine(r.clone()),
        plan: Some(Plan {
            triggers: vec![Trigger::Time(r.time.clone())],
            conditions,
            actions: vec![action],
            mode: "single",
        }),
    })
}

/// A sequence: when the trigger changes, do what followed it.
fn sequence(s: &Sequence, context: &Context) -> Option<Draft> {
    let action = action_for(&s.action_entity, &s.action_state)?;
    let conditions = match &s.time_window {
        Some((after, before)) => vec![Condition::Between {
            after: after.clone(),
            before: before.clone(),
        }],
        None => vec![],
    };
    let hours = match &s.time_window {
        Some((after, before)) => format!(" between {after} and {before}"),
        None => String::new(),
    };
    Some(Draft {
        id: suggestion_id(&s.id),
        title: format!(
            "{} {} when {} {}{hours}",
            context.name(&s.action_entity),
            verb(&s.action_state),
            context.name(&s.trigger_entity),
            verb(&s.trigger_state)
        ),
        description: format!(
            "{} followed {} of {} times{hours}, {:.0} s later (median; 80 % within {:.0}–{:.0} s). Two independent \
             devices this busy would coincide about {:.0} times.",
            context.name(&s.action_entity),
            s.occurrences,
            s.trigger_count,
            s.delay_median_s,
            s.delay_p10_s,
            s.delay_p90_s,
            s.expected_by_chance
        ),
        confidence: s.confidence,
        finding: Finding::Sequence(s.clone()),
        plan: Some(Plan {
            triggers: vec![Trigger::State {
                entity_id: s.trigger_entity.clone(),
                to: s.trigger_state.clone(),
                for_seconds: None,
            }],
            conditions,
            actions: vec![action],
            mode: "restart",
        }),
    })
}

/// A synergy: the kind's automation between the two devices.
fn synergy(y: &Synergy, context: &Context) -> Option<Draft> {
    let response = y.kind.response();
    let entity_id = y.trigger_entity.clone();
    let trigger = match response.start {
        Start::Becomes { to, for_seconds } => Trigger::State {
            entity_id,
            to: to.into(),
            for_seconds,
        },
        Start::Above(value) => Trigger::Above { entity_id, value },
        Start::Below(value) => Trigger::Below { entity_id, value },
    };
    let action = action_for(&y.action_entity, response.result)?;
    Some(Draft {
        id: suggestion_id(&y.id),
        title: format!(
            "Let {} control {}",
            context.name(&y.trigger_entity),
            context.name(&y.action_entity)
        ),
        description: format!(
            "Both are in {} and nothing links them yet; {} changed {} times in the window.",
            y.area,
            context.name(&y.action_entity),
            y.action_usage
        ),
        confidence: y.confidence,
        finding: Finding::Synergy(y.clone()),
        plan: Some(Plan {
            triggers: vec![trigger],
            conditions: vec![],
            actions: vec![action],
            mode: "restart",
        }),
    })
}

/// An unused feature: advice, with an example automation where one makes
/// sense.
fn unused_feature(f: &UnusedFeature) -> Option<Draft> {
    // An example where one makes sense: warm light in the evening.
    let plan = match (f.property.starts_with("color_temp"), &f.entity_id) {
        (true, Some(light)) if light.starts_with("light.") => Some(Plan {
            triggers: vec![Trigger::Sunset],
            conditions: vec![],
            actions: vec![automation::Action {
                service: "light.turn_on".into(),
                entity_id: light.clone(),
                data: Some(serde_json::json!({ "color_temp_kelvin": 2700 })),
            }],
            mode: "single",
        }),
        _ => None,
    };
    Some(Draft {
        id: suggestion_id(&f.id),
        title: format!("Try {} on {}", f.name.to_lowercase(), f.device),
        description: if f.write_only {
            format!(
                "{} can set {} ({}); it never reports it, so habitd cannot tell whether it is used.",
                f.device, f.name, f.property
            )
        } else {
            format!(
                "{} can set {} ({}), and it has not changed in the whole window.",
                f.device, f.name, f.property
            )
        },
        confidence: (f.score / 40.0).min(0.9),
        finding: Finding::UnusedFeature(f.clone()),
        plan,
    })
}

/// "turns on", "opens", "locks" … for a resulting state.
fn verb(state: &str) -> String {
    match state {
        "on" => "on".into(),
        "off" => "off".into(),
        "open" => "opens".into(),
        "closed" => "closes".into(),
        "locked" => "locks".into(),
        "unlocked" => "unlocks".into(),
        "playing" => "plays".into(),
        other => format!("→ {other}"),
    }
}

#[cfg(test)]
mod tests;
