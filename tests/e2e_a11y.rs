//! Accessibility measured, not assumed (issue #12): axe-core, the rules engine behind most
//! accessibility audits, runs inside the real window on every screen, in the light and in the
//! dark theme, and no serious or critical violation may be found (contrast, names of controls,
//! labels, landmarks, keyboard traps...).

mod support;

use support::{open_app, Window};

fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui")
        .join("node_modules")
        .join("axe-core")
        .join("axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): install the UI's packages (scripts/setup.sh does)",
            path.display()
        )
    })
}

/// The serious and critical violations on the screen shown, one line each.
async fn violations(w: &Window, axe: &str) -> Vec<String> {
    w.client
        .execute(&format!("{axe}\n;return true;"), vec![])
        .await
        .unwrap();
    let found = w
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(
               r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => `${v.impact} ${v.id}: ${v.help} at ` +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))
             ), e => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

async fn every_screen_passes(theme: &str) {
    let axe = axe_source();
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("[data-testid=practice-banner]").await;
    w.open_screen("/settings").await;
    w.wait_for(&format!("input[name=theme][value={theme}]"))
        .await
        .click()
        .await
        .unwrap();
    let mut found = Vec::new();
    for path in w.every_page().await {
        w.open_screen(&path).await;
        let applied = w
            .client
            .execute("return document.documentElement.dataset.theme", vec![])
            .await
            .unwrap();
        assert_eq!(applied, theme, "{path} is drawn in the {theme} theme");
        found.extend(
            violations(&w, &axe)
                .await
                .into_iter()
                .map(|v| format!("{path}: {v}")),
        );
    }
    w.close().await;
    assert!(
        found.is_empty(),
        "accessibility problems in the {theme} theme: {found:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a keyring and WebKitWebDriver: ./opsdesk test runs it"]
async fn every_screen_is_accessible_in_the_light_theme() {
    every_screen_passes("light").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a keyring and WebKitWebDriver: ./opsdesk test runs it"]
async fn every_screen_is_accessible_in_the_dark_theme() {
    every_screen_passes("dark").await;
}
