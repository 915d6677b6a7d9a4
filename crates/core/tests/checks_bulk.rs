//! Checks for a whole spreadsheet, through the jobs engine: rows checked with the rules of their
//! country before anything leaves, and every valid row ends with exactly one check at Truora,
//! through lost answers, server failures and an app that stops mid-job. (Its own test binary:
//! it points Practice mode at a sandbox that outlives the app, through the environment.)

mod support;

use opsdesk_core::bulk::checks::CkMapping;
use opsdesk_core::bulk::engine::{JobState, RowReason, RowState};
use opsdesk_core::checks::{CheckQuery, CheckSubject};
use opsdesk_sandbox::{Faults, Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use support::Profile;

/// A partner's file: Colombian and Peruvian people, dates written day first, some bad rows.
fn partner_file(good: usize) -> (String, Vec<String>) {
    let mut csv = String::from("Nombre,Apellido,País,Documento,Fecha de nacimiento,Autoriza\n");
    let mut ids = Vec::new();
    for i in 0..good {
        let (country, id) = if i % 4 == 0 {
            ("Perú", format!("{:08}", 40_000_000 + i))
        } else {
            ("CO", format!("{}", 1_020_000_000 + i as u64))
        };
        ids.push(id.clone());
        csv.push_str(&format!("Ana {i},Rojas,{country},{id},04/05/1990,sí\n"));
    }
    // A cédula with letters, a Brazilian without the region Brazil requires, a row whose person
    // did not authorise, a birth date in the future, and a repeat of the first row.
    csv.push_str("Luis,Mora,CO,10203X4050,04/05/1990,sí\n");
    csv.push_str("João,Silva,Brasil,52998224725,04/05/1990,sí\n");
    csv.push_str("Eva,Paz,CO,1030405060,04/05/1990,no\n");
    csv.push_str("Iván,Gil,CO,1040506070,04/05/2099,sí\n");
    csv.push_str(&format!("Ana 0,Rojas,Perú,{},04/05/1990,sí\n", ids[0]));
    // A country OpsDesk does not check in.
    csv.push_str("Rosa,Díaz,Venezuela,12345678,04/05/1990,sí\n");
    (csv, ids)
}

fn mapping() -> CkMapping {
    CkMapping {
        subject: CheckSubject::Person,
        custom_type: String::new(),
        country_column: "País".into(),
        country: String::new(),
        columns: BTreeMap::from([
            ("national_id".to_string(), "Documento".to_string()),
            (
                "date_of_birth".to_string(),
                "Fecha de nacimiento".to_string(),
            ),
            ("first_name".to_string(), "Nombre".to_string()),
            ("last_name".to_string(), "Apellido".to_string()),
        ]),
        reference_column: String::new(),
        name_column: String::new(),
        consent_column: "Autoriza".into(),
        all_consented: false,
        use_batches: false,
    }
}

/// Check creations the sandbox received (answered or not).
fn creates(sb: &Sandbox) -> u64 {
    sb.with_state(|st| {
        st.stats
            .by_route
            .iter()
            .filter(|(k, _)| k.starts_with("POST") && k.ends_with("/v1/checks"))
            .map(|(_, n)| n)
            .sum()
    })
}

#[tokio::test]
async fn a_spreadsheet_becomes_one_check_per_valid_row_through_faults_and_a_crash() {
    let sb = Sandbox::start(SandboxConfig {
        fault_seed: Some(7),
        ..Default::default()
    })
    .await
    .unwrap();
    std::env::set_var("OPSDESK_PRACTICE_SANDBOX", sb.base_url());
    let p = Profile::new();
    let (csv, ids) = partner_file(60);
    let before = support::checks_per_document(&sb);
    // The sandbox's own tasks, before any app talks to it.
    let sandbox_tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();

    let job = {
        let app = p.open();
        app.set_checks_bulk_rate(200);
        app.bulk_load_bytes("candidatos.csv", csv.as_bytes())
            .unwrap();
        // Every row checked before anything leaves, each problem at its field.
        let preview = app.checks_bulk_check(&mapping()).unwrap();
        assert_eq!((preview.valid, preview.invalid), (60, 6), "{preview:?}");
        let reasons: Vec<(u32, Vec<RowReason>)> = preview
            .problems
            .iter()
            .map(|p| (p.row_no, p.reasons.clone()))
            .collect();
        let rule = |f: &str, r: &str| {
            RowReason::rule(f.to_string(), opsdesk_http::RuleCode::parse(r).unwrap())
        };
        assert_eq!(reasons[0], (62, vec![rule("national_id", "digits_only")]));
        assert_eq!(reasons[1], (63, vec![rule("region", "required")]));
        assert_eq!(
            reasons[2],
            (64, vec![rule("user_authorized", "consent_required")])
        );
        assert_eq!(
            reasons[3],
            (65, vec![rule("date_of_birth", "in_the_future")])
        );
        assert_eq!(
            reasons[5],
            (67, vec![rule("country", "not_available_in_country")])
        );
        assert_eq!(
            reasons[4],
            (
                66,
                vec![RowReason::bulk(
                    opsdesk_core::bulk::engine::BulkReason::DuplicateInFile
                )]
            )
        );
        // Nothing was sent by looking.
        assert_eq!(support::checks_per_document(&sb), before);

        let job = app.checks_bulk_create(&mapping(), "").unwrap();
        // Answers lost after Truora created the check, and server failures.
        sb.set_faults(Faults {
            rate_drop: 0.15,
            rate_5xx: 0.05,
            rate_429: 0.05,
            ..Default::default()
        });
        // The app stops while the job runs.
        let run = app.checks_bulk_run(job, |_| {});
        let stopped = tokio::time::timeout(std::time::Duration::from_millis(150), run).await;
        assert!(
            stopped.is_err(),
            "the job must still be running when it stops"
        );
        job
    };
    sb.set_faults(Faults::default());
    // Requests the stopped app had already put on the wire still reach Truora, as after a real
    // crash. They are let land (their connection tasks end) before counting what was created,
    // so what settling does is counted alone.
    let mut turns = 0;
    while tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
        > sandbox_tasks
        && turns < 100_000
    {
        tokio::task::yield_now().await;
        turns += 1;
    }

    let app = p.open();
    app.set_checks_bulk_rate(200);
    app.bulk_recover().unwrap();
    let v = app.bulk_job(job).unwrap();
    assert_eq!(v.state, JobState::Interrupted);
    assert!(v.counts.uncertain > 0, "rows in doubt: {:?}", v.counts);
    // Rows in doubt are settled by looking their checks up: no check is asked for meanwhile.
    let posts = creates(&sb);
    assert!(posts > 0);
    app.checks_bulk_settle(job).await.unwrap();
    assert_eq!(creates(&sb), posts, "settling created nothing");
    let v = app.bulk_job(job).unwrap();
    assert_eq!(v.counts.uncertain, 0, "{:?}", v.counts);
    let now = support::checks_per_document(&sb);
    for r in app.bulk_rows(job, &[RowState::Done], 0, 1000).unwrap() {
        let check = r.outcome.unwrap();
        assert!(sb.with_state(|st| st.truora.checks.iter().any(|c| c.check_id == check)));
    }
    // Rows that went back to the queue really had no check yet.
    for r in app.bulk_rows(job, &[RowState::Pending], 0, 1000).unwrap() {
        let id = &ids[(r.row_no - 2) as usize];
        assert_eq!(
            now.get(id).copied().unwrap_or(0),
            before.get(id).copied().unwrap_or(0)
        );
    }
    // One click to continue; rows in doubt are looked up first, never created again blindly.
    let v = app.checks_bulk_run(job, |_| {}).await.unwrap();
    assert_eq!(v.state, JobState::Finished, "{:?}", v.counts);
    assert_eq!(
        v.counts.pending + v.counts.in_flight + v.counts.uncertain,
        0,
        "{:?}",
        v.counts
    );
    assert_eq!(v.counts.invalid, 6);
    let now = support::checks_per_document(&sb);
    for id in &ids {
        let n = now.get(id).copied().unwrap_or(0) - before.get(id).copied().unwrap_or(0);
        assert_eq!(n, 1, "document {id} has {n} checks");
    }
    // Done rows name their check, and each check is in the cache, followed like any other.
    let done = app.bulk_rows(job, &[RowState::Done], 0, 1000).unwrap();
    assert_eq!(done.len() + v.counts.failed as usize, 60, "{:?}", v.counts);
    assert_eq!(v.counts.failed, 0, "{:?}", v.counts);
    let page = app
        .checks_search(&CheckQuery {
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    let mut cached: Vec<String> = page.rows.iter().map(|r| r.document.clone()).collect();
    cached.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(cached, want);
    // Activity says how it went, in counts only (no names or documents).
    let finished = app
        .activity(50)
        .unwrap()
        .into_iter()
        .find(|a| a.action == "checks.bulk_finished")
        .unwrap();
    assert_eq!(finished.outcome, opsdesk_core::activity::Outcome::Ok);
    assert_eq!(finished.summary, "candidatos.csv (60 / 60)");
    // What got no check goes out as a spreadsheet in the file's own columns, to fix and retry.
    let saved = app
        .bulk_export(job, &Default::default(), Some(p.dir.path().to_path_buf()))
        .await
        .unwrap();
    let back = opsdesk_core::bulk::import::read_path(
        &std::path::Path::new(&saved.folder).join(&saved.file_name),
    )
    .unwrap();
    assert_eq!(back.rows.len(), 6);
    assert_eq!(
        back.headers[..6],
        [
            "Nombre",
            "Apellido",
            "País",
            "Documento",
            "Fecha de nacimiento",
            "Autoriza"
        ]
    );
    // Each check is listed, and found, by the name the file gave it (Truora keeps none for a
    // cédula check).
    let by_name = app
        .checks_search(&CheckQuery {
            text: "Rojas".into(),
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_name.rows.len(), 60);
    assert!(by_name.rows.iter().any(|r| r.subject == "Ana 7 Rojas"));
    // Each row is shown by the person's name from the file.
    assert!(
        done.iter().any(|r| r.summary == "Ana 7 Rojas"),
        "{:?}",
        done[0]
    );
}
