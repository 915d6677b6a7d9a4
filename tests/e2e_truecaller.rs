//! End-to-end, through the real window in Practice mode: personalise one call with a label and
//! a reason and see it accepted; list the business numbers of one feature set.

mod support;

use fantoccini::Locator;
use support::open_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn one_personalised_call_and_numbers_of_a_feature_set() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("a[data-nav='/truecaller']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-call-label] option").await;
    w.wait_for("#f-caller")
        .await
        .send_keys("+91 80 4567 1234")
        .await
        .unwrap();
    w.wait_for("#f-receiver")
        .await
        .send_keys("98765 43210")
        .await
        .unwrap();
    w.wait_for("#f-reason")
        .await
        .send_keys("Su cita de mañana")
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-call-submit]")
        .await
        .click()
        .await
        .unwrap();
    // A local number without its country code is caught at the field.
    w.wait_for("#f-receiver[aria-invalid=true]").await;
    let receiver = w.wait_for("#f-receiver").await;
    receiver.clear().await.unwrap();
    receiver.send_keys("+91 98765 43210").await.unwrap();
    w.wait_for("[data-testid=tc-call-submit]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-call-done]").await;

    w.wait_for("[data-testid=tc-nav-numbers]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-number-row]").await;
    let all = w
        .client
        .find_all(Locator::Css("[data-testid=tc-number-row]"))
        .await
        .unwrap()
        .len();
    let kind = w.wait_for("[data-testid=tc-filter-kind]").await;
    kind.select_by_value("feature_set").await.unwrap();
    w.wait_for("[data-testid=tc-filter-set]")
        .await
        .select_by_label("Collections")
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-filter-apply]")
        .await
        .click()
        .await
        .unwrap();
    only_rows_with(&w, all, "Collections").await;

    // A department is picked by its name, from what the feature sets say: no ID to copy.
    w.wait_for("[data-testid=tc-filter-kind]")
        .await
        .select_by_value("department")
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-filter-known]")
        .await
        .select_by_label("Logística")
        .await
        .unwrap();
    w.wait_for("[data-testid=tc-filter-apply]")
        .await
        .click()
        .await
        .unwrap();
    only_rows_with(&w, all, "Logística").await;
    w.screenshot("tc-numbers-by-department").await;
    w.close().await;
}

/// Waits until the numbers table shows some, but not all, of the `all` numbers, each
/// mentioning `needle`.
async fn only_rows_with(w: &support::Window, all: usize, needle: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let rows = w
            .client
            .find_all(Locator::Css("[data-testid=tc-number-row]"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for r in &rows {
            texts.push(r.text().await.unwrap_or_default());
        }
        if !rows.is_empty() && rows.len() < all && texts.iter().all(|t| t.contains(needle)) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the list filtered by {needle} never showed: {texts:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
