//! Call-personalisation record rules (catalogue §5.3, §6.4), as pure functions.

use opsdesk_http::RuleCode;
use serde::{Deserialize, Serialize};

/// Which API version a record goes to: the phone format differs per version (catalogue §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiVersion {
    /// Real-time v2 and batch v2: digits with the country code, no `+` (`91XXXXXXXXXX`).
    V2,
    /// Batch v3: E.164 with `+` (`+911234567890`).
    V3,
}

/// The one place phone formats per API version are decided. Accepts what people type
/// (`+91 98765 43210`, `91-98765-43210`) and returns the version's wire format.
pub fn wire_number(raw: &str, version: ApiVersion) -> Result<String, RuleCode> {
    // A number without its country code is the usual mistake (10 local digits in India):
    // the phone module says so (`needs_country_code`).
    let p = opsdesk_http::phone::parse_international(raw)?;
    Ok(match version {
        ApiVersion::V2 => p.digits(),
        ApiVersion::V3 => p.e164(),
    })
}

pub const REASON_MIN: usize = 10;
pub const REASON_MAX: usize = 100;
pub const LABEL_NAME_MIN: usize = 3;
pub const LABEL_NAME_MAX: usize = 40;
pub const MAX_WINDOW_MS: i64 = 24 * 3_600_000;
pub const BATCH_MAX: usize = 500;

/// The vendor refuses "special characters" in a call reason without listing them [I]: we allow
/// letters (any language), digits, spaces and plain punctuation, which is what a reason needs.
pub fn reason_char_ok(c: char) -> bool {
    c.is_alphanumeric()
        || c == ' '
        || matches!(
            c,
            '.' | ',' | '-' | '\'' | '?' | '!' | ':' | '(' | ')' | '/'
        )
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDraft {
    pub caller: String,
    pub receiver: String,
    pub label_id: String,
    pub label_name: String,
    pub reason: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    pub caller_number: String,
    pub receiver_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_label_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic_call_reason: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: &'static str,
    pub rule: RuleCode,
}

/// Checks a record against every rule and returns it in the version's wire format, or every
/// problem at once. `label_name_required` is true for batch v2, where the docs mark it required.
pub fn validate_record(
    d: &RecordDraft,
    version: ApiVersion,
    now_ms: i64,
    label_name_required: bool,
) -> Result<WireRecord, Vec<RuleError>> {
    let mut errs = Vec::new();
    // The reason's own character rule already refuses these; the label name is free text.
    if opsdesk_http::text::has_unsafe_chars(&d.label_name, false) {
        return Err(vec![RuleError {
            field: "label_name",
            rule: opsdesk_http::text::UNSAFE_CHARS_RULE,
        }]);
    }
    let mut num = |raw: &str, field: &'static str| match raw.trim() {
        "" => {
            errs.push(RuleError {
                field,
                rule: RuleCode::Required,
            });
            None
        }
        r => wire_number(r, version)
            .map_err(|rule| errs.push(RuleError { field, rule }))
            .ok(),
    };
    let caller = num(&d.caller, "caller");
    let receiver = num(&d.receiver, "receiver");
    let label_id = Some(d.label_id.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    if let Some(l) = &label_id {
        let uuid_like = l.len() == 36
            && l.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && l.matches('-').count() == 4;
        if !uuid_like {
            errs.push(RuleError {
                field: "label_id",
                rule: RuleCode::NotALabel,
            });
        }
    }
    let name = d.label_name.trim();
    let name_len = name.chars().count();
    if name.is_empty() {
        if label_name_required {
            errs.push(RuleError {
                field: "label_name",
                rule: RuleCode::Required,
            });
        }
    } else if !(LABEL_NAME_MIN..=LABEL_NAME_MAX).contains(&name_len) {
        errs.push(RuleError {
            field: "label_name",
            rule: RuleCode::LabelNameLength,
        });
    }
    let reason = d.reason.trim();
    let reason_len = reason.chars().count();
    if !reason.is_empty() {
        if !(REASON_MIN..=REASON_MAX).contains(&reason_len) {
            errs.push(RuleError {
                field: "reason",
                rule: RuleCode::ReasonLength,
            });
        } else if !reason.chars().all(reason_char_ok) {
            errs.push(RuleError {
                field: "reason",
                rule: RuleCode::ReasonCharacters,
            });
        }
    }
    if d.ends_at_ms <= d.starts_at_ms {
        errs.push(RuleError {
            field: "ends_at",
            rule: RuleCode::EndsBeforeStart,
        });
    } else if d.ends_at_ms - d.starts_at_ms > MAX_WINDOW_MS {
        errs.push(RuleError {
            field: "ends_at",
            rule: RuleCode::WindowOver24h,
        });
    }
    if d.ends_at_ms < now_ms {
        errs.push(RuleError {
            field: "ends_at",
            rule: RuleCode::EndsInThePast,
        });
    }
    match (caller, receiver, errs.is_empty()) {
        (Some(caller_number), Some(receiver_number), true) => Ok(WireRecord {
            caller_number,
            receiver_number,
            label_id,
            dynamic_label_name: Some(name.to_string()).filter(|n| !n.is_empty()),
            dynamic_call_reason: Some(reason.to_string()).filter(|r| !r.is_empty()),
            starts_at: d.starts_at_ms,
            ends_at: d.ends_at_ms,
        }),
        _ => Err(errs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn draft() -> RecordDraft {
        RecordDraft {
            caller: "+91 80456 71234".into(),
            receiver: "91-98765-43210".into(),
            label_id: "3f6c2a1e-0b4d-4c8e-9a7f-000000000000".into(),
            label_name: "Banco Andino".into(),
            reason: "Your card payment is due".into(),
            starts_at_ms: NOW,
            ends_at_ms: NOW + 3_600_000,
        }
    }

    fn rules(d: &RecordDraft) -> Vec<(&'static str, &'static str)> {
        validate_record(d, ApiVersion::V3, NOW, false)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.rule.as_str()))
            .collect()
    }

    #[test]
    fn phone_formats_follow_the_api_version() {
        assert_eq!(
            wire_number("+91 98765 43210", ApiVersion::V2),
            Ok("919876543210".into())
        );
        assert_eq!(
            wire_number("919876543210", ApiVersion::V3),
            Ok("+919876543210".into())
        );
        assert_eq!(
            wire_number("98765 43210", ApiVersion::V3),
            Err(RuleCode::NeedsCountryCode)
        );
        assert_eq!(
            wire_number("+91 98765 4321x", ApiVersion::V3),
            Err(RuleCode::NotAPhone)
        );
        let ok = validate_record(&draft(), ApiVersion::V2, NOW, false).unwrap();
        assert_eq!(
            (ok.caller_number.as_str(), ok.receiver_number.as_str()),
            ("918045671234", "919876543210")
        );
    }

    #[test]
    fn reason_is_10_to_100_plain_characters() {
        let mut d = draft();
        d.reason = "x".repeat(10);
        assert!(rules(&d).is_empty());
        d.reason = "x".repeat(9);
        assert_eq!(rules(&d), [("reason", "reason_length")]);
        d.reason = "x".repeat(101);
        assert_eq!(rules(&d), [("reason", "reason_length")]);
        d.reason = "Pago pendiente 🙂 hoy".into();
        assert_eq!(rules(&d), [("reason", "reason_characters")]);
        d.reason = "Entrega del pedido #12 hoy".into();
        assert_eq!(rules(&d), [("reason", "reason_characters")]);
        d.reason = "Entrega de su pedido número 12".into();
        assert!(rules(&d).is_empty(), "accents are letters");
    }

    #[test]
    fn label_name_is_3_to_40_and_required_only_where_the_docs_say() {
        let mut d = draft();
        d.label_name = "AB".into();
        assert_eq!(rules(&d), [("label_name", "label_name_length")]);
        d.label_name = "x".repeat(41);
        assert_eq!(rules(&d), [("label_name", "label_name_length")]);
        d.label_name = String::new();
        assert!(rules(&d).is_empty());
        assert_eq!(
            validate_record(&d, ApiVersion::V2, NOW, true).unwrap_err(),
            [RuleError {
                field: "label_name",
                rule: RuleCode::Required
            }]
        );
    }

    #[test]
    fn the_window_ends_in_the_future_within_24_hours_of_its_start() {
        let mut d = draft();
        d.ends_at_ms = d.starts_at_ms + MAX_WINDOW_MS;
        assert!(rules(&d).is_empty(), "exactly 24 h is allowed");
        d.ends_at_ms += 1;
        assert_eq!(rules(&d), [("ends_at", "window_over_24h")]);
        d.starts_at_ms = NOW - 7_200_000;
        d.ends_at_ms = NOW - 1;
        assert_eq!(rules(&d), [("ends_at", "ends_in_the_past")]);
        d.ends_at_ms = d.starts_at_ms;
        assert!(rules(&d).contains(&("ends_at", "ends_before_start")));
    }

    #[test]
    fn label_ids_are_uuids_and_optional() {
        let mut d = draft();
        d.label_id = "banco".into();
        assert_eq!(rules(&d), [("label_id", "not_a_label")]);
        d.label_id = String::new();
        assert!(validate_record(&d, ApiVersion::V3, NOW, false)
            .unwrap()
            .label_id
            .is_none());
    }
}
