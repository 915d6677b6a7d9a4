//! A sandbox and a client pointed at it, shared by the Truora client tests.

use opsdesk_http::{build_client, HttpConfig, Secret};
use opsdesk_sandbox::{Sandbox, SandboxConfig, PRACTICE_TRUORA_KEY};
use opsdesk_truora::{TruoraClient, TruoraEndpoints};
use url::Url;

pub async fn setup(demo_data: bool, file_prepare_ms: i64) -> (Sandbox, TruoraClient) {
    let sb = Sandbox::start(SandboxConfig {
        demo_data,
        file_prepare_ms,
        ..Default::default()
    })
    .await
    .unwrap();
    let u = sb.urls();
    let ep = TruoraEndpoints {
        checks: Url::parse(&u.checks).unwrap(),
        identity: Url::parse(&u.identity).unwrap(),
        connect: Url::parse(&u.connect).unwrap(),
        account: Url::parse(&u.account).unwrap(),
    };
    let mut c = TruoraClient::new(
        build_client(&HttpConfig::default()).unwrap(),
        Secret::new(PRACTICE_TRUORA_KEY),
        ep,
    );
    // Retries stay on; only the waits shrink so error cases finish quickly.
    c.retry.base_delay = std::time::Duration::from_millis(5);
    (sb, c)
}
