//! The shared HTTP plumbing against the sandbox, with the sandbox's fault injection.

use opsdesk_http::{
    build_client, download_file, execute, join_url, DownloadOptions, DownloadProgress, ErrorKind,
    HttpConfig, Idempotency, RateLimit, RetryPolicy,
};
use opsdesk_sandbox::{Faults, Sandbox, SandboxConfig, PRACTICE_TRUORA_KEY};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use url::Url;

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        fault_seed: Some(7),
        file_prepare_ms: 300,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn checks_url(sb: &Sandbox) -> Url {
    join_url(&Url::parse(&sb.urls().checks).unwrap(), "v1/checks")
}

#[tokio::test]
async fn a_429_burst_is_retried_after_the_servers_retry_after() {
    let sb = sandbox().await;
    sb.set_faults(Faults {
        burst_429: 2,
        retry_after_secs: 1,
        ..Default::default()
    });
    let http = build_client(&HttpConfig::default()).unwrap();
    let url = checks_url(&sb);
    let started = Instant::now();
    let resp = execute(
        || {
            http.get(url.clone())
                .header("Truora-API-Key", PRACTICE_TRUORA_KEY)
        },
        // Even a non-idempotent call may be retried on 429: the server did not process it.
        Idempotency::NotIdempotent,
        &fast_retry(),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two Retry-After: 1 waits were honoured"
    );
    assert_eq!(sb.stats().by_route["GET /checks/v1/checks"], 3);
}

#[tokio::test]
async fn server_errors_are_retried_only_for_idempotent_calls() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let url = checks_url(&sb);
    let make = || {
        http.get(url.clone())
            .header("Truora-API-Key", PRACTICE_TRUORA_KEY)
    };

    sb.set_faults(Faults {
        rate_5xx: 1.0,
        ..Default::default()
    });
    let err = execute(make, Idempotency::Idempotent, &fast_retry(), None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert_eq!(err.status, Some(503));
    assert_eq!(sb.stats().requests, 4, "retried up to max_attempts");

    let before = sb.stats().requests;
    let err = execute(make, Idempotency::NotIdempotent, &fast_retry(), None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert_eq!(
        sb.stats().requests - before,
        1,
        "a create is never repeated after a 5xx"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_network_error_and_a_glitch_is_retried() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let url = checks_url(&sb);
    let make = || {
        http.get(url.clone())
            .header("Truora-API-Key", PRACTICE_TRUORA_KEY)
    };

    sb.set_faults(Faults {
        rate_drop: 1.0,
        ..Default::default()
    });
    let err = execute(make, Idempotency::NotIdempotent, &fast_retry(), None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NoNetwork);

    // With half the answers dropped, an idempotent read still gets through.
    sb.set_faults(Faults {
        rate_drop: 0.5,
        ..Default::default()
    });
    let policy = RetryPolicy {
        max_attempts: 10,
        ..fast_retry()
    };
    assert_eq!(
        execute(make, Idempotency::Idempotent, &policy, None, None)
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
async fn a_malformed_body_is_reported_not_parsed() {
    let sb = sandbox().await;
    sb.set_faults(Faults {
        rate_malformed: 1.0,
        ..Default::default()
    });
    let http = build_client(&HttpConfig::default()).unwrap();
    let url = checks_url(&sb);
    let resp = execute(
        || {
            http.get(url.clone())
                .header("Truora-API-Key", PRACTICE_TRUORA_KEY)
        },
        Idempotency::Idempotent,
        &fast_retry(),
        None,
        None,
    )
    .await
    .unwrap();
    let err = resp.json::<serde_json::Value>().unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnexpectedResponse);
}

#[tokio::test]
async fn vendor_error_bodies_are_understood() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let url = checks_url(&sb);
    let err = execute(
        || {
            http.get(url.clone())
                .header("Truora-API-Key", "eyJ.wrong.key")
        },
        Idempotency::Idempotent,
        &fast_retry(),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unauthorized);
    assert_eq!(err.vendor.unwrap().code.as_deref(), Some("10401"));

    let missing = join_url(
        &Url::parse(&sb.urls().checks).unwrap(),
        "v1/checks/CHKdoesnotexist",
    );
    let err = execute(
        || {
            http.get(missing.clone())
                .header("Truora-API-Key", PRACTICE_TRUORA_KEY)
        },
        Idempotency::Idempotent,
        &fast_retry(),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(
        err.vendor.unwrap().message.as_deref(),
        Some("The Check was not found")
    );
}

#[tokio::test]
async fn the_client_side_limiter_keeps_requests_under_the_rate() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let url = checks_url(&sb);
    let limit = RateLimit::new(10, Duration::from_millis(500));
    let started = Instant::now();
    for _ in 0..6 {
        execute(
            || {
                http.get(url.clone())
                    .header("Truora-API-Key", PRACTICE_TRUORA_KEY)
            },
            Idempotency::Idempotent,
            &fast_retry(),
            Some(&limit),
            None,
        )
        .await
        .unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "6 requests at 20/s need at least 250 ms"
    );
}

// ---- the 202 → 302 download contract (catalogue §3.3) ----

fn pdf_url(sb: &Sandbox, process: &str, kind: &str) -> Url {
    join_url(
        &Url::parse(&sb.urls().identity).unwrap(),
        &format!("v1/processes/{process}/{kind}"),
    )
}

fn process_id(n: u64) -> String {
    format!("IDP{:032x}", 0xd1d0000u64 + n)
}

fn fast_polls() -> DownloadOptions {
    DownloadOptions {
        poll_interval: Duration::from_millis(50),
        max_poll_interval: Duration::from_millis(100),
        max_preparing: Duration::from_secs(20),
        max_redirects: 5,
        ..DownloadOptions::default()
    }
}

#[tokio::test]
async fn a_pdf_is_prepared_then_fetched_from_storage_without_our_key() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("process.pdf");
    let mut phases = Vec::new();
    let bytes = download_file(
        &http,
        pdf_url(&sb, &process_id(0), "pdf"),
        |rb| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY),
        &dest,
        &fast_polls(),
        &CancellationToken::new(),
        |p| phases.push(p),
    )
    .await
    .unwrap();
    let file = std::fs::read(&dest).unwrap();
    assert_eq!(file.len() as u64, bytes);
    assert!(file.starts_with(b"%PDF-"));
    assert!(
        matches!(&phases[0], DownloadProgress::Preparing { file_status, .. } if file_status == "requested")
    );
    assert!(phases.iter().any(|p| matches!(p, DownloadProgress::Preparing { file_status, .. } if file_status == "in_progress")));
    assert!(matches!(phases.last(), Some(DownloadProgress::Done(_))));
    assert_eq!(
        sb.stats().storage_requests_with_credentials,
        0,
        "the API key never goes to the storage host"
    );

    // Already generated: the next request redirects at once.
    let again = dir.path().join("again.pdf");
    let mut preparing = 0;
    download_file(
        &http,
        pdf_url(&sb, &process_id(0), "pdf"),
        |rb| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY),
        &again,
        &fast_polls(),
        &CancellationToken::new(),
        |p| {
            if matches!(p, DownloadProgress::Preparing { .. }) {
                preparing += 1
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(preparing, 0);
}

#[tokio::test]
async fn a_file_served_inline_with_200_is_saved_too() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("rec.mp4");
    // Process 3 of the demo data answers 200 with the file instead of a redirect.
    download_file(
        &http,
        pdf_url(&sb, &process_id(3), "video-call-recordings"),
        |rb| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY),
        &dest,
        &fast_polls(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(&std::fs::read(&dest).unwrap()[4..8], b"ftyp");
}

#[tokio::test]
async fn a_preparation_that_never_ends_can_be_cancelled_and_leaves_no_file() {
    let sb = sandbox().await;
    let pid = process_id(1);
    sb.with_state(|s| {
        s.truora
            .processes
            .iter_mut()
            .find(|p| p.process_id == pid)
            .unwrap()
            .prepare_ms = None
    });
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("never.pdf");
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let mut polls = 0;
    let err = download_file(
        &http,
        pdf_url(&sb, &pid, "pdf"),
        |rb| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY),
        &dest,
        &fast_polls(),
        &cancel,
        |p| {
            if let DownloadProgress::Preparing { polls: n, .. } = p {
                polls = n;
                if n == 3 {
                    c2.cancel();
                }
            }
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled);
    assert_eq!(polls, 3);
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no partial file is left behind"
    );
}

#[tokio::test]
async fn a_preparation_that_never_ends_times_out() {
    let sb = sandbox().await;
    let pid = process_id(1);
    sb.with_state(|s| {
        s.truora
            .processes
            .iter_mut()
            .find(|p| p.process_id == pid)
            .unwrap()
            .prepare_ms = None
    });
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = DownloadOptions {
        max_preparing: Duration::from_millis(300),
        ..fast_polls()
    };
    let err = download_file(
        &http,
        pdf_url(&sb, &pid, "pdf"),
        |rb| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY),
        &dir.path().join("x.pdf"),
        &opts,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
}

#[tokio::test]
async fn an_unknown_process_is_not_found() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = download_file(
        &http,
        pdf_url(&sb, "IDPnope", "pdf"),
        |rb| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY),
        &dir.path().join("x.pdf"),
        &fast_polls(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn a_connection_dropped_mid_file_leaves_no_partial_file() {
    let sb = sandbox().await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("p.pdf");
    // Let the 202s and the 302 through, then drop every answer (the storage request included).
    let url = pdf_url(&sb, &process_id(0), "pdf");
    let key = |rb: reqwest::RequestBuilder| rb.header("Truora-API-Key", PRACTICE_TRUORA_KEY);
    let _ = download_file(
        &http,
        url.clone(),
        key,
        &dir.path().join("warm.pdf"),
        &fast_polls(),
        &CancellationToken::new(),
        |_| {},
    )
    .await;
    std::fs::remove_file(dir.path().join("warm.pdf")).unwrap();
    sb.set_faults(Faults {
        rate_drop: 1.0,
        ..Default::default()
    });
    let err = download_file(
        &http,
        url,
        key,
        &dest,
        &fast_polls(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NoNetwork);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}
