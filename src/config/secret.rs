//! A string that must not end up in logs or printed configuration.
//!
//! Passwords and tokens are wrapped in [`Secret`] as soon as they are read, so
//! `Debug` and `Display` show a placeholder, and reading the value takes a
//! deliberate `expose()`. A secret read from a file remembers the file, so
//! `habitd check-config` can print the `*_file` key instead of the secret.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    file: Option<PathBuf>,
}

impl Secret {
    const REDACTED: &'static str = "<redacted>";

    pub fn new(value: impl Into<String>) -> Self {
        Secret {
            value: value.into(),
            file: None,
        }
    }

    /// A secret that was read from `file`.
    pub fn from_file(value: impl Into<String>, file: impl Into<PathBuf>) -> Self {
        Secret {
            value: value.into(),
            file: Some(file.into()),
        }
    }

    /// The secret itself, for the one place that hands it to a protocol.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The file the secret was read from, when it was not given inline.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::REDACTED)
    }
}
