//! `habitd suggestions …`: list and show suggestions, decide on them, and
//! deploy or undeploy their automations, directly on the database (and Home
//! Assistant's REST API for deploying).

use super::out;
use crate::cli::SuggestionsCommand;
use crate::config::Config;
use crate::db::Db;
use crate::db::suggestions;
use crate::db::suggestions::Suggestion;
use crate::model::Decision;

pub(super) async fn command(config: &Config, command: SuggestionsCommand) -> anyhow::Result<()> {
    use SuggestionsCommand as C;
    let db = Db::open_async(&config.database).await?;
    match command {
        C::List { status, json } => {
            let list = db.run(move |conn| suggestions::list(conn, status)).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                out!(
                    "no suggestions{}",
                    status
                        .map(|s| format!(" with status {s}"))
                        .unwrap_or_default()
                );
                return Ok(());
            }
            out!("{}", table(&list, terminal_width()));
        }
        C::Show { id, json } => {
            let key = id.clone();
            let Some(s) = db.run(move |conn| suggestions::get(conn, &key)).await? else {
                anyhow::bail!("no suggestion {id:?} (habitd suggestions list shows them)");
            };
            if json {
                out!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            out!("{}", show(&s));
        }
        C::Deploy { id } => {
            let s = crate::deploy::deploy(&db, config.homeassistant.as_ref(), &config.safety, &id)
                .await?;
            out!("{} is deployed to Home Assistant", s.id);
        }
        C::Undeploy { id } => {
            crate::deploy::undeploy(&db, config.homeassistant.as_ref(), &id).await?;
            out!("{id} was removed from Home Assistant");
        }
        C::Approve { id } => decide(&db, id, Decision::Approve).await?,
        C::Reject { id } => decide(&db, id, Decision::Reject).await?,
        C::Dismiss { id } => decide(&db, id, Decision::Dismiss).await?,
        C::Restore { id } => decide(&db, id, Decision::Restore).await?,
    }
    Ok(())
}

async fn decide(db: &Db, id: String, decision: Decision) -> anyhow::Result<()> {
    let s = db
        .run(move |conn| suggestions::decide(conn, &id, decision))
        .await?;
    out!("{} is now {}", s.id, s.status);
    Ok(())
}

/// The width of the terminal habitd prints to, when it prints to one.
fn terminal_width() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0)
}

/// Suggestions as a table with a header row; within `width` (a terminal's),
/// the title is cut to fit, one line a suggestion.
fn table(list: &[Suggestion], width: Option<u16>) -> String {
    use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Row, Table, presets};
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_truncation_indicator("…")
        .set_header(["ID", "STATUS", "CONFIDENCE", "KIND", "TITLE"]);
    if let Some(width) = width {
        table.set_width(width);
    }
    for s in list {
        let mut row = Row::from([
            s.id.clone(),
            s.status.to_string(),
            format!("{:.0} %", s.confidence * 100.0),
            s.kind.to_string(),
            s.title.clone(),
        ]);
        row.max_height(1);
        table.add_row(row);
    }
    // Two spaces between columns, none at the edges; only the title gives
    // way to the terminal's width (an id is there to be copied whole).
    for column in table.column_iter_mut() {
        let last = column.index == 4;
        column.set_padding((0, if last { 0 } else { 2 }));
        if !last {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    if let Some(column) = table.column_mut(2) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table.trim_fmt()
}

/// One suggestion for people: what it is, its state, the evidence in the
/// words of the review page, and the automation.
fn show(s: &Suggestion) -> String {
    use std::fmt::Write as _;
    let mut text = format!("{}\n{}\n\n", s.title, s.description);
    let mut facts = vec![
        ("Id", s.id.clone()),
        ("Status", s.status.to_string()),
        ("Confidence", format!("{:.0} %", s.confidence * 100.0)),
        ("Kind", s.kind.to_string()),
        ("Worded by", s.worded_by.clone()),
    ];
    if let Some(error) = &s.error {
        facts.push(("Last deploy error", error.clone()));
    }
    facts.extend(crate::web::evidence::facts(&s.evidence));
    let width = facts
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in facts {
        let _ = writeln!(text, "{label:<width$}  {value}");
    }
    match &s.automation_yaml {
        Some(yaml) => {
            let _ = write!(text, "\nAutomation:\n{}", yaml.trim_end());
        }
        None => text.push_str("\nAdvice only: no automation."),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Finding;
    use crate::analysis::routines::{DayClass, Routine};
    use crate::model::{FindingKind, SuggestionStatus};

    fn suggestion(id: &str, title: &str, confidence: f64) -> Suggestion {
        let routine = Routine {
            id: format!("{id}_finding"),
            entity_id: "light.kitchen".into(),
            state: "on".into(),
            days: DayClass::Weekdays,
            time: "06:45".into(),
            center_minutes: 405.0,
            spread_minutes: 4.0,
            within_minutes: 9.0,
            days_observed: 18,
            days_in_class: 20,
            exceptions: 1,
            share: 0.9,
            z: 7.3,
            confidence,
            end: None,
        };
        Suggestion {
            id: id.into(),
            status: SuggestionStatus::New,
            kind: FindingKind::Routine,
            title: title.into(),
            description: "Seen on 18 of 20 weekdays.".into(),
            confidence,
            evidence: Finding::Routine(routine),
            automation: serde_json::Value::Null,
            automation_yaml: Some("alias: Kitchen light\nactions: []\n".into()),
            worded_by: "habitd".into(),
            finding_id: format!("{id}_finding"),
            first_seen_at: "2026-11-01T00:00:00Z".into(),
            last_seen_at: "2026-11-30T00:00:00Z".into(),
            deployed_at: None,
            error: None,
        }
    }

    fn list() -> Vec<Suggestion> {
        vec![
            suggestion(
                "habitd_routine_light_kitchen_on_weekdays",
                "Turn on the kitchen light at 06:45 on weekdays, every morning before breakfast",
                0.87,
            ),
            suggestion("habitd_x", "Short", 0.5),
        ]
    }

    #[test]
    fn the_list_is_a_table_with_a_header_and_columns_as_wide_as_their_content() {
        let text = table(&list(), None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let header = lines[0];
        for label in ["ID", "STATUS", "CONFIDENCE", "KIND", "TITLE"] {
            assert!(header.contains(label), "{text}");
        }
        assert!(header.starts_with("ID "), "{text}");
        // Every column starts where its label does.
        let status_at = header.find("STATUS").unwrap();
        let title_at = header.find("TITLE").unwrap();
        for line in &lines[1..] {
            assert_eq!(
                line[status_at..].split_whitespace().next(),
                Some("new"),
                "{text}"
            );
            assert!(
                line[title_at..].starts_with("Turn on") || line[title_at..].starts_with("Short")
            );
        }
        // The ID column is as wide as the longest id, not a fixed width.
        assert!(
            status_at > "habitd_routine_light_kitchen_on_weekdays".len(),
            "{text}"
        );
        assert!(
            status_at < "habitd_routine_light_kitchen_on_weekdays".len() + 6,
            "{text}"
        );
        assert!(lines[1].contains("87 %") && lines[1].contains("every morning before breakfast"));
    }

    #[test]
    fn on_a_narrow_terminal_titles_are_cut_one_line_a_suggestion() {
        let text = table(&list(), Some(100));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        for line in &lines {
            assert!(line.chars().count() <= 100, "{line:?} in\n{text}");
        }
        assert!(lines[1].contains('…'), "{text}");
        assert!(
            lines[1].contains("habitd_routine_light_kitchen_on_weekdays"),
            "{text}"
        );
    }

    #[test]
    fn show_gives_the_evidence_in_words_not_json() {
        let text = show(&list()[0]);
        assert!(!text.contains('{'), "{text}");
        let fact = |label: &str| {
            text.lines()
                .find(|l| l.starts_with(label))
                .map(|l| l[label.len()..].trim().to_owned())
        };
        assert_eq!(fact("Status").as_deref(), Some("new"), "{text}");
        assert_eq!(fact("Confidence").as_deref(), Some("87 %"), "{text}");
        assert_eq!(
            fact("Usual time").as_deref(),
            Some("06:45 ± 4 min"),
            "{text}"
        );
        for words in [
            "on 18 of 20 weekdays",
            "06:45 ± 4 min",
            "7.3 standard deviations above it",
            "Automation:\nalias: Kitchen light",
        ] {
            assert!(text.contains(words), "{words:?} in\n{text}");
        }
    }
}
