//! End to end, through the real window in Practice mode: a person's data request. The operator
//! finds the practice person by a number written differently from how her list wrote it, saves
//! everything for her, erases it, and searching again finds nothing but the do-not-contact
//! entry that keeps her from being messaged.

mod support;

use fantoccini::Locator;
use support::{open_app, Window};

/// Ctrl+A, Delete: typed keys, so the form sees the field emptied (WebDriver's `clear` changes
/// the value without the input events a person's typing makes).
const SELECT_ALL_AND_DELETE: &str = "\u{E009}a\u{E009}\u{E017}";

/// Types a number in the search form as a person would and searches: the screen says how it
/// read the number.
async fn search_number(w: &Window, typed: &str, understood: &str) {
    let phone = w.wait_for("[data-testid=person-phone]").await;
    phone.send_keys(SELECT_ALL_AND_DELETE).await.unwrap();
    phone.send_keys(typed).await.unwrap();
    w.wait_for("[data-testid=person-search]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for_text(
        "[data-testid=person-understood]",
        &format!("Number understood as {understood}."),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn finding_saving_and_erasing_a_person() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("a[data-nav='/people']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=person-practice]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=person-counts]").await;

    // Her list wrote `300 123 4567` with Colombia as the default; here it is typed whole.
    search_number(&w, "+57 300-123-4567", "+573001234567").await;
    for section in [
        "person-checks",
        "person-processes",
        "person-sends",
        "person-list-rows",
        "person-callbacks",
        "person-consents",
    ] {
        w.wait_for(&format!("[data-testid={section}]")).await;
    }
    // Each message says which consent it relied on: her list's row and column.
    let sends = w.wait_for("[data-testid=person-sends]").await;
    let sends = sends.text().await.unwrap();
    assert!(sends.contains("clientes-noviembre.xlsx, row 2"), "{sends}");
    w.screenshot("people-found").await;

    // Everything, saved for her as a spreadsheet.
    w.wait_for("[data-testid=person-save-xlsx]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=person-saved]").await;
    let saved: Vec<_> = std::fs::read_dir(profile.path().join("Downloads"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(std::fs::read(&saved[0]).unwrap().starts_with(b"PK"));

    // Erase: the dialog says what goes and what stays at the vendors; "Keep it" has focus.
    w.wait_for("[data-testid=person-erase]")
        .await
        .click()
        .await
        .unwrap();
    let dialog = w.wait_for("[data-testid=erase-dialog]").await;
    assert!(dialog.text().await.unwrap().contains("Truora"));
    w.screenshot("people-erase-dialog").await;
    w.wait_for("[data-testid=erase-confirm]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=erase-done]").await;
    // Nothing about her stays on the screen either: the form is empty.
    let phone = w.wait_for("[data-testid=person-phone]").await;
    assert_eq!(phone.prop("value").await.unwrap().as_deref(), Some(""));

    // Searching again, by her ID alone this time: nothing.
    for field in ["person-phone", "person-name", "person-document"] {
        let f = w.wait_for(&format!("[data-testid={field}]")).await;
        f.send_keys(SELECT_ALL_AND_DELETE).await.unwrap();
    }
    let doc = w.wait_for("[data-testid=person-document]").await;
    doc.send_keys("1020304050").await.unwrap();
    w.wait_for("[data-testid=person-search]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=person-nothing]").await;
    // Searched by the ID alone: no number was understood, and nothing is held.
    assert!(w
        .client
        .find_all(Locator::Css("[data-testid=person-understood]"))
        .await
        .unwrap()
        .is_empty());
    let sections = w
        .client
        .find_all(Locator::Css(
            "[data-testid=person-checks], [data-testid=person-sends]",
        ))
        .await
        .unwrap();
    assert!(sections.is_empty());
    w.screenshot("people-erased").await;

    // An Argentine mobile as written at home (area code, 15, number) with Argentina chosen:
    // the number abroad is +54 9 11 …
    let doc = w.wait_for("[data-testid=person-document]").await;
    doc.send_keys(SELECT_ALL_AND_DELETE).await.unwrap();
    w.wait_for("#p-country")
        .await
        .select_by_value("AR")
        .await
        .unwrap();
    search_number(&w, "011 15 2345-6789", "+5491123456789").await;
    w.screenshot("people-argentine-mobile").await;

    // She stays on the do-not-contact list, without her number.
    w.wait_for("[data-testid=tab-opt-outs]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=opt-out-row]").await;
    let list = w.wait_for("[data-testid=opt-out-list]").await;
    let text = list.text().await.unwrap();
    assert!(!text.contains("3001234567"), "{text}");
    w.screenshot("people-opt-outs").await;
    w.close().await;
}
