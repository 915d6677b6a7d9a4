//! Every input rule for creating a check (catalogue §2.1 and §6.1), as pure functions. The UI
//! asks which fields to show ([`fields_for`]) and gets each problem back at its field
//! ([`validate`]); the same rules run before any request leaves.

use opsdesk_http::RuleCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A person with the country's own document.
    Person,
    /// A foreign resident (foreign ID, PEP/PPT).
    ForeignPerson,
    /// Mexico's alternative method (names, state, gender, birth date instead of a CURP).
    PersonAlternative,
    Company,
    Vehicle,
    /// A vehicle whose owner is a foreign resident.
    ForeignVehicle,
}

pub const COUNTRIES: &[&str] = &["CO", "MX", "BR", "CL", "PE", "CR", "EC", "AR", "ALL"];

pub const BR_REGIONS: &[&str] = &[
    "ALL", "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
];

pub const OWNER_DOCUMENT_TYPES: &[&str] = &["national-id", "foreign-id", "tax-id", "passport"];

/// One input the form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    pub name: &'static str,
    pub required: bool,
    /// One of the documents marked so is needed, whichever the person has (a foreigner's
    /// ID, permit or passport).
    pub either: bool,
}

const fn req(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        required: true,
        either: false,
    }
}
const fn opt(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        required: false,
        either: false,
    }
}
const fn any(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        required: false,
        either: true,
    }
}

/// Inputs every check takes whatever its country and type: the report to add it to, and
/// how often Truora repeats it (`watch`). Shown under "More options".
pub const GENERAL_INPUTS: &[&str] = &["report_id", "watch"];

/// The inputs for a subject in a country, required first (catalogue §2.1's table). `None` when
/// the combination does not exist (e.g. companies in Chile).
///
/// Where Truora takes the documents the catalogue lists without a country (passport,
/// diplomatic ID, birth certificate, professional card, escrow, IMEI) is not published: their
/// places here are inferred [I] and kept in this one function. Passports and diplomatic IDs are
/// offered to foreigners as another document beside the foreign ID (the table already reads
/// "foreign_id* or pep*" for Colombia); the Colombian-only documents go to Colombian people.
pub fn fields_for(subject: Subject, country: &str) -> Option<Vec<FieldSpec>> {
    use Subject::*;
    let f: Vec<FieldSpec> = match (country, subject) {
        ("CO", Person) => vec![
            req("national_id"),
            opt("date_of_birth"),
            opt("issue_date"),
            opt("phone_number"),
            opt("professional_card"),
            opt("birth_certificate"),
            opt("escrow"),
            opt("imei"),
        ],
        ("CO", ForeignPerson) => vec![
            any("foreign_id"),
            any("pep"),
            any("passport"),
            any("diplomatic_id"),
            req("issue_date"),
            opt("date_of_birth"),
            opt("phone_number"),
        ],
        ("CO", Company) => vec![req("tax_id"), opt("national_id")],
        ("CO", Vehicle) => vec![
            req("national_id"),
            req("license_plate"),
            opt("date_of_birth"),
            opt("phone_number"),
            opt("owner_document_type"),
            opt("owner_document_id"),
        ],
        ("CO", ForeignVehicle) => vec![
            req("foreign_id"),
            req("license_plate"),
            req("issue_date"),
            opt("date_of_birth"),
            opt("phone_number"),
        ],
        ("CL", Person) => vec![
            req("national_id"),
            opt("date_of_birth"),
            opt("phone_number"),
            opt("verification_code"),
            opt("folio"),
        ],
        ("CL", ForeignPerson) => vec![
            any("foreign_id"),
            any("passport"),
            req("date_of_birth"),
            req("first_name"),
            req("last_name"),
            req("native_country"),
            opt("native_national_id"),
            opt("phone_number"),
        ],
        ("CL", Vehicle) => vec![
            req("national_id"),
            req("license_plate"),
            opt("payment_date"),
            opt("driver_license"),
        ],
        ("CL", ForeignVehicle) => vec![
            req("foreign_id"),
            req("first_name"),
            req("last_name"),
            req("date_of_birth"),
            req("native_country"),
            req("license_plate"),
            opt("payment_date"),
            opt("driver_license"),
        ],
        ("MX", Person) => vec![req("national_id"), opt("phone_number")],
        ("MX", PersonAlternative) => vec![
            req("first_name"),
            req("last_name"),
            req("state_id"),
            req("gender"),
            req("date_of_birth"),
        ],
        ("MX", ForeignPerson) => vec![any("foreign_id"), any("passport")],
        ("MX", Company) => vec![req("tax_id")],
        ("MX", Vehicle) => vec![
            req("license_plate"),
            opt("national_id"),
            opt("vehicle_id"),
            opt("driver_license"),
        ],
        ("BR", Person) => vec![
            req("national_id"),
            req("date_of_birth"),
            req("region"),
            opt("phone_number"),
            opt("state_id"),
            opt("first_name"),
            opt("last_name"),
        ],
        ("BR", Company) => vec![req("tax_id"), opt("company_name")],
        ("BR", Vehicle) => vec![req("license_plate")],
        ("CR", Person) => vec![req("national_id"), opt("phone_number")],
        ("CR", ForeignPerson) => vec![any("foreign_id"), any("passport")],
        ("CR", Vehicle) => vec![req("license_plate")],
        ("EC", Person) => vec![req("national_id"), opt("phone_number")],
        ("EC", ForeignPerson) => vec![any("foreign_id"), any("passport")],
        ("EC", Company) => vec![req("tax_id")],
        ("EC", Vehicle) => vec![req("license_plate")],
        ("PE", Person) => vec![
            req("national_id"),
            opt("date_of_birth"),
            opt("phone_number"),
            opt("verification_code"),
        ],
        ("PE", ForeignPerson) => vec![
            any("foreign_id"),
            any("passport"),
            req("date_of_birth"),
            opt("ptp"),
            opt("phone_number"),
        ],
        ("PE", Vehicle) => vec![
            req("national_id"),
            req("license_plate"),
            opt("date_of_birth"),
        ],
        ("PE", ForeignVehicle) => vec![
            req("foreign_id"),
            req("date_of_birth"),
            req("license_plate"),
            opt("ptp"),
        ],
        ("AR", Person) => vec![req("national_id")],
        ("AR", Vehicle) => vec![req("national_id")],
        ("ALL", Person) => vec![req("first_name"), req("last_name"), opt("passport")],
        ("ALL", Company) => vec![req("company_name")],
        _ => return None,
    };
    Some(f)
}

/// Longest free reference on a check (`custom_input`).
pub const REFERENCE_MAX: usize = 128;
/// Digits of an IMEI.
pub const IMEI_DIGITS: usize = 15;
/// Letters and digits of a passport, diplomatic ID, birth certificate, professional card or
/// escrow number (no country publishes a longer one; the shortest are Colombian cards).
pub const DOCUMENT_MIN: usize = 4;
pub const DOCUMENT_MAX: usize = 20;
/// Longest report ID accepted (Truora's IDs are about 35 characters).
pub const REPORT_ID_MAX: usize = 64;

/// An IMEI's last digit is a Luhn check digit over the first fourteen: a mistyped digit is
/// caught here instead of by a check that finds nothing.
pub fn imei_ok(imei: &str) -> bool {
    if imei.len() != IMEI_DIGITS || !imei.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = imei
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}
/// Letters and digits of a vehicle plate.
pub const PLATE_MIN: usize = 5;
pub const PLATE_MAX: usize = 8;

/// A problem with one input: the field and a rule key the UI translates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: String,
    pub rule: RuleCode,
}

fn err(field: &str, rule: RuleCode) -> RuleError {
    RuleError {
        field: field.to_string(),
        rule,
    }
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][(m - 1) as usize];
    d <= days
}

/// RG / Renapo state IDs: the symbols `- * , .` are stripped (catalogue §6.1 rule 6).
pub fn clean_state_id(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '*' | ',' | '.' | ' '))
        .collect()
}

/// Document numbers as typed (`1.020.304.050`, `123.456.789-09`) to what the API expects.
pub fn clean_document(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '.' | '-' | ' ' | '/'))
        .collect::<String>()
        .to_uppercase()
}

fn is_curp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..4].iter().all(u8::is_ascii_uppercase)
        && b[4..10].iter().all(u8::is_ascii_digit)
        && matches!(b[10], b'H' | b'M' | b'X')
        && b[11..16].iter().all(u8::is_ascii_uppercase)
        && b[16].is_ascii_alphanumeric()
        && b[17].is_ascii_digit()
}

/// Country-specific shape of `national_id` after [`clean_document`].
fn national_id_ok(country: &str, id: &str) -> Result<(), RuleCode> {
    let digits = |min: usize, max: usize| {
        id.len() >= min && id.len() <= max && id.bytes().all(|b| b.is_ascii_digit())
    };
    match country {
        "MX" => is_curp(id).then_some(()).ok_or(RuleCode::NotACurp),
        // Chilean RUT: digits and a check digit that may be K.
        "CL" => {
            let (body, dv) = id.split_at(id.len().saturating_sub(1));
            (body.len() >= 7
                && body.bytes().all(|b| b.is_ascii_digit())
                && (dv == "K" || dv.bytes().all(|b| b.is_ascii_digit())))
            .then_some(())
            .ok_or(RuleCode::NotARut)
        }
        "BR" => digits(11, 11).then_some(()).ok_or(RuleCode::NotACpf),
        _ => digits(5, 15).then_some(()).ok_or(RuleCode::DigitsOnly),
    }
}

/// The check-creation form: subject, country, consent and the inputs by wire name.
#[derive(Debug, Clone, Default)]
pub struct CheckDraft {
    pub subject: Option<Subject>,
    /// A custom type name from the account, instead of the built-in person/vehicle/company.
    pub custom_type: Option<String>,
    pub country: String,
    pub user_authorized: bool,
    pub inputs: BTreeMap<String, String>,
    /// Free external reference (≤ 128).
    pub custom_input: String,
}

/// Checks a draft against every rule and returns the cleaned inputs (documents without dots,
/// state IDs without symbols, plates uppercase) ready to send, or every problem at once.
pub fn validate(
    draft: &CheckDraft,
    today: &str,
) -> Result<BTreeMap<String, String>, Vec<RuleError>> {
    let mut errs = Vec::new();
    // Invisible or control characters would travel to Truora and into reports (a bidi
    // override can disguise a name): refused at the field before anything else.
    for (name, value) in &draft.inputs {
        if opsdesk_http::text::has_unsafe_chars(value, false) {
            errs.push(err(name, opsdesk_http::text::UNSAFE_CHARS_RULE));
        }
    }
    if opsdesk_http::text::has_unsafe_chars(&draft.custom_input, false) {
        errs.push(err("custom_input", opsdesk_http::text::UNSAFE_CHARS_RULE));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    if !draft.user_authorized {
        errs.push(err("user_authorized", RuleCode::ConsentRequired));
    }
    if !COUNTRIES.contains(&draft.country.as_str()) {
        errs.push(err("country", RuleCode::Required));
        return Err(errs);
    }
    if let Some(t) = &draft.custom_type {
        if matches!(t.as_str(), "person" | "vehicle" | "company") || t.trim().is_empty() {
            errs.push(err("type", RuleCode::Required));
        }
    }
    let subject = draft.subject.unwrap_or(Subject::Person);
    let Some(spec) = fields_for(subject, &draft.country) else {
        errs.push(err("type", RuleCode::NotAvailableInCountry));
        return Err(errs);
    };
    let mut clean = BTreeMap::new();
    let general = GENERAL_INPUTS.iter().map(|&name| opt(name));
    for f in spec.iter().cloned().chain(general) {
        let raw = draft.inputs.get(f.name).map(|v| v.trim()).unwrap_or("");
        if raw.is_empty() {
            if f.required {
                errs.push(err(f.name, RuleCode::Required));
            }
            continue;
        }
        let value = match f.name {
            "national_id" | "foreign_id" | "tax_id" | "pep" | "ptp" | "owner_document_id"
            | "native_national_id" | "driver_license" | "passport" | "diplomatic_id"
            | "birth_certificate" | "professional_card" | "escrow" => clean_document(raw),
            "imei" => raw
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '/'))
                .collect(),
            "watch" => raw.to_lowercase(),
            "state_id" => clean_state_id(raw).to_uppercase(),
            "license_plate" => raw
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_uppercase(),
            "phone_number" => raw.chars().filter(|c| c.is_ascii_digit()).collect(),
            _ => raw.to_string(),
        };
        let problem: Option<RuleCode> = match f.name {
            "national_id" => national_id_ok(&draft.country, &value).err(),
            "date_of_birth" | "issue_date" => {
                if !is_date(&value) {
                    Some(RuleCode::NotADate)
                } else if value.as_str() > today {
                    Some(RuleCode::InTheFuture)
                } else {
                    None
                }
            }
            "payment_date" => (!is_date(&value)).then_some(RuleCode::NotADate),
            "state_id" => (value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric()))
                .then_some(RuleCode::LettersAndDigits),
            "imei" if value.len() != IMEI_DIGITS || !value.bytes().all(|b| b.is_ascii_digit()) => {
                Some(RuleCode::Imei15Digits)
            }
            "imei" => (!imei_ok(&value)).then_some(RuleCode::ImeiCheckDigit),
            "passport" | "diplomatic_id" | "birth_certificate" | "professional_card" | "escrow" => {
                if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                    Some(RuleCode::LettersAndDigits)
                } else if value.len() < DOCUMENT_MIN {
                    Some(RuleCode::DocumentTooShort)
                } else if value.len() > DOCUMENT_MAX {
                    Some(RuleCode::TooLong)
                } else {
                    None
                }
            }
            "report_id" => {
                if value.chars().count() > REPORT_ID_MAX {
                    Some(RuleCode::TooLong)
                } else if !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    Some(RuleCode::LettersAndDigits)
                } else {
                    None
                }
            }
            // Truora repeats the check at this frequency (catalogue §2.1 `watch`), the same
            // strings as a continuous check's.
            "watch" => super::config_rules::frequency_days(&value)
                .is_none()
                .then_some(RuleCode::FrequencyFormat),
            "region" => (!BR_REGIONS.contains(&value.as_str())).then_some(RuleCode::NotARegion),
            "owner_document_type" => {
                (!OWNER_DOCUMENT_TYPES.contains(&value.as_str())).then_some(RuleCode::Required)
            }
            "license_plate" => {
                (!(PLATE_MIN..=PLATE_MAX).contains(&value.len())).then_some(RuleCode::NotAPlate)
            }
            // Sent as the digits typed (the catalogue does not say whether Truora wants the
            // country code); checked against the country's numbering plan where known.
            "phone_number" => match opsdesk_http::phone::calling_code(&draft.country) {
                // A foreign number with its own country code is checked as such.
                _ if raw.trim_start().starts_with('+') => {
                    opsdesk_http::phone::parse_international(raw)
                        .err()
                        .map(|_| RuleCode::NotAPhone)
                }
                Some(cc) => opsdesk_http::phone::parse_with_country(cc, raw)
                    .err()
                    .map(|_| RuleCode::NotAPhone),
                None => (value.len() < 7 || value.len() > 15).then_some(RuleCode::NotAPhone),
            },
            "native_country" => (value.len() != 2
                || !value.chars().all(|c| c.is_ascii_uppercase()))
            .then_some(RuleCode::CountryCode),
            "first_name" | "last_name" | "company_name" => {
                (value.chars().count() > 100).then_some(RuleCode::TooLong)
            }
            _ => None,
        };
        match problem {
            Some(rule) => errs.push(err(f.name, rule)),
            None => {
                clean.insert(f.name.to_string(), value);
            }
        }
    }
    // A foreigner is checked with whichever document they have: one of them is needed. Said
    // at the first of them, where the eye starts.
    if let Some(first) = spec.iter().find(|f| f.either) {
        let given = spec.iter().filter(|f| f.either).any(|f| {
            draft
                .inputs
                .get(f.name)
                .is_some_and(|v| !v.trim().is_empty())
        });
        if !given {
            errs.push(err(first.name, RuleCode::OneDocumentNeeded));
        }
    }
    // native_country is required whenever native_national_id is sent (catalogue §6.1 rule 4).
    if clean.contains_key("native_national_id")
        && !clean.contains_key("native_country")
        && !errs.iter().any(|e| e.field == "native_country")
    {
        errs.push(err("native_country", RuleCode::RequiredWithNativeId));
    }
    // Region is a Brazil-only input (rule 5): a stray one from a previous country is refused.
    if draft.country != "BR"
        && draft
            .inputs
            .get("region")
            .is_some_and(|r| !r.trim().is_empty())
    {
        errs.push(err("region", RuleCode::BrazilOnly));
    }
    let reference = draft.custom_input.trim();
    if reference.chars().count() > REFERENCE_MAX {
        errs.push(err("custom_input", RuleCode::TooLong128));
    } else if !reference.is_empty() {
        clean.insert("custom_input".into(), reference.into());
    }
    if errs.is_empty() {
        Ok(clean)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-22";

    fn draft(subject: Subject, country: &str, inputs: &[(&str, &str)]) -> CheckDraft {
        CheckDraft {
            subject: Some(subject),
            custom_type: None,
            country: country.into(),
            user_authorized: true,
            inputs: inputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            custom_input: String::new(),
        }
    }

    fn rules(d: &CheckDraft) -> Vec<(String, &'static str)> {
        validate(d, TODAY)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.rule.as_str()))
            .collect()
    }

    #[test]
    fn a_colombian_person_needs_only_the_cedula_and_it_is_cleaned() {
        let ok = validate(
            &draft(Subject::Person, "CO", &[("national_id", "1.020.304.050")]),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok["national_id"], "1020304050");
        assert_eq!(
            rules(&draft(Subject::Person, "CO", &[])),
            [("national_id".into(), "required")]
        );
    }

    #[test]
    fn consent_is_mandatory() {
        let mut d = draft(Subject::Person, "CO", &[("national_id", "1020304050")]);
        d.user_authorized = false;
        assert_eq!(rules(&d), [("user_authorized".into(), "consent_required")]);
    }

    #[test]
    fn every_country_and_subject_in_the_table_has_fields_and_unknown_ones_are_refused() {
        for c in COUNTRIES {
            assert!(fields_for(Subject::Person, c).is_some(), "{c}");
        }
        assert!(fields_for(Subject::Company, "CL").is_none());
        assert!(fields_for(Subject::Vehicle, "ALL").is_none());
        assert_eq!(
            rules(&draft(Subject::Company, "CL", &[])),
            [("type".into(), "not_available_in_country")]
        );
        let mut d = draft(Subject::Person, "US", &[]);
        d.user_authorized = true;
        assert_eq!(rules(&d), [("country".into(), "required")]);
    }

    #[test]
    fn dates_must_be_real_and_not_in_the_future() {
        let d = |dob: &str| {
            draft(
                Subject::Person,
                "BR",
                &[
                    ("national_id", "52998224725"),
                    ("region", "SP"),
                    ("date_of_birth", dob),
                ],
            )
        };
        assert!(validate(&d("1990-02-28"), TODAY).is_ok());
        assert!(validate(&d("2000-02-29"), TODAY).is_ok(), "leap year");
        assert_eq!(
            rules(&d("1990-02-30")),
            [("date_of_birth".into(), "not_a_date")]
        );
        assert_eq!(
            rules(&d("1999-02-29")),
            [("date_of_birth".into(), "not_a_date")]
        );
        assert_eq!(
            rules(&d("22/11/1990")),
            [("date_of_birth".into(), "not_a_date")]
        );
        assert_eq!(
            rules(&d("2027-01-01")),
            [("date_of_birth".into(), "in_the_future")]
        );
        assert!(
            validate(&d(TODAY), TODAY).is_ok(),
            "today is not the future"
        );
    }

    #[test]
    fn brazil_needs_a_region_from_the_list_and_other_countries_refuse_one() {
        let base = [
            ("national_id", "529.982.247-25"),
            ("date_of_birth", "1990-01-01"),
        ];
        let mut with = base.to_vec();
        with.push(("region", "XX"));
        assert_eq!(
            rules(&draft(Subject::Person, "BR", &with)),
            [("region".into(), "not_a_region")]
        );
        assert_eq!(
            rules(&draft(Subject::Person, "BR", &base)),
            [("region".into(), "required")]
        );
        let ok = validate(
            &draft(
                Subject::Person,
                "BR",
                &[base[0], base[1], ("region", "ALL")],
            ),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok["national_id"], "52998224725");
        assert_eq!(
            rules(&draft(
                Subject::Person,
                "CO",
                &[("national_id", "1020304050"), ("region", "SP")]
            )),
            [("region".into(), "brazil_only")]
        );
    }

    #[test]
    fn imei_is_exactly_fifteen_digits() {
        let d = |imei: &str| {
            draft(
                Subject::Person,
                "CO",
                &[("national_id", "1020304050"), ("imei", imei)],
            )
        };
        assert!(validate(&d("490154203237518"), TODAY).is_ok());
        assert_eq!(
            rules(&d("49015420323751")),
            [("imei".into(), "imei_15_digits")]
        );
        assert_eq!(
            rules(&d("4901542032375189")),
            [("imei".into(), "imei_15_digits")]
        );
        assert_eq!(
            rules(&d("49015420323751X")),
            [("imei".into(), "imei_15_digits")]
        );
    }

    #[test]
    fn native_country_is_required_with_a_native_id() {
        let d = draft(
            Subject::ForeignPerson,
            "CL",
            &[
                ("foreign_id", "12345678"),
                ("date_of_birth", "1990-01-01"),
                ("first_name", "Ana"),
                ("last_name", "Pérez"),
                ("native_national_id", "V123456"),
            ],
        );
        assert_eq!(rules(&d), [("native_country".into(), "required")]);
        let mut d2 = d.clone();
        d2.inputs.insert("native_country".into(), "VE".into());
        assert!(validate(&d2, TODAY).is_ok());
        d2.inputs
            .insert("native_country".into(), "Venezuela".into());
        assert_eq!(rules(&d2), [("native_country".into(), "country_code")]);
    }

    #[test]
    fn state_ids_lose_their_symbols() {
        assert_eq!(clean_state_id("12.345.678-9*"), "123456789");
        let ok = validate(
            &draft(
                Subject::PersonAlternative,
                "MX",
                &[
                    ("first_name", "José"),
                    ("last_name", "Hernández"),
                    ("state_id", "df-09,"),
                    ("gender", "H"),
                    ("date_of_birth", "1985-03-12"),
                ],
            ),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok["state_id"], "DF09");
        let bad = draft(
            Subject::PersonAlternative,
            "MX",
            &[
                ("first_name", "José"),
                ("last_name", "Hernández"),
                ("state_id", "**"),
                ("gender", "H"),
                ("date_of_birth", "1985-03-12"),
            ],
        );
        assert_eq!(rules(&bad), [("state_id".into(), "letters_and_digits")]);
    }

    #[test]
    fn national_ids_follow_each_countrys_shape() {
        let mx = |id: &str| draft(Subject::Person, "MX", &[("national_id", id)]);
        assert!(validate(&mx("HERJ850312HDFRMS09"), TODAY).is_ok());
        assert!(
            validate(&mx("herj850312hdfrms09"), TODAY).is_ok(),
            "lower case is fixed"
        );
        assert_eq!(
            rules(&mx("HERJ850312")),
            [("national_id".into(), "not_a_curp")]
        );
        let cl = |id: &str| draft(Subject::Person, "CL", &[("national_id", id)]);
        assert!(validate(&cl("16.789.456-K"), TODAY).is_ok());
        assert_eq!(
            rules(&cl("16.789.456-Z")),
            [("national_id".into(), "not_a_rut")]
        );
        let co = |id: &str| draft(Subject::Person, "CO", &[("national_id", id)]);
        assert_eq!(
            rules(&co("CC 1020 ABC")),
            [("national_id".into(), "digits_only")]
        );
        let br = |id: &str| draft(Subject::Company, "BR", &[("tax_id", id)]);
        assert!(validate(&br("12.345.678/0001-95"), TODAY).is_ok());
    }

    #[test]
    fn the_custom_reference_is_at_most_128_characters() {
        let mut d = draft(Subject::Person, "CO", &[("national_id", "1020304050")]);
        d.custom_input = "x".repeat(128);
        assert!(validate(&d, TODAY).is_ok());
        d.custom_input = "ñ".repeat(129);
        assert_eq!(rules(&d), [("custom_input".into(), "too_long_128")]);
    }

    #[test]
    fn custom_types_may_not_reuse_built_in_names() {
        let mut d = draft(Subject::Person, "CO", &[("national_id", "1020304050")]);
        d.custom_type = Some("vehicle".into());
        assert_eq!(rules(&d), [("type".into(), "required")]);
        d.custom_type = Some("drivers_onboarding".into());
        assert!(validate(&d, TODAY).is_ok());
    }

    #[test]
    fn vehicles_clean_plates_and_check_owner_document_types() {
        let ok = validate(
            &draft(
                Subject::Vehicle,
                "CO",
                &[
                    ("national_id", "79845123"),
                    ("license_plate", "abc-123"),
                    ("owner_document_type", "national-id"),
                ],
            ),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok["license_plate"], "ABC123");
        let bad = draft(
            Subject::Vehicle,
            "CO",
            &[
                ("national_id", "79845123"),
                ("license_plate", "A1"),
                ("owner_document_type", "cedula"),
            ],
        );
        assert_eq!(
            rules(&bad),
            [
                ("license_plate".into(), "not_a_plate"),
                ("owner_document_type".into(), "required")
            ]
        );
    }

    #[test]
    fn international_name_searches_need_both_names() {
        assert_eq!(
            rules(&draft(Subject::Person, "ALL", &[("first_name", "Ana")])),
            [("last_name".into(), "required")]
        );
        assert!(validate(
            &draft(
                Subject::Company,
                "ALL",
                &[("company_name", "Transportes Andinos SAS")]
            ),
            TODAY
        )
        .is_ok());
    }

    #[test]
    fn a_foreigner_needs_one_document_whichever_they_have() {
        for c in ["CO", "CL", "MX", "PE", "CR", "EC"] {
            let spec = fields_for(Subject::ForeignPerson, c).unwrap();
            assert!(spec.iter().any(|f| f.name == "passport" && f.either), "{c}");
        }
        // None of them: said once, at the first.
        let none = draft(
            Subject::ForeignPerson,
            "CO",
            &[("issue_date", "2020-01-01")],
        );
        assert_eq!(rules(&none), [("foreign_id".into(), "one_document_needed")]);
        // A passport alone will do, cleaned like any document.
        let ok = validate(
            &draft(
                Subject::ForeignPerson,
                "CO",
                &[("passport", " ab-123 456 "), ("issue_date", "2020-01-01")],
            ),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok["passport"], "AB123456");
        assert!(!ok.contains_key("foreign_id"));
        let diplomat = draft(
            Subject::ForeignPerson,
            "CO",
            &[("diplomatic_id", "D-7788"), ("issue_date", "2020-01-01")],
        );
        assert_eq!(
            validate(&diplomat, TODAY).unwrap()["diplomatic_id"],
            "D7788"
        );
        assert_eq!(
            rules(&draft(Subject::ForeignPerson, "MX", &[("passport", "G1")])),
            [("passport".into(), "document_too_short")]
        );
        assert_eq!(
            rules(&draft(
                Subject::ForeignPerson,
                "MX",
                &[("passport", "G12#456")]
            )),
            [("passport".into(), "letters_and_digits")]
        );
    }

    #[test]
    fn colombian_documents_and_the_imei_check_digit() {
        let co = |inputs: &[(&str, &str)]| {
            let mut all = vec![("national_id", "1020304050")];
            all.extend_from_slice(inputs);
            draft(Subject::Person, "CO", &all)
        };
        let ok = validate(
            &co(&[
                ("professional_card", "12345-T"),
                ("birth_certificate", "1.234.567"),
                ("escrow", "ESC 9001"),
                ("imei", "4901 5420 3237 518"),
            ]),
            TODAY,
        )
        .unwrap();
        assert_eq!(ok["professional_card"], "12345T");
        assert_eq!(ok["birth_certificate"], "1234567");
        assert_eq!(ok["escrow"], "ESC9001");
        assert_eq!(ok["imei"], "490154203237518");
        assert_eq!(
            rules(&co(&[("imei", "490154203237519")])),
            [("imei".into(), "imei_check_digit")]
        );
        assert_eq!(
            rules(&co(&[("imei", "12345")])),
            [("imei".into(), "imei_15_digits")]
        );
        // Offered where Truora takes them: not to a Mexican person.
        let mx = fields_for(Subject::Person, "MX").unwrap();
        assert!(!mx.iter().any(|f| f.name == "imei" || f.name == "escrow"));
        assert!(imei_ok("356938035643809"));
        assert!(!imei_ok("356938035643808"));
    }

    #[test]
    fn every_check_takes_a_report_and_a_repeat_frequency() {
        for (subject, country, inputs) in [
            (Subject::Person, "CO", vec![("national_id", "1020304050")]),
            (Subject::Vehicle, "BR", vec![("license_plate", "ABC1D23")]),
            (Subject::Company, "MX", vec![("tax_id", "ABC010203XY1")]),
        ] {
            let mut all = inputs.clone();
            all.extend([("report_id", "RPT_12ab-34"), ("watch", "Monthly")]);
            let ok = validate(&draft(subject, country, &all), TODAY).unwrap();
            assert_eq!(ok["report_id"], "RPT_12ab-34");
            assert_eq!(ok["watch"], "monthly");
        }
        let mut bad = vec![("national_id", "1020304050")];
        bad.extend([("report_id", "RPT 12"), ("watch", "fortnightly")]);
        assert_eq!(
            rules(&draft(Subject::Person, "CO", &bad)),
            [
                ("report_id".into(), "letters_and_digits"),
                ("watch".into(), "frequency_format")
            ]
        );
        let mut two_weeks = vec![("national_id", "1020304050")];
        two_weeks.push(("watch", "2w"));
        assert!(validate(&draft(Subject::Person, "CO", &two_weeks), TODAY).is_ok());
    }
}
