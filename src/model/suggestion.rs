//! Suggestions as every part of habitd speaks of them: what kind of
//! finding one comes from, where it stands in its life, which decisions may
//! change that, and the automation syntax it is written in.
//!
//! The lifecycle: `new` → `approved` → `deployed`, or `rejected` (never
//! offered again) / `dismissed` (not now); a rejection or dismissal can be
//! undone (`restore`), which makes the suggestion `new` again. A `new`
//! suggestion that the latest analysis no longer finds is retired at once
//! (`expired`): the miners skip what an existing automation already does,
//! so this is also how an offer goes away once an automation covers it. One
//! a person approved or dismissed expires only when not seen for
//! `suggestions.expire_after`. An expired suggestion whose pattern comes
//! back is `new` again. The rules live here, in
//! [`SuggestionStatus::after`], and nowhere else: the database, the MQTT
//! surface and the CLI all ask it.

use serde::{Deserialize, Serialize};

/// What a finding, and the suggestion made from it, is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Something done at about the same time of day.
    Routine,
    /// One device's change followed by another's.
    Sequence,
    /// Two devices that could work together but do not yet.
    Synergy,
    /// A device capability that is never used.
    UnusedFeature,
}

text_enum!(FindingKind {
    Routine => "routine", Sequence => "sequence", Synergy => "synergy",
    UnusedFeature => "unused_feature",
});

/// Where a suggestion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    /// Offered, nobody decided yet.
    New,
    /// A user wants it; it can be deployed.
    Approved,
    /// Its automation is in Home Assistant.
    Deployed,
    /// Never offer it again.
    Rejected,
    /// Not now.
    Dismissed,
    /// Its pattern has not been seen for a while.
    Expired,
}

text_enum!(SuggestionStatus {
    New => "new", Approved => "approved", Deployed => "deployed",
    Rejected => "rejected", Dismissed => "dismissed", Expired => "expired",
});

/// What a user can do to a suggestion, from the CLI or over MQTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    Dismiss,
    /// Write its automation to Home Assistant.
    Deploy,
    /// Undo a rejection or dismissal: offer it again.
    Restore,
}

text_enum!(Decision {
    Approve => "approve", Reject => "reject", Dismiss => "dismiss", Deploy => "deploy",
    Restore => "restore",
});

/// A decision that the suggestion's status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("it is {from}; it cannot be {}", .decision.past_tense())]
pub struct NotAllowed {
    pub from: SuggestionStatus,
    pub decision: Decision,
}

impl Decision {
    /// The status a suggestion has once this decision is carried out.
    pub fn target(self) -> SuggestionStatus {
        match self {
            Decision::Approve => SuggestionStatus::Approved,
            Decision::Reject => SuggestionStatus::Rejected,
            Decision::Dismiss => SuggestionStatus::Dismissed,
            Decision::Deploy => SuggestionStatus::Deployed,
            Decision::Restore => SuggestionStatus::New,
        }
    }

    fn past_tense(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
            Decision::Dismiss => "dismissed",
            Decision::Deploy => "deployed",
            Decision::Restore => "restored",
        }
    }
}

impl SuggestionStatus {
    /// The status after `decision`, or why it is not allowed from here.
    pub fn after(self, decision: Decision) -> Result<SuggestionStatus, NotAllowed> {
        use SuggestionStatus as S;
        let allowed = match decision {
            Decision::Approve => matches!(self, S::New | S::Dismissed | S::Expired | S::Approved),
            Decision::Reject => !matches!(self, S::Deployed),
            Decision::Dismiss => matches!(self, S::New | S::Approved | S::Dismissed),
            // Only what a person approved reaches Home Assistant.
            Decision::Deploy => matches!(self, S::Approved | S::Deployed),
            Decision::Restore => matches!(self, S::Rejected | S::Dismissed),
        };
        if allowed {
            Ok(decision.target())
        } else {
            Err(NotAllowed {
                from: self,
                decision,
            })
        }
    }

    /// Whether a suggestion in this status expires when its pattern is no
    /// longer seen. A user's final word (rejected, deployed) never does.
    pub fn expires(self) -> bool {
        matches!(
            self,
            SuggestionStatus::New | SuggestionStatus::Approved | SuggestionStatus::Dismissed
        )
    }

    /// Whether a suggestion in this status is retired as soon as an analysis
    /// does not find it: nobody has decided anything about it yet, and it
    /// is either gone from the home's habits or already automated.
    pub fn retires_when_not_found(self) -> bool {
        self == SuggestionStatus::New
    }

    /// The status when a run finds the suggestion's pattern again.
    pub fn when_found_again(self) -> SuggestionStatus {
        match self {
            SuggestionStatus::Expired => SuggestionStatus::New,
            other => other,
        }
    }

    /// Whether a later run leaves its automation (and the words describing
    /// it) as they are: a person approved, or Home Assistant runs, exactly
    /// that automation, and deploy must send what was approved.
    pub fn keeps_its_automation(self) -> bool {
        matches!(
            self,
            SuggestionStatus::Approved | SuggestionStatus::Deployed
        )
    }

    /// Waiting for a user's decision in Home Assistant.
    pub fn is_pending(self) -> bool {
        matches!(self, SuggestionStatus::New | SuggestionStatus::Approved)
    }
}

/// Which automation syntax Home Assistant accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    /// `triggers`/`conditions`/`actions`, `trigger:`, `action:` (HA 2024.10+).
    Current,
    /// `trigger`/`condition`/`action`, `platform:`, `service:`.
    Legacy,
}

impl Syntax {
    /// From Home Assistant's version string (`/api/config`'s `version`);
    /// an unreadable one gets the current syntax.
    pub fn for_version(version: &str) -> Syntax {
        super::HaVersion::parse(version).map_or(Syntax::Current, super::HaVersion::syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_as_documented() {
        use SuggestionStatus as S;
        assert_eq!(S::New.after(Decision::Approve), Ok(S::Approved));
        assert_eq!(S::Expired.after(Decision::Approve), Ok(S::Approved));
        assert_eq!(S::Approved.after(Decision::Deploy), Ok(S::Deployed));
        assert_eq!(S::Rejected.after(Decision::Reject), Ok(S::Rejected));
        // A user's final words stay final.
        assert!(S::Rejected.after(Decision::Approve).is_err());
        assert!(S::Rejected.after(Decision::Deploy).is_err());
        assert!(S::Deployed.after(Decision::Reject).is_err());
        assert!(S::Expired.after(Decision::Dismiss).is_err());
        assert!(S::New.after(Decision::Deploy).is_err());
        let refused = S::Rejected.after(Decision::Deploy).unwrap_err();
        assert_eq!(refused.to_string(), "it is rejected; it cannot be deployed");
        assert!(!S::Rejected.expires() && !S::Deployed.expires() && S::New.expires());
        assert_eq!(S::Expired.when_found_again(), S::New);
        assert_eq!(S::Rejected.when_found_again(), S::Rejected);
    }

    #[test]
    fn a_rejection_or_dismissal_can_be_undone_and_nothing_else() {
        use SuggestionStatus as S;
        assert_eq!(S::Rejected.after(Decision::Restore), Ok(S::New));
        assert_eq!(S::Dismissed.after(Decision::Restore), Ok(S::New));
        for from in [S::New, S::Approved, S::Deployed, S::Expired] {
            assert!(from.after(Decision::Restore).is_err(), "{from}");
        }
        let refused = S::Deployed.after(Decision::Restore).unwrap_err();
        assert_eq!(refused.to_string(), "it is deployed; it cannot be restored");
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for &status in SuggestionStatus::ALL {
            assert_eq!(status.as_str().parse::<SuggestionStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::String(status.as_str().into())
            );
        }
        for &kind in FindingKind::ALL {
            assert_eq!(kind.as_str().parse::<FindingKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
        }
        assert!("bogus".parse::<SuggestionStatus>().is_err());
    }
}
