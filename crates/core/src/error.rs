use opsdesk_http::{ApiError, ErrorKind};
use serde::Serialize;
use ts_rs::TS;

/// Every failure that reaches the UI, as a code the UI translates into the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
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
    Internal,
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
    /// A rule-specific reason key for validation errors (e.g. `too_long`), so the UI can
    /// translate the exact rule.
    pub rule: Option<String>,
    #[ts(type = "number | null")]
    pub retry_after_secs: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            field: None,
            rule: None,
            retry_after_secs: None,
        }
    }

    pub fn validation(field: &str, rule: &str, message: impl Into<String>) -> Self {
        AppError {
            code: ErrorCode::Validation,
            message: message.into(),
            field: Some(field.into()),
            rule: Some(rule.into()),
            retry_after_secs: None,
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

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError::*;
        match e {
            KeyMissing => AppError::new(ErrorCode::StoreKeyMissing, e.to_string()),
            WrongKey | TooNew { .. } => AppError::new(ErrorCode::StoreUnreadable, e.to_string()),
            _ => AppError::internal(e.to_string()),
        }
    }
}

impl From<crate::vault::VaultError> for AppError {
    fn from(e: crate::vault::VaultError) -> Self {
        AppError::new(ErrorCode::KeyringUnavailable, e.to_string())
    }
}
