//! Durability, through the real app: SIGKILL it in the middle of a 10,000-row WhatsApp send,
//! start it again, continue with one click. The sandbox runs in this test process, so it keeps
//! counting what it received across the crash: no row is lost and nobody gets two messages.

mod support;

use opsdesk_sandbox::{Sandbox, SandboxConfig};
use std::time::{Duration, Instant};
use support::open_app_with;

const ROWS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn killing_the_app_mid_send_loses_no_row_and_messages_nobody_twice() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let profile = tempfile::tempdir().unwrap();
    let csv = profile.path().join("clientes.csv");
    let mut text = String::from("phone,name,amount,due_date,acepta\n");
    for i in 0..ROWS {
        text.push_str(&format!(
            "31{:08},Cliente {i},$ 120.000,5 de diciembre,sí\n",
            10_000_000 + i
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let base = sb.base_url();
    let env = [
        ("OPSDESK_PRACTICE_SANDBOX", base.as_str()),
        ("OPSDESK_TEST_PICK_FILE", csv.to_str().unwrap()),
        ("OPSDESK_TEST_WA_RATE", "400"),
    ];

    let w = open_app_with(profile.path(), &env).await;
    w.open_list_send().await;
    w.choose_list_template("recordatorio_pago").await;
    w.wait_for("[data-testid=bulk-choose-file]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=bulk-preview]").await;
    w.wait_for_text_within(
        "[data-testid=bulk-preview] strong",
        "10,000 rows ready to send, 0 with problems.",
        Duration::from_secs(30),
    )
    .await;
    w.wait_for("[data-testid=bulk-start]")
        .await
        .click()
        .await
        .unwrap();

    // Let a good part go out, then pull the plug.
    let deadline = Instant::now() + Duration::from_secs(120);
    while sb.with_state(|st| st.truora.whatsapp.sent.len()) < 2_000 {
        assert!(Instant::now() < deadline, "sending never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = w.app_pid().expect("the app's process");
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    let at_kill = sb.with_state(|st| st.truora.whatsapp.sent.len());
    assert!(at_kill < ROWS, "the job must still be running when killed");
    w.close().await;
    // Start again: the job waits, interrupted, for one click.
    let w = open_app_with(profile.path(), &env).await;
    w.open_list_send().await;
    w.wait_for("[data-testid=bulk-job][data-state=interrupted]")
        .await;
    w.wait_for("[data-testid=bulk-continue]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_job_state("finished", Duration::from_secs(180)).await;
    let c = w.job_counts().await;
    w.close().await;

    let n = |k: &str| c[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!(n("total"), ROWS as u64, "{c}");
    assert_eq!(n("pending") + n("in_flight"), 0, "{c}");
    assert_eq!(
        n("done") + n("uncertain") + n("failed"),
        ROWS as u64,
        "no row lost: {c}"
    );
    assert!(
        n("uncertain") <= 8,
        "only rows in flight at the kill are uncertain: {c}"
    );
    let sent = sb.with_state(|st| st.truora.whatsapp.sent.clone());
    let mut people: Vec<_> = sent.iter().map(|s| s.e164.clone()).collect();
    people.sort();
    people.dedup();
    assert_eq!(people.len(), sent.len(), "nobody messaged twice");
    // Every row the app counts as sent reached the sandbox; uncertain ones may or may not have.
    assert!(
        sent.len() as u64 >= n("done") && sent.len() as u64 <= n("done") + n("uncertain"),
        "{} sent, {c}",
        sent.len()
    );
}
