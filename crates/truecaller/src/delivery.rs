//! Why Truecaller could not show a call's reason on a receiver's phone, per record of a batch.
//!
//! The list of causes is confirmed (catalogue §5.8); how a batch's status words each one is not:
//! a record carries `status_info.message` in English and no code. The matching below is the one
//! place that reads those words [I]. A message it does not know stays the vendor's own words,
//! shown as such, never guessed into a cause.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliveryFailure {
    /// Malformed body or keys, or special characters in the call reason.
    InvalidInput,
    /// The receiver does not use Truecaller.
    NotTruecallerUser,
    /// Dynamic caller ID works on Android only.
    OsNotSupported,
    /// The receiver's Truecaller app is too old.
    AppVersionNotSupported,
    /// The phone could not be reached: offline, bad network, airplane mode.
    PushFailed,
}

impl DeliveryFailure {
    pub const ALL: [DeliveryFailure; 5] = [
        Self::InvalidInput,
        Self::NotTruecallerUser,
        Self::OsNotSupported,
        Self::AppVersionNotSupported,
        Self::PushFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::NotTruecallerUser => "not_truecaller_user",
            Self::OsNotSupported => "os_not_supported",
            Self::AppVersionNotSupported => "app_version_not_supported",
            Self::PushFailed => "push_failed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == code)
    }

    /// The cause a record's message names, when it is one of §5.8's. Its own code is accepted
    /// too, in case Truecaller sends one.
    pub fn from_message(message: &str) -> Option<Self> {
        let m = message.trim().to_ascii_lowercase();
        if let Some(f) = Self::parse(&m) {
            return Some(f);
        }
        // Whole words only ("ios" is not "notification ios…"), the most specific cause first.
        let words: Vec<&str> = m
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |phrases: &[&str]| {
            phrases.iter().any(|p| {
                let p: Vec<&str> = p.split(' ').collect();
                words.windows(p.len()).any(|w| w == p.as_slice())
            })
        };
        if has(&[
            "not a truecaller user",
            "not truecaller user",
            "non truecaller",
        ]) {
            Some(Self::NotTruecallerUser)
        } else if has(&["app version"]) {
            Some(Self::AppVersionNotSupported)
        } else if has(&["os not supported", "android only", "not supported on ios"]) {
            Some(Self::OsNotSupported)
        } else if has(&[
            "failed to push",
            "offline",
            "bad network",
            "no network",
            "airplane mode",
        ]) {
            Some(Self::PushFailed)
        } else if has(&[
            "invalid input",
            "malformed",
            "special character",
            "special characters",
        ]) {
            Some(Self::InvalidInput)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryFailure as F;

    #[test]
    fn the_documented_causes_are_read_from_their_words() {
        for (message, cause) in [
            ("receiver is not a Truecaller user", F::NotTruecallerUser),
            (
                "OS not supported: dynamic caller ID works on Android only",
                F::OsNotSupported,
            ),
            ("App version not supported", F::AppVersionNotSupported),
            (
                "Failed to push: receiver offline or in airplane mode",
                F::PushFailed,
            ),
            (
                "Invalid input: special characters in call reason",
                F::InvalidInput,
            ),
            ("not_truecaller_user", F::NotTruecallerUser),
        ] {
            assert_eq!(F::from_message(message), Some(cause), "{message}");
        }
    }

    #[test]
    fn words_it_does_not_know_are_not_guessed() {
        assert_eq!(F::from_message("quota exceeded for this label"), None);
        assert_eq!(F::from_message("invalid network configuration"), None);
        assert_eq!(
            F::from_message("app version iOS 3.2 not supported"),
            Some(F::AppVersionNotSupported)
        );
        assert_eq!(F::from_message(""), None);
    }

    #[test]
    fn every_cause_reads_back_from_its_code() {
        for f in F::ALL {
            assert_eq!(F::parse(f.as_str()), Some(f));
        }
    }
}
