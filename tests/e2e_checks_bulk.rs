//! Background checks for a spreadsheet, through the real window: a 200-row file with bad rows,
//! each problem explained before anything leaves; the app is SIGKILLed while it creates the
//! checks, and one click on Continue finishes the job. The sandbox runs in this test process, so
//! it counts every check across the crash: each valid row has exactly one.

mod support;

use opsdesk_sandbox::{Sandbox, SandboxConfig};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::{open_app_with, Window};

const GOOD: usize = 190;

fn spreadsheet() -> (String, Vec<String>) {
    let mut text = String::from("Nombre,Cédula,Fecha de nacimiento,Autoriza\n");
    let mut ids = Vec::new();
    for i in 0..GOOD {
        let id = format!("{}", 1_030_000_000 + i as u64);
        text.push_str(&format!("Cliente {i},{id},15/03/1991,sí\n"));
        ids.push(id);
    }
    // Ten rows that cannot be checked: letters in the cédula, a birth date that is not a date,
    // people who did not authorise, an empty cédula, a repeat.
    for i in 0..3 {
        text.push_str(&format!("Malo {i},10304X{i}050,15/03/1991,sí\n"));
    }
    for i in 0..2 {
        text.push_str(&format!("Fecha {i},10405060{i}7,31/02/1991,sí\n"));
    }
    for i in 0..3 {
        text.push_str(&format!("NoAutoriza {i},10506070{i}8,15/03/1991,no\n"));
    }
    text.push_str("Vacío,,15/03/1991,sí\n");
    text.push_str(&format!("Cliente 0 otra vez,{},15/03/1991,sí\n", ids[0]));
    (text, ids)
}

fn checks_by_id(sb: &Sandbox) -> HashMap<String, usize> {
    sb.with_state(|st| {
        let mut by = HashMap::new();
        for c in &st.truora.checks {
            if let Some(id) = c.inputs.get("national_id") {
                *by.entry(id.clone()).or_insert(0) += 1;
            }
        }
        by
    })
}

async fn open_checks_bulk(w: &Window) {
    w.wait_for("a[data-nav='/checks']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("nav.tabs a[href='/checks/bulk']")
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn checks_for_a_spreadsheet_survive_a_kill_with_one_check_per_person() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let profile = tempfile::tempdir().unwrap();
    let csv = profile.path().join("candidatos.csv");
    let (text, ids) = spreadsheet();
    std::fs::write(&csv, text).unwrap();
    let before = checks_by_id(&sb);
    let base = sb.base_url();
    let env = [
        ("OPSDESK_PRACTICE_SANDBOX", base.as_str()),
        ("OPSDESK_TEST_PICK_FILE", csv.to_str().unwrap()),
        ("OPSDESK_TEST_CHECKS_RATE", "20"),
    ];

    let w = open_app_with(profile.path(), &env).await;
    open_checks_bulk(&w).await;
    w.wait_for("[data-testid=ck-choose-file]")
        .await
        .click()
        .await
        .unwrap();
    // The columns are guessed from their names; every row is checked before anything leaves.
    w.wait_for_text(
        "[data-testid=ck-preview] strong",
        &format!("{GOOD} rows ready to check, 10 with problems."),
    )
    .await;
    let problems = w
        .wait_for("[data-testid=ck-preview] ~ details table")
        .await
        .text()
        .await
        .unwrap();
    for said in [
        "National ID: Only numbers",
        "Date of birth: ",
        "This person did not authorise the check.",
        "National ID: This field is required.",
        "The same person appears earlier in the file.",
    ] {
        assert!(problems.contains(said), "{said:?} not in {problems}");
    }
    assert!(!problems.contains("national_id"), "{problems}");
    let _ = w
        .client
        .execute(
            "document.querySelector('[data-testid=ck-preview]').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await;
    w.screenshot("checks-bulk-preview").await;
    assert_eq!(checks_by_id(&sb), before, "nothing is sent by looking");
    w.wait_for("[data-testid=ck-start]")
        .await
        .click()
        .await
        .unwrap();

    // Let part of it go, then pull the plug.
    let created = |sb: &Sandbox| {
        let now = checks_by_id(sb);
        ids.iter()
            .filter(|id| now.get(*id) > before.get(*id).or(Some(&0)))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while created(&sb) < 60 {
        assert!(Instant::now() < deadline, "creating never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.screenshot("checks-bulk-running").await;
    let pid = w.app_pid().expect("the app's process");
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(
        created(&sb) < GOOD,
        "the job must still be running when killed"
    );
    w.close().await;

    // Start again: the job waits, interrupted, for one click.
    let w = open_app_with(profile.path(), &env).await;
    open_checks_bulk(&w).await;
    w.wait_for("[data-testid=bulk-job][data-state=interrupted]")
        .await;
    w.screenshot("checks-bulk-interrupted").await;
    w.wait_for("[data-testid=bulk-continue]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_job_state("finished", Duration::from_secs(120)).await;
    let c = w.job_counts().await;
    let n = |k: &str| c[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!(n("total"), GOOD as u64 + 10, "{c}");
    assert_eq!(n("done"), GOOD as u64, "every valid row has its check: {c}");
    assert_eq!(n("invalid"), 10, "{c}");
    assert_eq!(n("uncertain") + n("pending") + n("failed"), 0, "{c}");
    // The sandbox counted: one check per person, none twice.
    let now = checks_by_id(&sb);
    for id in &ids {
        let made = now.get(id).copied().unwrap_or(0) - before.get(id).copied().unwrap_or(0);
        assert_eq!(made, 1, "cédula {id} has {made} checks");
    }
    // The rows name their person and open their check.
    w.wait_for("[data-testid=bulk-job] button[aria-expanded]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=bulk-job] select[id^=b-filter-]")
        .await
        .select_by_value("done")
        .await
        .unwrap();
    let link = w
        .wait_for("[data-testid=bulk-job] table a[href^='/checks/CHK']")
        .await;
    let rows = w
        .wait_for("[data-testid=bulk-job] table")
        .await
        .text()
        .await
        .unwrap();
    assert!(rows.contains("Cliente 0"), "{rows}");
    w.screenshot("checks-bulk-finished").await;
    link.click().await.unwrap();
    // The first row's check, titled by the name in the file: its cédula, followed like any
    // other check.
    w.wait_for_text("h1", "Cliente 0").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = w.wait_for("main").await.text().await.unwrap_or_default();
        if page.contains(&ids[0]) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the check page never showed {}: {page}",
            ids[0]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.close().await;
}
