//! End-to-end, through the real window in Practice mode: a clerk opens Settings, picks Spanish,
//! and sees the navigation in Spanish, now and after restarting the app. Also: the harness can
//! photograph a still window for a failed wait's report.

mod support;

use support::{open_app, open_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn switching_to_spanish_translates_the_navigation_and_survives_a_restart() {
    let profile = tempfile::tempdir().unwrap();

    let w = open_app(profile.path()).await;
    // First run with no keys: Practice mode, clearly marked.
    w.wait_for("[data-testid=practice-banner]").await;
    w.wait_for_text("a[data-nav='/settings'] .label", "Settings")
        .await;

    w.wait_for("a[data-nav='/settings']")
        .await
        .click()
        .await
        .unwrap();
    let language = w.wait_for("select#language").await;
    language.select_by_value("es").await.unwrap();

    w.wait_for_text("a[data-nav='/checks'] .label", "Verificaciones")
        .await;
    w.wait_for_text("a[data-nav='/settings'] .label", "Configuración")
        .await;
    w.wait_for_text("h1", "Configuración").await;
    // A copy built without an update server says so in plain words instead of failing.
    w.wait_for("[data-testid=update-check]")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for_text(
        "[data-testid=update-result]",
        "Esta copia de OpsDesk se instaló sin actualizaciones automáticas. Su equipo de TI instala las versiones nuevas.",
    )
    .await;
    w.screenshot("settings-updates").await;
    w.close().await;

    // The choice was written to the encrypted cache, whose key is in the OS keyring.
    let w = open_app(profile.path()).await;
    w.wait_for_text("a[data-nav='/activity'] .label", "Actividad")
        .await;
    w.close().await;

    let db = std::fs::read(profile.path().join("opsdesk.db")).unwrap();
    assert!(
        !db.starts_with(b"SQLite format 3"),
        "the local cache must be encrypted"
    );
}

/// A 1024 × 700 laptop: the sidebar folds to its icons and no screen scrolls sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn every_screen_fits_a_small_laptop_without_sideways_scrolling() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("[data-testid=practice-banner]").await;
    w.client.set_window_size(1024, 700).await.unwrap();
    // Every screen and sub-screen, and item pages found on their lists.
    for area in w.every_page().await {
        let area = area.as_str();
        w.open_screen(area).await;
        let wide = w
            .client
            .execute(
                "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                 const d = document.documentElement;
                 return [d.scrollWidth, d.clientWidth,
                         document.querySelector('nav.sidebar').getBoundingClientRect().width];",
                vec![],
            )
            .await
            .unwrap();
        let n = |i: usize| wide[i].as_f64().unwrap();
        assert!(n(0) <= n(1), "{area} scrolls sideways: {wide}");
        assert!(n(2) < 100.0, "the sidebar folds to its icons: {wide}");
        w.screenshot(&format!(
            "small{}",
            area.replace('/', "-").replace('?', "_")
        ))
        .await;
    }
    w.close().await;
}

/// A failed wait in these tests reports with a screenshot of the window (how a rare CI failure
/// is understood). WebKit without compositing layers, how OpsDesk paints on machines without a
/// GPU such as CI's, answers a screenshot only after the page's next paint, and a page that has
/// stayed unchanged for a few seconds, as it has when a wait gives up, never paints again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn a_still_window_can_be_captured_for_a_failure_report() {
    let profile = tempfile::tempdir().unwrap();
    // Painting as on a machine without a GPU even where there is one, so the test always
    // tests something.
    let w = open_app_with(
        profile.path(),
        &opsdesk_app::PAINTING_WITHOUT_GPU.map(|var| (var, "1")),
    )
    .await;
    w.wait_for("[data-testid=practice-banner]").await;
    w.open_screen("/checks").await;
    // Not a wait for something to happen: the condition itself, a page left unchanged a while
    // (without the harness's repaint this capture never came back). Should the checks screen
    // ever animate on its own, this test would stop proving anything.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let png = tokio::time::timeout(std::time::Duration::from_secs(10), w.capture())
        .await
        .expect("the screenshot of a still page comes back")
        .expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG image");
    w.close().await;
}

/// Each system's own font, and on Linux only the one it surely has: WebKitGTK's first layout
/// took 40-80 ms longer when the page named `system-ui` and fonts Linux lacks (Segoe UI,
/// -apple-system), most of what kept the start-up from its goal (issue #18).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives the real window: needs a display and the OS keyring (./opsdesk test runs it)"]
async fn the_window_names_only_fonts_its_system_has() {
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("[data-testid=practice-banner]").await;
    let fonts = w
        .client
        .execute(
            "const d = document.documentElement, os = d.dataset.os;
             const font = () => getComputedStyle(document.body).fontFamily;
             const here = font();
             d.dataset.os = 'windows'; const windows = font();
             d.dataset.os = 'mac'; const mac = font();
             d.dataset.os = os;
             return [os, here, windows, mac];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fonts,
        serde_json::json!([
            "other",
            "sans-serif",
            "\"Segoe UI\", sans-serif",
            "system-ui, sans-serif"
        ]),
        "the system as app.html tells it, and the fonts app.css names for each"
    );
    w.close().await;
}
