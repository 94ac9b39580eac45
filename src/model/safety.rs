//! What habitd never suggests from a habit and never deploys, whoever asks.
//!
//! A habit is evidence that people do something, not that a machine should:
//! unlocking a door because it usually happens at 07:37, or switching on a
//! microwave because the fridge opened, would turn a coincidence (or a
//! back-dated message from anyone on the broker) into a break-in or a fire.
//! [`Policy::hazard`] names the [`Hazard`] of putting an entity into a state
//! for a given [`Cause`]; the suggestions drop such drafts and `deploy`
//! refuses such automations, so a suggestion that slipped through (an older
//! database, a changed policy) still never reaches Home Assistant.
//!
//! Locking, closing and switching off stay fine. The word lists and the
//! extra entity patterns come from `[safety]` in the configuration.

use super::naming::domain;

/// Why an automation would act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// At a time of day (a routine: "coffee machine on at 06:35").
    TimeOfDay,
    /// Because another device changed (a sequence or a synergy).
    OtherDevice,
}

/// A kind of action habitd never takes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hazard {
    Unlock,
    OpenGarageDoorOrGate,
    DisarmAlarm,
    OpenValve,
    SwitchOnHeat,
    /// An appliance switched on or off because another device changed (a
    /// microwave when the fridge opens; a running dryer when a door does).
    ApplianceOnCue,
    /// The entity matches `safety.never_entities`.
    Listed,
}

impl Hazard {
    /// What it would do, for logs and error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Hazard::Unlock => "unlock a lock",
            Hazard::OpenGarageDoorOrGate => "open a garage door or gate",
            Hazard::DisarmAlarm => "disarm an alarm",
            Hazard::OpenValve => "open a valve",
            Hazard::SwitchOnHeat => "switch on a heater, oven or other source of heat",
            Hazard::ApplianceOnCue => {
                "switch an appliance on or off because another device changed"
            }
            Hazard::Listed => "act on an entity listed in safety.never_entities",
        }
    }
}

/// The entity an action targets, with what Home Assistant says about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    pub entity_id: &'a str,
    pub device_class: Option<&'a str>,
    pub friendly_name: Option<&'a str>,
}

/// The configured policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Policy {
    /// Words in an entity id or name that mark a source of heat (`oven`).
    pub heat_words: Vec<String>,
    /// Words that mark an appliance (`microwave`, `coffee`).
    pub appliance_words: Vec<String>,
    /// Entity id patterns (`*` wildcards) never acted on at all.
    pub never_entities: Vec<String>,
}

impl Policy {
    /// The hazard of putting `target` into state `to` for `cause`, if any.
    pub fn hazard(&self, target: Target<'_>, to: &str, cause: Cause) -> Option<Hazard> {
        let id = target.entity_id;
        let to = to.to_ascii_lowercase();
        let off = matches!(
            to.as_str(),
            "off" | "closed" | "closing" | "locked" | "locking" | "idle" | "docked" | "paused"
        ) || to.starts_with("armed");
        if self
            .never_entities
            .iter()
            .any(|pattern| wildmatch::WildMatch::new(pattern).matches(id))
        {
            return Some(Hazard::Listed);
        }
        let words = |list: &[String]| mentions(target, list);
        let switches = matches!(
            domain(id),
            "switch" | "input_boolean" | "light" | "fan" | "humidifier" | "script" | "scene"
        );
        // A relay, a helper, a script or a scene can open a garage door or
        // disarm an alarm too, and on or off may mean either: only the name
        // tells, so a name that says so is refused whatever the state.
        if matches!(
            domain(id),
            "switch" | "input_boolean" | "script" | "scene" | "button" | "input_button"
        ) {
            if has_token(
                target,
                &["garage", "garages", "garagedoor", "gate", "gates"],
            ) {
                return Some(Hazard::OpenGarageDoorOrGate);
            }
            if has_token(target, &["lock", "locks", "unlock", "doorlock", "deadbolt"]) {
                return Some(Hazard::Unlock);
            }
            if has_token(target, &["alarm", "alarms", "disarm", "arm", "armed"]) {
                return Some(Hazard::DisarmAlarm);
            }
        }
        // An appliance's use is its own business, on or off: co-occurrence
        // with a door is no reason to stop a running dryer either.
        if switches
            && domain(id) != "light"
            && cause == Cause::OtherDevice
            && (words(&self.appliance_words) || target.device_class == Some("outlet"))
        {
            return Some(Hazard::ApplianceOnCue);
        }
        if off {
            return None;
        }
        let class = target.device_class.unwrap_or_default();
        match domain(id) {
            "lock" => return Some(Hazard::Unlock),
            "alarm_control_panel" => return Some(Hazard::DisarmAlarm),
            "valve" => return Some(Hazard::OpenValve),
            "cover"
                if matches!(class, "garage" | "gate" | "door")
                    || mentions(target, &["garage".into(), "gate".into()]) =>
            {
                return Some(Hazard::OpenGarageDoorOrGate);
            }
            "climate" if to != "cool" && to != "dry" && to != "fan_only" => {
                return Some(Hazard::SwitchOnHeat);
            }
            "water_heater" => return Some(Hazard::SwitchOnHeat),
            _ => {}
        }
        if mentions(target, &["valve".into()]) {
            return Some(Hazard::OpenValve);
        }
        if switches && words(&self.heat_words) {
            return Some(Hazard::SwitchOnHeat);
        }
        None
    }
}

/// Whether the entity's object id or name has one of `words` as a whole
/// word (`lock` in `switch.front_door_lock`, not in `switch.clock_radio`).
fn has_token(target: Target<'_>, words: &[&str]) -> bool {
    let object = target
        .entity_id
        .split_once('.')
        .map_or(target.entity_id, |(_, o)| o);
    let name = target.friendly_name.unwrap_or_default();
    [object, name].iter().any(|text| {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|token| words.contains(&token))
    })
}

/// Whether the entity id or its name contains one of `words` (as a word
/// part: `microwave` in `switch.kitchen_microwave_plug`).
fn mentions(target: Target<'_>, words: &[String]) -> bool {
    let id = target.entity_id.to_ascii_lowercase();
    let name = target.friendly_name.unwrap_or_default().to_lowercase();
    words.iter().any(|w| {
        let w = w.to_lowercase();
        !w.is_empty() && (id.contains(&w) || name.contains(&w))
    })
}

/// The state an entity is put in by a Home Assistant service, as far as
/// safety is concerned: `None` for a service that changes no state worth
/// judging. Unknown services on risky domains count as opening them.
pub fn state_after(service: &str, hvac_mode: Option<&str>) -> Option<String> {
    let (service_domain, name) = service.split_once('.')?;
    let state = match (service_domain, name) {
        (_, "turn_off" | "close_cover" | "close_valve" | "lock" | "return_to_base" | "stop") => {
            "off"
        }
        (_, n) if n.starts_with("alarm_arm") => "armed",
        ("climate", "set_hvac_mode") => return Some(hvac_mode.unwrap_or("heat").to_owned()),
        ("lock" | "alarm_control_panel" | "valve" | "cover" | "climate" | "water_heater", _) => {
            "open"
        }
        (_, "turn_on" | "toggle" | "start" | "media_play") => "on",
        _ => return None,
    };
    Some(state.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            heat_words: ["heater", "oven", "stove", "kettle"]
                .map(String::from)
                .into(),
            appliance_words: ["microwave", "coffee", "dryer"].map(String::from).into(),
            never_entities: vec!["switch.aquarium_*".into()],
        }
    }

    fn check(entity_id: &str, class: Option<&str>, to: &str, cause: Cause) -> Option<Hazard> {
        let target = Target {
            entity_id,
            device_class: class,
            friendly_name: None,
        };
        policy().hazard(target, to, cause)
    }

    #[test]
    fn the_documented_hazards() {
        use Cause::*;
        use Hazard::*;
        assert_eq!(
            check("lock.front_door", None, "unlocked", TimeOfDay),
            Some(Unlock)
        );
        assert_eq!(
            check("lock.front_door", None, "open", OtherDevice),
            Some(Unlock)
        );
        assert_eq!(check("lock.front_door", None, "locked", OtherDevice), None);
        assert_eq!(
            check("cover.garage", Some("garage"), "open", TimeOfDay),
            Some(OpenGarageDoorOrGate)
        );
        assert_eq!(
            check("cover.driveway_gate", None, "open", TimeOfDay),
            Some(OpenGarageDoorOrGate)
        );
        assert_eq!(
            check("cover.garage", Some("garage"), "closed", TimeOfDay),
            None
        );
        assert_eq!(
            check("cover.bedroom_blind", Some("blind"), "open", TimeOfDay),
            None
        );
        assert_eq!(
            check("alarm_control_panel.home", None, "disarmed", TimeOfDay),
            Some(DisarmAlarm)
        );
        assert_eq!(
            check("alarm_control_panel.home", None, "armed_away", TimeOfDay),
            None
        );
        assert_eq!(
            check("valve.garden", None, "open", TimeOfDay),
            Some(OpenValve)
        );
        assert_eq!(
            check("switch.garden_valve", None, "on", TimeOfDay),
            Some(OpenValve)
        );
        assert_eq!(
            check("climate.living", None, "heat", TimeOfDay),
            Some(SwitchOnHeat)
        );
        assert_eq!(check("climate.living", None, "off", TimeOfDay), None);
        assert_eq!(
            check("switch.oven", None, "on", TimeOfDay),
            Some(SwitchOnHeat)
        );
        assert_eq!(
            check("switch.bathroom_heater", None, "off", OtherDevice),
            None
        );
        // A coffee machine at 06:35 is fine; a microwave because the
        // fridge opened is not.
        assert_eq!(check("switch.coffee_machine", None, "on", TimeOfDay), None);
        assert_eq!(
            check("switch.microwave", None, "on", OtherDevice),
            Some(ApplianceOnCue)
        );
        assert_eq!(
            check("switch.plug_3", Some("outlet"), "on", OtherDevice),
            Some(ApplianceOnCue)
        );
        assert_eq!(
            check("switch.dryer", None, "off", OtherDevice),
            Some(ApplianceOnCue)
        );
        assert_eq!(check("switch.dryer", None, "off", TimeOfDay), None);
        assert_eq!(check("light.hallway", None, "on", OtherDevice), None);
        // Relays, helpers and scripts by what their names say, on or off.
        assert_eq!(
            check("switch.garage_door", None, "on", OtherDevice),
            Some(OpenGarageDoorOrGate)
        );
        assert_eq!(
            check("script.open_gate", None, "on", TimeOfDay),
            Some(OpenGarageDoorOrGate)
        );
        assert_eq!(
            check("input_boolean.alarm_armed", None, "off", TimeOfDay),
            Some(DisarmAlarm)
        );
        assert_eq!(
            check("switch.front_door_lock", None, "off", TimeOfDay),
            Some(Unlock)
        );
        assert_eq!(check("switch.clock_radio", None, "on", TimeOfDay), None);
        assert_eq!(
            check("switch.aquarium_pump", None, "off", TimeOfDay),
            Some(Listed)
        );
    }

    #[test]
    fn names_count_as_much_as_ids() {
        let target = Target {
            entity_id: "switch.plug_7",
            device_class: None,
            friendly_name: Some("Kitchen Microwave"),
        };
        assert_eq!(
            policy().hazard(target, "on", Cause::OtherDevice),
            Some(Hazard::ApplianceOnCue)
        );
    }

    #[test]
    fn services_map_to_the_state_they_cause() {
        assert_eq!(state_after("lock.unlock", None).as_deref(), Some("open"));
        assert_eq!(state_after("lock.open", None).as_deref(), Some("open"));
        assert_eq!(state_after("lock.lock", None).as_deref(), Some("off"));
        assert_eq!(state_after("switch.turn_on", None).as_deref(), Some("on"));
        assert_eq!(state_after("switch.toggle", None).as_deref(), Some("on"));
        assert_eq!(
            state_after("climate.set_hvac_mode", Some("cool")).as_deref(),
            Some("cool")
        );
        assert_eq!(
            state_after("climate.set_temperature", None).as_deref(),
            Some("open")
        );
        assert_eq!(
            state_after("alarm_control_panel.alarm_arm_away", None).as_deref(),
            Some("armed")
        );
        assert_eq!(state_after("notify.mobile", None), None);
    }
}
