//! End-to-end, through the real window in Practice mode: create a person check in Colombia,
//! watch it complete, open its detail and save the PDF report.

mod support;

use std::time::Duration;
use support::open_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn creating_a_colombian_person_check_and_saving_its_report() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("a[data-nav='/checks']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=new-check]")
        .await
        .click()
        .await
        .unwrap();

    let id_input = w.wait_for("input#f-national_id").await;
    id_input.send_keys("1.098.765.432").await.unwrap();
    // Dates are typed day first whatever the computer's region; an impossible one is said at
    // the field as soon as the clerk moves on.
    let dob = w.wait_for("input#f-date_of_birth").await;
    assert_eq!(
        dob.attr("placeholder").await.unwrap().as_deref(),
        Some("dd/mm/yyyy")
    );
    dob.send_keys("31/02/1990").await.unwrap();
    id_input.click().await.unwrap();
    w.wait_for("input#f-date_of_birth[aria-invalid=true]").await;
    dob.clear().await.unwrap();
    dob.send_keys("31/12/1990").await.unwrap();
    id_input.click().await.unwrap();
    w.wait_for("input#f-date_of_birth:not([aria-invalid])")
        .await;
    // Forgetting consent is caught at the field, before anything is sent.
    w.wait_for("form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("input#consent[aria-invalid=true]").await;
    // The keyboard focus moved to the problem, not left on the button.
    let focused = w
        .client
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!("consent"));
    w.wait_for("input#consent").await.click().await.unwrap();
    // Ticking it answers its message, which goes (moving the button up) before the click.
    w.wait_for("input#consent:not([aria-invalid])").await;
    w.screenshot("checks-consent-ticked").await;
    w.wait_for("form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();

    // The detail opens at once. The operator goes on with other work; when the background
    // follower sees the check finish, the start screen lists it, one click from its page.
    w.wait_for("[data-testid=check-status]").await;
    w.wait_for("a[data-nav='/']").await.click().await.unwrap();
    w.wait_for_within("[data-testid=attention-check]", Duration::from_secs(90))
        .await;
    w.screenshot("home-attention").await;
    w.wait_for("[data-testid=attention-check]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for_text_within(
        "[data-testid=check-status]",
        "Finished",
        Duration::from_secs(90),
    )
    .await;
    w.wait_for("[data-testid=check-risk]").await;

    w.wait_for("[data-testid=download-report]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=report-saved]").await;
    let h1 = w.wait_for("p.help.mono").await.text().await.unwrap();

    // The same person again: Truora has a recent identical check, and a dialog says so.
    w.wait_for("a[data-nav='/checks']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=new-check]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("input#f-national_id")
        .await
        .send_keys("1098765432")
        .await
        .unwrap();
    w.wait_for("input#f-date_of_birth")
        .await
        .send_keys("31/12/1990")
        .await
        .unwrap();
    w.wait_for("input#consent").await.click().await.unwrap();
    w.wait_for("form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("dialog[open] #existing-title").await;
    w.screenshot("check-existing-dialog").await;
    w.wait_for("dialog[open] a.button.primary")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for_text("p.help.mono", h1.trim()).await;
    // Opened, so no longer news.
    w.wait_for("a[data-nav='/']").await.click().await.unwrap();
    w.wait_for("[data-testid=attention][data-loaded=true]")
        .await;
    let listed = w
        .client
        .execute(
            "return document.querySelectorAll('[data-testid=attention-check]').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(listed, serde_json::json!(0));
    w.close().await;

    let check_id = h1.split(' ').next().unwrap().to_string();
    assert!(check_id.starts_with("CHK"), "{h1}");
    let saved: Vec<_> = std::fs::read_dir(profile.path().join("Downloads"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with(&check_id));
    assert!(std::fs::read(&saved[0]).unwrap().starts_with(b"%PDF-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn saving_the_checks_list_as_filtered() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("a[data-nav='/checks']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=checks-import]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=check-row]").await;
    // Only the finished ones, as a CSV.
    w.wait_for("select[aria-label=Status]")
        .await
        .select_by_value("completed")
        .await
        .unwrap();
    w.wait_for("[data-testid=checks-export-format]")
        .await
        .select_by_value("csv")
        .await
        .unwrap();
    w.wait_for("[data-testid=checks-export]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=checks-export-saved]").await;
    w.screenshot("checks-list-saved").await;
    // The activity, which now says the list was saved, to Excel.
    w.wait_for("a[data-nav='/activity']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=activity-export]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=activity-export-saved]").await;
    w.screenshot("activity-saved").await;
    w.close().await;

    let saved: Vec<_> = std::fs::read_dir(profile.path().join("Downloads"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(saved.len(), 2, "{saved:?}");
    let csv = saved
        .iter()
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .expect("the checks list as CSV");
    assert!(saved
        .iter()
        .any(|p| p.extension().is_some_and(|x| x == "xlsx")));
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap();
    assert!(header.contains("Score (0 to 10)"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains(",Finished,")), "{rows:?}");
}
