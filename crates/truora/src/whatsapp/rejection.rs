//! Why Meta rejected a template, from the `failure_reason` Truora passes on.
//!
//! The codes are Meta's for a template's rejection. That Truora's `failure_reason` starts with
//! one (`"INVALID_FORMAT: shortened links…"`) is inferred [I]: the catalogue shows the field,
//! not its contents. This is the one place that reads it. A reason without a known code is
//! shown as Truora's own words, marked as such.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum RejectionCode {
    /// Content Meta judged threatening, abusive or otherwise against its policies.
    AbusiveContent,
    /// The category chosen does not fit the content (a sale sent as UTILITY).
    IncorrectCategory,
    /// The category cannot be used by this account or line.
    CategoryNotAvailable,
    /// Variables, links or formatting Meta does not take (shortened links, broken variables).
    InvalidFormat,
    /// Marketing content in a template that is not MARKETING.
    Promotional,
    /// Meta judged it a scam.
    Scam,
    /// The content does not match the category or the buttons.
    TagContentMismatch,
}

impl RejectionCode {
    pub const ALL: [RejectionCode; 7] = [
        Self::AbusiveContent,
        Self::IncorrectCategory,
        Self::CategoryNotAvailable,
        Self::InvalidFormat,
        Self::Promotional,
        Self::Scam,
        Self::TagContentMismatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AbusiveContent => "ABUSIVE_CONTENT",
            Self::IncorrectCategory => "INCORRECT_CATEGORY",
            Self::CategoryNotAvailable => "CATEGORY_NOT_AVAILABLE",
            Self::InvalidFormat => "INVALID_FORMAT",
            Self::Promotional => "PROMOTIONAL",
            Self::Scam => "SCAM",
            Self::TagContentMismatch => "TAG_CONTENT_MISMATCH",
        }
    }

    /// The code a reason starts with (`CODE`, `CODE: words`, `CODE - words`), if Meta's.
    pub fn from_reason(reason: &str) -> Option<Self> {
        let head = reason
            .trim()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()?
            .to_ascii_uppercase();
        Self::ALL.into_iter().find(|c| c.as_str() == head)
    }
}

#[cfg(test)]
mod tests {
    use super::RejectionCode as R;

    #[test]
    fn a_reason_is_read_by_its_leading_code() {
        assert_eq!(
            R::from_reason("INVALID_FORMAT: shortened links are not allowed in templates"),
            Some(R::InvalidFormat)
        );
        assert_eq!(R::from_reason("scam"), Some(R::Scam));
        assert_eq!(
            R::from_reason("TAG_CONTENT_MISMATCH - the content does not match"),
            Some(R::TagContentMismatch)
        );
    }

    #[test]
    fn a_reason_without_a_known_code_is_left_as_words() {
        assert_eq!(R::from_reason("The template was rejected by Meta"), None);
        assert_eq!(R::from_reason(""), None);
        assert_eq!(R::from_reason("NONE"), None);
    }
}
