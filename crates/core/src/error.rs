use opsdesk_http::{ApiError, ErrorKind, RuleCode};
use serde::Serialize;
use ts_rs::TS;

/// Every failure that reaches the UI, as a code the UI translates into the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// Input broke a rule; `field` says which input.
    Validation,
    /// Credentials are missing for what was asked.
    NotConfigured,
    /// The vendor does not accept the key.
    WrongKey,
    /// The key works but may not do this.
    NotAllowed,
    NoNetwork,
    Timeout,
    Tls,
    Proxy,
    NotFound,
    RateLimited,
    /// The vendor refused the request's content.
    VendorRejected,
    /// The vendor is failing (5xx).
    VendorDown,
    UnexpectedResponse,
    Cancelled,
    /// Truecaller allows 10 tokens per 30 minutes; `retry_after_secs` says when one frees up.
    TokenBudget,
    /// The operating system's password store cannot be used.
    KeyringUnavailable,
    /// The local cache exists but its key is gone from the keyring.
    StoreKeyMissing,
    /// The local cache cannot be opened (wrong key or damaged).
    StoreUnreadable,
    /// The disk is full: nothing more can be written until space is freed.
    DiskFull,
    /// A list is sending or a file is downloading: what was asked (installing an update) waits
    /// until it ends.
    Busy,
    /// An update's signature does not match the publisher's key: it is not installed.
    UpdateUnverified,
    /// A file OpsDesk must delete is open in another program (Windows refuses to delete it).
    FileInUse,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 23] = [
        Self::Validation,
        Self::NotConfigured,
        Self::WrongKey,
        Self::NotAllowed,
        Self::NoNetwork,
        Self::Timeout,
        Self::Tls,
        Self::Proxy,
        Self::NotFound,
        Self::RateLimited,
        Self::VendorRejected,
        Self::VendorDown,
        Self::UnexpectedResponse,
        Self::Cancelled,
        Self::TokenBudget,
        Self::KeyringUnavailable,
        Self::StoreKeyMissing,
        Self::StoreUnreadable,
        Self::DiskFull,
        Self::Busy,
        Self::UpdateUnverified,
        Self::FileInUse,
        Self::Internal,
    ];

    /// The code as it travels (serde's name for it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::NotConfigured => "not_configured",
            Self::WrongKey => "wrong_key",
            Self::NotAllowed => "not_allowed",
            Self::NoNetwork => "no_network",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::Proxy => "proxy",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::VendorRejected => "vendor_rejected",
            Self::VendorDown => "vendor_down",
            Self::UnexpectedResponse => "unexpected_response",
            Self::Cancelled => "cancelled",
            Self::TokenBudget => "token_budget",
            Self::KeyringUnavailable => "keyring_unavailable",
            Self::StoreKeyMissing => "store_key_missing",
            Self::StoreUnreadable => "store_unreadable",
            Self::DiskFull => "disk_full",
            Self::Busy => "busy",
            Self::UpdateUnverified => "update_unverified",
            Self::FileInUse => "file_in_use",
            Self::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The one error type that crosses the IPC boundary. `message` is a plain English fallback for
/// logs and diagnostics; the UI shows its own translation of `code`. Neither carries secrets or
/// personal data.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{code:?}: {message}")]
#[ts(export)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The input the message belongs next to, for validation errors.
    pub field: Option<String>,
    /// Which rule was broken, for validation errors (e.g. `too_long`), so the UI can
    /// translate the exact rule.
    pub rule: Option<RuleCode>,
    #[ts(type = "number | null")]
    pub retry_after_secs: Option<u64>,
    /// Every input's problem when a form broke several rules at once (this error is then the
    /// first of them); empty otherwise.
    pub problems: Vec<FieldProblem>,
}

/// One input's broken rule, for forms that report every problem at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldProblem {
    pub field: String,
    pub rule: RuleCode,
}

/// Use cases check every input before anything leaves and return all problems together; the
/// commands hand them to the UI as one error with the list inside.
impl From<Vec<AppError>> for AppError {
    fn from(errs: Vec<AppError>) -> Self {
        let problems: Vec<FieldProblem> = errs
            .iter()
            .filter_map(|e| {
                Some(FieldProblem {
                    field: e.field.clone()?,
                    rule: e.rule?,
                })
            })
            .collect();
        let mut first = errs
            .into_iter()
            .next()
            .unwrap_or_else(|| AppError::internal("an empty list of problems"));
        if problems.len() > 1 {
            first.problems = problems;
        }
        first
    }
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            field: None,
            rule: None,
            retry_after_secs: None,
            problems: Vec::new(),
        }
    }

    pub fn validation(field: &str, rule: RuleCode, message: impl Into<String>) -> Self {
        AppError {
            code: ErrorCode::Validation,
            message: message.into(),
            field: Some(field.into()),
            rule: Some(rule),
            retry_after_secs: None,
            problems: Vec::new(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        let code = match e.kind {
            ErrorKind::NoNetwork => ErrorCode::NoNetwork,
            ErrorKind::Timeout => ErrorCode::Timeout,
            ErrorKind::Tls => ErrorCode::Tls,
            ErrorKind::Proxy => ErrorCode::Proxy,
            ErrorKind::Unauthorized => ErrorCode::WrongKey,
            ErrorKind::Forbidden => ErrorCode::NotAllowed,
            ErrorKind::NotFound => ErrorCode::NotFound,
            ErrorKind::InvalidInput => ErrorCode::VendorRejected,
            ErrorKind::RateLimited => ErrorCode::RateLimited,
            ErrorKind::Server => ErrorCode::VendorDown,
            ErrorKind::UnexpectedResponse => ErrorCode::UnexpectedResponse,
            ErrorKind::Cancelled => ErrorCode::Cancelled,
        };
        let mut out = AppError::new(code, e.to_string());
        out.field = e.vendor.and_then(|v| v.field);
        out.retry_after_secs = e.retry_after.map(|d| d.as_secs().max(1));
        out
    }
}

impl From<opsdesk_truecaller::TokenError> for AppError {
    fn from(e: opsdesk_truecaller::TokenError) -> Self {
        match e {
            opsdesk_truecaller::TokenError::BudgetExhausted { available_in } => {
                let mut out =
                    AppError::new(ErrorCode::TokenBudget, "Truecaller token budget used up");
                out.retry_after_secs = Some(available_in.as_secs().max(1));
                out
            }
            opsdesk_truecaller::TokenError::Api(a) => a.into(),
        }
    }
}

impl From<opsdesk_truecaller::TruecallerError> for AppError {
    fn from(e: opsdesk_truecaller::TruecallerError) -> Self {
        match e {
            opsdesk_truecaller::TruecallerError::Api(a) => a.into(),
            opsdesk_truecaller::TruecallerError::Token(t) => t.into(),
        }
    }
}

impl From<crate::vault::VaultError> for AppError {
    fn from(e: crate::vault::VaultError) -> Self {
        AppError::new(ErrorCode::KeyringUnavailable, e.to_string())
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn several_problems_travel_inside_one_error() {
        let one = AppError::from(vec![AppError::new(ErrorCode::NoNetwork, "offline")]);
        assert_eq!(one.code, ErrorCode::NoNetwork);
        assert!(one.problems.is_empty());
        let many = AppError::from(vec![
            AppError::validation("name", RuleCode::Required, "name"),
            AppError::validation("body", RuleCode::WaBodyTooLong, "body"),
        ]);
        assert_eq!(many.field.as_deref(), Some("name"));
        assert_eq!(
            many.problems,
            [
                FieldProblem {
                    field: "name".into(),
                    rule: RuleCode::Required
                },
                FieldProblem {
                    field: "body".into(),
                    rule: RuleCode::WaBodyTooLong
                }
            ]
        );
    }

    #[test]
    fn every_code_travels_under_its_name() {
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
    }
}
