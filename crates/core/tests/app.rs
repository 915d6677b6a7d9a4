//! The application against the real OS keyring (run inside scripts/headless-session.sh, which
//! provides an unlocked Secret Service) and a sandbox standing in for the live APIs.

mod support;

use opsdesk_core::endpoints::LiveEndpoints;
use opsdesk_core::settings::{Language, Theme};
use opsdesk_core::vault::{SecretName, Vault};
use opsdesk_core::{ErrorCode, Service, StoreHealth};
use opsdesk_sandbox::{
    Sandbox, SandboxConfig, PRACTICE_TC_CLIENT_ID, PRACTICE_TC_KEY_ID, PRACTICE_TC_SECRET,
    PRACTICE_TRUORA_KEY,
};
use std::sync::Arc;
use support::{unreachable, Profile};

#[test]
#[ignore = "needs the OS keyring (a Secret Service here): ./opsdesk test runs it"]
fn the_vault_round_trips_through_the_os_keyring() {
    let p = Profile::new();
    let v = Vault::new(p.service.clone());
    assert!(
        v.get(SecretName::TruoraApiKey).unwrap().is_none(),
        "a missing entry is None, not an error"
    );
    v.set(SecretName::TruoraApiKey, PRACTICE_TRUORA_KEY)
        .unwrap();
    let s = v.get(SecretName::TruoraApiKey).unwrap().unwrap();
    assert_eq!(s.expose(), PRACTICE_TRUORA_KEY);
    assert!(!format!("{s:?}").contains("eyJ"));
    // Another service name (a dev build) does not see it.
    assert!(Vault::new(format!("{}.dev", p.service))
        .get(SecretName::TruoraApiKey)
        .unwrap()
        .is_none());
    v.delete(SecretName::TruoraApiKey).unwrap();
    v.delete(SecretName::TruoraApiKey).unwrap();
    assert!(v.get(SecretName::TruoraApiKey).unwrap().is_none());
}

#[tokio::test]
async fn first_run_is_practice_mode_in_the_os_language_and_settings_persist() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let st = app.status();
    assert_eq!(st.store, StoreHealth::Ok);
    assert!(st.practice);
    let mut s = st.settings.unwrap();
    assert_eq!(s.language, Language::Es);
    s.language = Language::PtBr;
    s.theme = Theme::Dark;
    s.retention_days = 30;
    app.save_settings(s.clone()).await.unwrap();
    drop(app);
    let app = p.open_with(unreachable());
    assert_eq!(app.settings(), s);
    assert!(app
        .activity(10)
        .unwrap()
        .iter()
        .any(|a| a.action == "settings.saved"));
}

#[tokio::test]
async fn invalid_settings_are_refused_with_the_field() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let mut s = app.settings();
    s.retention_days = 0;
    let e = app.save_settings(s).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.field.as_deref(), Some("retention_days"));
}

#[test]
fn a_missing_cache_key_is_explained_and_reset_starts_fresh() {
    let p = Profile::new();
    drop(p.open_with(unreachable()));
    p.vault().delete(SecretName::DatabaseKey).unwrap();
    let app = p.open_with(unreachable());
    assert_eq!(app.status().store, StoreHealth::KeyMissing);
    assert_eq!(
        app.activity(10).unwrap_err().code,
        ErrorCode::StoreKeyMissing
    );
    app.reset_local_cache().unwrap();
    assert_eq!(app.status().store, StoreHealth::Ok);
    assert!(app.activity(10).unwrap().is_empty());
}

#[test]
fn keys_live_only_in_the_keyring_never_in_the_cache() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let creds = app
        .save_truora_key(&format!("  {PRACTICE_TRUORA_KEY}  "))
        .unwrap();
    assert_eq!(creds.truora.as_deref(), Some("••••JveA"));
    // Saving the first key keeps Practice mode on until the user switches deliberately.
    assert!(app.status().practice);

    let store = app.store().unwrap();
    let conn = store.conn().unwrap();
    let mut everything = String::new();
    for table in ["settings", "activity"] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let cols = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..cols {
                if let Ok(v) = r.get::<_, String>(i) {
                    everything.push_str(&v);
                }
            }
        }
    }
    assert!(
        !everything.contains("eyJ"),
        "no key material in SQLite: {everything}"
    );
    assert!(!app.diagnostics().contains(PRACTICE_TRUORA_KEY));
}

#[tokio::test]
async fn every_malformed_truecaller_field_is_said_at_once() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let e = app
        .save_truecaller_keys("nope", "also nope", "0f8fad5b-d9cb-469f-a165-70867728950e")
        .await
        .unwrap_err();
    let fields: Vec<_> = e.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["truecaller_key_id", "truecaller_api_key"]);
}

#[test]
fn malformed_keys_are_refused_at_the_field() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let e = app.save_truora_key("not a key").unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.rule.map(|r| r.as_str())),
        (Some("truora_api_key"), Some("not_a_truora_key"))
    );
}

#[tokio::test]
async fn testing_a_connection_tells_wrong_keys_from_no_network() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let live = LiveEndpoints::from_sandbox(&sb.urls());

    let p = Profile::new();
    let app = p.open_with(live.clone());
    let r = app.test_connection(Service::Truora).await;
    assert_eq!(r.error.unwrap().code, ErrorCode::NotConfigured);

    app.save_truora_key(PRACTICE_TRUORA_KEY).unwrap();
    assert!(app.test_connection(Service::Truora).await.ok);

    app.save_truora_key("eyJhbGciOiJub25lIn0.eyJ3cm9uZyI6dHJ1ZX0.bm9wZQ")
        .unwrap();
    assert_eq!(
        app.test_connection(Service::Truora)
            .await
            .error
            .unwrap()
            .code,
        ErrorCode::WrongKey
    );

    app.save_truecaller_keys(
        PRACTICE_TC_KEY_ID,
        PRACTICE_TC_SECRET,
        PRACTICE_TC_CLIENT_ID,
    )
    .await
    .unwrap();
    assert!(app.test_connection(Service::Truecaller).await.ok);
    assert!(app.test_connection(Service::Truecaller).await.ok);
    assert_eq!(
        sb.stats().tokens_minted,
        1,
        "the token from the first test is reused"
    );

    let offline = Profile::new();
    let app = offline.open_with(unreachable());
    app.save_truora_key(PRACTICE_TRUORA_KEY).unwrap();
    assert_eq!(
        app.test_connection(Service::Truora)
            .await
            .error
            .unwrap()
            .code,
        ErrorCode::NoNetwork
    );
    let failed = app.activity(10).unwrap();
    assert!(failed.iter().any(|a| a.action == "connection.tested"
        && a.summary == "truora"
        && a.outcome == opsdesk_core::activity::Outcome::Failed));
}

#[tokio::test]
async fn practice_mode_talks_to_the_built_in_sandbox() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    assert!(app.is_practice());
    app.truora().await.unwrap().verify_key().await.unwrap();
    let labels = app
        .truecaller()
        .await
        .unwrap()
        .labels(1, 100)
        .await
        .unwrap();
    assert!(labels.iter().any(|l| l.name.contains("Banco Andino")));
}

#[tokio::test]
async fn a_looked_up_process_is_cached_downloaded_and_purged_after_retention() {
    use opsdesk_core::identity::ProcessStatus;
    use opsdesk_truora::identity::ProcessFile;
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let id = format!("IDP{:032x}", 0xd1d0000u64 + 4);
    let v = app
        .identity_lookup(&format!("https://app.truora.com/processes/{id}?x=1"))
        .await
        .unwrap();
    assert_eq!(
        v.status,
        ProcessStatus::Success,
        "the reviewer's override counts"
    );
    assert_eq!(v.automatic_status, Some(ProcessStatus::Failure));
    assert_eq!(app.identity_get(&id).unwrap().process_id, id);

    let mut phases = Vec::new();
    let file = app
        .identity_download(&id, ProcessFile::Pdf, None, "job-1", |ph| phases.push(ph))
        .await
        .unwrap();
    let path = app.download_path(file.id).unwrap();
    assert_eq!(
        path,
        p.dir.path().join("Downloads").join(format!("{id}.pdf"))
    );
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF"));
    assert!(!phases.is_empty());
    // A second download does not overwrite the first.
    let again = app
        .identity_download(&id, ProcessFile::Pdf, None, "job-2", |_| {})
        .await
        .unwrap();
    assert_eq!(again.file_name, format!("{id} (2).pdf"));
    assert_eq!(app.identity_get(&id).unwrap().downloads.len(), 2);

    let e = app.identity_lookup("no id here").await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("process"));

    // Retention: with the clock moved past it, the cached process goes (the files on disk stay).
    app.store()
        .unwrap()
        .conn()
        .unwrap()
        .execute("UPDATE identity_inbox SET fetched_at_ms = 0", [])
        .unwrap();
    app.purge_expired();
    assert!(app.identity_get(&id).is_err());
    assert!(path.exists());
}

#[tokio::test]
async fn sending_a_link_reports_every_invalid_field_and_records_activity() {
    use opsdesk_core::identity::{LinkDelivery, LinkForm};
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let mut form = LinkForm {
        flow_id: "IPF0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
        country: "MX".into(),
        delivery: LinkDelivery::Whatsapp,
        language: "es".into(),
        phone: "55 1234".into(),
        email: String::new(),
        outbound_id: String::new(),
        redirect_url: String::new(),
        account_id: String::new(),
        variables: Vec::new(),
    };
    let errs = app.identity_send_link(&form).await.unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field.clone().unwrap()).collect();
    assert_eq!(fields, ["phone", "outbound_id"]);
    form.phone = "+52 55 1234 5678".into();
    // A template ID OpsDesk has never seen (a name typed by mistake) is refused at its field.
    form.outbound_id = "Promo Diciembre!".into();
    let errs = app.identity_send_link(&form).await.unwrap_err();
    assert_eq!(errs[0].field.as_deref(), Some("outbound_id"));
    assert_eq!(errs[0].rule, Some(opsdesk_http::RuleCode::UnknownTemplate));
    // One brought in from WhatsApp goes.
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let approved = app.whatsapp_refresh(&line).await.unwrap();
    let approved = approved
        .iter()
        .find(|t| t.status == opsdesk_core::whatsapp::TemplateStatus::Approved)
        .unwrap();
    form.outbound_id = approved.outbound_id.clone();
    // The template's variables: each needs a value, and they travel with the link.
    form.variables = vec![opsdesk_core::identity::TemplateValue {
        name: "nombre".into(),
        value: " ".into(),
    }];
    let errs = app.identity_send_link(&form).await.unwrap_err();
    assert_eq!(errs[0].field.as_deref(), Some("variables.nombre"));
    form.variables[0].value = "Ana".into();
    app.identity_send_link(&form).await.unwrap();
    let sb = app.practice_sandbox().await.unwrap();
    assert_eq!(
        sb.with_state(|s| s.truora.sent_links[0].variables.clone()),
        [("nombre".to_string(), "Ana".to_string())]
    );
    // The flow typed is remembered for the pickers.
    assert_eq!(app.identity_flows().unwrap()[0].flow_id, form.flow_id);
    form.delivery = LinkDelivery::CopyLink;
    form.redirect_url = "https://example.com/listo".into();
    let out = app.identity_send_link(&form).await.unwrap();
    assert!(out
        .link
        .unwrap()
        .starts_with("https://identity.truora.com/?token=eyJ"));
    let sent = app
        .activity(10)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "identity.link_sent")
        .count();
    assert_eq!(sent, 2);
    assert!(
        app.activity(10)
            .unwrap()
            .iter()
            .all(|a| !a.summary.contains("1234")),
        "no phone in activity"
    );
}

#[tokio::test]
async fn a_check_is_created_found_followed_to_completion_and_its_report_saved() {
    use opsdesk_core::checks::CheckQuery;
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let mut form = support::person_check_co("1.098.765.432", "31/12/1990", false);
    let errs = app.checks_create(&form).await.unwrap_err();
    let fields: Vec<_> = errs
        .iter()
        .map(|e| (e.field.clone().unwrap(), e.rule.unwrap().to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            ("user_authorized".into(), "consent_required".into()),
            ("date_of_birth".into(), "not_a_date".into())
        ]
    );

    form.consent = true;
    form.inputs
        .insert("date_of_birth".into(), "1990-12-31".into());
    let created = app.checks_create(&form).await.unwrap();
    assert!(!created.existing);
    let id = created.check.row.check_id.clone();
    assert_eq!(created.check.row.document, "1098765432");
    // The same again: Truora hands back the recent identical check, and we say so.
    let again = app.checks_create(&form).await.unwrap();
    assert!(again.existing);
    assert_eq!(again.check.row.check_id, id);

    let q = |text: &str| CheckQuery {
        text: text.into(),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        app.checks_search(&q("10987")).unwrap().rows.len(),
        1,
        "prefix of the document"
    );
    assert_eq!(
        app.checks_search(&q(&id[..10])).unwrap().rows.len(),
        1,
        "prefix of the ID"
    );
    assert!(app.checks_search(&q("nobody")).unwrap().rows.is_empty());

    // Move the practice check past its running time and let the follower poll it.
    let sb = app.practice_sandbox().await.unwrap();
    sb.age_check(&id, 60_000);
    app.store()
        .unwrap()
        .conn()
        .unwrap()
        .execute("UPDATE checks SET next_poll_ms = 0", [])
        .unwrap();
    assert!(app.checks_poll_due(10).await.unwrap() >= 1);
    let done = app.checks_get(&id).unwrap();
    assert_eq!(done.row.status, "completed");
    assert!((0.0..=1.0).contains(&done.row.score));
    let completed = app
        .checks_search(&CheckQuery {
            status: Some("completed".into()),
            ..q("")
        })
        .unwrap();
    assert!(completed.rows.iter().any(|r| r.check_id == id));

    let details = app.checks_details(&id, "es", None).await.unwrap();
    assert_eq!(details.details.len(), 3);
    assert!(details.next.is_some());

    let file = app
        .checks_download_pdf(&id, "es", None, "j1", |_| {})
        .await
        .unwrap();
    assert!(std::fs::read(app.download_path(file.id).unwrap())
        .unwrap()
        .starts_with(b"%PDF"));
    assert_eq!(app.checks_get(&id).unwrap().downloads.len(), 1);

    app.checks_delete(&id).await.unwrap();
    assert!(app.checks_search(&q("10987")).unwrap().rows.is_empty());
}

/// The start screen lists what finished while nobody looked, highest risk first; opening a
/// record's page takes it off, and so does "mark all as seen". Stopped jobs and call-backs due
/// today are there until dealt with on their own screens.
#[tokio::test]
async fn the_start_screen_lists_what_needs_attention_until_it_is_seen() {
    use opsdesk_core::attention::Seen;
    use opsdesk_core::whatsapp::TemplateStatus;
    use opsdesk_truora::whatsapp::rules::{Category, TemplateDraft};
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let today = "2026-12-03";
    let nothing = app.attention(today).unwrap();
    assert_eq!((nothing.checks_total, nothing.templates_total), (0, 0));
    assert!(nothing.jobs.is_empty());
    assert!(app.attention("03/12/2026").is_err(), "a day is YYYY-MM-DD");

    let mut ids = Vec::new();
    for doc in ["1098765432", "52123456", "79555111"] {
        let form = support::person_check_co(doc, "1990-12-31", true);
        ids.push(app.checks_create(&form).await.unwrap().check.row.check_id);
    }
    assert_eq!(
        app.attention(today).unwrap().checks_total,
        0,
        "running checks are not news"
    );
    let sb = app.practice_sandbox().await.unwrap();
    for id in &ids {
        sb.age_check(id, 60_000);
    }
    app.store()
        .unwrap()
        .conn()
        .unwrap()
        .execute("UPDATE checks SET next_poll_ms = 0", [])
        .unwrap();
    app.checks_poll_due(10).await.unwrap();
    let a = app.attention(today).unwrap();
    assert_eq!(a.checks_total, 3);
    let scores: Vec<f64> = a.checks.iter().map(|c| c.score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] <= w[1]),
        "highest risk first: {scores:?}"
    );
    // Polled again without a change: still one item each, not more.
    app.checks_refresh(&ids[0]).await.unwrap();
    assert_eq!(app.attention(today).unwrap().checks_total, 3);
    app.attention_seen(Seen::Check, &ids[0]).unwrap();
    let a = app.attention(today).unwrap();
    assert_eq!(a.checks_total, 2);
    assert!(a.checks.iter().all(|c| c.check_id != ids[0]));

    // A template whose review ends.
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let draft = TemplateDraft {
        body: "Su pedido está listo.".into(),
        ..TemplateDraft::text(&format!("+{line}"), "pedido_listo", Category::Utility)
    };
    let t = app.whatsapp_create(&draft).await.unwrap();
    assert_eq!(app.attention(today).unwrap().templates_total, 0);
    sb.advance_time(60_000);
    app.whatsapp_reload(&t.outbound_id).await.unwrap();
    let a = app.attention(today).unwrap();
    assert_eq!(a.templates_total, 1);
    assert_eq!(a.templates[0].outbound_id, t.outbound_id);
    assert_eq!(a.templates[0].status, TemplateStatus::Approved);
    // The list brought in again does not make old verdicts news.
    app.whatsapp_refresh(&line).await.unwrap();
    assert_eq!(app.attention(today).unwrap().templates_total, 1);

    app.attention_seen_all().unwrap();
    let a = app.attention(today).unwrap();
    assert_eq!((a.checks_total, a.templates_total), (0, 0));

    // A list job finishes thousands at once: they are counted up to the cap, not one by one
    // on every reload, and the highest risk still comes first.
    {
        let store = app.store().unwrap();
        let mut c = store.conn().unwrap();
        opsdesk_core::store::fixtures::fill_checks(&mut c, 1_500, true, false).unwrap();
        c.execute("UPDATE checks SET finished_unseen_ms = 1", [])
            .unwrap();
    }
    let a = app.attention(today).unwrap();
    assert_eq!(a.checks_total, opsdesk_core::attention::COUNT_CAP);
    assert!(a.checks.windows(2).all(|w| w[0].score <= w[1].score));
    app.attention_seen_all().unwrap();

    // Call-backs: today's and last week's open ones; done, undated and old ones are not.
    let cmb = |id: &str, date: &str| {
        format!(
            r#"{{"event_id":"{id}","event_type":"cmb","created_at":"1700000000","cmb_payload":{{"business_number":"+918045671234","client_number":"919876500000","requested_date":"{date}","requested_slot":"Thursday","is_interested":true}}}}"#
        )
    };
    let file = [
        cmb("a", today),
        cmb("b", today),
        cmb("c", "2026-12-01"),
        cmb("d", "2026-10-01"),
        cmb("e", "NA"),
        cmb("f", today),
    ]
    .join("\n");
    app.truecaller_import_events(&file).unwrap();
    app.truecaller_callback_done("f", true).unwrap();
    let a = app.attention(today).unwrap();
    assert_eq!((a.callbacks_today, a.callbacks_overdue), (2, 1));
}

#[tokio::test]
async fn whatsapp_templates_are_authored_followed_to_a_verdict_and_sent_once_per_person() {
    use opsdesk_core::whatsapp::TemplateStatus;
    use opsdesk_truora::whatsapp::rules::{Button, ButtonKind, Category, SendDraft, TemplateDraft};
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let line = app.whatsapp_lines().unwrap()[0].clone();
    assert_eq!(line, opsdesk_sandbox::PRACTICE_WABA_LINE);
    assert!(app.whatsapp_cached(&line).unwrap().is_empty());
    // A line gets a name people recognise; the pickers show it beside the number.
    app.whatsapp_name_line(&format!("+{line}"), " Cobranzas ")
        .unwrap();
    let named = app.whatsapp_line_names().unwrap();
    assert_eq!(
        (named.len(), named[0].line.as_str(), named[0].name.as_str()),
        (1, line.as_str(), "Cobranzas")
    );
    assert_eq!(
        app.whatsapp_lines().unwrap(),
        std::slice::from_ref(&line),
        "listed once"
    );
    let e = app.whatsapp_name_line(&line, &"x".repeat(41)).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("line_name"));
    let listed = app.whatsapp_refresh(&line).await.unwrap();
    assert!(listed.iter().any(|t| t.status == TemplateStatus::Flagged));
    assert_eq!(app.whatsapp_cached(&line).unwrap().len(), listed.len());

    let qr = |t: &str| Button {
        kind: ButtonKind::QuickReply,
        text: t.into(),
        url: String::new(),
        phone_number: String::new(),
    };
    let mut draft = TemplateDraft {
        header: "Hola {{.name}}".into(),
        body: "Tu cupo de {{.amount}} está listo.".into(),
        buttons: vec![
            qr("Sí"),
            Button {
                kind: ButtonKind::Url,
                text: "Ver".into(),
                url: "https://a.example.com/{{.path}}".into(),
                phone_number: String::new(),
            },
        ],
        ..TemplateDraft::text(&format!("+{line}"), "bienvenida", Category::Marketing)
    };
    let check = app.whatsapp_check_draft(&draft);
    assert_eq!(check.variables, vec!["name", "amount", "path"]);
    assert!(
        check.desktop_hides_buttons,
        "a quick reply mixed with a URL"
    );
    let errs = app.whatsapp_create(&draft).await.unwrap_err();
    assert!(errs.iter().all(|e| e.code == ErrorCode::Validation));
    assert_eq!(errs.len(), 3, "one missing sample per variable: {errs:?}");
    for (k, v) in [("name", "Ana"), ("amount", "$500"), ("path", "x")] {
        draft.samples.insert(k.into(), v.into());
    }
    let t = app.whatsapp_create(&draft).await.unwrap();
    assert_eq!(t.status, TemplateStatus::Pending);
    assert!(app.whatsapp_poll_due(10).await.unwrap().is_empty());

    // Meta's review, fast-forwarded: the verdict is told exactly once.
    app.practice_sandbox().await.unwrap().advance_time(60_000);
    let t = app.whatsapp_reload(&t.outbound_id).await.unwrap();
    assert_eq!(t.status, TemplateStatus::Approved);
    let told = app.whatsapp_poll_due(10).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].name, "bienvenida");
    assert!(app.whatsapp_poll_due(10).await.unwrap().is_empty());

    let mut send = SendDraft {
        outbound_id: t.outbound_id.clone(),
        country_code: "+57".into(),
        phone_number: "300 765 4321".into(),
        flow_id: "IPF100".into(),
        values: [("name", "Luz"), ("amount", "$900"), ("path", "p")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        opt_in: false,
        account_id: String::new(),
    };
    let errs = app.whatsapp_send(&send, false).await.unwrap_err();
    assert_eq!(errs[0].rule.map(|r| r.as_str()), Some("wa_opt_in_required"));
    send.opt_in = true;
    assert!(
        app.identity_flows().unwrap().is_empty(),
        "a refused send teaches no flow"
    );
    let sent = app.whatsapp_send(&send, false).await.unwrap();
    assert!(sent.session_id.starts_with("WDIS"));
    // The flow used is offered by the flow fields from now on.
    assert_eq!(app.identity_flows().unwrap()[0].flow_id, "IPF100");
    assert!(
        !sent.recipient.contains("765"),
        "masked: {}",
        sent.recipient
    );
    // The same template to the same person again needs an explicit "send again".
    let errs = app.whatsapp_send(&send, false).await.unwrap_err();
    assert_eq!(errs[0].rule.map(|r| r.as_str()), Some("wa_already_sent"));
    app.whatsapp_send(&send, true).await.unwrap();
    let sb = app.practice_sandbox().await.unwrap();
    assert_eq!(sb.with_state(|st| st.truora.whatsapp.sent.len()), 2);

    // A lost answer leaves the send uncertain, and it is not repeated on its own.
    sb.set_faults(opsdesk_sandbox::Faults {
        rate_drop: 1.0,
        ..Default::default()
    });
    send.phone_number = "3110000000".into();
    assert!(app.whatsapp_send(&send, false).await.is_err());
    sb.set_faults(Default::default());
    let errs = app.whatsapp_send(&send, false).await.unwrap_err();
    assert_eq!(errs[0].rule.map(|r| r.as_str()), Some("wa_maybe_sent"));
    assert_eq!(sb.with_state(|st| st.truora.whatsapp.sent.len()), 3);

    let activity = app.activity(50).unwrap();
    assert!(activity.iter().any(|a| a.action == "whatsapp.sent"));
    assert!(activity.iter().all(|a| !a.summary.contains("7654321")));
}

#[tokio::test]
async fn an_inbound_link_comes_with_a_qr_code_that_can_be_saved() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let errs = app
        .whatsapp_create_inbound("123", "flow", "")
        .await
        .unwrap_err();
    let fields: Vec<_> = errs.iter().filter_map(|e| e.field.clone()).collect();
    assert_eq!(fields, ["line", "flow_id", "message"]);
    let line = opsdesk_sandbox::PRACTICE_WABA_LINE;
    let v = app
        .whatsapp_create_inbound(line, "IPF42", "Quiero mi préstamo")
        .await
        .unwrap();
    assert_eq!(
        v.link,
        format!("https://api.whatsapp.com/send?phone={line}&text=Quiero%20mi%20pr%C3%A9stamo")
    );
    assert_eq!(v.qr.len(), (v.qr_size * v.qr_size) as usize);
    let errs = app
        .whatsapp_create_inbound(line, "IPF42", "Quiero mi préstamo")
        .await
        .unwrap_err();
    assert_eq!(
        errs[0].rule.map(|r| r.as_str()),
        Some("wa_inbound_not_unique")
    );
    let f = app.whatsapp_save_qr(&v.link, None).await.unwrap();
    let bytes = std::fs::read(app.download_path(f.id).unwrap()).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn truecaller_one_call_numbers_by_feature_set_and_callbacks_without_duplicates() {
    use opsdesk_core::truecaller::{NumberFilterKind, OneCallForm};
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let label = app.truecaller_label_list().await.unwrap()[0].id.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let mut form = OneCallForm {
        caller: "+91 80 4567 1234".into(),
        receiver: "98765 43210".into(),
        label_id: label,
        label_name: String::new(),
        reason: "Pago #12 de diciembre".into(),
        starts_at_ms: now,
        ends_at_ms: now + 25 * 3_600_000,
    };
    let errs = app.truecaller_push_call(&form).await.unwrap_err();
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.field.clone().unwrap(), e.rule.unwrap().to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("receiver".to_string(), "needs_country_code".to_string()),
            ("reason".into(), "reason_characters".into()),
            ("ends_at".into(), "window_over_24h".into())
        ]
    );
    form.receiver = "+91 98765 43210".into();
    form.reason = "Recordatorio de su pago de diciembre".into();
    form.ends_at_ms = now + 3_600_000;
    app.truecaller_push_call(&form).await.unwrap();

    let sets = app.truecaller_feature_sets().await.unwrap();
    let collections = sets
        .iter()
        .find(|s| s.name.as_deref() == Some("Collections"))
        .unwrap();
    let all = app.truecaller_numbers(None, "", 1).await.unwrap();
    let some = app
        .truecaller_numbers(Some(NumberFilterKind::FeatureSet), &collections.id, 1)
        .await
        .unwrap();
    assert!(all.numbers.len() > some.numbers.len());
    assert!(some
        .numbers
        .iter()
        .all(|n| n.feature_set_name.as_deref() == Some("Collections")));
    // The feature sets say where they sit: the filter's pickers offer those, and each
    // picked ID finds that feature set's numbers.
    for (kind, of) in [
        (NumberFilterKind::Department, collections.department.clone()),
        (NumberFilterKind::Operation, collections.operation.clone()),
        (NumberFilterKind::Process, collections.process.clone()),
    ] {
        let of = of.unwrap_or_else(|| panic!("{kind:?} of a feature set"));
        assert!(of.name.is_some(), "{kind:?} has a name to show");
        let found = app.truecaller_numbers(Some(kind), &of.id, 1).await.unwrap();
        assert_eq!(
            found.numbers.len(),
            some.numbers.len(),
            "{kind:?} {}",
            of.id
        );
    }
    let e = app
        .truecaller_numbers(Some(NumberFilterKind::Department), " ", 1)
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("filter_value"));

    let cmb = |id: &str| {
        format!(
            r#"{{"event_id":"{id}","client_account_id":"x","event_type":"cmb","created_at":"1700000000","cmb_payload":{{"business_number":"+918045671234","feature_set":"Collections","client_number":"Phone number not available","requested_at":"1700000000","requested_date":"2026-11-23","requested_slot":"Monday","preferred_from_time":"1700003600","preferred_to_time":"1700007200","is_interested":true,"alternate_number":"919876500000","cmb_config_name":"c"}}}}"#
        )
    };
    let file = format!("{}\n{}\n{}\nbroken line\n", cmb("e1"), cmb("e2"), cmb("e1"));
    let r = app.truecaller_import_events(&file).unwrap();
    assert_eq!((r.added, r.duplicates, r.unreadable), (2, 1, 1));
    let again = app.truecaller_import_events(&cmb("e2")).unwrap();
    assert_eq!((again.added, again.duplicates), (0, 1));
    let todo = app.truecaller_callbacks().unwrap();
    assert_eq!(todo.len(), 2);
    assert_eq!(
        todo[0].client_number, None,
        "the placeholder is not a number"
    );
    assert_eq!(todo[0].alternate_number.as_deref(), Some("919876500000"));
    assert_eq!(todo[0].requested_slot.as_deref(), Some("Monday"));
    app.truecaller_callback_done("e1", true).unwrap();
    assert!(app
        .truecaller_callbacks()
        .unwrap()
        .iter()
        .any(|c| c.event_id == "e1" && c.done));
}

/// The repeat guard lasts 24 hours by the app's clock: within it a second send to the same
/// person waits for "send again"; after it the send goes without asking.
#[test]
fn the_repeat_guard_ends_after_a_day_by_the_apps_clock() {
    use opsdesk_core::clock::ManualClock;
    use opsdesk_core::people::Evidence;
    use opsdesk_core::whatsapp::{Blocked, SendState};
    use opsdesk_truora::whatsapp::rules::CleanSend;
    let p = Profile::new();
    let clock = Arc::new(ManualClock::at(1_800_000_000_000));
    let app = p.open_at(clock.clone());
    let send = CleanSend {
        outbound_id: "OTB1".into(),
        country_code: "+57".into(),
        phone_number: "3007654321".into(),
        flow_id: None,
        values: Default::default(),
        account_id: None,
    };
    let first = app
        .begin_send(&send, false, &Evidence::operator())
        .unwrap()
        .unwrap();
    app.settle_send(
        first,
        &Ok(opsdesk_truora::whatsapp::SendResult {
            session_id: "WDIS1".into(),
            ..Default::default()
        }),
    )
    .unwrap();
    clock.advance(23 * 3_600_000);
    assert_eq!(
        app.begin_send(&send, false, &Evidence::operator()).unwrap(),
        Err(Blocked::Repeat(SendState::Sent))
    );
    clock.advance(2 * 3_600_000);
    assert!(app
        .begin_send(&send, false, &Evidence::operator())
        .unwrap()
        .is_ok());
}

/// Installing an update restarts the app: it waits while a download (or a list) is running.
#[test]
fn an_update_waits_while_a_download_runs() {
    let p = Profile::new();
    let app = p.open();
    assert!(app.ensure_idle().is_ok());
    let _token = app.jobs.start("download-1");
    assert_eq!(app.ensure_idle().unwrap_err().code, ErrorCode::Busy);
    app.jobs.finish("download-1");
    assert!(app.ensure_idle().is_ok());
}

/// While an update installs (it ends in a restart), nothing new starts that it would cut.
#[tokio::test]
async fn nothing_starts_while_an_update_installs() {
    let p = Profile::new();
    let app = p.open();
    app.begin_update().unwrap();
    assert_eq!(app.begin_update().unwrap_err().code, ErrorCode::Busy);
    let saved = app
        .whatsapp_save_qr("https://wa.me/576015550100", None)
        .await;
    assert_eq!(saved.unwrap_err().code, ErrorCode::Busy);
    app.end_update();
    assert!(app
        .whatsapp_save_qr("https://wa.me/576015550100", None)
        .await
        .is_ok());
}

/// Every page of the inbox as the screen asks it, newest first.
fn whole_inbox(
    app: &opsdesk_core::App,
    q: opsdesk_core::identity::ProcessQuery,
) -> Vec<opsdesk_core::identity::ProcessRow> {
    let mut q = opsdesk_core::identity::ProcessQuery { limit: 100, ..q };
    let mut all = Vec::new();
    loop {
        let page = app.identity_search(&q).unwrap();
        all.extend(page.rows);
        match page.next {
            Some(n) => q.after = Some(n),
            None => return all,
        }
    }
}

#[tokio::test]
async fn the_identity_inbox_fills_in_from_truora_and_marks_what_arrived_since_the_last_visit() {
    use opsdesk_core::identity::ProcessQuery;
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let sb = app.practice_sandbox().await.unwrap();
    // A large account: more than one refresh reads (25 pages of 20).
    let total = sb.with_state(|s| {
        let model = s.truora.processes[0].clone();
        for i in 0..300 {
            let mut extra = model.clone();
            extra.process_id = format!("IDP{:032x}", 0xe000000u64 + i);
            extra.created_ms -= 400 * 86_400_000 + i as i64 * 60_000;
            s.truora.processes.push(extra);
        }
        s.truora.processes.len()
    });
    assert!(total > 500);

    assert_eq!(
        app.identity_inbox_visit().unwrap(),
        None,
        "a first visit marks nothing"
    );
    let first = app.identity_sync().await.unwrap();
    assert_eq!((first.new as usize, first.complete), (500, false));
    let second = app.identity_sync().await.unwrap();
    assert_eq!(second.new as usize, total - 500);
    assert!(
        second.complete,
        "the rest was filled in by the next refresh"
    );
    let all = whole_inbox(&app, ProcessQuery::default());
    assert_eq!(all.len(), total, "every process once");
    assert!(all.windows(2).all(|w| w[0].created_ms >= w[1].created_ms));
    assert!(all.iter().all(|r| !r.is_new));

    // The reviewer looks, then leaves (leaving counts as a visit); meanwhile a person starts a
    // process and a pending one finishes.
    app.identity_inbox_visit().unwrap();
    let pending = all
        .iter()
        .find(|r| r.outcome == "pending")
        .unwrap()
        .process_id
        .clone();
    let arrived = format!("IDP{:032x}", 0xf00000u64);
    sb.with_state(|s| {
        let mut p = s.truora.processes[0].clone();
        p.process_id = arrived.clone();
        p.created_ms += 3_600_000;
        s.truora.processes.push(p);
        let done = s
            .truora
            .processes
            .iter_mut()
            .find(|p| p.process_id == pending)
            .unwrap();
        done.status = "success".into();
    });
    let third = app.identity_sync().await.unwrap();
    assert_eq!((third.new, third.changed), (1, 1));
    // Back in the inbox: what arrived since leaving is marked.
    let since = app.identity_inbox_visit().unwrap().unwrap();
    let marked: Vec<_> = whole_inbox(
        &app,
        ProcessQuery {
            new_since: Some(since),
            ..Default::default()
        },
    )
    .into_iter()
    .filter(|r| r.is_new)
    .map(|r| r.process_id)
    .collect();
    assert_eq!(marked, [arrived]);
    assert_eq!(app.identity_get(&pending).unwrap().outcome, "success");
    // More arrive at once than the newest-first walk reads in a run while nothing is unfinished
    // elsewhere... and than it reads beside an unfinished walk: all come, once, and are news.
    let since = app.identity_inbox_visit().unwrap().unwrap();
    let arrivals: Vec<String> = sb.with_state(|s| {
        let model = s.truora.processes[0].clone();
        (0..150u64)
            .map(|i| {
                let mut p = model.clone();
                p.process_id = format!("IDP{:032x}", 0xf10000u64 + i);
                p.created_ms += 7_200_000 + i as i64 * 1_000;
                s.truora.processes.push(p.clone());
                p.process_id
            })
            .collect()
    });
    let fourth = app.identity_sync().await.unwrap();
    assert_eq!(fourth.new, 150);
    assert!(fourth.complete);
    let inbox = whole_inbox(
        &app,
        ProcessQuery {
            new_since: Some(since),
            ..Default::default()
        },
    );
    assert_eq!(
        inbox.len(),
        total + 1 + 150,
        "nothing twice, nothing missing"
    );
    let mut marked: Vec<_> = inbox
        .iter()
        .filter(|r| r.is_new)
        .map(|r| r.process_id.clone())
        .collect();
    marked.sort();
    let mut arrivals = arrivals;
    arrivals.sort();
    assert_eq!(marked, arrivals);
    // Flows were learned from the processes; the user names one.
    let flows = app.identity_flows().unwrap();
    assert_eq!(flows.len(), 4);
    let named = app
        .identity_name_flow(&flows[1].flow_id, "Conductores nuevos")
        .unwrap();
    assert_eq!(
        named[0].name, "Conductores nuevos",
        "named flows come first"
    );
    // Failures of one flow, as the screen filters them.
    let failures = whole_inbox(
        &app,
        ProcessQuery {
            outcome: Some("failure".into()),
            flow_id: Some(flows[1].flow_id.clone()),
            ..Default::default()
        },
    );
    assert!(!failures.is_empty());
    assert!(failures
        .iter()
        .all(|r| r.outcome == "failure" && r.flow_id == flows[1].flow_id));
}

#[tokio::test]
async fn a_process_link_is_sent_again_and_a_process_deleted_at_truora() {
    use opsdesk_core::identity::{LinkDelivery, ProcessQuery, ResendForm};
    let p = Profile::new();
    let app = p.open_with(unreachable());
    app.identity_sync().await.unwrap();
    let row = whole_inbox(
        &app,
        ProcessQuery {
            outcome: Some("expired".into()),
            country: Some("CO".into()),
            ..Default::default()
        },
    )
    .remove(0);
    let mut form = ResendForm {
        delivery: LinkDelivery::Email,
        phone: "300 123".into(),
        language: "es".into(),
    };
    let errs = app
        .identity_resend_link(&row.process_id, &form)
        .await
        .unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field.clone().unwrap()).collect();
    assert_eq!(
        fields,
        ["delivery", "phone"],
        "every problem at once, nothing sent"
    );
    form.delivery = LinkDelivery::Whatsapp;
    form.phone = "300 123 4567".into();
    app.identity_resend_link(&row.process_id, &form)
        .await
        .unwrap();
    let sb = app.practice_sandbox().await.unwrap();
    let sent = sb.with_state(|s| s.truora.sent_links.clone());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].process_id.as_deref(), Some(row.process_id.as_str()));
    assert_eq!(sent[0].phone_number.as_deref(), Some("+573001234567"));

    app.identity_delete(&row.process_id).await.unwrap();
    assert!(sb.with_state(|s| s.truora.deleted_processes.contains(&row.process_id)));
    assert!(app.identity_get(&row.process_id).is_err());
    // Already gone: deleting again is not an error.
    app.identity_delete(&row.process_id).await.unwrap();
    let actions: Vec<_> = app
        .activity(10)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.iter().any(|a| a == "identity.deleted"));
    assert!(actions.iter().any(|a| a == "identity.link_resent"));
}

#[tokio::test]
async fn a_continuous_check_changes_how_often_and_until_when() {
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let created = app
        .checks_create(&support::person_check_co(
            "1.077.665.544",
            "1990-12-31",
            true,
        ))
        .await
        .unwrap();
    let id = created.check.row.check_id;
    let c = app.checks_make_continuous(&id, "weekly", "").await.unwrap();
    assert_eq!(c.frequency.as_deref(), Some("weekly"));
    // Checked like a new one: an end that leaves no room for a monthly run is refused there.
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let errs = app
        .checks_continuous_change(&c.id, "monthly", &tomorrow)
        .await
        .unwrap_err();
    assert_eq!(errs[0].field.as_deref(), Some("end_date"));
    assert_eq!(errs[0].rule.unwrap().to_string(), "end_allows_no_run");
    let changed = app
        .checks_continuous_change(&c.id, "monthly", "2030-06-30")
        .await
        .unwrap();
    assert_eq!(
        (changed.frequency.as_deref(), changed.end_date.as_deref()),
        (Some("monthly"), Some("2030-06-30"))
    );
    let listed = app.checks_continuous().await.unwrap();
    assert_eq!(listed[0].end_date.as_deref(), Some("2030-06-30"));
    // Listed by whom it is about (a cédula check has no name: its document).
    assert_eq!(listed[0].subject.as_deref(), Some("1077665544"));
}

#[tokio::test]
async fn testing_the_truora_key_says_which_products_it_works_for() {
    use opsdesk_core::app::Product;
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut live = LiveEndpoints::from_sandbox(&sb.urls());
    // Identity unreachable: as when a firewall lets only some of Truora's hosts through.
    live.truora.identity = unreachable().truora.identity;
    let p = Profile::new();
    let app = p.open_with(live);
    app.save_truora_key(PRACTICE_TRUORA_KEY).unwrap();

    let by = |r: &opsdesk_core::app::ConnectionReport| {
        r.products
            .iter()
            .map(|x| (x.product, x.ok, x.error.as_ref().map(|e| e.code)))
            .collect::<Vec<_>>()
    };
    let r = app.test_connection(Service::Truora).await;
    assert!(!r.ok);
    assert_eq!(
        by(&r),
        [
            (Product::Checks, Some(true), None),
            (Product::Identity, Some(false), Some(ErrorCode::NoNetwork)),
            // No WhatsApp line added yet: not tried, and not counted as a failure.
            (Product::Whatsapp, None, None),
        ]
    );
    assert_eq!(r.error.unwrap().code, ErrorCode::NoNetwork);

    // The team's line, added while working for real.
    let mut s = app.settings();
    s.practice_mode = Some(false);
    app.save_settings(s).await.unwrap();
    app.whatsapp_add_line(opsdesk_sandbox::PRACTICE_WABA_LINE)
        .unwrap();
    let r = app.test_connection(Service::Truora).await;
    assert_eq!(by(&r)[2], (Product::Whatsapp, Some(true), None));
}

#[tokio::test]
async fn a_check_is_found_by_the_teams_own_reference() {
    use opsdesk_core::checks::CheckQuery;
    let p = Profile::new();
    let app = p.open_with(unreachable());
    let mut form = support::person_check_co("1.055.443.322", "1990-12-31", true);
    form.reference = "Contrato RX-4471".into();
    let created = app.checks_create(&form).await.unwrap();
    assert_eq!(created.check.reference.as_deref(), Some("Contrato RX-4471"));
    let found = app
        .checks_search(&CheckQuery {
            text: "rx-4471".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].check_id, created.check.row.check_id);
}
