//! End-to-end, through the real window in Practice mode: look up an identity process and save
//! its PDF evidence to disk.

mod support;

use support::open_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn looking_up_a_process_and_downloading_its_pdf() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("a[data-nav='/identity']")
        .await
        .click()
        .await
        .unwrap();

    // A reviewer overrode this one: it must read as verified, with the override explained.
    let id = format!("IDP{:032x}", 0xd1d0004);
    // A link pasted into the inbox's search finds nothing on this computer, and offers to
    // look the process up at Truora.
    let input = w.wait_for("[data-testid=inbox-search]").await;
    input
        .send_keys(&format!("https://app.truora.com/identity/{id}"))
        .await
        .unwrap();
    w.wait_for("[data-testid=inbox-lookup]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for_text("[data-testid=process-status]", "Verified")
        .await;
    w.wait_for(".callout").await;

    w.wait_for("[data-testid=download-pdf]")
        .await
        .click()
        .await
        .unwrap();
    // The sandbox answers 202 "requested", then "in_progress", then redirects to the file.
    w.wait_for("[data-testid=download-saved]").await;
    w.close().await;

    let pdf = std::fs::read(profile.path().join("Downloads").join(format!("{id}.pdf"))).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a real PDF was saved");
}
