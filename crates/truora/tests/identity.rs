mod common;

use opsdesk_http::{build_client, ErrorKind, HttpConfig, Secret};
use opsdesk_sandbox::{Faults, Sandbox};
use opsdesk_truora::identity::{LinkChannel, SendLinkRequest, WebTokenRequest};
use opsdesk_truora::TruoraClient;

async fn setup() -> (Sandbox, TruoraClient) {
    common::setup(true, 100).await
}

fn pid(n: u64) -> String {
    format!("IDP{:032x}", 0xd1d0000u64 + n)
}

#[tokio::test]
async fn results_cover_success_declined_expired_pending_and_overridden() {
    let (_sb, c) = setup().await;
    let ok = c.process_result(&pid(0)).await.unwrap();
    assert_eq!(ok.effective_status(), "success");
    assert_eq!(ok.validations.len(), 2);

    let declined = c.process_result(&pid(2)).await.unwrap();
    assert_eq!(declined.effective_status(), "failure");
    assert_eq!(
        declined.declined_reason.as_deref(),
        Some("document_expired")
    );

    let overridden = c.process_result(&pid(4)).await.unwrap();
    assert_eq!(overridden.status.as_deref(), Some("failure"));
    assert_eq!(overridden.effective_status(), "success");
    assert_eq!(
        overridden.override_status_history[0].updated_by.as_deref(),
        Some("supervisora@example.com")
    );

    assert_eq!(
        c.process_result(&pid(5)).await.unwrap().effective_status(),
        "pending"
    );
    let expired = c.process_result(&pid(6)).await.unwrap();
    assert_eq!(expired.failure_status.as_deref(), Some("expired"));
}

#[tokio::test]
async fn reading_and_listing_processes() {
    let (_sb, c) = setup().await;
    let read = c.read_process(&pid(5)).await.unwrap();
    assert_eq!((read.current_step, read.total_steps), (Some(1), Some(2)));
    // Newest first, 20 a page, every process once through the cursor.
    let (mut all, mut next) = c.list_processes(None).await.unwrap();
    assert_eq!(all.len(), 20);
    while let Some(k) = next {
        let (page, n) = c.list_processes(Some(&k)).await.unwrap();
        all.extend(page);
        next = n;
    }
    assert_eq!(all.len(), 7 + opsdesk_sandbox::demo::INBOX_PROCESSES);
    let created: Vec<_> = all
        .iter()
        .map(|p| p.creation_date.clone().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Who each process is about comes with the document validation.
    let named = all.iter().find(|p| p.process_id == pid(0)).unwrap();
    let person = named.person();
    assert_eq!(person.name, "María Fernanda Rojas Quintero");
    assert_eq!(person.document, "1020304050");
}

#[tokio::test]
async fn a_deleted_process_is_gone_and_deleting_it_again_says_so() {
    let (sb, c) = setup().await;
    c.delete_process(&pid(2)).await.unwrap();
    assert_eq!(
        c.process_result(&pid(2)).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        c.delete_process(&pid(2)).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        sb.with_state(|s| s.truora.deleted_processes.clone()),
        [pid(2)]
    );
}

#[tokio::test]
async fn a_process_link_is_sent_again_with_the_number_split_from_its_country_code() {
    use opsdesk_truora::identity::ResendLinkRequest;
    let (sb, c) = setup().await;
    let req = ResendLinkRequest {
        channel: LinkChannel::Sms,
        language: "es".into(),
        phone_number: "3001234567".into(),
        country_code: "+57".into(),
    };
    c.resend_process_link(&pid(5), &req).await.unwrap();
    let sent = sb.with_state(|s| s.truora.sent_links.clone());
    assert_eq!(sent[0].process_id.as_deref(), Some(pid(5).as_str()));
    assert_eq!(sent[0].phone_number.as_deref(), Some("+573001234567"));
    assert_eq!(sent[0].channel, "sms");
    // The sandbox holds the documented shape: a whole number where the national one goes fails.
    let whole = ResendLinkRequest {
        phone_number: "+573001234567".into(),
        ..req.clone()
    };
    assert_eq!(
        c.resend_process_link(&pid(5), &whole)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidInput
    );
    assert_eq!(
        c.resend_process_link("IDPnothere123", &req)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    // Never repeated on a server error: a message to a person.
    sb.set_faults(Faults {
        rate_5xx: 1.0,
        ..Default::default()
    });
    assert!(c.resend_process_link(&pid(5), &req).await.is_err());
    sb.set_faults(Faults::default());
    assert_eq!(sb.with_state(|s| s.truora.sent_links.len()), 1);
}

#[tokio::test]
async fn unknown_processes_wrong_keys_and_outages_are_told_apart() {
    let (sb, c) = setup().await;
    assert_eq!(
        c.process_result("IDPnothere123").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let mut wrong = c.clone();
    wrong = TruoraClient::new(
        build_client(&HttpConfig::default()).unwrap(),
        Secret::new("eyJa.eyJb.c"),
        wrong.endpoints.clone(),
    );
    assert_eq!(
        wrong.process_result(&pid(0)).await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
    sb.set_faults(Faults {
        rate_5xx: 1.0,
        ..Default::default()
    });
    assert_eq!(
        c.process_result(&pid(0)).await.unwrap_err().kind,
        ErrorKind::Server
    );
}

#[tokio::test]
async fn a_web_token_needs_flow_country_and_redirect() {
    let (sb, c) = setup().await;
    let req = WebTokenRequest {
        flow_id: "IPF0a1b2c3d".into(),
        country: "CO".into(),
        redirect_url: "https://example.com/done".into(),
        account_id: Some("ops_77".into()),
        phone: Some("+573001234567".into()),
        email: None,
    };
    let token = c.create_web_token(&req).await.unwrap();
    assert!(token.starts_with("eyJ"));
    assert_eq!(
        sb.with_state(|s| s.truora.web_tokens[0].account_id.clone()),
        "ops_77"
    );

    let bad = WebTokenRequest {
        account_id: Some("ana perez".into()),
        ..req.clone()
    };
    let e = c.create_web_token(&bad).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.vendor.unwrap().message.unwrap().contains("account_id"));
    let bad = WebTokenRequest {
        redirect_url: "done".into(),
        ..req
    };
    assert_eq!(
        c.create_web_token(&bad).await.unwrap_err().kind,
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn sending_a_link_follows_the_channel_rules_and_is_never_repeated() {
    let (sb, c) = setup().await;
    let wa = SendLinkRequest {
        flow_id: "IPF0a1b2c3d".into(),
        channel: LinkChannel::Whatsapp,
        language: "es".into(),
        phone_number: Some("+573001234567".into()),
        email: None,
        outbound_id: Some("OTB123".into()),
        variables: vec![("name".into(), "Ana".into())],
    };
    c.send_process_link(&wa).await.unwrap();
    let email = SendLinkRequest {
        channel: LinkChannel::Email,
        email: Some("ana@example.com".into()),
        phone_number: None,
        outbound_id: None,
        variables: vec![],
        ..wa.clone()
    };
    c.send_process_link(&email).await.unwrap();
    assert_eq!(sb.with_state(|s| s.truora.sent_links.len()), 2);

    let no_template = SendLinkRequest {
        outbound_id: None,
        ..wa.clone()
    };
    let e = c.send_process_link(&no_template).await.unwrap_err();
    assert!(e.vendor.unwrap().message.unwrap().contains("outbound_id"));
    let local_phone = SendLinkRequest {
        phone_number: Some("3001234567".into()),
        ..wa.clone()
    };
    assert_eq!(
        c.send_process_link(&local_phone).await.unwrap_err().kind,
        ErrorKind::InvalidInput
    );

    // A 503 on a message to a person is reported, not retried.
    sb.set_faults(Faults {
        rate_5xx: 1.0,
        ..Default::default()
    });
    let before = sb.stats().requests;
    assert_eq!(
        c.send_process_link(&wa).await.unwrap_err().kind,
        ErrorKind::Server
    );
    assert_eq!(sb.stats().requests - before, 1);
}
