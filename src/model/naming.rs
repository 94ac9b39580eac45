//! How Home Assistant names things: entity ids, their domains, slugs, and
//! the text a JSON value shows as a state.

use serde_json::Value;

/// The part of an entity id before the dot (`light` in `light.kitchen`).
pub fn domain(entity_id: &str) -> &str {
    entity_id.split_once('.').map_or(entity_id, |(d, _)| d)
}

/// Home Assistant's slugify for object ids, for ASCII names:
/// `living_room/Ceiling Light` → `living_room_ceiling_light`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// A JSON scalar as the text Home Assistant would show (`true`, `ON`, `3`).
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_like_home_assistant() {
        assert_eq!(
            slugify("living_room/ceiling_light"),
            "living_room_ceiling_light"
        );
        assert_eq!(slugify("  Kitchen -- Light 2 "), "kitchen_light_2");
    }
}

/// `text` cut to at most `max` bytes, at a character boundary (for what is
/// published of texts that may quote somebody else's input).
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod truncate_tests {
    #[test]
    fn truncation_keeps_whole_characters() {
        use super::truncate;
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }
}
