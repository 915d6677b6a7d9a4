//! Every screen in Spanish and in Portuguese, as a clerk opens it in Practice mode: no sentence
//! of the English bundle may be on it (issue #12). The English texts come from `en.ts`; those
//! the other language writes the same way ("WhatsApp", "OpsDesk") are not English leftovers.
//! What is read: the visible text, and the words assistive technology and tooltips say
//! (`title`, `aria-label`, `placeholder`).

mod support;

use support::{open_app, Window};

/// `'key': 'text'` pairs of a bundle, as prettier writes them (the text may be on the next line).
fn bundle(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(start) = rest.find("\n  '") {
        rest = &rest[start + 4..];
        let Some(end) = rest.find("':") else { break };
        let key = rest[..end].to_string();
        rest = rest[end + 2..].trim_start();
        let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))
        else {
            continue;
        };
        let mut text = String::new();
        let mut chars = rest[1..].char_indices();
        let mut consumed = rest.len() - 1;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        text.push(if n == 'n' { '\n' } else { n });
                    }
                }
                c if c == quote => {
                    consumed = i + 1;
                    break;
                }
                c => text.push(c),
            }
        }
        rest = &rest[1 + consumed..];
        out.push((key, text));
    }
    out
}

/// Pieces of English sentences (between `{placeholders}`) long enough not to be a name or a
/// word both languages share, with their keys.
fn english_leftovers(other: &str) -> Vec<(String, String)> {
    let en = bundle(include_str!("../ui/src/lib/i18n/en.ts"));
    let other: std::collections::HashMap<String, String> = bundle(other).into_iter().collect();
    assert!(
        en.len() > 1000 && other.len() > 1000,
        "{} {}",
        en.len(),
        other.len()
    );
    let mut out = Vec::new();
    for (key, text) in en {
        if other.get(&key) == Some(&text) {
            continue;
        }
        for piece in text.split(['{', '}']).step_by(2) {
            let piece = piece.trim();
            if piece.chars().filter(|c| c.is_alphabetic()).count() >= 14 && piece.contains(' ') {
                out.push((key.clone(), piece.to_string()));
            }
        }
    }
    out
}

/// What the screen says: visible text and the labels read aloud or shown on hover.
async fn words_on_screen(w: &Window) -> String {
    let v = w
        .client
        .execute(
            "const attrs = [...document.querySelectorAll('[title],[aria-label],[placeholder]')]
               .flatMap(e => ['title', 'aria-label', 'placeholder'].map(a => e.getAttribute(a) || ''));
             const options = [...document.querySelectorAll('option')].map(o => o.textContent);
             return [document.body.innerText, ...attrs, ...options].join('\\n');",
            vec![],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

async fn no_english_in(lang: &str, bundle_src: &str, first_word: &str) {
    let leftovers = english_leftovers(bundle_src);
    let profile = tempfile::tempdir().unwrap();
    let w = open_app(profile.path()).await;
    w.wait_for("[data-testid=practice-banner]").await;
    w.wait_for("a[data-nav='/settings']")
        .await
        .click()
        .await
        .unwrap();
    w.wait_for("select#language")
        .await
        .select_by_value(lang)
        .await
        .unwrap();
    w.wait_for_text("a[data-nav='/checks'] .label", first_word)
        .await;
    let mut found = Vec::new();
    for path in w.every_page().await {
        w.open_screen(&path).await;
        let words = words_on_screen(&w).await;
        // The page is drawn, in the language chosen (the sidebar says it on every page).
        assert!(
            words.contains(first_word),
            "{path} is not in {lang}: {words}"
        );
        for (key, piece) in &leftovers {
            if words.contains(piece.as_str()) {
                found.push(format!("{path}: {key}: {piece:?}"));
            }
        }
        w.screenshot(&format!("lang-{lang}{}", path.replace('/', "-")))
            .await;
    }
    w.close().await;
    assert!(found.is_empty(), "English on screens in {lang}: {found:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a keyring and WebKitWebDriver: ./opsdesk test runs it"]
async fn every_screen_in_spanish_says_nothing_in_english() {
    no_english_in(
        "es",
        include_str!("../ui/src/lib/i18n/es.ts"),
        "Verificaciones",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a keyring and WebKitWebDriver: ./opsdesk test runs it"]
async fn every_screen_in_portuguese_says_nothing_in_english() {
    no_english_in(
        "pt-BR",
        include_str!("../ui/src/lib/i18n/pt-BR.ts"),
        "Verificações",
    )
    .await;
}
