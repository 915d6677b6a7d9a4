//! Truecaller for Business. Every call needs a bearer token minted from the key ID and secret;
//! the vendor allows only 10 tokens per 30 minutes per account, so [`TokenManager`] reuses one
//! token for its 60-minute life and refuses to mint past the budget.

pub mod delivery;
pub mod numbers;
pub mod rules;
pub mod token;

pub use token::{MintLog, TokenBudget, TokenError, TokenManager};

use opsdesk_http::{execute, join_url, ApiError, Idempotency, RateLimit, RetryPolicy};
use rules::WireRecord;
use serde::Deserialize;
use url::Url;

pub fn production_base() -> Url {
    Url::parse("https://enterprise-portal-noneu.truecaller.com").unwrap()
}

#[derive(Debug, thiserror::Error)]
pub enum TruecallerError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(default)]
    pub category: Option<i64>,
    #[serde(default)]
    pub sub_category: Option<i64>,
    #[serde(default)]
    pub created_by_email: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub label_type: Option<String>,
}

/// What became of one record of a batch (catalogue §5.4).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RecordStatus {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub receiver_number: Option<String>,
    #[serde(default)]
    pub status_info: Option<StatusInfo>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct StatusInfo {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Deserialize)]
struct BatchCreated {
    batch_id: String,
}

#[derive(Deserialize)]
struct BatchStatusBody {
    #[serde(default)]
    data: Vec<RecordStatus>,
}

#[derive(Clone)]
pub struct TruecallerClient {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub tokens: TokenManager,
    pub retry: RetryPolicy,
    /// The documented limits, kept client-side so we never collect 429s (catalogue §6.4).
    /// Shared by clones, i.e. per token. `None` only in tests that probe the server's limits.
    pub realtime_limit: Option<RateLimit>,
    pub batch_limit: Option<RateLimit>,
}

impl TruecallerClient {
    pub fn new(http: reqwest::Client, base: Url, tokens: TokenManager) -> Self {
        TruecallerClient {
            http,
            base,
            tokens,
            retry: RetryPolicy::default(),
            realtime_limit: Some(RateLimit::per_second(100)),
            batch_limit: Some(RateLimit::per_minute(60)),
        }
    }

    fn client_path(&self, rest: &str) -> Url {
        join_url(
            &self.base,
            &format!("clients/{}/{rest}", self.tokens.client_account_id()),
        )
    }

    /// Makes sure we hold a valid token (minting one only if needed).
    pub async fn verify(&self) -> Result<(), TruecallerError> {
        self.tokens.token().await?;
        Ok(())
    }

    /// Runs an authenticated call; on "please login again" drops the token and tries once more
    /// with a fresh one (catalogue §1.2).
    async fn authed<F>(
        &self,
        make: F,
        idem: Idempotency,
    ) -> Result<opsdesk_http::ApiResponse, TruecallerError>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        self.authed_limited(make, idem, None).await
    }

    /// [`Self::authed`] under one of the vendor's rate limits.
    async fn authed_limited<F>(
        &self,
        make: F,
        idem: Idempotency,
        limit: Option<&RateLimit>,
    ) -> Result<opsdesk_http::ApiResponse, TruecallerError>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        for attempt in 0..2 {
            let token = self.tokens.token().await?;
            let result = execute(|| make(token.expose()), idem, &self.retry, limit, None).await;
            match result {
                Err(e) if e.is_login_again() && attempt == 0 => {
                    tracing::info!("Truecaller asked to log in again; refreshing the token once");
                    self.tokens.invalidate(&token).await;
                }
                other => return other.map_err(Into::into),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// Real-time v2: one record, answered synchronously. Numbers in the v2 format (no `+`).
    #[tracing::instrument(skip_all, err(Display))]
    pub async fn push_call(&self, record: &WireRecord) -> Result<(), TruecallerError> {
        let url = join_url(
            &self.base,
            &format!(
                "v2/clients/{}/dynamic_call_record",
                self.tokens.client_account_id()
            ),
        );
        // Shows a caller ID on a person's phone: never repeated after a 5xx or a lost answer.
        self.authed_limited(
            |t| self.http.post(url.clone()).bearer_auth(t).json(record),
            Idempotency::NotIdempotent,
            self.realtime_limit.as_ref(),
        )
        .await?;
        Ok(())
    }

    /// Batch v3: 1–500 records (numbers in E.164), answered with a batch ID to follow.
    pub async fn push_batch(&self, records: &[WireRecord]) -> Result<String, TruecallerError> {
        self.push_batch_version(rules::ApiVersion::V3, records)
            .await
    }

    /// Batch v2: the same, with v2 numbers (no `+`) and the label name required; validate the
    /// records with `label_name_required` for it.
    pub async fn push_batch_v2(&self, records: &[WireRecord]) -> Result<String, TruecallerError> {
        self.push_batch_version(rules::ApiVersion::V2, records)
            .await
    }

    #[tracing::instrument(skip_all, fields(records = records.len(), version = ?version), err(Display))]
    async fn push_batch_version(
        &self,
        version: rules::ApiVersion,
        records: &[WireRecord],
    ) -> Result<String, TruecallerError> {
        let v = match version {
            rules::ApiVersion::V2 => "v2",
            rules::ApiVersion::V3 => "v3",
        };
        let url = join_url(
            &self.base,
            &format!(
                "{v}/clients/{}/dynamic_call_records",
                self.tokens.client_account_id()
            ),
        );
        let body = serde_json::json!({ "call_records": records });
        // Shows caller IDs on people's phones: never repeated after a 5xx or a lost answer.
        let resp = self
            .authed_limited(
                |t| self.http.post(url.clone()).bearer_auth(t).json(&body),
                Idempotency::NotIdempotent,
                self.batch_limit.as_ref(),
            )
            .await?;
        Ok(resp.json::<BatchCreated>()?.batch_id)
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn batch_status(&self, batch_id: &str) -> Result<Vec<RecordStatus>, TruecallerError> {
        let url = join_url(
            &self.base,
            &format!(
                "v3/clients/{}/dynamic_call_records",
                self.tokens.client_account_id()
            ),
        );
        let resp = self
            .authed(
                |t| {
                    self.http
                        .get(url.clone())
                        .query(&[("batchId", batch_id)])
                        .bearer_auth(t)
                },
                Idempotency::Idempotent,
            )
            .await?;
        Ok(resp.json::<BatchStatusBody>()?.data)
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn labels(&self, page: u32, limit: u32) -> Result<Vec<Label>, TruecallerError> {
        let url = self.client_path("labels");
        let resp = self
            .authed(
                |t| {
                    self.http
                        .get(url.clone())
                        .query(&[("page", page), ("limit", limit)])
                        .bearer_auth(t)
                },
                Idempotency::Idempotent,
            )
            .await?;
        Ok(resp.json()?)
    }
}

/// Which deprecated log (catalogue §5.6): both are flagged "API NOT WORKING" upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogKind {
    /// T11: Call Me Back requests between `from` and `to`.
    CallMeBack { from: String, to: String },
    /// T12: answers to one survey since `from_date`.
    UserFeedback {
        survey_id: String,
        from_date: String,
    },
}

impl TruecallerClient {
    /// Asks for a log file; the answer is the address to download it from. The time unit of
    /// `from`/`to` is ambiguous in the docs (ms vs s, §5.6): callers pass seconds, as the
    /// examples do.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn log_url(&self, kind: &LogKind) -> Result<String, TruecallerError> {
        let (url, query): (Url, Vec<(&str, String)>) = match kind {
            LogKind::CallMeBack { from, to } => (
                self.client_path("openapi/callback-logs/summary"),
                vec![("from", from.clone()), ("to", to.clone())],
            ),
            LogKind::UserFeedback {
                survey_id,
                from_date,
            } => (
                self.client_path(&format!("openapi/feedback_stack/{survey_id}/export_report")),
                vec![("from_date", from_date.clone())],
            ),
        };
        let resp = self
            .authed(
                |t| self.http.get(url.clone()).query(&query).bearer_auth(t),
                Idempotency::Idempotent,
            )
            .await?;
        // Documented only as "a URL": accept a bare string, JSON string or `{"url": …}`.
        let text = String::from_utf8_lossy(&resp.body).trim().to_string();
        let found = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| match v {
                serde_json::Value::String(s) => Some(s),
                v => v.get("url").and_then(|u| u.as_str()).map(str::to_string),
            })
            .unwrap_or(text);
        if found.starts_with("http") {
            Ok(found)
        } else {
            Err(opsdesk_http::ApiError::unexpected("the log answer is not an address").into())
        }
    }
}
