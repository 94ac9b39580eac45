//! The shared vocabulary: the types and names that several parts of habitd
//! speak of, in the lowest layer, importing nothing else of the crate.
//!
//! Storage, the Home Assistant surface, the CLI and the pipeline all match
//! on these enums instead of spelling the same strings again: what a state
//! change is ([`event`]), what a Zigbee device can do ([`device`]), what a
//! job is and where it stands ([`job`]), what a suggestion is and which
//! decisions may change it ([`suggestion`]), which devices could work
//! together ([`synergy`]), what habitd never does on its own ([`safety`]),
//! how Home Assistant names things ([`naming`]) and what differs between
//! its releases ([`homeassistant`]).
//! ARCHITECTURE.md states the layer order; `tests/layers.rs` checks it.

/// `as_str`, `FromStr` and `Display` for an enum stored or sent by name.
macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::model::UnknownName;
            fn from_str(s: &str) -> Result<Self, $crate::model::UnknownName> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::model::UnknownName {
                        kind: stringify!($ty),
                        name: s.to_owned(),
                    }),
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod device;
pub mod event;
pub mod homeassistant;
pub mod job;
pub mod naming;
pub mod safety;
pub mod suggestion;
pub mod synergy;

pub use device::{Access, Capability, Device};
pub use event::{EntityInfo, Origin, Record, StateChange, is_blip};
pub use homeassistant::{DiscoveryMode, DiscoveryShape, HaVersion};
pub use job::{JobState, JobStatus, Phase, Trigger};
pub use naming::{domain, slugify, truncate, value_text};
pub use suggestion::{Decision, FindingKind, SuggestionStatus, Syntax};
pub use synergy::SynergyKind;

/// A stored or received name that this build does not know (a damaged or
/// newer database, a typo on the command line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}")]
pub struct UnknownName {
    kind: &'static str,
    name: String,
}
