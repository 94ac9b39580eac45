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
pub mod words;

use std::collections::{HashMap, HashSet};

use crate::analysis::features::UnusedFeature;
use crate::analysis::routines::{DayClass, Routine};
use crate::analysis::sequences::Sequence;
use crate::analysis::synergies::Synergy;
use crate::analysis::{Finding, Findings};
use crate::model::safety::{self, Cause, Policy, Target};
use crate::model::slugify;
use crate::model::synergy::Start;
use automation::{Branch, Condition, Plan, Trigger, action_for};

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
    /// What Home Assistant knows of the window's entities, and the policy.
    /// Zigbee2MQTT properties Home Assistant has no entity for
    /// (`zigbee2mqtt.…`) are left out: no automation can name them.
    pub fn from_window(window: &crate::analysis::Window, policy: Policy) -> Context {
        let mut context = Context {
            policy: Some(policy),
            ..Context::default()
        };
        for e in &window.entities {
            if e.entity_id.starts_with("zigbee2mqtt.") {
                continue;
            }
            context.known.insert(e.entity_id.clone());
            if let Some(name) = &e.friendly_name {
                context.names.insert(e.entity_id.clone(), name.clone());
            }
            if let Some(class) = &e.device_class {
                context
                    .device_classes
                    .insert(e.entity_id.clone(), class.clone());
            }
        }
        context
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
        for (triggers, action) in plan.steps() {
            // Only the clock (or the entity's own earlier change: "off 22
            // minutes after on") starting it, or another device: judged for
            // each action with the triggers that lead to it.
            let own_or_clock = |t: &&Trigger| match t {
                Trigger::Time(_) | Trigger::Sunset => true,
                Trigger::State { entity_id, .. }
                | Trigger::Above { entity_id, .. }
                | Trigger::Below { entity_id, .. } => *entity_id == action.entity_id,
            };
            let cause = if triggers.iter().all(own_or_clock) {
                Cause::TimeOfDay
            } else {
                Cause::OtherDevice
            };
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

/// A routine: at its time, on its days, put the entity in its state; and
/// back, at its own time or a steady while later, when that is part of the
/// habit.
fn routine(r: &Routine, context: &Context) -> Option<Draft> {
    let action = action_for(&r.entity_id, &r.state)?;
    let conditions = match r.days {
        DayClass::All => vec![],
        DayClass::Weekdays => {
            vec![Condition::Weekdays(vec!["mon", "tue", "wed", "thu", "fri"])]
        }
        DayClass::Weekends => vec![Condition::Weekdays(vec!["sat", "sun"])],
    };
    let (days, day_nouns) = match r.days {
        DayClass::All => ("every day", "days"),
        DayClass::Weekdays => ("on weekdays", "weekdays"),
        DayClass::Weekends => ("at weekends", "weekend days"),
    };
    let thing = words::thing(&r.entity_id, context);
    let mut title = format!(
        "{} at {} {days}",
        words::command(&r.entity_id, &r.state, &thing),
        r.time
    );
    let mut description = format!(
        "On {} of {} {day_nouns}, {} of {}.",
        r.days_observed,
        r.days_in_class,
        words::within(r.within_minutes),
        r.time
    );
    if r.exceptions > 0 {
        description.push_str(&format!(
            " On {} other {} it happened much earlier or later; those are left out.",
            r.exceptions,
            if r.exceptions == 1 { "day" } else { "days" }
        ));
    }
    let mut plan = Plan::simple(
        vec![Trigger::Time(r.time.clone())],
        conditions,
        vec![action.clone()],
        "single",
    );
    if let Some(end) = &r.end
        && let Some(undo) = action_for(&r.entity_id, &end.state)
    {
        let (end_trigger, end_words) = match end.after_minutes {
            Some(after) => (
                Trigger::State {
                    entity_id: r.entity_id.clone(),
                    to: r.state.clone(),
                    for_seconds: Some((after * 60.0).round() as u32),
                },
                format!("{} again {} minutes later", words::back(&end.state), after),
            ),
            None => (
                Trigger::Time(end.time.clone()),
                format!("{} at {}", words::back(&end.state), end.time),
            ),
        };
        title = format!("{title}, {end_words}");
        description.push_str(&match end.after_spread_minutes {
            Some(spread) => format!(
                " It goes {} again about {:.0} minutes later (give or take {:.0}), steadier than any time of day.",
                words::back(&end.state),
                end.after_minutes.unwrap_or_default(),
                spread.max(1.0)
            ),
            None => format!(
                " It goes {} at about {} (on {} days).",
                words::back(&end.state),
                end.time,
                end.days_observed
            ),
        });
        // The end only after the start's own time: a light switched on by
        // hand in the evening is not switched off by this.
        let end_conditions = match end.after_minutes {
            Some(_) => vec![Condition::Between {
                after: r.time.clone(),
                before: stats_clock(r.center_minutes + 180.0),
            }],
            None => vec![],
        };
        plan.triggers.clear();
        plan.actions.clear();
        plan.branches = vec![
            Branch {
                id: "start",
                trigger: Trigger::Time(r.time.clone()),
                conditions: vec![],
                actions: vec![action],
            },
            Branch {
                id: "end",
                trigger: end_trigger,
                conditions: end_conditions,
                actions: vec![undo],
            },
        ];
    }
    Some(Draft {
        id: suggestion_id(&r.id),
        title: words::sentence(&title),
        description,
        confidence: r.confidence,
        finding: Finding::Routine(r.clone()),
        plan: Some(plan),
    })
}

/// `hh:mm` of minutes after midnight (wrapping).
fn stats_clock(minutes: f64) -> String {
    crate::analysis::stats::clock(minutes)
}

/// A sequence: when the trigger changes, do what followed it; and undo it
/// a while after the trigger goes back, when the data shows that too.
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
        Some((after, before)) => format!(" {}", words::hours(after, before)),
        None => String::new(),
    };
    let (trigger, target) = (
        words::thing(&s.trigger_entity, context),
        words::thing(&s.action_entity, context),
    );
    let mut title = format!(
        "When {trigger} {}{hours}, {}",
        words::happens(&s.trigger_entity, &s.trigger_state, context),
        words::command(&s.action_entity, &s.action_state, &target)
    );
    let mut description = format!(
        "{} of {} times{hours}, {} later (on {} days); by chance this would happen {}.",
        s.occurrences,
        s.trigger_count,
        words::duration(s.delay_median_s),
        s.days,
        words::chance(s.expected_by_chance)
    );
    let on = Trigger::State {
        entity_id: s.trigger_entity.clone(),
        to: s.trigger_state.clone(),
        for_seconds: None,
    };
    let mut plan = Plan::simple(
        vec![on.clone()],
        conditions,
        vec![action.clone()],
        "restart",
    );
    if let Some(release) = &s.release
        && let Some(undo) = action_for(&s.action_entity, &release.action_state)
    {
        let after = words::duration(release.delay_median_s);
        let stops = words::happens(&s.trigger_entity, &release.trigger_state, context);
        title = format!(
            "{title}, and {} again {after} after it {stops}",
            words::back(&release.action_state)
        );
        description.push_str(&format!(
            " It goes {} again {after} after {trigger} {stops} ({} times).",
            words::back(&release.action_state),
            release.occurrences
        ));
        // The hours hold for the start only: a light switched on at 22:58
        // still goes off after 23:00.
        let start_conditions = std::mem::take(&mut plan.conditions);
        plan.triggers.clear();
        plan.actions.clear();
        plan.branches = vec![
            Branch {
                id: "start",
                trigger: on,
                conditions: start_conditions,
                actions: vec![action],
            },
            Branch {
                id: "end",
                trigger: Trigger::State {
                    entity_id: s.trigger_entity.clone(),
                    to: release.trigger_state.clone(),
                    for_seconds: Some(release.delay_median_s.round().max(1.0) as u32),
                },
                conditions: vec![],
                actions: vec![undo],
            },
        ];
    }
    Some(Draft {
        id: suggestion_id(&s.id),
        title: words::sentence(&title),
        description,
        confidence: s.confidence,
        finding: Finding::Sequence(s.clone()),
        plan: Some(plan),
    })
}

/// A synergy: the kind's automation between the two devices.
fn synergy(y: &Synergy, context: &Context) -> Option<Draft> {
    let response = y.kind.response();
    let entity_id = y.trigger_entity.clone();
    let sensor = words::thing(&y.trigger_entity, context);
    let (trigger, when) = match response.start {
        Start::Becomes { to, for_seconds } => (
            Trigger::State {
                entity_id,
                to: to.into(),
                for_seconds,
            },
            format!(
                "{sensor} {}",
                words::happens(&y.trigger_entity, to, context)
            ),
        ),
        Start::Above(value) => (
            Trigger::Above { entity_id, value },
            format!("{sensor} goes above {value}"),
        ),
        Start::Below(value) => (
            Trigger::Below { entity_id, value },
            format!("{sensor} falls below {value}"),
        ),
    };
    let action = action_for(&y.action_entity, response.result)?;
    let target = words::thing(&y.action_entity, context);
    Some(Draft {
        id: suggestion_id(&y.id),
        title: words::sentence(&format!(
            "When {when}, {}",
            words::command(&y.action_entity, response.result, &target)
        )),
        description: format!(
            "Both are in the {} and nothing links them yet; {target} changed {} times in the window.",
            y.area, y.action_usage
        ),
        confidence: y.confidence,
        finding: Finding::Synergy(y.clone()),
        plan: Some(Plan::simple(vec![trigger], vec![], vec![action], "restart")),
    })
}

/// An unused feature: advice, with an example automation where one makes
/// sense.
fn unused_feature(f: &UnusedFeature) -> Option<Draft> {
    // An example where one makes sense: warm light in the evening.
    let plan = match (f.property.starts_with("color_temp"), &f.entity_id) {
        (true, Some(light)) if light.starts_with("light.") => Some(Plan::simple(
            vec![Trigger::Sunset],
            vec![],
            vec![automation::Action {
                service: "light.turn_on".into(),
                entity_id: light.clone(),
                data: Some(serde_json::json!({ "color_temp_kelvin": 2700 })),
            }],
            "single",
        )),
        _ => None,
    };
    Some(Draft {
        id: suggestion_id(&f.id),
        title: format!(
            "Try the {} of the {}",
            f.name.to_lowercase().replace('_', " "),
            f.device.replace(['/', '_'], " ")
        ),
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

#[cfg(test)]
mod tests;
