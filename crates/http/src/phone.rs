//! Phone numbers as people type them, in one place: every form, list import and vendor client
//! cleans and checks numbers here, so `+57 300 123 4567`, `(300) 123-4567` with country +57 and
//! `573001234567` are the same person everywhere (the repeat guard, the opt-out list, search).
//!
//! Whether a number exists is libphonenumber's call (its metadata, through the `phonenumber`
//! crate): a number is accepted only when it is valid for its country's numbering plan, so a
//! 5-digit "Colombian mobile" or a Brazilian landline starting with 1 is refused, in every
//! country, not only in those OpsDesk's users work with. What is done here is reading what
//! people type: separators, `00` and `+`, a country code repeated in the number, and the
//! prefixes dialled at home (the trunk `0`; after +52, Mexico's retired `1`, `044` and `045`;
//! otherwise libphonenumber's own rule for them: Argentina's `15`, Brazil's carrier codes).

use crate::RuleCode;
use phonenumber::metadata::DATABASE;
use phonenumber::Type;

/// A number split into its country code and national number, digits only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub country_code: String,
    pub national: String,
    /// Whether the plan says the number may be a mobile line (see [`Phone::can_be_mobile`]).
    mobile: bool,
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

    /// Whether the number can be a mobile line: WhatsApp and Truecaller's caller ID reach
    /// phones, not landlines. Where the plan does not tell mobiles from landlines (Mexico, the
    /// US, Chile's new numbers) the number counts as a possible mobile.
    pub fn can_be_mobile(&self) -> bool {
        self.mobile
    }
}

/// The calling code of a country (ISO 3166 alpha-2), for the countries OpsDesk's forms offer
/// (a test checks each against libphonenumber's metadata).
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

/// The kind of line `+cc national` is by libphonenumber's metadata, when the number is in use
/// (`None` otherwise). The digits are already clean (see [`compact`]), so the metadata is read
/// directly, the way libphonenumber's own validator does after parsing: parsing again would
/// double the cost of a 100,000-row list (`benches/bulk.rs`).
fn lookup(cc: &str, national: &str) -> Option<Type> {
    if national.is_empty() || cc.is_empty() || cc.len() + national.len() > 15 {
        return None;
    }
    let code: u16 = cc.parse().ok()?;
    let regions = DATABASE.by_code(&code)?;
    // Most codes have one region. Shared ones (+1, +7, +44…) go to the region whose leading
    // digits start the number, else the first whose plan has it (libphonenumber's order).
    let meta = match regions.as_slice() {
        [one] => *one,
        many => *many.iter().find(|m| match m.leading_digits() {
            Some(lead) => lead.find(national).is_some_and(|f| f.start() == 0),
            None => kind_in(m, national) != Type::Unknown,
        })?,
    };
    match kind_in(meta, national) {
        Type::Unknown => None,
        kind => Some(kind),
    }
}

/// Whether a national number is one of a descriptor's: its length, and its pattern matching
/// the whole number. (The crate's own `Descriptor::is_match` only anchors the pattern at the
/// start, which accepted numbers with extra digits in plans whose lengths vary, such as
/// Colombia's or Brazil's.)
fn matches(desc: &phonenumber::metadata::Descriptor, n: &str) -> bool {
    let lengths = desc.possible_length();
    if !lengths.is_empty() && !lengths.contains(&(n.len() as u16)) {
        return false;
    }
    whole(desc).is_some_and(|r| r.is_match(n))
}

/// A descriptor's pattern anchored at both ends (see [`compiled`]).
fn whole(desc: &phonenumber::metadata::Descriptor) -> Option<&'static regex::Regex> {
    compiled(Pattern::Whole, desc as *const _ as usize, || {
        Some(format!("^(?:{})$", desc.national_number().as_str()))
    })
}

/// Which of a plan's patterns [`compiled`] holds: a descriptor may sit at its plan's address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Pattern {
    Whole,
    HomeRule,
}

/// A pattern from libphonenumber's static database, compiled once and kept for the process: the
/// database is static and finite, and a `Regex` handed out by reference keeps its match cache
/// (a clone would start a cold one on every number). Keyed by the pattern's kind and its place
/// in the database; `None` (no pattern, or one that does not compile) is kept too.
fn compiled(
    kind: Pattern,
    place: usize,
    pattern: impl FnOnce() -> Option<String>,
) -> Option<&'static regex::Regex> {
    use std::collections::HashMap;
    use std::sync::{OnceLock, RwLock};
    type Compiled = HashMap<(Pattern, usize), Option<&'static regex::Regex>>;
    static COMPILED: OnceLock<RwLock<Compiled>> = OnceLock::new();
    let cache = COMPILED.get_or_init(Default::default);
    if let Some(r) = cache.read().ok()?.get(&(kind, place)) {
        return *r;
    }
    let r = pattern().and_then(|p| {
        regex::RegexBuilder::new(&p)
            .ignore_whitespace(true)
            .build()
            .ok()
            .map(|r| &*Box::leak(Box::new(r)))
    });
    *cache.write().ok()?.entry((kind, place)).or_insert(r)
}

/// libphonenumber's classification of a national number in one region's plan.
fn kind_in(meta: &phonenumber::Metadata, n: &str) -> Type {
    let d = meta.descriptors();
    let is = |desc: Option<&phonenumber::metadata::Descriptor>| desc.is_some_and(|x| matches(x, n));
    if !matches(d.general(), n) {
        return Type::Unknown;
    }
    for (desc, kind) in [
        (d.premium_rate(), Type::PremiumRate),
        (d.toll_free(), Type::TollFree),
        (d.shared_cost(), Type::SharedCost),
        (d.voip(), Type::Voip),
        (d.personal_number(), Type::PersonalNumber),
        (d.pager(), Type::Pager),
        (d.uan(), Type::Uan),
        (d.voicemail(), Type::Voicemail),
    ] {
        if is(desc) {
            return kind;
        }
    }
    let same_pattern = d.fixed_line().map(|x| x.national_number().as_str())
        == d.mobile().map(|x| x.national_number().as_str());
    match (is(d.fixed_line()), is(d.mobile())) {
        (true, true) => Type::FixedLineOrMobile,
        (true, false) if same_pattern => Type::FixedLineOrMobile,
        (true, false) => Type::FixedLine,
        (false, true) => Type::Mobile,
        (false, false) => Type::Unknown,
    }
}

/// A national number as typed at home, read with the country's code: as typed, else without
/// the prefixes dialled at home (the trunk `0`; after +52 also `044`, `045` and the retired
/// mobile `1`), else as the country's plan reads what is dialled at home (see [`by_home_rule`]).
fn national(cc: &str, n: &str) -> Option<Phone> {
    let home: &[&str] = if cc == "52" {
        &["044", "045", "1", "0"]
    } else {
        &["0"]
    };
    std::iter::once(n)
        .chain(home.iter().filter_map(|p| n.strip_prefix(p)))
        .find_map(|candidate| Some((candidate.to_string(), lookup(cc, candidate)?)))
        .or_else(|| by_home_rule(cc, n))
        .map(|(candidate, kind)| {
            Phone {
                national: candidate,
                country_code: cc.to_string(),
                // WhatsApp and caller ID reach phones. Where the plan does not tell mobiles
                // from landlines (Mexico, the US) the number counts as a possible mobile.
                // In Argentina a mobile written without the 9 that callers from abroad dial
                // reads as a landline: it may be either.
                mobile: matches!(
                    kind,
                    Type::Mobile | Type::FixedLineOrMobile | Type::Pager | Type::Voip
                ) || (cc == "54" && kind == Type::FixedLine),
            }
        })
}

/// A number as dialled at home, read with libphonenumber's own rule for it, where the plan has
/// one beyond a trunk prefix: Argentina's mobiles written with the area code and `15` (`0343 15
/// 555 1212` is +54 9 343 555 1212, `011 15 2345 6789` is +54 9 11 2345 6789), Brazil's
/// long-distance carrier codes (`0 21 11 91234 5678` is +55 11 91234 5678). Tried only when
/// the simpler readings found nothing, so no number read before reads differently now.
fn by_home_rule(cc: &str, n: &str) -> Option<(String, Type)> {
    let code: u16 = cc.parse().ok()?;
    DATABASE.by_code(&code)?.into_iter().find_map(|meta| {
        let rule = home_rule(meta)?;
        let caps = rule.captures(n)?;
        let end = caps.get(0)?.end();
        if end == 0 {
            return None;
        }
        let mut candidate = String::new();
        match meta.national_prefix_transform_rule() {
            // As libphonenumber: the transform applies when the rule's last group matched.
            Some(t) if caps.get(caps.len() - 1).is_some() => {
                // `$1` → `${1}`, so a digit after it (`9$1`… `$15`) is never read as the group.
                static GROUP: std::sync::OnceLock<Option<regex::Regex>> =
                    std::sync::OnceLock::new();
                let group = GROUP.get_or_init(|| regex::Regex::new(r"\$(\d+)").ok());
                let t = group.as_ref()?.replace_all(t, "$${$1}");
                caps.expand(&t, &mut candidate);
            }
            _ => {}
        }
        candidate.push_str(&n[end..]);
        let kind = lookup(cc, &candidate)?;
        Some((candidate, kind))
    })
}

/// A plan's rule for what is dialled at home before a national number, anchored at the start
/// (see [`compiled`]).
fn home_rule(meta: &phonenumber::Metadata) -> Option<&'static regex::Regex> {
    compiled(Pattern::HomeRule, meta as *const _ as usize, || {
        Some(format!(
            "^(?:{})",
            meta.national_prefix_for_parsing()?.as_str()
        ))
    })
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
    national(&cc, &digits)
        // A whole number without the "+" (`573001234567`).
        .or_else(|| national(&cc, digits.strip_prefix(cc.as_str())?))
        .ok_or(RuleCode::NotAPhone)
}

/// A whole international number (`+91 98765 43210`, `919876543210`). Without a `+`, a number
/// as long as a national one (ten digits or fewer) is taken as missing its country code.
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
    if !plus && digits.len() <= 10 {
        return Err(RuleCode::NeedsCountryCode);
    }
    // Country codes are 1 to 3 digits and none is the start of another.
    (1..=3.min(digits.len() - 1))
        .find_map(|len| national(&digits[..len], &digits[len..]))
        .ok_or(RuleCode::NotAPhone)
}

/// A business line (a WhatsApp sender) with its country code, as digits. Lines are the
/// company's own and already work at Meta: one outside the published plans (Meta's +1 555 test
/// numbers) is kept when it has E.164's shape, 8 to 15 digits after its country code.
pub fn business_line(raw: &str) -> Result<String, RuleCode> {
    match parse_international(raw) {
        Ok(p) => Ok(p.digits()),
        Err(RuleCode::NotAPhone) => match compact(raw) {
            Some((_, d)) if !d.starts_with('0') && (8..=15).contains(&d.len()) => Ok(d),
            _ => Err(RuleCode::NotAPhone),
        },
        Err(e) => Err(e),
    }
}

/// A number from a list: with its own `+`, or a whole international number, it stays as typed;
/// otherwise `default_cc` goes in front (`300 123 4567` with 57 → `+57 300 123 4567`).
pub fn with_default_country(raw: &str, default_cc: &str) -> String {
    let t = raw.trim();
    let cc = country_code_digits(default_cc);
    if t.starts_with('+') || cc.is_empty() {
        return t.to_string();
    }
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if national(&cc, &digits).is_none() && parse_international(t).is_ok() {
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
    fn every_calling_code_is_libphonenumbers() {
        for iso in [
            "US", "CA", "PE", "MX", "AR", "BR", "CL", "CO", "IN", "CR", "EC",
        ] {
            let id: phonenumber::country::Id = iso.parse().unwrap();
            let meta = phonenumber::metadata::DATABASE.by_id(id.as_ref()).unwrap();
            assert_eq!(
                calling_code(iso).unwrap(),
                meta.country_code().to_string(),
                "{iso}"
            );
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
            // Argentina's mobiles as written at home: area code, 15, number.
            ("+54", "011 15 2345-6789", "+5491123456789"),
            ("+54", "(0343) 15 555-1212", "+5493435551212"),
            ("+54", "11 15 2345 6789", "+5491123456789"),
            // Brazil with a long-distance carrier code.
            ("+55", "0 21 11 91234-5678", "+5511912345678"),
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
    fn business_lines_outside_the_plans_are_kept() {
        assert_eq!(business_line("+1 555 010 0123"), Ok("15550100123".into()));
        assert_eq!(business_line("+57 601 555 0100"), Ok("576015550100".into()));
        assert_eq!(business_line("+57 300"), Err(RuleCode::NotAPhone));
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

    /// The countries OpsDesk's users work in: numbers as clerks type them, by kind.
    /// (country, typed, E.164 or None when refused, a possible mobile line)
    const TABLE: &[(&str, &str, Option<&str>, bool)] = &[
        ("CO", "300 123 4567", Some("+573001234567"), true),
        ("CO", "601 555 0100", Some("+576015550100"), false),
        ("CO", "12345", None, false),
        ("CO", "300 123 45678", None, false),
        ("CO", "200 123 4567", None, false),
        ("CO", "461 234 5678", None, false),
        ("MX", "55 1234 5678", Some("+525512345678"), true),
        ("MX", "044 55 1234 5678", Some("+525512345678"), true),
        ("MX", "55 1234 567", None, false),
        ("BR", "(11) 91234-5678", Some("+5511912345678"), true),
        ("BR", "(11) 3234-5678", Some("+551132345678"), false),
        ("BR", "(11) 1234-5678", None, false),
        ("BR", "91234-5678", None, false),
        ("BR", "(11) 71234-5678", None, false),
        ("CL", "9 6123 4567", Some("+56961234567"), true),
        ("CL", "2 2123 4567", Some("+56221234567"), true),
        ("CL", "1234 5678", None, false),
        ("PE", "912 345 678", Some("+51912345678"), true),
        ("PE", "(01) 456-7890", Some("+5114567890"), false),
        ("PE", "512 345 678", None, false),
        ("AR", "9 11 2345-6789", Some("+5491123456789"), true),
        // Without the 9 a mobile cannot be told from a landline.
        ("AR", "011 2345-6789", Some("+541123456789"), true),
        ("AR", "011 15 2345-6789", Some("+5491123456789"), true),
        ("AR", "123", None, false),
        ("EC", "099 123 4567", Some("+593991234567"), true),
        ("EC", "(02) 212-3456", Some("+59322123456"), false),
        ("EC", "1234 5678", None, false),
        ("IN", "98765 43210", Some("+919876543210"), true),
        ("IN", "098765 43210", Some("+919876543210"), true),
        ("IN", "98765 4321", None, false),
        ("US", "(202) 555-0123", Some("+12025550123"), true),
        ("US", "555 123 4567", None, false),
        ("US", "123 456 7890", None, false),
    ];

    #[test]
    fn numbers_of_the_users_countries_are_read_by_libphonenumbers_plans() {
        for &(iso, typed, want, mobile) in TABLE {
            let cc = calling_code(iso).unwrap();
            let got = parse_with_country(cc, typed);
            match want {
                Some(e) => {
                    let p = got.unwrap_or_else(|r| panic!("{iso} {typed}: {r:?}"));
                    assert_eq!(p.e164(), e, "{iso} {typed}");
                    assert_eq!(p.can_be_mobile(), mobile, "{iso} {typed}");
                    // The same number written whole reads the same.
                    assert_eq!(parse_international(e), Ok(p), "{iso} {e}");
                }
                None => assert_eq!(got, Err(RuleCode::NotAPhone), "{iso} {typed}"),
            }
        }
    }
}
