//! End to end, through the real window in Practice mode: the identity inbox brings in the
//! account's processes, a reviewer narrows it to the failures of one flow in one country,
//! opens one, and sends the person their link again with the number written as at home.

mod support;

use fantoccini::Locator;
use support::open_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn filtering_the_inbox_opening_a_failure_and_resending_its_link() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("a[data-nav='/identity']")
        .await
        .click()
        .await
        .unwrap();
    // Brought in by the background refresh, or now with the button: either way rows appear.
    w.wait_for("[data-testid=inbox-sync]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=inbox-row]").await;

    // Name the flow first, as a team would: the filter then offers it by that name.
    w.wait_for("[data-testid=tab-flows]")
        .await
        .click()
        .await
        .unwrap();
    let names = w
        .client
        .find_all(Locator::Css("[data-testid=flow-name]"))
        .await
        .unwrap();
    assert_eq!(
        names.len(),
        4,
        "the practice account's four flows were learned"
    );
    let second = &names[1];
    second.send_keys("Conductores nuevos").await.unwrap();
    second.send_keys("\u{E007}").await.unwrap(); // Enter saves
    w.wait_for(".flow-list [role=status]").await;
    w.client
        .find(Locator::Css("[role=tab]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    w.wait_for("[data-testid=inbox-outcome]")
        .await
        .select_by_value("failure")
        .await
        .unwrap();
    let flows = w.wait_for("[data-testid=inbox-flow]").await;
    flows.select_by_label("Conductores nuevos").await.unwrap();
    // The flow named a moment ago, by its ID behind the name.
    let flow_id = flows.prop("value").await.unwrap().unwrap();
    assert!(flow_id.starts_with("IPF"), "{flow_id}");
    w.wait_for("select[aria-label=Country]")
        .await
        .select_by_value("CO")
        .await
        .unwrap();
    // Only failures of that flow in Colombia remain.
    // The list re-renders as each filter applies: read it until it has settled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut last = Vec::new();
    let (first, _text) = loop {
        if std::time::Instant::now() > deadline {
            w.screenshot("identity-inbox-unsettled").await;
            panic!("the filtered list never settled: {last:?}");
        }
        let rows = w
            .client
            .find_all(Locator::Css("[data-testid=inbox-row]"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for r in &rows {
            match (
                r.attr("data-outcome").await,
                r.attr("data-flow").await,
                r.text().await,
            ) {
                (Ok(Some(o)), Ok(Some(f)), Ok(t)) if o == "failure" && f == flow_id => {
                    texts.push(t)
                }
                _ => break,
            }
        }
        if !rows.is_empty()
            && texts.len() == rows.len()
            && rows.len() < 20
            && texts.iter().all(|t| t.contains("Colombia"))
        {
            break (rows[0].clone(), texts.remove(0));
        }
        last = texts;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    w.screenshot("identity-inbox-filtered").await;
    first.click().await.unwrap();

    w.wait_for("[data-testid=process-detail]").await;
    let phone = w.wait_for("[data-testid=resend-phone]").await;
    // A number too short for Colombia is refused at the field, before anything is sent.
    phone.send_keys("300 123").await.unwrap();
    w.wait_for("[data-testid=resend-submit]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("#resend-phone[aria-invalid=true]").await;
    phone.clear().await.unwrap();
    phone.send_keys("300 123 4567").await.unwrap();
    w.wait_for("[data-testid=resend-submit]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=resend-sent]").await;
    w.screenshot("identity-link-resent").await;

    // Deleting asks first, saying what is lost; "Keep it" keeps it.
    let deleted_id = w.wait_for("#process-title + p").await.text().await.unwrap();
    w.wait_for("[data-testid=process-delete]")
        .await
        .click()
        .await
        .unwrap();
    let dialog = w.wait_for("[data-testid=delete-dialog][open]").await;
    let words = dialog.text().await.unwrap();
    assert!(words.contains("Nobody can recover them"), "{words}");
    w.screenshot("identity-delete-dialog").await;
    w.wait_for("[data-testid=delete-confirm]")
        .await
        .click()
        .await
        .unwrap();
    // Back in the inbox, without it.
    w.wait_for("[data-testid=inbox-list]").await;
    let id = deleted_id
        .split(" · ")
        .find(|p| p.starts_with("IDP"))
        .unwrap()
        .to_string();
    let search = w.wait_for("[data-testid=inbox-search]").await;
    search.send_keys(&id).await.unwrap();
    w.wait_for("[data-testid=inbox-lookup]").await;

    // Recorded in Activity, without the number.
    w.wait_for("a[data-nav='/activity']")
        .await
        .click()
        .await
        .unwrap();
    let activity = w.wait_for("main table").await.text().await.unwrap();
    assert!(activity.contains("Identity link sent again"), "{activity}");
    assert!(!activity.contains("1234567"), "{activity}");
    w.close().await;
}
