//! Durable bulk jobs: a spreadsheet in, thousands of requests out, every row accounted for.

pub mod checks;
pub mod engine;
pub mod import;
pub mod jobs;
pub mod truecaller;
pub mod whatsapp;

/// What a list row is called on screen: the name from the file when a name column is chosen,
/// and the number's last four digits ("Ana Gómez · •••4567"), never the whole number.
pub(crate) fn row_label(name: &str, phone: &str) -> String {
    let tail = opsdesk_http::redact::last_four(phone);
    match (name.trim(), tail.is_empty()) {
        ("", _) => tail,
        (n, true) => n.to_string(),
        (n, false) => format!("{n} · {tail}"),
    }
}
