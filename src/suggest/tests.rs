//! Drafts from findings: stable ids, plans, and the unknown-entity rule.

use super::*;
use crate::analysis::routines::Routine;
use crate::analysis::sequences::Sequence;

fn routine() -> Routine {
    Routine {
        id: "routine:light.kitchen:on:weekdays".into(),
        entity_id: "light.kitchen".into(),
        state: "on".into(),
        days: DayClass::Weekdays,
        time: "06:45".into(),
        center_minutes: 405.0,
        spread_minutes: 5.2,
        within_minutes: 3.0,
        days_observed: 18,
        days_in_class: 20,
        exceptions: 0,
        share: 0.9,
        z: 9.1,
        confidence: 0.9,
        end: None,
    }
}

fn sequence(action: &str) -> Sequence {
    Sequence {
        id: format!("sequence:binary_sensor.hall_motion:on:{action}:on"),
        trigger_entity: "binary_sensor.hall_motion".into(),
        trigger_state: "on".into(),
        action_entity: action.into(),
        action_state: "on".into(),
        occurrences: 120,
        trigger_count: 130,
        action_count: 125,
        days: 25,
        follows: 0.92,
        precedes: 0.96,
        expected_by_chance: 3.0,
        z: 40.0,
        horizon_s: 12.0,
        delay_median_s: 4.0,
        delay_p10_s: 2.0,
        delay_p90_s: 7.0,
        time_window: Some(("18:00".into(), "23:00".into())),
        confidence: 0.9,
        release: None,
    }
}

fn context() -> Context {
    Context {
        known: ["light.kitchen", "binary_sensor.hall_motion", "light.hall"]
            .map(String::from)
            .into(),
        names: [("light.kitchen".to_owned(), "Kitchen light".to_owned())].into(),
        ..Default::default()
    }
}

#[test]
fn a_routine_becomes_a_weekday_time_automation_with_its_evidence() {
    let findings = Findings {
        routines: vec![routine()],
        ..Default::default()
    };
    let d = &drafts(&findings, &context())[0];
    assert_eq!(d.id, "habitd_routine_light_kitchen_on_weekdays");
    assert_eq!(d.title, "Turn on the kitchen light at 06:45 on weekdays");
    assert_eq!(
        d.description,
        "On 18 of 20 weekdays, within 3 minutes of 06:45."
    );
    let config = automation::render(
        &d.id,
        &d.title,
        &d.description,
        d.plan.as_ref().unwrap(),
        crate::model::Syntax::Current,
    );
    assert_eq!(config["triggers"][0]["at"], "06:45:00");
    assert_eq!(config["conditions"][0]["weekday"][0], "mon");
    assert_eq!(config["actions"][0]["target"]["entity_id"], "light.kitchen");
}

#[test]
fn a_sequence_keeps_its_hours_as_a_condition() {
    let findings = Findings {
        sequences: vec![sequence("light.hall")],
        ..Default::default()
    };
    let d = &drafts(&findings, &context())[0];
    let plan = d.plan.as_ref().unwrap();
    assert_eq!(
        plan.conditions,
        vec![Condition::Between {
            after: "18:00".into(),
            before: "23:00".into()
        }]
    );
    assert!(
        matches!(&plan.triggers[0], Trigger::State { entity_id, to, .. } if entity_id == "binary_sensor.hall_motion" && to == "on")
    );
}

#[test]
fn on_and_off_become_one_automation_with_trigger_ids() {
    let mut r = routine();
    r.end = Some(crate::analysis::times::End {
        state: "off".into(),
        time: "07:40".into(),
        spread_minutes: 6.0,
        days_observed: 17,
        after_minutes: None,
        after_spread_minutes: None,
    });
    let findings = Findings {
        routines: vec![r.clone()],
        ..Default::default()
    };
    let d = &drafts(&findings, &context())[0];
    assert_eq!(
        d.title,
        "Turn on the kitchen light at 06:45 on weekdays, off at 07:40"
    );
    let config = automation::render(
        &d.id,
        &d.title,
        "",
        d.plan.as_ref().unwrap(),
        crate::model::Syntax::Current,
    );
    assert_eq!(config["triggers"][1]["at"], "07:40:00");
    assert_eq!(config["triggers"][1]["id"], "end");
    assert_eq!(config["conditions"][0]["weekday"][0], "mon");
    assert_eq!(
        config["actions"][0]["choose"][1]["sequence"][0]["action"],
        "light.turn_off"
    );

    // When the duration is steadier: off that long after on, and only after
    // the routine's own start.
    r.end.as_mut().unwrap().after_minutes = Some(55.0);
    r.end.as_mut().unwrap().after_spread_minutes = Some(1.0);
    let findings = Findings {
        routines: vec![r],
        ..Default::default()
    };
    let d = &drafts(&findings, &context())[0];
    assert!(
        d.title.ends_with(", off again 55 minutes later"),
        "{}",
        d.title
    );
    let plan = d.plan.as_ref().unwrap();
    assert_eq!(
        plan.branches[1].trigger,
        Trigger::State {
            entity_id: "light.kitchen".into(),
            to: "on".into(),
            for_seconds: Some(3300)
        }
    );
}

#[test]
fn a_sequence_reads_as_what_happens_with_its_evidence() {
    let mut s = sequence("light.hall");
    s.release = Some(crate::analysis::sequences::Release {
        trigger_state: "off".into(),
        action_state: "off".into(),
        occurrences: 100,
        delay_median_s: 130.0,
    });
    let mut context = context();
    context
        .device_classes
        .insert("binary_sensor.hall_motion".into(), "motion".into());
    let findings = Findings {
        sequences: vec![s],
        ..Default::default()
    };
    let d = &drafts(&findings, &context)[0];
    assert_eq!(
        d.title,
        "When the hall motion sensor detects motion in the evening, turn on the hall light, and off again about 2 minutes after it stops detecting motion"
    );
    assert!(
        d.description
            .starts_with("120 of 130 times in the evening, about 4 s later (on 25 days); by chance this would happen about 3 times."),
        "{}",
        d.description
    );
    let plan = d.plan.as_ref().unwrap();
    // The evening holds for switching on; switching off follows the motion.
    assert!(plan.conditions.is_empty());
    assert_eq!(plan.branches[0].conditions.len(), 1);
    assert_eq!(
        plan.branches[1].trigger,
        Trigger::State {
            entity_id: "binary_sensor.hall_motion".into(),
            to: "off".into(),
            for_seconds: Some(130)
        }
    );
}

#[test]
fn ids_are_stable_and_unknown_entities_drop_the_draft() {
    let findings = Findings {
        routines: vec![routine()],
        sequences: vec![sequence("light.nowhere")],
        ..Default::default()
    };
    let first = drafts(&findings, &context());
    let again = drafts(&findings, &context());
    assert_eq!(first, again);
    assert_eq!(
        first.len(),
        1,
        "the sequence names light.nowhere: {first:#?}"
    );
    let long = suggestion_id(&"x".repeat(300));
    assert!(long.len() < 120 && long.starts_with("habitd_"));
    assert_eq!(long, suggestion_id(&"x".repeat(300)));
}

#[test]
fn synergies_become_automations_of_their_kind() {
    use crate::model::SynergyKind;
    let synergy =
        |kind: SynergyKind, trigger: &str, action: &str| crate::analysis::synergies::Synergy {
            id: format!("synergy:{kind}:{trigger}:{action}"),
            kind,
            trigger_entity: trigger.into(),
            action_entity: action.into(),
            area: "hall".into(),
            action_usage: 40,
            confidence: 0.5,
        };
    let findings = Findings {
        synergies: vec![
            synergy(
                SynergyKind::MotionLight,
                "binary_sensor.hall_motion",
                "light.hall",
            ),
            synergy(
                SynergyKind::DoorLock,
                "binary_sensor.front_door",
                "lock.front",
            ),
            synergy(SynergyKind::HumidityFan, "sensor.bath_humidity", "fan.bath"),
        ],
        ..Default::default()
    };
    let known = [
        "binary_sensor.hall_motion",
        "light.hall",
        "binary_sensor.front_door",
        "lock.front",
        "sensor.bath_humidity",
        "fan.bath",
    ];
    let context = Context {
        known: known.map(String::from).into(),
        ..Default::default()
    };
    let plans: Vec<Plan> = drafts(&findings, &context)
        .into_iter()
        .map(|d| d.plan.unwrap())
        .collect();
    assert_eq!(
        plans[0].triggers,
        vec![Trigger::State {
            entity_id: "binary_sensor.hall_motion".into(),
            to: "on".into(),
            for_seconds: None
        }]
    );
    assert_eq!(plans[0].actions[0].service, "light.turn_on");
    assert_eq!(
        plans[1].triggers,
        vec![Trigger::State {
            entity_id: "binary_sensor.front_door".into(),
            to: "off".into(),
            for_seconds: Some(300)
        }]
    );
    assert_eq!(plans[1].actions[0].service, "lock.lock");
    assert_eq!(
        plans[2].triggers,
        vec![Trigger::Above {
            entity_id: "sensor.bath_humidity".into(),
            value: 70.0
        }]
    );
    assert_eq!(plans[2].actions[0].service, "fan.turn_on");
}

#[test]
fn unsafe_actions_are_never_suggested() {
    use crate::model::SynergyKind;
    let config = crate::config::load_from(None, []).unwrap().config;
    let routine = |entity: &str, state: &str| Routine {
        id: format!("routine:{entity}:{state}:weekdays"),
        entity_id: entity.into(),
        state: state.into(),
        days: DayClass::Weekdays,
        time: "06:35".into(),
        center_minutes: 395.0,
        spread_minutes: 4.0,
        within_minutes: 6.0,
        days_observed: 18,
        days_in_class: 20,
        exceptions: 0,
        share: 0.9,
        z: 9.0,
        confidence: 0.9,
        end: None,
    };
    let findings = Findings {
        routines: vec![
            routine("lock.front_door", "unlocked"),
            routine("switch.coffee_machine", "on"),
            routine("cover.garage_door", "open"),
            routine("switch.oven", "on"),
        ],
        synergies: vec![crate::analysis::synergies::Synergy {
            id: "synergy:door_lock:binary_sensor.front_door:lock.front_door".into(),
            kind: SynergyKind::DoorLock,
            trigger_entity: "binary_sensor.front_door".into(),
            action_entity: "lock.front_door".into(),
            area: "hall".into(),
            action_usage: 40,
            confidence: 0.5,
        }],
        ..Default::default()
    };
    let known = [
        "lock.front_door",
        "switch.coffee_machine",
        "cover.garage_door",
        "switch.oven",
        "binary_sensor.front_door",
    ];
    let context = Context {
        known: known.map(String::from).into(),
        device_classes: [("cover.garage_door".to_owned(), "garage".to_owned())].into(),
        policy: Some(config.safety),
        ..Default::default()
    };
    let mut all = drafts(&findings, &context);
    assert_eq!(all.len(), 5);
    // (The coffee machine's routine is kept: at a time of day is fine.)
    assert_eq!(refuse_unsafe(&mut all, &context), 3);
    let kept: Vec<&str> = all.iter().map(|d| d.finding.id()).collect();
    assert_eq!(
        kept,
        [
            "routine:switch.coffee_machine:on:weekdays",
            "synergy:door_lock:binary_sensor.front_door:lock.front_door"
        ]
    );
}
