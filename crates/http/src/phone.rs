//! Phone numbers as people type them, in one place: every form, list import and vendor client
//! cleans and checks numbers here, so `+57 300 123 4567`, `(300) 123-4567` with country +57 and
//! `573001234567` are the same person everywhere (the repeat guard, the opt-out list, search).
//!
//! Numbers are checked against the length of national numbers in the countries OpsDesk's users
//! work with (a 5-digit "Colombian mobile" is refused); elsewhere only E.164's limits apply.

use crate::RuleCode;

/// A number split into its country code and national number, digits only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub country_code: String,
    pub national: String,
}

impl Phone {
    /// `+573001234567`.
    pub fn e164(&self) -> String {
        format!("+{}{}", self.country_code, self.national)
    }
    /// `573001234567` (the form some APIs want).
    pub fn digits(&self) -> String {
        format!("{}{}", self.country_code, self.national)
    }
}

/// National number lengths by country code, for the countries the product serves (numbering
/// plans of each regulator). Mobile and landline lengths both count: a line may be either.
const PLANS: &[(&str, &[usize])] = &[
    ("1", &[10]),      // US, Canada
    ("51", &[8, 9]),   // Peru: Lima landlines 8, mobiles 9
    ("52", &[10]),     // Mexico
    ("54", &[10, 11]), // Argentina: mobiles carry a 9 before the area code
    ("55", &[10, 11]), // Brazil: landlines 10, mobiles 11
    ("56", &[9]),      // Chile
    ("57", &[10]),     // Colombia (mobiles 3xx, landlines 60x since 2021)
    ("91", &[10]),     // India
    ("506", &[8]),     // Costa Rica
    ("593", &[8, 9]),  // Ecuador: landlines 8, mobiles 9
];

/// The calling code of a country (ISO 3166 alpha-2), for the countries in [`PLANS`].
pub fn calling_code(iso: &str) -> Option<&'static str> {
    Some(match iso.trim().to_ascii_uppercase().as_str() {
        "US" | "CA" => "1",
        "PE" => "51",
        "MX" => "52",
        "AR" => "54",
        "BR" => "55",
        "CL" => "56",
        "CO" => "57",
        "IN" => "91",
        "CR" => "506",
        "EC" => "593",
        _ => return None,
    })
}

fn plan(cc: &str) -> Option<&'static [usize]> {
    PLANS.iter().find(|(c, _)| *c == cc).map(|(_, l)| *l)
}

/// What people put between digits: spaces (also non-breaking ones, from spreadsheets), dashes,
/// dots, parentheses and slashes.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/' | '\u{a0}')
}

/// Digits of a country code as people write it (`+57`, `57`, `(+57)`); empty when none.
pub fn country_code_digits(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// The typed text without separators; `None` if anything but digits and one leading `+` remains.
/// `00` in front is the international prefix of most countries: read as `+`.
fn compact(raw: &str) -> Option<(bool, String)> {
    let s: String = raw.chars().filter(|c| !is_separator(*c)).collect();
    let (plus, digits) = match s.strip_prefix('+').or_else(|| s.strip_prefix("00")) {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some((plus, digits))
}

/// A national number as people write it at home, turned into the form dialled from abroad: the
/// trunk `0` (India, Brazil, Peru, Argentina, Ecuador…) and, after +52, Mexico's retired `1` and
/// `044`/`045` mobile prefixes are dropped when what is left fits the country's plan.
fn national_form<'a>(cc: &str, n: &'a str) -> &'a str {
    let fits = |s: &str| !s.starts_with('0') && plan(cc).is_some_and(|l| l.contains(&s.len()));
    if fits(n) {
        return n;
    }
    let prefixes: &[&str] = if cc == "52" {
        &["044", "045", "1", "0"]
    } else {
        &["0"]
    };
    prefixes
        .iter()
        .filter_map(|p| n.strip_prefix(p))
        .find(|r| fits(r))
        .unwrap_or(n)
}

fn check_national(cc: &str, national: &str) -> Result<(), RuleCode> {
    if national.is_empty() {
        return Err(RuleCode::Required);
    }
    let ok = match plan(cc) {
        Some(lengths) => lengths.contains(&national.len()),
        None => (4..=14).contains(&national.len()),
    };
    if !ok || cc.len() + national.len() > 15 || national.starts_with('0') && plan(cc).is_some() {
        return Err(RuleCode::NotAPhone);
    }
    Ok(())
}

/// A number typed next to a separate country code field (`+57` and `300 123 4567`). A number
/// pasted whole (`+57 300 123 4567`) is accepted too: its repeated country code is dropped.
pub fn parse_with_country(country_code: &str, number: &str) -> Result<Phone, RuleCode> {
    let cc = country_code.trim().trim_start_matches('+').to_string();
    if cc.is_empty()
        || cc.len() > 3
        || cc.starts_with('0')
        || !cc.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(RuleCode::CountryCode);
    }
    if number.trim().is_empty() {
        return Err(RuleCode::Required);
    }
    let (plus, digits) = compact(number).ok_or(RuleCode::NotAPhone)?;
    if plus {
        // The number carries its own country code (`+52 …` in a Colombian list): it wins.
        return parse_international(number);
    }
    let national = {
        // A whole number without the "+" (`573001234567`) where the national one is shorter.
        match digits.strip_prefix(cc.as_str()) {
            Some(rest)
                if check_national(&cc, rest).is_ok() && check_national(&cc, &digits).is_err() =>
            {
                rest
            }
            _ => digits.as_str(),
        }
    };
    let national = national_form(&cc, national);
    check_national(&cc, national)?;
    Ok(Phone {
        country_code: cc,
        national: national.to_string(),
    })
}

/// A whole international number (`+91 98765 43210`, `919876543210`). Without a `+`, a number
/// as long as a national one is taken as missing its country code.
pub fn parse_international(raw: &str) -> Result<Phone, RuleCode> {
    if raw.trim().is_empty() {
        return Err(RuleCode::Required);
    }
    let (plus, digits) = compact(raw).ok_or(RuleCode::NotAPhone)?;
    if digits.starts_with('0') {
        // `098765 43210`: a number as dialled at home, without its country code.
        return Err(if plus {
            RuleCode::NotAPhone
        } else {
            RuleCode::NeedsCountryCode
        });
    }
    // The country code: the known plans first (longest match), then E.164's 1-3 digits.
    let known = PLANS
        .iter()
        .filter_map(|(cc, _)| {
            let national = national_form(cc, digits.strip_prefix(cc)?);
            check_national(cc, national).ok().map(|_| (*cc, national))
        })
        .max_by_key(|(cc, _)| cc.len());
    if let Some((cc, national)) = known {
        return Ok(Phone {
            country_code: cc.to_string(),
            national: national.to_string(),
        });
    }
    if !plus && digits.len() <= 10 {
        return Err(RuleCode::NeedsCountryCode);
    }
    // A number of a country without a plan here: E.164 allows 8 to 15 digits in all. The split
    // is unknown, so the first digit stands in for the country code (only `e164()` and
    // `digits()` are used for such numbers).
    if !(8..=15).contains(&digits.len()) {
        return Err(RuleCode::NotAPhone);
    }
    // Numbers of a planned country that do not fit its plan are refused, not guessed.
    if PLANS.iter().any(|(cc, _)| digits.starts_with(cc)) {
        return Err(RuleCode::NotAPhone);
    }
    Ok(Phone {
        country_code: digits[..1].to_string(),
        national: digits[1..].to_string(),
    })
}

/// A number from a list: with its own `+`, or long enough to carry a country code, it stays as
/// typed; otherwise `default_cc` goes in front (`300 123 4567` with 57 → `+57 300 123 4567`).
pub fn with_default_country(raw: &str, default_cc: &str) -> String {
    let t = raw.trim();
    let cc = country_code_digits(default_cc);
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    let national_len = plan(&cc).map_or(10, |l| l.iter().copied().max().unwrap_or(10));
    if t.starts_with('+') || cc.is_empty() || digits > national_len {
        t.to_string()
    } else {
        format!("+{cc} {t}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(r: Result<Phone, RuleCode>) -> Result<String, RuleCode> {
        r.map(|p| p.e164())
    }

    #[test]
    fn the_same_person_however_it_is_typed() {
        for (cc, n) in [
            ("+57", "300 123 4567"),
            ("57", "(300) 123-4567"),
            (" +57 ", "3001234567"),
            ("+57", "+57 300 123 4567"),
            ("+57", "573001234567"),
            ("+57", "300.123.4567"),
            ("+57", "300\u{a0}123\u{a0}4567"),
        ] {
            assert_eq!(
                e164(parse_with_country(cc, n)),
                Ok("+573001234567".into()),
                "{cc} {n}"
            );
        }
        assert_eq!(
            e164(parse_international("+57 300 123 4567")),
            Ok("+573001234567".into())
        );
        assert_eq!(
            e164(parse_international("573001234567")),
            Ok("+573001234567".into())
        );
        assert_eq!(
            e164(parse_international("+55 (11) 91234-5678")),
            Ok("+5511912345678".into())
        );
        assert_eq!(
            e164(parse_international("91-98765-43210")),
            Ok("+919876543210".into())
        );
    }

    #[test]
    fn numbers_too_short_or_long_for_their_country_are_refused() {
        assert_eq!(parse_with_country("+57", "12345"), Err(RuleCode::NotAPhone));
        assert_eq!(
            parse_with_country("+57", "30012345678"),
            Err(RuleCode::NotAPhone)
        );
        assert_eq!(
            parse_with_country("+52", "55 1234 567"),
            Err(RuleCode::NotAPhone)
        );
        assert_eq!(
            parse_with_country("+57", "300 123 456a"),
            Err(RuleCode::NotAPhone)
        );
        assert_eq!(parse_with_country("+57", ""), Err(RuleCode::Required));
        assert_eq!(
            parse_with_country("", "3001234567"),
            Err(RuleCode::CountryCode)
        );
        assert_eq!(parse_international("+57300"), Err(RuleCode::NotAPhone));
        assert_eq!(
            parse_international("+0573001234567"),
            Err(RuleCode::NotAPhone)
        );
        // Ten digits without "+": a national number missing its country code.
        assert_eq!(
            parse_international("9876543210"),
            Err(RuleCode::NeedsCountryCode)
        );
        // Countries without a plan here: E.164's limits.
        assert_eq!(
            e164(parse_international("+44 20 7946 0958")),
            Ok("+442079460958".into())
        );
        assert_eq!(
            parse_with_country("+44", "20 7946 0958").unwrap().national,
            "2079460958"
        );
    }

    #[test]
    fn every_country_with_a_calling_code_has_a_plan() {
        for iso in ["US", "PE", "MX", "AR", "BR", "CL", "CO", "IN", "CR", "EC"] {
            assert!(plan(calling_code(iso).unwrap()).is_some(), "{iso}");
        }
        assert_eq!(calling_code("VE"), None);
    }

    #[test]
    fn numbers_as_dialled_at_home_or_abroad_are_understood() {
        for (cc, typed, want) in [
            ("+57", "0057 300 123 4567", "+573001234567"),
            ("+52", "+52 1 55 1234 5678", "+525512345678"),
            ("+52", "044 55 1234 5678", "+525512345678"),
            ("+91", "098765 43210", "+919876543210"),
            ("+55", "(011) 3456-7890", "+551134567890"),
            ("+51", "(01) 234-5678", "+5112345678"),
            // A list row with its own country code keeps it.
            ("+57", "+52 55 1234 5678", "+525512345678"),
        ] {
            assert_eq!(
                e164(parse_with_country(cc, typed)),
                Ok(want.into()),
                "{cc} {typed}"
            );
        }
        assert_eq!(
            e164(parse_international("5215512345678")),
            Ok("+525512345678".into())
        );
        assert_eq!(
            parse_international("098765 43210"),
            Err(RuleCode::NeedsCountryCode)
        );
    }

    #[test]
    fn list_numbers_get_the_default_country_code_only_when_missing() {
        assert_eq!(
            with_default_country("300 123 4567", "57"),
            "+57 300 123 4567"
        );
        assert_eq!(
            with_default_country("+91 98765 43210", "57"),
            "+91 98765 43210"
        );
        assert_eq!(with_default_country("919876543210", "91"), "919876543210");
        assert_eq!(with_default_country("98765 43210", ""), "98765 43210");
    }
}
