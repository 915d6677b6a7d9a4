//! The bulk engine: every row accounted for, pause / resume / cancel, recovery after a crash,
//! and WhatsApp bulk sends against the sandbox, including injected faults.

mod support;

use futures_util::future::BoxFuture;
use opsdesk_core::bulk::engine::{
    BulkReason, JobState, NewRow, RowOutcome, RowReason, RowState, Sender,
};
use opsdesk_core::bulk::whatsapp::WaMapping;
use opsdesk_core::App;
use opsdesk_core::ErrorCode;
use opsdesk_http::RuleCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::Profile;

/// Sends by row number: every 10th row fails, every 7th needs one retry (a rate limit).
#[derive(Default)]
struct Scripted {
    sent: Mutex<Vec<i64>>,
    retried: Mutex<HashMap<i64, u32>>,
    pause_after: Option<(Arc<App>, i64, usize)>,
}

struct Sx(Arc<Scripted>);

impl Sender for Sx {
    fn batch_size(&self) -> usize {
        3
    }
    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> BoxFuture<'static, Vec<(i64, RowOutcome)>> {
        let me = self.0.clone();
        Box::pin(async move {
            let mut out = Vec::new();
            for (no, p) in rows {
                assert_eq!(
                    p["n"].as_i64(),
                    Some(no),
                    "the payload travels with its row"
                );
                if no % 7 == 0 {
                    let mut r = me.retried.lock().unwrap();
                    let n = r.entry(no).or_default();
                    *n += 1;
                    if *n == 1 {
                        out.push((
                            no,
                            RowOutcome::Retry(RowReason::error(ErrorCode::RateLimited)),
                        ));
                        continue;
                    }
                }
                let count = {
                    let mut s = me.sent.lock().unwrap();
                    s.push(no);
                    s.len()
                };
                if let Some((app, job, after)) = &me.pause_after {
                    if count == *after {
                        app.bulk_pause(*job);
                    }
                }
                out.push((
                    no,
                    if no % 10 == 0 {
                        RowOutcome::Failed(RowReason::error(ErrorCode::VendorRejected))
                    } else {
                        RowOutcome::Done(format!("S{no}"))
                    },
                ));
            }
            out
        })
    }
}

fn rows(n: u32, invalid_every: u32) -> Vec<NewRow> {
    (2..n + 2)
        .map(|no| NewRow {
            row_no: no,
            payload: if no % invalid_every == 0 {
                Err(vec![RowReason::rule("phone_number", RuleCode::NotAPhone)])
            } else {
                Ok(serde_json::json!({ "n": no }))
            },
            summary: format!("row {no}"),
            source: vec![no.to_string()],
        })
        .collect()
}

#[tokio::test]
async fn every_row_ends_done_failed_or_invalid_and_none_is_sent_twice() {
    let p = Profile::new();
    let app = p.open();
    let id = app
        .bulk_create("test", "t", &serde_json::json!({}), rows(500, 97))
        .unwrap();
    let s = Arc::new(Scripted::default());
    let v = app
        .bulk_run(id, Arc::new(Sx(s.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.state, JobState::Finished);
    let c = v.counts;
    assert_eq!(c.total, 500);
    assert_eq!(c.invalid, 5);
    assert_eq!(c.pending + c.in_flight + c.uncertain, 0);
    assert_eq!(c.done + c.failed + c.invalid, 500);
    let sent = s.sent.lock().unwrap().clone();
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), sent.len(), "no row sent twice");
    assert_eq!(sent.len() as u32, c.done + c.failed);
    let failed = app.bulk_rows(id, &[RowState::Failed], 0, 10).unwrap();
    assert_eq!(
        failed[0].reasons,
        [RowReason::error(ErrorCode::VendorRejected)]
    );
}

#[tokio::test]
async fn pause_then_resume_and_cancel_keep_every_row() {
    let p = Profile::new();
    let app = p.open();
    let id = app
        .bulk_create("test", "t", &serde_json::json!({}), rows(300, 1000))
        .unwrap();
    let s = Arc::new(Scripted {
        pause_after: Some((app.clone(), id, 60)),
        ..Default::default()
    });
    let v = app
        .bulk_run(id, Arc::new(Sx(s.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.state, JobState::Paused);
    assert!(
        v.counts.pending > 0 && v.counts.in_flight == 0,
        "{:?}",
        v.counts
    );
    // The start screen shows the job stopped half-way, until it has gone to the end.
    let waiting = |app: &App| {
        app.attention("2026-12-03")
            .unwrap()
            .jobs
            .iter()
            .any(|j| j.id == id)
    };
    assert!(waiting(&app));
    let v = app
        .bulk_run(id, Arc::new(Sx(s.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.state, JobState::Finished);
    assert!(!waiting(&app));
    let sent = s.sent.lock().unwrap().clone();
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 300);
    assert_eq!(sent.len(), 300);

    let id = app
        .bulk_create("test", "t2", &serde_json::json!({}), rows(50, 1000))
        .unwrap();
    app.bulk_cancel(id).unwrap();
    let s = Arc::new(Scripted::default());
    let v = app
        .bulk_run(id, Arc::new(Sx(s.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.state, JobState::Cancelled);
    assert!(
        s.sent.lock().unwrap().is_empty(),
        "a cancelled job sends nothing"
    );
    assert_eq!(v.counts.pending, 50);
}

/// Holds every request forever: the state a crash leaves behind.
struct Stuck;
impl Sender for Stuck {
    fn concurrency(&self) -> usize {
        2
    }
    fn send(
        &self,
        _rows: Vec<(i64, serde_json::Value)>,
    ) -> BoxFuture<'static, Vec<(i64, RowOutcome)>> {
        Box::pin(futures_util::future::pending())
    }
}

#[tokio::test]
async fn a_crash_leaves_rows_in_flight_uncertain_until_the_operator_decides() {
    let p = Profile::new();
    let id = {
        let app = p.open();
        let id = app
            .bulk_create("test", "t", &serde_json::json!({}), rows(20, 1000))
            .unwrap();
        let run = app.bulk_run(id, Arc::new(Stuck), |_| {});
        // The "crash": the run is dropped mid-request.
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(300), run)
                .await
                .is_err()
        );
        id
    };
    let app = p.open();
    assert_eq!(app.bulk_recover().unwrap(), vec![id]);
    let v = app.bulk_job(id).unwrap();
    assert_eq!(v.state, JobState::Interrupted);
    assert_eq!(v.counts.uncertain, 2);
    assert_eq!(v.counts.pending, 18);
    let uncertain = app.bulk_rows(id, &[RowState::Uncertain], 0, 10).unwrap();
    assert_eq!(
        uncertain[0].reasons,
        [RowReason::bulk(BulkReason::AppStopped)]
    );

    // Resuming sends only the rows never sent; the uncertain ones wait.
    let s = Arc::new(Scripted::default());
    let v = app
        .bulk_run(id, Arc::new(Sx(s.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.counts.uncertain, 2);
    assert_eq!(s.sent.lock().unwrap().len(), 18);
    // Finished, but two rows may have arrived: the start screen asks for a decision.
    let on_start_screen = |app: &App| {
        app.attention("2026-12-03")
            .unwrap()
            .jobs
            .iter()
            .any(|j| j.id == id)
    };
    assert!(on_start_screen(&app));
    // The operator chooses to send them again.
    let v = app.bulk_resolve_uncertain(id, true).unwrap();
    assert_eq!(v.counts.pending, 2);
    let v = app
        .bulk_run(id, Arc::new(Sx(s.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.counts.uncertain + v.counts.pending, 0);
    assert_eq!(s.sent.lock().unwrap().len(), 20);
    assert!(!on_start_screen(&app));
}

fn practice_csv(n: usize) -> String {
    let mut csv = String::from("Teléfono;Nombre;Monto;Fecha;Acepta\n");
    for i in 0..n {
        csv.push_str(&format!(
            "300{:07};Cliente {i};$ {}.000;5 de diciembre;sí\n",
            1_000_000 + i,
            i % 900 + 100
        ));
    }
    csv
}

async fn reminder(app: &App) -> String {
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let list = app.whatsapp_refresh(&line).await.unwrap();
    list.iter()
        .find(|t| t.name == "recordatorio_pago")
        .unwrap()
        .outbound_id
        .clone()
}

fn mapping(outbound_id: &str) -> WaMapping {
    support::wa_mapping(outbound_id)
}

#[tokio::test]
async fn a_list_without_the_flow_its_template_needs_is_told_at_the_flow_field() {
    let p = Profile::new();
    let app = p.open();
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let flow_template = app
        .whatsapp_refresh(&line)
        .await
        .unwrap()
        .into_iter()
        .find(|t| !t.is_notification && t.status.sendable())
        .expect("the practice line has an approved flow template");
    app.bulk_load_bytes("clientes.csv", practice_csv(5).as_bytes())
        .unwrap();
    let mut m = mapping(&flow_template.outbound_id);
    for v in &flow_template.variables {
        m.value_columns.insert(v.clone(), "Nombre".into());
    }
    let e = app.whatsapp_bulk_check(&m).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("flow_id"));
    assert_eq!(e.rule, Some(RuleCode::WaFlowRequired));
}

#[tokio::test]
async fn a_whatsapp_spreadsheet_is_checked_sent_once_and_its_failures_exported() {
    let p = Profile::new();
    let app = p.open();
    let id = reminder(&app).await;
    let mut csv = practice_csv(40);
    csv.push_str("12;Mal;$1;hoy;sí\n"); // too short
    csv.push_str("3001000005;Repetido;$1;hoy;sí\n"); // same person as row 7
    csv.push_str("3009999999;Sin permiso;$1;hoy;no\n");
    let info = app.bulk_load_bytes("clientes.csv", csv.as_bytes()).unwrap();
    assert_eq!(info.total_rows, 43);
    assert_eq!(info.headers[0], "Teléfono");
    let m = mapping(&id);
    let preview = app.whatsapp_bulk_check(&m).unwrap();
    assert_eq!((preview.valid, preview.invalid), (40, 3));
    let reasons: Vec<_> = preview.problems.iter().map(|p| p.reasons.clone()).collect();
    assert_eq!(
        reasons,
        [
            vec![RowReason::rule("phone_number", RuleCode::NotAPhone)],
            vec![RowReason::bulk(BulkReason::DuplicateInFile)],
            vec![RowReason::rule("opt_in", RuleCode::WaOptInRequired)]
        ]
    );

    let job = app
        .whatsapp_bulk_create(&m, "Recordatorio diciembre")
        .unwrap();
    app.set_whatsapp_bulk_rate(1000);
    let v = app.whatsapp_bulk_run(job, |_| {}).await.unwrap();
    assert_eq!(v.state, JobState::Finished);
    assert_eq!((v.counts.done, v.counts.invalid), (40, 3));
    // Each row is recognisable by the name column and the number's last four digits.
    let labels: Vec<_> = app
        .bulk_rows(job, &[RowState::Invalid], 0, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.summary)
        .collect();
    assert_eq!(
        labels,
        ["Mal · ••", "Repetido · •••0005", "Sin permiso · •••9999"]
    );
    // The phone column chosen as the "name" would show whole numbers: it is not used.
    let mut by_phone = m.clone();
    by_phone.name_column = "Teléfono".into();
    app.bulk_load_bytes("clientes.csv", csv.as_bytes()).unwrap();
    let again = app.whatsapp_bulk_create(&by_phone, "otra vez").unwrap();
    let shown: Vec<_> = app
        .bulk_rows(again, &[], 0, 3)
        .unwrap()
        .into_iter()
        .map(|r| r.summary)
        .collect();
    assert!(shown.iter().all(|s| s.starts_with("•••")), "{shown:?}");
    let sb = app.practice_sandbox().await.unwrap();
    let sent = sb.with_state(|st| st.truora.whatsapp.sent.clone());
    assert_eq!(sent.len(), 40);
    assert!(sent.iter().all(|s| s.vars.len() == 3));

    // The same file again: everyone already got it today, so nobody is messaged twice.
    app.bulk_load_bytes("clientes.csv", practice_csv(40).as_bytes())
        .unwrap();
    let again = app.whatsapp_bulk_create(&m, "otra vez").unwrap();
    let v = app.whatsapp_bulk_run(again, |_| {}).await.unwrap();
    assert_eq!(v.counts.skipped, 40);
    assert_eq!(sb.with_state(|st| st.truora.whatsapp.sent.len()), 40);

    let labels = opsdesk_core::bulk::engine::ExportLabels {
        result: "Resultado".into(),
        reason: "Motivo".into(),
        file_suffix: "no enviadas".into(),
        states: [(RowState::Invalid, "No válido".to_string())].into(),
        reasons: vec![(
            RowReason::bulk(BulkReason::DuplicateInFile),
            "Repetido en el archivo".to_string(),
        )],
    };
    let f = app.bulk_export(job, &labels, None).await.unwrap();
    // Named in the operator's language, after the list.
    assert!(
        f.file_name.ends_with(" - no enviadas.xlsx"),
        "{}",
        f.file_name
    );
    let bytes = std::fs::read(app.download_path(f.id).unwrap()).unwrap();
    let back = opsdesk_core::bulk::import::read("x.xlsx", &bytes).unwrap();
    assert_eq!(
        back.headers,
        [
            "Teléfono",
            "Nombre",
            "Monto",
            "Fecha",
            "Acepta",
            "Resultado",
            "Motivo"
        ]
    );
    assert_eq!(back.rows.len(), 3);
    assert_eq!(back.rows.row(1).1[6], "Repetido en el archivo");
    assert_eq!(back.rows.row(1).1[5], "No válido");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_full_pace_no_row_fails_for_a_reason_of_ours() {
    // Four sends in flight, each writing its ledger row and its result: with transactions that
    // read before writing, some failed at once with "database is locked" (error:internal).
    let p = Profile::new();
    let app = p.open();
    let id = reminder(&app).await;
    app.bulk_load_bytes("c.csv", practice_csv(2000).as_bytes())
        .unwrap();
    let job = app.whatsapp_bulk_create(&mapping(&id), "pace").unwrap();
    app.set_whatsapp_bulk_rate(100_000);
    let v = app.whatsapp_bulk_run(job, |_| {}).await.unwrap();
    let failed = app
        .bulk_rows(job, &[RowState::Failed, RowState::Uncertain], 0, 2000)
        .unwrap();
    assert!(failed.is_empty(), "{:?}", &failed[..failed.len().min(3)]);
    assert_eq!(v.counts.done, 2000, "{:?}", v.counts);
}

#[tokio::test]
async fn with_injected_faults_every_row_ends_accounted_for_and_nobody_gets_two() {
    let p = Profile::new();
    let app = p.open();
    let id = reminder(&app).await;
    app.bulk_load_bytes("c.csv", practice_csv(1000).as_bytes())
        .unwrap();
    let job = app.whatsapp_bulk_create(&mapping(&id), "faults").unwrap();
    let sb = app.practice_sandbox().await.unwrap();
    sb.set_faults(opsdesk_sandbox::Faults {
        rate_5xx: 0.10,
        rate_429: 0.05,
        rate_drop: 0.01,
        retry_after_secs: 0,
        ..Default::default()
    });
    app.set_whatsapp_bulk_rate(2000);
    let v = app.whatsapp_bulk_run(job, |_| {}).await.unwrap();
    sb.set_faults(Default::default());
    let c = &v.counts;
    assert_eq!(c.pending + c.in_flight, 0, "{c:?}");
    assert_eq!(c.done + c.failed + c.uncertain + c.skipped, 1000, "{c:?}");
    assert!(c.failed > 30 && c.done > 800, "{c:?}");
    let not_done = app
        .bulk_rows(job, &[RowState::Failed, RowState::Uncertain], 0, 2000)
        .unwrap();
    assert!(
        not_done.iter().all(|r| !r.reasons.is_empty()),
        "every failure says why"
    );
    let sent = sb.with_state(|st| st.truora.whatsapp.sent.clone());
    let mut people: Vec<_> = sent.iter().map(|s| s.e164.clone()).collect();
    people.sort();
    people.dedup();
    assert_eq!(people.len(), sent.len(), "nobody messaged twice");
    // Dropped answers were processed upstream: they are the uncertain rows.
    assert_eq!(sent.len() as u32, c.done + c.uncertain, "{c:?}");
}

#[tokio::test]
async fn a_truecaller_list_goes_out_in_batches_and_every_record_gets_its_result() {
    use opsdesk_core::bulk::truecaller::TcMapping;
    let p = Profile::new();
    let app = p.open();
    let label = app
        .truecaller()
        .await
        .unwrap()
        .labels(1, 100)
        .await
        .unwrap()[0]
        .id
        .clone();
    let mut csv = String::from("mobile,motivo\n");
    for i in 0..1_100 {
        csv.push_str(&format!(
            "98{:08},Confirmación de su cita médica\n",
            10_000_000 + i
        ));
    }
    csv.push_str("12345,Confirmación de su cita médica\n");
    app.bulk_load_bytes("llamadas.csv", csv.as_bytes()).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let m = TcMapping {
        receiver_column: "mobile".into(),
        caller_number: "+91 80 4567 8900".into(),
        caller_column: String::new(),
        label_id: label,
        label_name_column: String::new(),
        name_column: String::new(),
        reason: String::new(),
        reason_column: "motivo".into(),
        default_country_code: "+91".into(),
        starts_at_ms: now,
        ends_at_ms: now + 2 * 3_600_000,
    };
    let preview = app.truecaller_bulk_check(&m).unwrap();
    assert_eq!((preview.valid, preview.invalid), (1_100, 1));
    let job = app.truecaller_bulk_create(&m, "citas").unwrap();
    // Delivery results come quickly in scaled time.
    app.practice_sandbox().await.unwrap().set_time_scale(100.0);
    let v = app.truecaller_bulk_run(job, |_| {}).await.unwrap();
    let c = &v.counts;
    assert_eq!(c.pending + c.in_flight + c.uncertain, 0, "{c:?}");
    // Receivers ending in 7 or 8 fail upstream with the documented reasons (§5.8).
    assert_eq!(c.failed, 220, "{c:?}");
    assert_eq!(c.done, 880, "{c:?}");
    let failed = app
        .bulk_rows(job, &[opsdesk_core::bulk::engine::RowState::Failed], 0, 1)
        .unwrap();
    // Each is told by its cause, in the user's words, not in Truecaller's English.
    assert!(
        matches!(failed[0].reasons[..], [RowReason::Delivery { .. }]),
        "{failed:?}"
    );
    let batches = app.practice_sandbox().await.unwrap().with_state(|st| {
        st.truecaller
            .calls
            .batches
            .values()
            .map(Vec::len)
            .collect::<Vec<_>>()
    });
    assert_eq!(batches.iter().sum::<usize>(), 1_100);
    assert!(batches.iter().all(|&n| n <= 500), "{batches:?}");
}
