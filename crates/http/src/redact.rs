//! Masking of personal data and secrets. Used for structured log fields (`mask_*`) and as a last
//! line of defence over every formatted log line and the diagnostics text (`scrub`).

use regex::Regex;
use std::sync::LazyLock;

/// `+573001234567` → `+57•••••••567`: enough to tell two numbers apart in a log, not to call one.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() <= 4 {
        return "•".repeat(digits.len());
    }
    let plus = if phone.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    let head: String = digits[..2].iter().collect();
    let tail: String = digits[digits.len() - 3..].iter().collect();
    format!("{plus}{head}{}{tail}", "•".repeat(digits.len() - 5))
}

/// `+573001234567` → `•••4567`: what a person says to recognise a number ("the one ending in
/// 4567"), shown beside a name on list rows. Not for logs: [`mask_phone`] keeps the country.
pub fn last_four(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() <= 4 {
        return "•".repeat(digits.len());
    }
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("•••{tail}")
}

/// National IDs, CURPs, CPFs, tax IDs: only the last two characters survive.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 2 {
        return "•".repeat(chars.len());
    }
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{}{tail}", "•".repeat(chars.len() - 2))
}

/// `María José Pérez` → `M. J. P.`
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((_, domain)) => format!("•••@{domain}"),
        None => "•••".into(),
    }
}

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*").unwrap()
});
static AUTH_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(bearer\s+|truora-api-key[\x22']?\s*[:=]\s*[\x22']?|api_key[\x22']?\s*[:=]\s*[\x22']?|key=)[^\s\x22'&,}]+")
        .unwrap()
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})").unwrap());
// Runs of six or more digits, optionally with a leading + and single separators: phone numbers,
// national IDs, CPFs (123.456.789-09). Dates and times have shorter runs and survive.
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\+?\d(?:[ .\-]?\d){5,}").unwrap());
static CURP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b").unwrap());

/// Removes secrets and personal data from free text: tokens and keys, e-mail addresses, CURPs and
/// any long run of digits (phones, IDs). Idempotent.
pub fn scrub(text: &str) -> String {
    let t = JWT.replace_all(text, "[token]");
    let t = AUTH_HEADER.replace_all(&t, "${1}[redacted]");
    let t = EMAIL.replace_all(&t, "•••@$1");
    let t = CURP.replace_all(&t, "[curp]");
    mask_digit_runs(&t)
}

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap());

static SECONDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{2}\.\d+$").unwrap());

fn mask_digit_runs(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut last = 0;
    for m in DIGITS.find_iter(t) {
        let before = t[..m.start()].chars().next_back();
        // Dates (2026-11-22) and fractions (the microseconds of a log timestamp) are not personal.
        let seconds_fraction = before == Some(':') && SECONDS.is_match(m.as_str());
        if ISO_DATE.is_match(m.as_str())
            || seconds_fraction
            || before == Some('.') && !m.as_str().contains(['.', '-', ' '])
        {
            continue;
        }
        out.push_str(&t[last..m.start()]);
        let digits: String = m.as_str().chars().filter(|c| c.is_ascii_digit()).collect();
        out.push_str(&format!("[number …{}]", &digits[digits.len() - 2..]));
        last = m.end();
    }
    out.push_str(&t[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_country_and_last_three() {
        assert_eq!(mask_phone("+573001234567"), "+57•••••••567");
        assert_eq!(mask_phone("911234567890"), "91•••••••890");
        assert_eq!(mask_phone("123"), "•••");
    }

    #[test]
    fn ids_keep_last_two() {
        assert_eq!(mask_id("1023456789"), "••••••••89");
        assert_eq!(mask_id("GODE561231HDFRRN09"), "••••••••••••••••09");
    }

    #[test]
    fn names_become_initials() {
        assert_eq!(mask_name("María José Pérez"), "M. J. P.");
    }

    #[test]
    fn scrub_removes_phones_ids_emails_and_keys() {
        let line = "sent to +57 300 123 4567 id=1023456789 cpf 123.456.789-09 mail ana.perez@correo.co \
                    Truora-API-Key: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig Authorization: Bearer abc123token \
                    curp GODE561231HDFRRN09 at 2026-11-22T05:47:00.123456Z";
        let out = scrub(line);
        for leaked in [
            "300 123",
            "1023456789",
            "123.456.789",
            "ana.perez",
            "eyJzdWIi",
            "abc123token",
            "GODE561231",
        ] {
            assert!(!out.contains(leaked), "{leaked} leaked in {out}");
        }
        assert!(
            out.contains("2026-11-22T05:47:00.123456Z"),
            "timestamps must stay readable: {out}"
        );
        assert!(out.contains("[number …67]"));
        assert_eq!(scrub(&out), out, "scrub is idempotent");
    }
}
