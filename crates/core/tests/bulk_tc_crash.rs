//! A Truecaller bulk job interrupted after Truecaller accepted a batch but before its results
//! were read: on restart the batch is settled from batch status, not sent again. (Its own test
//! binary: it points Practice mode at a sandbox that outlives the app, through the environment.)

mod support;

use opsdesk_core::bulk::engine::JobState;
use opsdesk_sandbox::{Sandbox, SandboxConfig};
use support::Profile;

#[tokio::test]
async fn accepted_batches_are_settled_after_a_crash_not_resent() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    std::env::set_var("OPSDESK_PRACTICE_SANDBOX", sb.base_url());
    let p = Profile::new();

    let job = {
        let app = p.open();
        let label = app.truecaller().await.unwrap().labels(1, 10).await.unwrap()[0]
            .id
            .clone();
        let mut csv = String::from("mobile\n");
        for i in 0..600 {
            csv.push_str(&format!("+91 98{:08}\n", 20_000_000 + i));
        }
        app.bulk_load_bytes("l.csv", csv.as_bytes()).unwrap();
        let job = app
            .truecaller_bulk_create(&support::tc_mapping(label, "+91 80 4567 8900", 1), "citas")
            .unwrap();
        // Both batches are accepted at once; the results are only read two seconds later.
        let run = app.truecaller_bulk_run(job, |_| {});
        let crashed = tokio::time::timeout(std::time::Duration::from_millis(1_500), run).await;
        assert!(
            crashed.is_err(),
            "the run must still be following its batches"
        );
        job
    };
    let sent_before = sb.with_state(|st| {
        st.truecaller
            .calls
            .batches
            .values()
            .map(Vec::len)
            .sum::<usize>()
    });
    assert_eq!(sent_before, 600);

    let app = p.open();
    app.bulk_recover().unwrap();
    assert_eq!(app.bulk_job(job).unwrap().counts.uncertain, 600);
    sb.advance_time(60_000);
    let v = app.truecaller_bulk_run(job, |_| {}).await.unwrap();
    assert_eq!(v.state, JobState::Finished);
    assert_eq!(v.counts.uncertain + v.counts.pending, 0, "{:?}", v.counts);
    assert_eq!(v.counts.done + v.counts.failed, 600);
    assert_eq!(
        sb.with_state(|st| st
            .truecaller
            .calls
            .batches
            .values()
            .map(Vec::len)
            .sum::<usize>()),
        600,
        "nothing sent twice"
    );
}
