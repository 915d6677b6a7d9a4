use opsdesk_http::{build_client, ErrorKind, HttpConfig, Secret};
use opsdesk_sandbox::{Sandbox, SandboxConfig};
use opsdesk_truecaller::{
    TokenBudget, TokenError, TokenManager, TruecallerClient, TruecallerError,
};
use std::time::Duration;
use url::Url;

async fn setup(budget: TokenBudget) -> (Sandbox, TruecallerClient) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = build_client(&HttpConfig::default()).unwrap();
    let base = Url::parse(&sb.urls().truecaller).unwrap();
    let acct = sb.config().truecaller.clone();
    let tokens = TokenManager::new(
        http.clone(),
        base.clone(),
        acct.client_account_id,
        Secret::new(acct.key_id),
        Secret::new(acct.api_key),
        budget,
    );
    (sb, TruecallerClient::new(http, base, tokens))
}

#[tokio::test]
async fn one_token_serves_many_calls() {
    let (sb, tc) = setup(TokenBudget::default()).await;
    tc.verify().await.unwrap();
    let labels = tc.labels(1, 1000).await.unwrap();
    assert_eq!(labels.len(), 4);
    tc.labels(1, 2).await.unwrap();
    assert_eq!(sb.stats().tokens_minted, 1);
    assert_eq!(tc.tokens.remaining_budget().await, 9);
}

#[tokio::test]
async fn labels_are_paged() {
    let (_sb, tc) = setup(TokenBudget::default()).await;
    let p1 = tc.labels(1, 3).await.unwrap();
    let p2 = tc.labels(2, 3).await.unwrap();
    assert_eq!((p1.len(), p2.len()), (3, 1));
    assert_ne!(p1[0].id, p2[0].id);
}

#[tokio::test]
async fn the_client_never_mints_past_its_budget_and_says_when_it_frees_up() {
    // A zero lifetime makes every held token already expired, forcing a mint on every call.
    let budget = TokenBudget {
        max_tokens: 3,
        window: Duration::from_secs(30 * 60),
        lifetime: Duration::ZERO,
        refresh_margin: Duration::ZERO,
    };
    let (sb, tc) = setup(budget).await;
    for _ in 0..3 {
        tc.verify().await.unwrap();
    }
    match tc.verify().await {
        Err(TruecallerError::Token(TokenError::BudgetExhausted { available_in })) => {
            assert!(
                available_in <= Duration::from_secs(30 * 60)
                    && available_in > Duration::from_secs(29 * 60)
            );
        }
        other => panic!("expected the budget to run out, got {other:?}"),
    }
    assert_eq!(
        sb.stats().tokens_minted,
        3,
        "nothing was sent once the budget was used up"
    );
}

#[tokio::test]
async fn the_sandbox_enforces_ten_tokens_per_thirty_minutes() {
    let budget = TokenBudget {
        max_tokens: 50,
        window: Duration::from_secs(30 * 60),
        lifetime: Duration::ZERO,
        refresh_margin: Duration::ZERO,
    };
    let (sb, tc) = setup(budget).await;
    for _ in 0..10 {
        tc.verify().await.unwrap();
    }
    match tc.verify().await {
        Err(TruecallerError::Token(TokenError::Api(e))) => {
            assert_eq!(e.kind, ErrorKind::RateLimited);
            assert!(e.retry_after.is_some());
        }
        other => panic!("expected the vendor's 429, got {other:?}"),
    }
    assert_eq!(sb.stats().tokens_minted, 10);
}

#[tokio::test]
async fn please_login_again_refreshes_the_token_once() {
    let (sb, tc) = setup(TokenBudget::default()).await;
    tc.verify().await.unwrap();
    // The vendor forgets our token (e.g. it was revoked).
    sb.with_state(|s| s.truecaller.tokens.clear());
    let labels = tc.labels(1, 10).await.unwrap();
    assert_eq!(labels.len(), 4);
    assert_eq!(sb.stats().tokens_minted, 2);
}

#[tokio::test]
async fn wrong_keys_are_reported_as_unauthorized() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = build_client(&HttpConfig::default()).unwrap();
    let base = Url::parse(&sb.urls().truecaller).unwrap();
    let tokens = TokenManager::new(
        http.clone(),
        base.clone(),
        sb.config().truecaller.client_account_id.clone(),
        Secret::new("00000000-0000-4000-8000-000000000000"),
        Secret::new("00000000-0000-4000-8000-000000000001"),
        TokenBudget::default(),
    );
    let tc = TruecallerClient::new(http, base, tokens);
    match tc.verify().await {
        Err(TruecallerError::Token(TokenError::Api(e))) => {
            assert_eq!(e.kind, ErrorKind::Unauthorized)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn mints_from_an_earlier_run_count_against_the_budget_and_new_ones_are_reported() {
    let (sb, tc) = setup(TokenBudget::default()).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let logged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = logged.clone();
    // Nine mints in the last half hour (and one older, which no longer counts).
    let earlier: Vec<i64> = (0..9)
        .map(|i| now - i * 60_000)
        .chain([now - 31 * 60_000])
        .collect();
    let tokens = tc.tokens.clone().with_mint_history(
        &earlier,
        std::sync::Arc::new(move |t| sink.lock().unwrap().push(t)),
    );
    assert_eq!(tokens.remaining_budget().await, 1);
    tokens.token().await.unwrap();
    assert_eq!(
        logged.lock().unwrap().len(),
        1,
        "the new mint is reported for saving"
    );
    tokens.invalidate(&tokens.token().await.unwrap()).await;
    match tokens.token().await {
        Err(TokenError::BudgetExhausted { available_in }) => {
            assert!(
                available_in <= Duration::from_secs(30 * 60 - 8 * 60 + 1),
                "{available_in:?}"
            );
        }
        other => panic!(
            "the budget carried over from the earlier run: {:?}",
            other.map(|_| ())
        ),
    }
    assert_eq!(sb.stats().tokens_minted, 1);
}
