//! The WhatsApp (Connect) client against the sandbox: every endpoint, its errors, and the
//! authoring rules enforced on the server side too.

mod common;

use opsdesk_http::ErrorKind;
use opsdesk_sandbox::{Faults, PRACTICE_WABA_LINE};
use opsdesk_truora::whatsapp::rules::{
    validate_send, validate_template, Button, ButtonKind, Category, CleanSend, SendDraft,
    SendableTemplate, TemplateDraft,
};
use std::collections::BTreeMap;

fn button(kind: ButtonKind, text: &str, url: &str) -> Button {
    Button {
        kind,
        text: text.into(),
        url: url.into(),
        phone_number: String::new(),
    }
}

fn marketing(name: &str) -> TemplateDraft {
    TemplateDraft {
        header: "Ofertas desde el {{.day}}".into(),
        body: "Hola {{.name}}, tienes 20% de descuento.".into(),
        footer: "Responde STOP para no recibir más".into(),
        buttons: vec![
            button(ButtonKind::QuickReply, "Me interesa", ""),
            button(ButtonKind::QuickReply, "No, gracias", ""),
            button(
                ButtonKind::Url,
                "Ver oferta",
                "https://tienda.example.com/{{.path}}",
            ),
        ],
        ..TemplateDraft::text(&format!("+{PRACTICE_WABA_LINE}"), name, Category::Marketing)
    }
    .with_samples(&[("day", "lunes"), ("name", "Ana"), ("path", "verano")])
}

#[tokio::test]
async fn lists_the_lines_templates_with_every_status() {
    let (_sb, c) = common::setup(true, 0).await;
    let all = c.list_outbounds(PRACTICE_WABA_LINE).await.unwrap();
    let statuses: std::collections::BTreeSet<_> =
        all.iter().map(|o| o.outbound_status.as_str()).collect();
    for s in ["APPROVED", "FLAGGED", "PAUSED", "DISABLED", "REJECTED"] {
        assert!(statuses.contains(s), "{s} in {statuses:?}");
    }
    let demo = all
        .iter()
        .find(|o| o.outbound_name == "Demo template EN")
        .unwrap();
    assert_eq!(demo.media_url, None, "\"undefined\" is read as no media");
    assert_eq!(demo.outbound_answers.len(), 2);
    let reminder = all
        .iter()
        .find(|o| o.outbound_name == "recordatorio_pago")
        .unwrap();
    assert_eq!(reminder.variables(), vec!["name", "amount", "due_date"]);
    assert!(c.list_outbounds("573009999999").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_new_template_waits_for_review_then_is_approved_and_can_be_sent() {
    let (sb, c) = common::setup(true, 0).await;
    let d = marketing("bienvenida_verano");
    assert!(validate_template(&d).is_empty());
    let o = c.create_outbound(&d).await.unwrap();
    assert_eq!(o.outbound_status, "PENDING");
    assert_eq!(o.category.as_deref(), Some("MARKETING"));
    assert_eq!(o.variables(), vec!["day", "name", "path"]);

    // Sending while in review is refused by the API as well as by the rules.
    let send = CleanSend {
        outbound_id: o.outbound_id.clone(),
        country_code: "+57".into(),
        phone_number: "3001234567".into(),
        flow_id: Some("IPF0001".into()),
        values: [("day", "lunes"), ("name", "Ana"), ("path", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        account_id: None,
    };
    let e = c.send_outbound(&send).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);

    // Meta's review, fast-forwarded.
    sb.advance_time(60_000);
    let o = c.get_outbound(&o.outbound_id).await.unwrap();
    assert_eq!(o.outbound_status, "APPROVED");

    let r = c.send_outbound(&send).await.unwrap();
    assert!(r.session_id.starts_with("WDIS"));
    assert_eq!(r.user_phone_number, "+573001234567");
    let sent = sb.with_state(|st| st.truora.whatsapp.sent.clone());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].vars.get("name").map(String::as_str), Some("Ana"));
    assert_eq!(sent[0].flow_id.as_deref(), Some("IPF0001"));
}

#[tokio::test]
async fn shortened_links_are_rejected_with_a_reason() {
    let (sb, c) = common::setup(false, 0).await;
    let mut d = marketing("promo_corta");
    d.body = "Hola {{.name}}, entra a bit.ly/promo".into();
    let o = c.create_outbound(&d).await.unwrap();
    // Meta's review, fast-forwarded.
    sb.advance_time(60_000);
    let o = c.get_outbound(&o.outbound_id).await.unwrap();
    assert_eq!(o.outbound_status, "REJECTED");
    assert!(o.failure_reason.unwrap().contains("shortened"));
}

#[tokio::test]
async fn the_sandbox_enforces_the_documented_rules_on_its_own() {
    let (_sb, c) = common::setup(false, 0).await;
    // Each draft breaks one rule; the client's rules catch it, and so does the server.
    let mut cases: Vec<(&str, TemplateDraft)> = Vec::new();
    let mut d = marketing("a");
    d.header = "x".repeat(61);
    cases.push(("header_text", d));
    let mut d = marketing("b");
    d.buttons = vec![
        button(ButtonKind::QuickReply, "Sí", ""),
        button(ButtonKind::Url, "Ver", "https://a.co"),
        button(ButtonKind::QuickReply, "No", ""),
    ];
    cases.push(("grouped", d));
    let mut d = marketing("c");
    d.samples.remove("name");
    cases.push(("var.name", d));
    let mut d = marketing("d");
    d.category = Category::Utility;
    d.buttons = vec![button(ButtonKind::CopyCode, "", "")];
    d.samples.insert("code".into(), "ABC".into());
    cases.push(("COPY_CODE", d));
    let mut d = marketing("e");
    d.is_notification = true;
    cases.push(("QUICK_REPLY", d));
    for (word, d) in cases {
        assert!(
            !validate_template(&d).is_empty(),
            "{word}: the client rules catch it"
        );
        let e = c.create_outbound(&d).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput, "{word}");
        let msg = e.vendor.and_then(|v| v.message).unwrap_or_default();
        assert!(msg.contains(word), "{word} in {msg:?}");
    }
}

#[tokio::test]
async fn authentication_templates_take_only_the_code() {
    let (sb, c) = common::setup(false, 0).await;
    let d = TemplateDraft {
        category: Category::Authentication,
        header: String::new(),
        body: String::new(),
        footer: String::new(),
        buttons: vec![],
        code_expiration_minutes: Some(10),
        samples: [("code".to_string(), "482913".to_string())].into(),
        ..marketing("codigo_acceso")
    };
    assert!(validate_template(&d).is_empty());
    let o = c.create_outbound(&d).await.unwrap();
    assert_eq!(o.variables(), vec!["code"]);
    assert_eq!(o.code_expiration_minutes, Some(10));
    // Meta's review, fast-forwarded.
    sb.advance_time(60_000);
    assert_eq!(
        c.get_outbound(&o.outbound_id)
            .await
            .unwrap()
            .outbound_status,
        "APPROVED"
    );
}

#[tokio::test]
async fn names_are_unique_per_line_and_update_and_delete_work() {
    let (sb, c) = common::setup(false, 0).await;
    let o = c.create_outbound(&marketing("unico")).await.unwrap();
    let e = c.create_outbound(&marketing("unico")).await.unwrap_err();
    assert_eq!(e.status, Some(409));

    let mut changed = marketing("unico");
    changed.footer = "Gracias".into();
    let u = c.update_outbound(&o.outbound_id, &changed).await.unwrap();
    assert_eq!(u.footer_text.as_deref(), Some("Gracias"));
    assert_eq!(u.outbound_status, "PENDING", "an edit goes back to review");

    // A disabled template cannot be edited.
    sb.with_state(|st| st.truora.whatsapp.outbounds[0].status = "DISABLED".into());
    assert!(c.update_outbound(&o.outbound_id, &changed).await.is_err());

    c.delete_outbound(&o.outbound_id).await.unwrap();
    let e = c.get_outbound(&o.outbound_id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn sends_respect_notification_flow_and_variables() {
    let (sb, c) = common::setup(true, 0).await;
    let all = c.list_outbounds(PRACTICE_WABA_LINE).await.unwrap();
    let reminder = all
        .iter()
        .find(|o| o.outbound_name == "recordatorio_pago")
        .unwrap();
    let t = SendableTemplate {
        status: reminder.outbound_status.clone(),
        is_notification: reminder.is_notification,
        variables: reminder.variables(),
    };
    let mut draft = SendDraft {
        outbound_id: reminder.outbound_id.clone(),
        country_code: "+52".into(),
        phone_number: "55 1234 5678".into(),
        flow_id: "IPF123".into(),
        values: BTreeMap::new(),
        opt_in: true,
        account_id: "cliente_42".into(),
    };
    assert!(validate_send(&draft, &t).is_err(), "values are missing");
    for (k, v) in [
        ("name", "Luis"),
        ("amount", "$1.200"),
        ("due_date", "5 de diciembre"),
    ] {
        draft.values.insert(k.into(), v.into());
    }
    let clean = validate_send(&draft, &t).unwrap();
    assert_eq!(
        clean.flow_id, None,
        "a notification is never tied to a flow"
    );
    c.send_outbound(&clean).await.unwrap();

    // Straight to the API, the same mistakes are refused there too.
    let mut with_flow = clean.clone();
    with_flow.flow_id = Some("IPF123".into());
    assert!(c.send_outbound(&with_flow).await.is_err());
    let mut missing = clean.clone();
    missing.values.remove("amount");
    assert!(c.send_outbound(&missing).await.is_err());
    let paused = all.iter().find(|o| o.outbound_status == "PAUSED").unwrap();
    let mut p = clean.clone();
    p.outbound_id = paused.outbound_id.clone();
    p.values.clear();
    p.values.insert("name".into(), "Luis".into());
    assert!(c.send_outbound(&p).await.is_err());

    assert_eq!(sb.with_state(|st| st.truora.whatsapp.sent.len()), 1);
}

#[tokio::test]
async fn a_send_is_never_repeated_after_a_server_error() {
    let (sb, c) = common::setup(true, 0).await;
    let all = c.list_outbounds(PRACTICE_WABA_LINE).await.unwrap();
    let demo = all
        .iter()
        .find(|o| o.outbound_name == "Demo template ES")
        .unwrap();
    let send = CleanSend {
        outbound_id: demo.outbound_id.clone(),
        country_code: "+57".into(),
        phone_number: "3001234567".into(),
        flow_id: Some("IPF1".into()),
        values: BTreeMap::new(),
        account_id: None,
    };
    sb.set_faults(Faults {
        rate_5xx: 1.0,
        ..Default::default()
    });
    let before = sb.stats().requests;
    let e = c.send_outbound(&send).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert_eq!(sb.stats().requests - before, 1, "one attempt only");

    // A 429 means nothing was sent: that one is retried.
    sb.set_faults(Faults {
        burst_429: 1,
        ..Default::default()
    });
    c.send_outbound(&send).await.unwrap();
    assert_eq!(sb.with_state(|st| st.truora.whatsapp.sent.len()), 1);
}

#[tokio::test]
async fn inbound_messages_are_unique_per_line() {
    let (_sb, c) = common::setup(false, 0).await;
    let r = c
        .create_inbound(PRACTICE_WABA_LINE, "IPF777", "Quiero mi crédito")
        .await
        .unwrap();
    assert!(r.inbound_id.unwrap().starts_with("INB"));
    let e = c
        .create_inbound(PRACTICE_WABA_LINE, "IPF777", "quiero mi crédito")
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(409));
    let e = c
        .create_inbound(PRACTICE_WABA_LINE, "nope", "Otro texto")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn a_wrong_key_is_told_apart() {
    let (sb, _c) = common::setup(false, 0).await;
    let u = sb.urls();
    let c = opsdesk_truora::TruoraClient::new(
        opsdesk_http::build_client(&opsdesk_http::HttpConfig::default()).unwrap(),
        opsdesk_http::Secret::new("eyJ.wrong.key"),
        opsdesk_truora::TruoraEndpoints {
            checks: u.checks.parse().unwrap(),
            identity: u.identity.parse().unwrap(),
            connect: u.connect.parse().unwrap(),
            account: u.account.parse().unwrap(),
        },
    );
    let e = c.list_outbounds(PRACTICE_WABA_LINE).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
}
