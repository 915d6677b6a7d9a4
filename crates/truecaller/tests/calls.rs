use opsdesk_http::{build_client, ErrorKind, HttpConfig, Secret};
use opsdesk_sandbox::{Sandbox, SandboxConfig};
use opsdesk_truecaller::rules::{validate_record, ApiVersion, RecordDraft, WireRecord};
use opsdesk_truecaller::{TokenBudget, TokenManager, TruecallerClient, TruecallerError};
use url::Url;

async fn setup() -> (Sandbox, TruecallerClient) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = build_client(&HttpConfig::default()).unwrap();
    let base = Url::parse(&sb.urls().truecaller).unwrap();
    let a = sb.config().truecaller.clone();
    let tokens = TokenManager::new(
        http.clone(),
        base.clone(),
        a.client_account_id,
        Secret::new(a.key_id),
        Secret::new(a.api_key),
        TokenBudget::default(),
    );
    (sb, TruecallerClient::new(http, base, tokens))
}

fn record(sb: &Sandbox, receiver: &str, version: ApiVersion) -> WireRecord {
    let now = sb.now_ms();
    let d = RecordDraft {
        caller: "+91 80456 71234".into(),
        receiver: receiver.into(),
        label_id: "3f6c2a1e-0b4d-4c8e-9a7f-000000000000".into(),
        label_name: "Banco Andino".into(),
        reason: "Your card payment is due today".into(),
        starts_at_ms: now,
        ends_at_ms: now + 3_600_000,
    };
    validate_record(&d, version, now, false).unwrap()
}

fn kind(e: TruecallerError) -> ErrorKind {
    match e {
        TruecallerError::Api(a) => a.kind,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn one_call_is_pushed_in_real_time() {
    let (sb, tc) = setup().await;
    tc.push_call(&record(&sb, "+91 98765 43210", ApiVersion::V2))
        .await
        .unwrap();
    assert_eq!(sb.with_state(|s| s.truecaller.calls.realtime.len()), 1);
    // A v3-formatted number sent to v2 is refused, with the field named.
    match tc
        .push_call(&record(&sb, "+91 98765 43210", ApiVersion::V3))
        .await
        .unwrap_err()
    {
        TruecallerError::Api(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert_eq!(e.vendor.unwrap().field.as_deref(), Some("caller_number"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_batch_settles_into_per_record_results() {
    let (sb, tc) = setup().await;
    let recs = vec![
        record(&sb, "+91 98765 43210", ApiVersion::V3),
        record(&sb, "+91 98765 43217", ApiVersion::V3),
        record(&sb, "+91 98765 43218", ApiVersion::V3),
    ];
    let id = tc.push_batch(&recs).await.unwrap();
    let pending = tc.batch_status(&id).await.unwrap();
    assert!(pending
        .iter()
        .all(|r| r.status_info.as_ref().unwrap().status.as_deref() == Some("pending")));
    sb.with_state(|s| {
        s.truecaller
            .calls
            .batches
            .get_mut(&id)
            .unwrap()
            .iter_mut()
            .for_each(|r| r.created_ms -= 60_000)
    });
    let done = tc.batch_status(&id).await.unwrap();
    let statuses: Vec<_> = done
        .iter()
        .map(|r| r.status_info.clone().unwrap().status.unwrap())
        .collect();
    assert_eq!(statuses, ["success", "failure", "failure"]);
    assert!(done[1]
        .status_info
        .clone()
        .unwrap()
        .message
        .unwrap()
        .contains("not a Truecaller user"));
}

#[tokio::test]
async fn batches_hold_one_to_five_hundred_records() {
    let (sb, tc) = setup().await;
    assert_eq!(
        kind(tc.push_batch(&[]).await.unwrap_err()),
        ErrorKind::InvalidInput
    );
    let r = record(&sb, "+91 98765 43210", ApiVersion::V3);
    assert!(tc.push_batch(&vec![r.clone(); 500]).await.is_ok());
    assert_eq!(
        kind(tc.push_batch(&vec![r; 501]).await.unwrap_err()),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn the_sandbox_allows_sixty_batches_a_minute_per_token() {
    let (sb, mut tc) = setup().await;
    tc.batch_limit = None; // probe the server's limit, not ours
    tc.retry.max_attempts = 1;
    let r = vec![record(&sb, "+91 98765 43210", ApiVersion::V3)];
    for _ in 0..60 {
        tc.push_batch(&r).await.unwrap();
    }
    assert_eq!(
        kind(tc.push_batch(&r).await.unwrap_err()),
        ErrorKind::RateLimited
    );
}

#[tokio::test]
async fn numbers_take_one_filter_and_listing_reports_each_number() {
    use opsdesk_truecaller::numbers::NumberFilter;
    let (_sb, tc) = setup().await;
    let (all, pages) = tc.numbers(None, 1, 50).await.unwrap();
    assert_eq!((all.len(), pages), (5, 1));
    assert!(all.iter().all(|n| n.phone_number.starts_with("91")));
    let (fs, _) = tc.feature_sets(1, 50).await.unwrap();
    let collections = fs
        .iter()
        .find(|f| f.name.as_deref() == Some("Collections"))
        .unwrap()
        .id
        .clone();
    let (filtered, _) = tc
        .numbers(Some(&NumberFilter::FeatureSet(collections.clone())), 1, 50)
        .await
        .unwrap();
    assert_eq!(filtered.len(), 2);
    let (page2, pages) = tc.numbers(None, 2, 2).await.unwrap();
    assert_eq!((page2.len(), pages), (2, 3));

    let r = tc
        .publish_numbers(
            &collections,
            &["918045670000".into(), "918045671234".into(), "12345".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            r.new_numbers.len(),
            r.existing_numbers.len(),
            r.invalid_numbers.len()
        ),
        (1, 1, 1)
    );
    let d = tc
        .delist_numbers(&collections, &["918045671234".into()])
        .await
        .unwrap();
    assert_eq!(
        (d.status.as_deref(), d.processing_numbers.len()),
        (Some("pending"), 1)
    );
    let d = tc
        .delist_numbers(&collections, &["919999999999".into()])
        .await
        .unwrap();
    assert_eq!(
        d.status.as_deref(),
        Some("failed"),
        "a number that is not listed cannot be delisted"
    );
}

#[tokio::test]
async fn batch_v2_takes_v2_numbers_and_requires_the_label_name() {
    let (sb, tc) = setup().await;
    let r = record(&sb, "+91 98765 43210", ApiVersion::V2);
    assert!(!r.receiver_number.starts_with('+'));
    let id = tc.push_batch_v2(std::slice::from_ref(&r)).await.unwrap();
    assert!(sb.with_state(|s| s.truecaller.calls.batches.contains_key(&id)));
    let mut nameless = r;
    nameless.dynamic_label_name = None;
    assert_eq!(
        kind(tc.push_batch_v2(&[nameless]).await.unwrap_err()),
        ErrorKind::InvalidInput
    );
    // v3 numbers on the v2 endpoint are refused too.
    let v3 = record(&sb, "+91 98765 43210", ApiVersion::V3);
    assert_eq!(
        kind(tc.push_batch_v2(&[v3]).await.unwrap_err()),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn publishing_and_delisting_finish_later_as_upstream() {
    use opsdesk_truecaller::numbers::NumberFilter;
    let (sb, tc) = setup().await;
    let (sets, _) = tc.feature_sets(1, 50).await.unwrap();
    let fs = sets[0].id.clone();
    let r = tc
        .publish_numbers(&fs, &["918045679999".to_string()])
        .await
        .unwrap();
    assert_eq!(r.new_numbers, ["918045679999"]);
    let status = |list: Vec<opsdesk_truecaller::numbers::BusinessNumber>, n: &str| {
        list.into_iter()
            .find(|x| x.phone_number == n)
            .and_then(|x| x.status)
    };
    let filter = NumberFilter::FeatureSet(fs.clone());
    let (now, _) = tc.numbers(Some(&filter), 1, 50).await.unwrap();
    assert_eq!(status(now, "918045679999").as_deref(), Some("pending"));
    sb.advance_time(60_000);
    let (later, _) = tc.numbers(Some(&filter), 1, 50).await.unwrap();
    assert_eq!(status(later, "918045679999").as_deref(), Some("listed"));
    let d = tc
        .delist_numbers(&fs, &["918045679999".to_string()])
        .await
        .unwrap();
    assert_eq!(d.processing_numbers, ["918045679999"]);
    sb.advance_time(60_000);
    let (after, _) = tc.numbers(Some(&filter), 1, 50).await.unwrap();
    assert_eq!(status(after, "918045679999").as_deref(), Some("delisted"));
}
