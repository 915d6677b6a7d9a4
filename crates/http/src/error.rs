use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// What went wrong, in the terms the UI explains to a person. Every vendor and transport failure
/// maps to exactly one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    /// DNS, refused connection, connection dropped mid-response.
    NoNetwork,
    Timeout,
    /// Certificate or TLS handshake problem (often a corporate proxy inspecting traffic).
    Tls,
    Proxy,
    /// 401: the key is wrong, revoked or expired.
    Unauthorized,
    /// 403: the key is valid but not allowed to do this.
    Forbidden,
    NotFound,
    /// 400/409/422: the vendor refused the input.
    InvalidInput,
    RateLimited,
    /// 5xx.
    Server,
    /// A body we could not read, or a status we did not expect.
    UnexpectedResponse,
    Cancelled,
}

/// The vendor's own explanation, normalised from the several error shapes in catalogue §1.1/§1.2.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorError {
    /// Truora's numeric `code` (as text) or Truecaller's `slug`.
    pub code: Option<String>,
    pub message: Option<String>,
    /// Truecaller realtime v2 names the offending field in `status_info.field`.
    pub field: Option<String>,
}

impl VendorError {
    /// Understands, in order: Truecaller `{slug,message}`, Truecaller realtime
    /// `{status_info:{status:"error",field,message}}`, Truecaller v1 `{status:"failure",message}`,
    /// Truora `{code,http_code,message}` (code numeric or string), a bare `{message}`, and an
    /// array of any of these (first wins). Returns `None` for bodies that carry no explanation.
    pub fn parse(body: &[u8]) -> Option<VendorError> {
        let v: Value = serde_json::from_slice(body).ok()?;
        Self::from_value(&v)
    }

    fn from_value(v: &Value) -> Option<VendorError> {
        if let Some(first) = v.as_array().and_then(|a| a.first()) {
            return Self::from_value(first);
        }
        let obj = v.as_object()?;
        let text = |k: &str| obj.get(k).and_then(|x| x.as_str()).map(str::to_string);
        if let Some(info) = obj.get("status_info").and_then(|x| x.as_object()) {
            if info.get("status").and_then(|s| s.as_str()) == Some("error") {
                return Some(VendorError {
                    code: Some("status_info_error".into()),
                    message: info
                        .get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string),
                    field: info
                        .get("field")
                        .and_then(|m| m.as_str())
                        .map(str::to_string),
                });
            }
            return None;
        }
        if let Some(slug) = text("slug") {
            return Some(VendorError {
                code: Some(slug),
                message: text("message"),
                field: None,
            });
        }
        let code = match obj.get("code") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        if code.is_some() || obj.contains_key("message") {
            if obj.get("status").and_then(|s| s.as_str()) == Some("success") {
                return None;
            }
            return Some(VendorError {
                code,
                message: text("message"),
                field: None,
            });
        }
        None
    }
}

/// A failed API call. `Display` is a short technical sentence for logs; the UI never shows it,
/// it translates `kind` instead.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub vendor: Option<VendorError>,
    pub retry_after: Option<Duration>,
    /// Transport detail for logs (never contains request bodies or headers).
    pub detail: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        ApiError {
            kind,
            status: None,
            vendor: None,
            retry_after: None,
            detail: detail.into(),
        }
    }

    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "cancelled by the user")
    }

    /// Classifies an HTTP error response from its status and body.
    pub fn from_status(status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> Self {
        let kind = match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            400 | 409 | 413 | 422 => ErrorKind::InvalidInput,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::UnexpectedResponse,
        };
        ApiError {
            kind,
            status: Some(status),
            vendor: VendorError::parse(body),
            retry_after: retry_after(headers),
            detail: format!("HTTP {status}"),
        }
    }

    /// Classifies a transport failure. reqwest does not expose TLS or proxy failures as kinds, so
    /// the error chain's text is inspected; this is the one place that does it.
    pub fn from_transport(err: &reqwest::Error) -> Self {
        let mut chain = String::new();
        let mut src: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = src {
            chain.push_str(&e.to_string().to_lowercase());
            chain.push_str(" | ");
            src = e.source();
        }
        let kind = if err.is_timeout() || chain.contains("timed out") {
            ErrorKind::Timeout
        } else if chain.contains("certificate")
            || chain.contains("tls")
            || chain.contains("handshake")
        {
            ErrorKind::Tls
        } else if chain.contains("proxy") || chain.contains("tunnel") {
            ErrorKind::Proxy
        } else if err.is_decode() {
            ErrorKind::UnexpectedResponse
        } else {
            ErrorKind::NoNetwork
        };
        // URLs can carry IDs in paths; keep only the error chain (which reqwest prints without them
        // once `without_url` is applied).
        let detail = crate::redact::scrub(&chain);
        ApiError::new(kind, detail)
    }

    pub fn unexpected(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnexpectedResponse, detail)
    }

    /// Whether the vendor says the bearer token is no longer valid (Truecaller "please login again").
    pub fn is_login_again(&self) -> bool {
        self.kind == ErrorKind::Unauthorized
            && self.vendor.as_ref().and_then(|v| v.code.as_deref()) == Some("authorization-error")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)?;
        if let Some(v) = &self.vendor {
            if let Some(c) = &v.code {
                write!(f, " [{c}]")?;
            }
            if let Some(m) = &v.message {
                write!(f, " {}", crate::redact::scrub(m))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// `Retry-After` in seconds. The HTTP-date form is not used by these vendors as far as the
/// catalogue knows; it is ignored and the backoff applies instead.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let raw = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = raw.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_truora_numeric_code() {
        let v = VendorError::parse(
            br#"{"code":10404,"http_code":404,"message":"The Check was not found"}"#,
        )
        .unwrap();
        assert_eq!(v.code.as_deref(), Some("10404"));
        assert_eq!(v.message.as_deref(), Some("The Check was not found"));
    }

    #[test]
    fn parses_truora_string_code_and_bare_message() {
        let v = VendorError::parse(br#"{"code":"invalid_parameter","message":"bad"}"#).unwrap();
        assert_eq!(v.code.as_deref(), Some("invalid_parameter"));
        let v = VendorError::parse(br#"{"message":"Unauthorized"}"#).unwrap();
        assert_eq!(v.code, None);
        assert_eq!(v.message.as_deref(), Some("Unauthorized"));
    }

    #[test]
    fn parses_truecaller_shapes() {
        let v =
            VendorError::parse(br#"{"slug":"authorization-error","message":"please login again"}"#)
                .unwrap();
        assert_eq!(v.code.as_deref(), Some("authorization-error"));
        let v = VendorError::parse(
            br#"{"status_info":{"status":"error","field":"ends_at","message":"Request body is invalid: ends_at cannot be older than current time"}}"#,
        )
        .unwrap();
        assert_eq!(v.field.as_deref(), Some("ends_at"));
        let v = VendorError::parse(br#"{"status":"failure","message":"ends_at cannot be older than current time. BatchID: 1"}"#).unwrap();
        assert!(v.message.unwrap().starts_with("ends_at"));
    }

    #[test]
    fn success_bodies_and_garbage_are_not_errors() {
        assert!(
            VendorError::parse(br#"{"status_info":{"status":"success","message":"ok"}}"#).is_none()
        );
        assert!(
            VendorError::parse(br#"{"status":"success","message":"Records Uploaded"}"#).is_none()
        );
        assert!(VendorError::parse(b"<html>oops").is_none());
    }

    #[test]
    fn arrays_of_errors_take_the_first() {
        let v =
            VendorError::parse(br#"[{"code":1,"message":"a"},{"code":2,"message":"b"}]"#).unwrap();
        assert_eq!(v.message.as_deref(), Some("a"));
    }

    #[test]
    fn status_maps_to_kind_and_reads_retry_after() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        let e = ApiError::from_status(429, &h, b"{}");
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(
            ApiError::from_status(401, &h, b"").kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(ApiError::from_status(503, &h, b"").kind, ErrorKind::Server);
        assert_eq!(
            ApiError::from_status(422, &h, b"").kind,
            ErrorKind::InvalidInput
        );
    }
}
