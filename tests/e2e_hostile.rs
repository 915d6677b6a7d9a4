//! End-to-end, through the real window: a cache damaged while the app was closed is recognised
//! at start, the recovery page keeps what can be read, and the app goes on; an endpoint
//! override is named on every screen.

mod support;

use opsdesk_core::store::Store;
use std::io::{Seek, SeekFrom, Write};
use support::open_app_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn a_damaged_cache_gets_the_recovery_page_and_the_app_goes_on() {
    let profile = tempfile::tempdir().unwrap();
    // A first run creates the cache and its key in the keyring.
    let key = support::first_run_key(profile.path()).await;

    // Fill it like months of work would, then damage the middle of the file (a disk fault).
    let path = profile.path().join("opsdesk.db");
    {
        let store = Store::open(&path, &key).unwrap();
        let mut c = store.conn().unwrap();
        let tx = c.transaction().unwrap();
        let body = "x".repeat(1500);
        for i in 0..2000 {
            tx.execute(
                "INSERT INTO checks (ord, check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice)
                 VALUES (?4 * 1048576, ?1, 'person', 'CO', 'completed', 1.0, ?2, ?3, ?4, ?4, 1)",
                (
                    format!("CHK{i:032}"),
                    format!("Nombre {i}"),
                    format!("{}", 10_000_000 + i),
                    1_700_000_000_000i64 + i,
                ),
            )
            .unwrap();
            tx.execute(
                "INSERT INTO check_bodies (check_id, body) VALUES (?1, ?2)",
                (format!("CHK{i:032}"), &body),
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(len / 2)).unwrap();
    f.write_all(&vec![0xA5u8; 64 * 1024]).unwrap();
    drop(f);
    // Damage comes with an exit that was not clean (a power cut): the marker of a run that never
    // ended is what makes the next start read the whole file.
    std::fs::write(profile.path().join("opsdesk.db.running"), b"").unwrap();

    let w = open_app_with(
        profile.path(),
        &[(
            "OPSDESK_TRUORA_CHECKS_URL",
            "https://gateway.example.com/truora",
        )],
    )
    .await;
    // The check beside the window finds the damage and every screen turns to the recovery page.
    w.wait_for("[data-testid=store-problem]").await;
    let banner = w.wait_for("[data-testid=override-banner]").await;
    assert!(banner.text().await.unwrap().contains("gateway.example.com"));
    w.screenshot("recovery-page").await;
    let recover = w
        .wait_for("[data-testid=store-problem] button.primary")
        .await;
    recover.click().await.unwrap();
    w.wait_for("[data-testid=store-recovered]").await;
    w.screenshot("recovered").await;
    // The app works again: the settings screen opens and lists saved files (none yet).
    w.wait_for("a[data-nav='/settings']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("[data-testid=saved-files]").await;
    w.screenshot("settings-saved-files").await;
    let copies = std::fs::read_dir(profile.path().join("damaged"))
        .unwrap()
        .count();
    assert!(copies >= 1, "a copy of the damaged file was kept");
    w.close().await;
}
