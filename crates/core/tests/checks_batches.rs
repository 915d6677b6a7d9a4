//! Very large lists through Truora's batch API: the same row checks first, then batches of up
//! to 1,000 (one per type and country), each followed to its end and its report read back into
//! the job. An app that stops while batches run settles their rows from the batches on
//! Continue: nobody is checked twice. (Its own test binary: Practice mode points at its own
//! sandbox through the environment.)

mod support;

use opsdesk_core::bulk::checks::CkMapping;
use opsdesk_core::bulk::engine::{JobState, RowState};
use opsdesk_core::checks::CheckSubject;
use opsdesk_sandbox::{Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::Profile;

const CO: usize = 2_300;
const PE: usize = 150;

fn file() -> (String, Vec<String>) {
    let mut csv = String::from("Nombre,País,Documento,Autoriza\n");
    let mut ids = Vec::new();
    for i in 0..CO + PE {
        // Peruvians scattered through the file, so claims mix countries.
        let (country, id) =
            if i % 17 == 0 && ids.iter().filter(|x: &&String| x.len() == 8).count() < PE {
                ("PE", format!("{:08}", 45_000_000 + i))
            } else {
                ("CO", format!("{}", 1_060_000_000 + i as u64))
            };
        csv.push_str(&format!("Persona {i},{country},{id},sí\n"));
        ids.push(id);
    }
    (csv, ids)
}

fn mapping() -> CkMapping {
    CkMapping {
        subject: CheckSubject::Person,
        custom_type: String::new(),
        country_column: "País".into(),
        country: String::new(),
        columns: BTreeMap::from([("national_id".to_string(), "Documento".to_string())]),
        reference_column: String::new(),
        name_column: "Nombre".into(),
        consent_column: "Autoriza".into(),
        all_consented: false,
        use_batches: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_list_goes_as_batches_and_a_stop_mid_batch_checks_nobody_twice() {
    // Virtual time runs 200× faster, so a batch's ten seconds pass in 50 ms.
    let sb = Sandbox::start(SandboxConfig {
        time_scale: 200.0,
        demo_data: false,
        ..Default::default()
    })
    .await
    .unwrap();
    std::env::set_var("OPSDESK_PRACTICE_SANDBOX", sb.base_url());
    let p = Profile::new();
    let (csv, ids) = file();
    let total = ids.len();

    let job = {
        let app = p.open();
        app.set_checks_batch_poll_ms(20);
        app.bulk_load_bytes("nomina.csv", csv.as_bytes()).unwrap();
        let preview = app.checks_bulk_check(&mapping()).unwrap();
        assert_eq!((preview.valid as usize, preview.invalid), (total, 0));
        let job = app.checks_bulk_create(&mapping(), "").unwrap();
        // Stop the app once the first batch is running.
        let run = app.checks_bulk_run(job, |_| {});
        let started = async {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !sb.with_state(|st| st.truora.batches.iter().any(|b| b.started_ms.is_some())) {
                assert!(Instant::now() < deadline, "no batch ever started");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::select! {
            _ = run => panic!("the job must still be running when the app stops"),
            _ = started => {}
        }
        job
    };
    // The batch keeps going at Truora while OpsDesk is closed.
    let app = p.open();
    app.set_checks_batch_poll_ms(20);
    app.bulk_recover().unwrap();
    let v = app.bulk_job(job).unwrap();
    assert_eq!(v.state, JobState::Interrupted);
    assert!(v.counts.uncertain > 0, "{:?}", v.counts);
    // Continue pressed twice: the second is refused while the first settles and sends, so no
    // row is settled or sent twice.
    let (first, second) = tokio::join!(
        app.checks_bulk_run(job, |_| {}),
        app.checks_bulk_run(job, |_| {})
    );
    let (v, refused) = match (first, second) {
        (Ok(v), Err(e)) | (Err(e), Ok(v)) => (v, e),
        (a, b) => panic!("one run and one refusal, got {a:?} and {b:?}"),
    };
    assert_eq!(refused.code, opsdesk_core::ErrorCode::Busy);
    assert_eq!(v.state, JobState::Finished, "{:?}", v.counts);
    assert_eq!(v.counts.done as usize, total, "{:?}", v.counts);

    // Every document has exactly one check, all made by batches of at most 1,000 rows, one
    // type and country each; none by single creation.
    let made = support::checks_per_document(&sb);
    for id in &ids {
        assert_eq!(made.get(id), Some(&1), "document {id}");
    }
    let (started, singles) = sb.with_state(|st| {
        let started: Vec<_> = st
            .truora
            .batches
            .iter()
            .filter(|b| b.started_ms.is_some())
            .map(|b| (b.country.clone(), b.results.len()))
            .collect();
        let singles = st
            .stats
            .by_route
            .iter()
            .filter(|(k, _)| k.starts_with("POST") && k.ends_with("/v1/checks"))
            .map(|(_, n)| *n)
            .sum::<u64>();
        (started, singles)
    });
    assert_eq!(singles, 0);
    assert!(started.iter().all(|(_, n)| *n <= 1_000));
    assert_eq!(started.iter().map(|(_, n)| n).sum::<usize>(), total);
    assert!(started.iter().any(|(c, _)| c == "PE"));
    // Each row names its check, and the checks are in the cache to be followed.
    let rows = app.bulk_rows(job, &[RowState::Done], 0, 5).unwrap();
    let first = rows[0].outcome.clone().unwrap();
    assert!(first.starts_with("CHK"), "{first}");
    assert!(app.checks_get(&first).is_ok());
    assert_eq!(
        sb.with_state(|st| st.stats.storage_requests_with_credentials),
        0,
        "the API key never goes to the upload link"
    );
}
