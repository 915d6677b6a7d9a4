mod common;

use opsdesk_http::{build_client, ErrorKind, HttpConfig, Secret};
use opsdesk_sandbox::{Faults, Sandbox};
use opsdesk_truora::checks::rules::{validate, CheckDraft, Subject};
use opsdesk_truora::TruoraClient;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

async fn setup(demo: bool) -> (Sandbox, TruoraClient) {
    common::setup(demo, 50).await
}

fn person_co(id: &str) -> BTreeMap<String, String> {
    let draft = CheckDraft {
        subject: Some(Subject::Person),
        country: "CO".into(),
        user_authorized: true,
        inputs: [("national_id".to_string(), id.to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    validate(&draft, "2026-11-22").unwrap()
}

/// A new person check in Colombia; its ID.
async fn new_check(c: &TruoraClient, national_id: &str) -> String {
    c.create_check("person", "CO", &person_co(national_id), false)
        .await
        .unwrap()
        .check
        .check_id
}

/// Moves a check's creation back in virtual time, instead of waiting for it.
fn age(sb: &Sandbox, id: &str, ms: i64) {
    sb.age_check(id, ms);
}

#[tokio::test]
async fn a_check_is_created_then_progresses_to_a_score() {
    let (sb, c) = setup(false).await;
    let created = c
        .create_check("person", "CO", &person_co("1020304050"), false)
        .await
        .unwrap();
    assert!(!created.existing);
    let id = created.check.check_id.clone();
    assert!(id.starts_with("CHK"));
    assert_eq!(created.check.status.as_deref(), Some("not_started"));
    assert_eq!(created.check.score, -1.0, "no score until computed");

    age(&sb, &id, 5_000);
    let running = c.get_check(&id).await.unwrap();
    assert_eq!(running.status.as_deref(), Some("in_progress"));
    assert!(!running.is_final());

    age(&sb, &id, 60_000);
    let done = c.get_check(&id).await.unwrap();
    assert_eq!(done.status.as_deref(), Some("completed"));
    assert!((0.0..=1.0).contains(&done.score));
    assert!(done
        .statuses
        .iter()
        .all(|d| d.status.as_deref() == Some("completed")));
    assert_eq!(done.input("national_id"), Some("1020304050"));
}

#[tokio::test]
async fn delayed_and_failed_checks_report_so() {
    let (sb, c) = setup(false).await;
    let delayed = new_check(&c, "1020304099").await;
    let failed = new_check(&c, "1020304013").await;
    age(&sb, &delayed, 30_000);
    age(&sb, &failed, 30_000);
    assert_eq!(
        c.get_check(&delayed).await.unwrap().status.as_deref(),
        Some("delayed")
    );
    let e = c.get_check(&failed).await.unwrap();
    assert_eq!(e.status.as_deref(), Some("error"));
    assert!(e
        .statuses
        .iter()
        .any(|d| d.invalid_inputs == ["national_id"]));
}

#[tokio::test]
async fn an_identical_recent_check_is_returned_unless_forced() {
    let (_sb, c) = setup(false).await;
    let first = c
        .create_check("person", "CO", &person_co("1020304050"), false)
        .await
        .unwrap();
    let again = c
        .create_check("person", "CO", &person_co("1020304050"), false)
        .await
        .unwrap();
    assert!(again.existing);
    assert_eq!(again.check.check_id, first.check.check_id);
    let forced = c
        .create_check("person", "CO", &person_co("1020304050"), true)
        .await
        .unwrap();
    assert!(!forced.existing);
    assert_ne!(forced.check.check_id, first.check.check_id);
}

#[tokio::test]
async fn the_sandbox_refuses_what_the_rules_forbid() {
    let (_sb, c) = setup(false).await;
    // Sent without the client's validation, to prove the server enforces the catalogue too.
    let e = c
        .create_check("person", "BR", &person_co("52998224725"), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.vendor.unwrap().message.unwrap().contains("required"));
    let mut bad = person_co("1020304050");
    bad.insert("imei".into(), "123".into());
    assert_eq!(
        c.create_check("person", "CO", &bad, false)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidInput
    );
    assert_eq!(
        c.create_check("company", "CL", &BTreeMap::new(), false)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn lists_and_details_are_paginated() {
    let (_sb, c) = setup(true).await;
    for i in 0..15 {
        c.create_check("person", "CO", &person_co(&format!("5000000{i:03}")), false)
            .await
            .unwrap();
    }
    let (first, next) = c.list_checks(None).await.unwrap();
    assert_eq!(first.len(), 20);
    let (second, end) = c.list_checks(next.as_deref()).await.unwrap();
    assert_eq!(second.len(), 5);
    assert!(end.is_none());
    let ids: std::collections::HashSet<_> = first
        .iter()
        .chain(&second)
        .map(|c| c.check_id.clone())
        .collect();
    assert_eq!(ids.len(), 25, "no check twice, none missing");

    let demo = "CHK00000000000000000000000a11ce0000";
    let (d1, next) = c.check_details(demo, "en", None).await.unwrap();
    let (d2, end) = c.check_details(demo, "en", next.as_deref()).await.unwrap();
    assert_eq!((d1.len(), d2.len(), end), (3, 2, None));
    assert!(
        d1[0].description.as_deref().unwrap().ends_with("records.")
            || d1[0].description.as_deref().unwrap().contains("record")
    );
}

#[tokio::test]
async fn a_deleted_check_is_gone() {
    let (_sb, c) = setup(false).await;
    let id = new_check(&c, "1020304050").await;
    c.delete_check(&id).await.unwrap();
    assert_eq!(
        c.get_check(&id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        c.delete_check(&id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn the_report_pdf_waits_for_completion_then_downloads() {
    let (sb, c) = setup(false).await;
    let id = new_check(&c, "1020304050").await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("r.pdf");
    let e = c
        .download_check_pdf(&id, "es", &dest, &CancellationToken::new(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "not before it completes");
    age(&sb, &id, 60_000);
    c.download_check_pdf(&id, "en", &dest, &CancellationToken::new(), |_| {})
        .await
        .unwrap();
    let pdf = String::from_utf8_lossy(&std::fs::read(&dest).unwrap()).into_owned();
    assert!(pdf.starts_with("%PDF") && pdf.contains("Background check report"));
}

#[tokio::test]
async fn errors_are_told_apart_and_creates_are_never_repeated() {
    let (sb, c) = setup(false).await;
    let wrong = TruoraClient::new(
        build_client(&HttpConfig::default()).unwrap(),
        Secret::new("eyJa.eyJb.c"),
        c.endpoints.clone(),
    );
    assert_eq!(
        wrong.list_checks(None).await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
    assert_eq!(
        c.get_check("CHKnope").await.unwrap_err().kind,
        ErrorKind::NotFound
    );

    sb.set_faults(Faults {
        burst_429: 2,
        ..Default::default()
    });
    assert!(
        c.list_checks(None).await.is_ok(),
        "reads ride out a 429 burst"
    );

    sb.set_faults(Faults {
        rate_5xx: 1.0,
        ..Default::default()
    });
    let before = sb.stats().requests;
    let e = c
        .create_check("person", "CO", &person_co("1020304050"), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert_eq!(sb.stats().requests - before, 1, "a create is sent once");
}

#[tokio::test]
async fn custom_types_are_created_listed_updated_and_deleted() {
    use opsdesk_truora::checks::config::CustomType;
    let (_sb, c) = setup(true).await;
    let mut t = CustomType {
        name: "mensajeros".into(),
        country: "CO".into(),
        weights: [
            ("criminal_record".to_string(), 0.6),
            ("traffic_fines".to_string(), 0.4),
        ]
        .into(),
    };
    c.save_custom_type(&t, false).await.unwrap();
    let all = c.list_custom_types().await.unwrap();
    assert!(all.iter().any(|x| x.name == "conductores"), "the demo type");
    assert_eq!(
        all.iter().find(|x| x.name == "mensajeros").unwrap().weights,
        t.weights
    );
    // Creating it twice is refused; updating it works.
    assert_eq!(
        c.save_custom_type(&t, false).await.unwrap_err().kind,
        ErrorKind::InvalidInput
    );
    t.weights = [("criminal_record".to_string(), 1.0)].into();
    c.save_custom_type(&t, true).await.unwrap();
    // The server enforces the sum too.
    let bad = CustomType {
        weights: [("criminal_record".to_string(), 0.7)].into(),
        ..t.clone()
    };
    assert_eq!(
        c.save_custom_type(&bad, true).await.unwrap_err().kind,
        ErrorKind::InvalidInput
    );
    // A check can use it.
    let created = c
        .create_check("mensajeros", "CO", &person_co("1020304050"), false)
        .await
        .unwrap();
    assert_eq!(created.check.kind.as_deref(), Some("mensajeros"));
    let remaining = c.delete_custom_type("mensajeros", "CO").await.unwrap();
    assert!(remaining.iter().all(|x| x.name != "mensajeros"));
    assert_eq!(
        c.delete_custom_type("person", "CO").await.unwrap_err().kind,
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn settings_are_sent_and_checked_by_the_server() {
    let (sb, c) = setup(false).await;
    c.save_check_settings(Some("2h"), Some("exact"), Some(true))
        .await
        .unwrap();
    let saved = sb.with_state(|s| s.truora.settings.clone().unwrap());
    assert_eq!(saved["max_duration"], "2h");
    assert_eq!(saved["retries"], true);
    assert_eq!(
        c.save_check_settings(Some("5m"), None, None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn a_check_can_be_made_continuous_paused_and_its_history_read() {
    let (sb, c) = setup(false).await;
    let id = new_check(&c, "1020304050").await;
    let cc = c
        .create_continuous(&id, "weekly", Some("2027-06-30"))
        .await
        .unwrap();
    assert_eq!(cc.check_id.as_deref(), Some(id.as_str()));
    assert_eq!(cc.enabled, Some(true));
    assert_eq!(c.list_continuous().await.unwrap().len(), 1);
    let paused = c
        .update_continuous(&cc.id, Some("monthly"), Some(false), Some("2027-12-31"))
        .await
        .unwrap();
    assert_eq!(
        (
            paused.frequency.as_deref(),
            paused.enabled,
            paused.end_date.as_deref()
        ),
        (Some("monthly"), Some(false), Some("2027-12-31"))
    );
    assert_eq!(c.get_continuous(&cc.id).await.unwrap().enabled, Some(false));
    sb.with_state(|s| s.truora.continuous[0].created_ms -= 65 * 86_400_000);
    assert_eq!(
        c.continuous_history(&cc.id).await.unwrap().len(),
        3,
        "the original and two monthly runs"
    );
    assert_eq!(
        c.create_continuous(&id, "fortnightly", None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidInput
    );
    assert_eq!(
        c.create_continuous("CHKnope", "weekly", None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn attachments_and_summary_of_a_finished_check() {
    let (sb, c) = setup(false).await;
    let id = new_check(&c, "1020304050").await;
    assert!(
        c.check_attachments(&id).await.unwrap().is_empty(),
        "nothing before it finishes"
    );
    age(&sb, &id, 60_000);
    let atts = c.check_attachments(&id).await.unwrap();
    assert_eq!(atts.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a.pdf");
    c.download_attachment(
        atts[0].url.as_deref().unwrap(),
        &dest,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    assert!(std::fs::read(&dest).unwrap().starts_with(b"%PDF"));
    assert_eq!(sb.stats().storage_requests_with_credentials, 0);
    let sum = c.summarize_check(&id).await.unwrap();
    assert_eq!(sum.databases_consulted, Some(5));
    // The summary counts exactly the findings the details call found.
    let mut found = 0;
    let mut cursor = None;
    loop {
        let (page, next) = c.check_details(&id, "es", cursor.as_deref()).await.unwrap();
        found += page
            .iter()
            .filter(|d| d.result.as_deref() == Some("found"))
            .count() as u32;
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(sum.records_found, Some(found));
    assert_eq!(
        c.summarize_check("CHKnope").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
}
