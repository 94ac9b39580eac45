//! `mqtt_statestream`: one retained topic per entity and attribute.
//!
//! `<base>/<domain>/<object_id>/state` carries the raw state string. It has
//! no context and no old state, and the broker replays the retained state of
//! every entity on subscribe: a message with the retain flag set is a
//! snapshot of the present, not something that just happened (the caller,
//! which sees the flag, treats it as a baseline).

use crate::model::{Origin, StateChange};

/// Decodes a statestream message whose topic is `<base>/<rest>`; `rest` is
/// the part after the base. `Ok(None)`: an attribute topic. The caller tells
/// a replay (`retain`) from a live state: a replay is only a baseline.
pub fn decode(
    rest: &str,
    payload: &[u8],
    now: jiff::Timestamp,
) -> Result<Option<StateChange>, String> {
    let mut parts = rest.split('/');
    let (Some(domain), Some(object), Some(leaf), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("{rest:?} is not <domain>/<object_id>/<attribute>"));
    };
    if leaf != "state" {
        return Ok(None);
    }
    let entity_id = format!("{domain}.{object}");
    if !super::is_entity_id(&entity_id) {
        return Err(format!("{entity_id:?} is not an entity id"));
    }
    let state = std::str::from_utf8(payload).map_err(|_| "state is not UTF-8".to_owned())?;
    Ok(Some(StateChange {
        entity_id,
        at: now,
        state: state.trim().to_owned(),
        old_state: None,
        origin: Origin::Device,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_decode_attributes_do_not() {
        let now = jiff::Timestamp::UNIX_EPOCH;
        let c = decode("light/kitchen/state", b"on", now).unwrap().unwrap();
        assert_eq!(
            (c.entity_id.as_str(), c.state.as_str()),
            ("light.kitchen", "on")
        );
        assert_eq!(decode("light/kitchen/brightness", b"200", now), Ok(None));
        assert!(decode("light/kitchen", b"on", now).is_err());
        assert!(decode("light/Kitchen Lamp/state", b"on", now).is_err());
    }
}
