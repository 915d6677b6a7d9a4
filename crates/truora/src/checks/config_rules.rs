//! Rules for custom types, account settings and continuous checks (catalogue §2.4, §2.5, §2.7,
//! §6.1 rules 9–11).

use super::rules::{is_date, RuleError};
use opsdesk_http::RuleCode;
use std::collections::BTreeMap;

/// Datasets a custom type can weigh (catalogue §2.2 plus `document_validation` from §2.4).
pub const DATASETS: &[&str] = &[
    "personal_identity",
    "criminal_record",
    "legal_background",
    "international_background",
    "professional_background",
    "affiliations_and_insurances",
    "alert_in_media",
    "vehicle_information",
    "vehicle_permits",
    "traffic_fines",
    "driving_licenses",
    "business_background",
    "taxes_and_finances",
    "behavior",
    "document_validation",
];

/// Longest custom type name.
pub const TYPE_NAME_MAX: usize = 64;
/// The check duration both the API reference and the guides allow (catalogue §8.4).
pub const DURATION_MIN_MINUTES: u32 = 15;
pub const DURATION_MAX_HOURS: u32 = 168;

fn err(field: &str, rule: RuleCode) -> RuleError {
    RuleError {
        field: field.to_string(),
        rule,
    }
}

/// A custom type: its name may not be a built-in one, each weight is within 0..1, omitted
/// datasets are skipped, and the weights sum to exactly 1. Weights are compared in
/// thousandths so 0.1 + 0.2 + 0.7 is 1, as a person means it.
pub fn validate_custom_type(
    name: &str,
    country: &str,
    weights: &BTreeMap<String, f64>,
) -> Vec<RuleError> {
    let mut errs = Vec::new();
    let n = name.trim();
    if n.is_empty() {
        errs.push(err("name", RuleCode::Required));
    } else if matches!(
        n.to_ascii_lowercase().as_str(),
        "person" | "vehicle" | "company"
    ) {
        errs.push(err("name", RuleCode::ReservedTypeName));
    } else if !n
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        || n.len() > TYPE_NAME_MAX
    {
        errs.push(err("name", RuleCode::TypeNameChars));
    }
    if !super::rules::COUNTRIES.contains(&country) {
        errs.push(err("country", RuleCode::Required));
    }
    let used: Vec<(&String, &f64)> = weights.iter().filter(|(_, w)| **w != 0.0).collect();
    if used.is_empty() {
        errs.push(err("weights", RuleCode::NoDataset));
        return errs;
    }
    for (ds, w) in &used {
        if !DATASETS.contains(&ds.as_str()) {
            errs.push(err(ds, RuleCode::UnknownDataset));
        } else if !(0.0..=1.0).contains(*w) || w.is_nan() {
            errs.push(err(ds, RuleCode::WeightRange));
        }
    }
    if country == "BR"
        && used
            .iter()
            .any(|(ds, _)| ds.as_str() == "taxes_and_finances")
    {
        errs.push(err("taxes_and_finances", RuleCode::NotInBrazil));
    }
    let thousandths: i64 = used
        .iter()
        .map(|(_, w)| (**w * 1000.0).round() as i64)
        .sum();
    if thousandths != 1000 {
        errs.push(err("weights", RuleCode::WeightsSum));
    }
    errs
}

/// `max_duration` in minutes when valid. The API reference allows 15 min to 7 days, the
/// guides 2 min to 168 h (catalogue §8.4): we accept only what both allow, so a saved
/// setting is never refused later.
pub fn parse_max_duration(v: &str) -> Result<u32, RuleCode> {
    let v = v.trim();
    let (num, unit) = v.split_at(v.len().saturating_sub(1));
    let n: u32 = num.parse().map_err(|_| RuleCode::DurationFormat)?;
    let minutes = match unit {
        "m" => n,
        "h" => n.checked_mul(60).ok_or(RuleCode::DurationRange)?,
        _ => return Err(RuleCode::DurationFormat),
    };
    if !(DURATION_MIN_MINUTES..=DURATION_MAX_HOURS * 60).contains(&minutes) {
        return Err(RuleCode::DurationRange);
    }
    Ok(minutes)
}

/// `daily|weekly|monthly|yearly` or `<n>d|<n>w|<n>m|<n>y`; returns the period in days
/// (months as 28, the shortest, so "allows one run" is never overstated).
pub fn frequency_days(f: &str) -> Option<u32> {
    match f {
        "daily" => return Some(1),
        "weekly" => return Some(7),
        "monthly" => return Some(28),
        "yearly" => return Some(365),
        _ => {}
    }
    let (num, unit) = f.split_at(f.len().checked_sub(1)?);
    let n: u32 = num.parse().ok().filter(|n| *n > 0 && *n <= 1000)?;
    Some(
        n * match unit {
            "d" => 1,
            "w" => 7,
            "m" => 28,
            "y" => 365,
            _ => return None,
        },
    )
}

fn days_between(from: &str, to: &str) -> Option<i64> {
    let p = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    Some((p(to)? - p(from)?).num_days())
}

/// A continuous check repeats `check_id` every `frequency` until `end_date`, which must leave
/// room for at least one run.
pub fn validate_continuous(
    check_id: &str,
    frequency: &str,
    end_date: &str,
    today: &str,
) -> Vec<RuleError> {
    let mut errs = Vec::new();
    if !check_id.starts_with("CHK") {
        errs.push(err("check_id", RuleCode::Required));
    }
    errs.extend(validate_schedule(frequency, end_date, today));
    errs
}

/// How often and until when a continuous check repeats: a known frequency, and an end date (if
/// any) that leaves room for at least one run.
pub fn validate_schedule(frequency: &str, end_date: &str, today: &str) -> Vec<RuleError> {
    let mut errs = Vec::new();
    let period = frequency_days(frequency.trim());
    if period.is_none() {
        errs.push(err("frequency", RuleCode::FrequencyFormat));
    }
    let end = end_date.trim();
    if !end.is_empty() {
        if !is_date(end) {
            errs.push(err("end_date", RuleCode::NotADate));
        } else if let (Some(p), Some(d)) = (period, days_between(today, end)) {
            if d < p as i64 {
                errs.push(err("end_date", RuleCode::EndAllowsNoRun));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn rules(e: Vec<RuleError>) -> Vec<(String, &'static str)> {
        e.into_iter().map(|e| (e.field, e.rule.as_str())).collect()
    }

    #[test]
    fn weights_must_sum_to_exactly_one_despite_floating_point() {
        assert!(validate_custom_type(
            "drivers",
            "CO",
            &w(&[
                ("criminal_record", 0.1),
                ("traffic_fines", 0.2),
                ("legal_background", 0.7)
            ])
        )
        .is_empty());
        assert_eq!(
            rules(validate_custom_type(
                "drivers",
                "CO",
                &w(&[("criminal_record", 0.5), ("traffic_fines", 0.4)])
            )),
            [("weights".into(), "weights_sum")]
        );
        assert_eq!(
            rules(validate_custom_type(
                "drivers",
                "CO",
                &w(&[("criminal_record", 0.6), ("traffic_fines", 0.6)])
            )),
            [("weights".into(), "weights_sum")]
        );
    }

    #[test]
    fn each_weight_is_between_zero_and_one_and_a_known_dataset() {
        let e = rules(validate_custom_type(
            "x",
            "CO",
            &w(&[("criminal_record", 1.5), ("traffic_fines", -0.5)]),
        ));
        assert!(e.contains(&("criminal_record".into(), "weight_range")));
        assert!(e.contains(&("traffic_fines".into(), "weight_range")));
        assert_eq!(
            rules(validate_custom_type("x", "CO", &w(&[("horoscope", 1.0)]))),
            [("horoscope".into(), "unknown_dataset")]
        );
        assert_eq!(
            rules(validate_custom_type("x", "CO", &w(&[]))),
            [("weights".into(), "no_dataset")]
        );
    }

    #[test]
    fn built_in_names_are_refused_and_brazil_has_no_tax_dataset() {
        for n in ["person", "Vehicle", "COMPANY"] {
            assert_eq!(
                rules(validate_custom_type(
                    n,
                    "CO",
                    &w(&[("criminal_record", 1.0)])
                )),
                [("name".into(), "reserved_type_name")]
            );
        }
        assert_eq!(
            rules(validate_custom_type(
                "a b",
                "CO",
                &w(&[("criminal_record", 1.0)])
            )),
            [("name".into(), "type_name_chars")]
        );
        assert_eq!(
            rules(validate_custom_type(
                "fin",
                "BR",
                &w(&[("taxes_and_finances", 1.0)])
            )),
            [("taxes_and_finances".into(), "not_in_brazil")]
        );
    }

    #[test]
    fn max_duration_is_within_what_both_sources_allow() {
        assert_eq!(parse_max_duration("25m"), Ok(25));
        assert_eq!(parse_max_duration("2h"), Ok(120));
        assert_eq!(parse_max_duration("168h"), Ok(10080));
        assert_eq!(parse_max_duration("15m"), Ok(15));
        assert_eq!(
            parse_max_duration("14m"),
            Err(RuleCode::DurationRange),
            "the guides' 2 min is refused by the API reference"
        );
        assert_eq!(parse_max_duration("169h"), Err(RuleCode::DurationRange));
        assert_eq!(parse_max_duration("2d"), Err(RuleCode::DurationFormat));
        assert_eq!(parse_max_duration("h"), Err(RuleCode::DurationFormat));
    }

    #[test]
    fn frequencies_and_end_dates() {
        assert_eq!(frequency_days("weekly"), Some(7));
        assert_eq!(frequency_days("3m"), Some(84));
        assert_eq!(frequency_days("0d"), None);
        assert_eq!(frequency_days("fortnightly"), None);
        assert!(validate_continuous("CHK1", "monthly", "2027-01-31", "2026-11-22").is_empty());
        assert!(
            validate_continuous("CHK1", "monthly", "", "2026-11-22").is_empty(),
            "no end date: runs until disabled"
        );
        assert_eq!(
            rules(validate_continuous(
                "CHK1",
                "monthly",
                "2026-12-01",
                "2026-11-22"
            )),
            [("end_date".into(), "end_allows_no_run")]
        );
        assert_eq!(
            rules(validate_continuous("CHK1", "every day", "", "2026-11-22")),
            [("frequency".into(), "frequency_format")]
        );
    }
}
