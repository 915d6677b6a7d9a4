use opsdesk_http::{execute, join_url, ApiError, Idempotency, RetryPolicy, Secret};
use serde::Deserialize;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use url::Url;

/// The vendor's documented limits (catalogue §1.2, §5.1).
#[derive(Debug, Clone, Copy)]
pub struct TokenBudget {
    pub max_tokens: usize,
    pub window: Duration,
    pub lifetime: Duration,
    /// Refresh this long before expiry so a long batch never starts with a dying token.
    pub refresh_margin: Duration,
}

impl Default for TokenBudget {
    fn default() -> Self {
        TokenBudget {
            max_tokens: 10,
            window: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(60 * 60),
            refresh_margin: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// We already minted the maximum in the window; the earliest slot frees in `available_in`.
    #[error("token budget used up; next token possible in {available_in:?}")]
    BudgetExhausted { available_in: Duration },
    #[error(transparent)]
    Api(#[from] ApiError),
}

struct Held {
    token: Arc<Secret>,
    expires: Instant,
}

struct Inner {
    current: Option<Held>,
    mints: VecDeque<Instant>,
}

/// Told the wall-clock time (epoch ms) of every mint, so the budget can outlive the process.
pub type MintLog = Arc<dyn Fn(i64) + Send + Sync>;

/// Hands out one shared bearer token. Cheap to clone; clones share the token and the budget.
#[derive(Clone)]
pub struct TokenManager {
    http: reqwest::Client,
    base: Url,
    client_account_id: Arc<str>,
    key_id: Arc<Secret>,
    api_key: Arc<Secret>,
    budget: TokenBudget,
    inner: Arc<Mutex<Inner>>,
    on_mint: Option<MintLog>,
}

#[derive(Deserialize)]
struct TokenResponse {
    token: String,
}

impl TokenManager {
    pub fn new(
        http: reqwest::Client,
        base: Url,
        client_account_id: String,
        key_id: Secret,
        api_key: Secret,
        budget: TokenBudget,
    ) -> Self {
        TokenManager {
            http,
            base,
            client_account_id: client_account_id.into(),
            key_id: Arc::new(key_id),
            api_key: Arc::new(api_key),
            budget,
            inner: Arc::new(Mutex::new(Inner {
                current: None,
                mints: VecDeque::new(),
            })),
            on_mint: None,
        }
    }

    /// Counts mints made by earlier runs (epoch ms) against the budget and reports new ones to
    /// `log`: restarting the app must not buy ten more tokens.
    pub fn with_mint_history(mut self, earlier_ms: &[i64], log: MintLog) -> Self {
        let now_wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let now = Instant::now();
        let mut past: Vec<Instant> = earlier_ms
            .iter()
            .filter_map(|&t| {
                let ago = Duration::from_millis(now_wall.saturating_sub(t).max(0) as u64);
                (ago < self.budget.window)
                    .then(|| now.checked_sub(ago))
                    .flatten()
            })
            .collect();
        past.sort();
        self.inner = Arc::new(Mutex::new(Inner {
            current: None,
            mints: past.into(),
        }));
        self.on_mint = Some(log);
        self
    }

    pub fn client_account_id(&self) -> &str {
        &self.client_account_id
    }

    /// A valid token: the held one while it has more than the refresh margin left, otherwise a
    /// new one if the budget allows, otherwise the held one while it is still valid at all.
    pub async fn token(&self) -> Result<Arc<Secret>, TokenError> {
        let mut inner = self.inner.lock().await;
        let now = Instant::now();
        if let Some(h) = &inner.current {
            if h.expires > now + self.budget.refresh_margin {
                return Ok(h.token.clone());
            }
        }
        while inner
            .mints
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.budget.window)
        {
            inner.mints.pop_front();
        }
        if inner.mints.len() >= self.budget.max_tokens {
            if let Some(h) = inner.current.as_ref().filter(|h| h.expires > now) {
                return Ok(h.token.clone());
            }
            let oldest = *inner.mints.front().unwrap();
            return Err(TokenError::BudgetExhausted {
                available_in: self.budget.window - now.duration_since(oldest),
            });
        }
        // Counted before the request: a mint whose answer was lost may still have used budget.
        inner.mints.push_back(now);
        if let Some(log) = &self.on_mint {
            log(std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0));
        }
        let token = self.mint().await?;
        let token = Arc::new(token);
        inner.current = Some(Held {
            token: token.clone(),
            expires: now + self.budget.lifetime,
        });
        Ok(token)
    }

    /// Forgets `token` if it is still the held one (the vendor rejected it).
    pub async fn invalidate(&self, token: &Arc<Secret>) {
        let mut inner = self.inner.lock().await;
        if inner
            .current
            .as_ref()
            .is_some_and(|h| Arc::ptr_eq(&h.token, token))
        {
            inner.current = None;
        }
    }

    /// How many tokens may still be minted in the current window.
    pub async fn remaining_budget(&self) -> usize {
        let inner = self.inner.lock().await;
        let now = Instant::now();
        let used = inner
            .mints
            .iter()
            .filter(|&&t| now.duration_since(t) < self.budget.window)
            .count();
        self.budget.max_tokens.saturating_sub(used)
    }

    async fn mint(&self) -> Result<Secret, ApiError> {
        let url = join_url(
            &self.base,
            &format!("clients/{}/token", self.client_account_id),
        );
        let body =
            serde_json::json!({ "key_id": self.key_id.expose(), "api_key": self.api_key.expose() });
        // Not retried on 5xx: a retry could burn a second token of the ten.
        let resp = execute(
            || {
                self.http
                    .post(url.clone())
                    .header("X-Public-Access", "allow")
                    .header("Accept", "application/json")
                    .json(&body)
            },
            Idempotency::NotIdempotent,
            &RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            None,
            None,
        )
        .await?;
        let t: TokenResponse = resp.json()?;
        tracing::info!("minted a Truecaller access token");
        Ok(Secret::new(t.token))
    }
}
