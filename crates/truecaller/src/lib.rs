//! Truecaller for Business. Every call needs a bearer token minted from the key ID and secret;
//! the vendor allows only 10 tokens per 30 minutes per account, so [`TokenManager`] reuses one
//! token for its 60-minute life and refuses to mint past the budget.

pub mod token;

pub use token::{TokenBudget, TokenError, TokenManager};

use opsdesk_http::{execute, join_url, ApiError, Idempotency, RetryPolicy};
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

#[derive(Clone)]
pub struct TruecallerClient {
    http: reqwest::Client,
    base: Url,
    pub tokens: TokenManager,
    pub retry: RetryPolicy,
}

impl TruecallerClient {
    pub fn new(http: reqwest::Client, base: Url, tokens: TokenManager) -> Self {
        TruecallerClient {
            http,
            base,
            tokens,
            retry: RetryPolicy::default(),
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
        for attempt in 0..2 {
            let token = self.tokens.token().await?;
            let result = execute(|| make(token.expose()), idem, &self.retry, None, None).await;
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
