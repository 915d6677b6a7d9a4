//! Every code a vendor or OpsDesk's rules send that a person reads has words in Spanish,
//! Portuguese and English (issue #12). The UI turns each code into the text of a key in its
//! bundles (`ui/src/lib/i18n/*.ts`); a code without one would reach the screen as the code.
//! Enumerations are listed with an exhaustive `match`, so a new variant fails to compile here
//! until it is given words.

use opsdesk_core::checks::CheckSubject;
use opsdesk_core::identity::{ProcessStatus, ReasonCategory};
use opsdesk_core::store::bulk::{BulkReason, DeliveryFailure, RowState};
use opsdesk_core::whatsapp::TemplateStatus;
use opsdesk_core::ErrorCode;
use opsdesk_http::RuleCode;
use opsdesk_truora::whatsapp::rejection::RejectionCode;

const BUNDLES: [(&str, &str); 3] = [
    ("en", include_str!("../../../ui/src/lib/i18n/en.ts")),
    ("es", include_str!("../../../ui/src/lib/i18n/es.ts")),
    ("pt-BR", include_str!("../../../ui/src/lib/i18n/pt-BR.ts")),
];

fn wire<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn template_statuses() -> Vec<TemplateStatus> {
    use TemplateStatus::*;
    let all = vec![
        Pending, Approved, Rejected, Flagged, Paused, Disabled, Unknown,
    ];
    for s in &all {
        match s {
            Pending | Approved | Rejected | Flagged | Paused | Disabled | Unknown => {}
        }
    }
    all
}

fn subjects() -> Vec<CheckSubject> {
    use CheckSubject::*;
    let all = vec![
        Person,
        ForeignPerson,
        PersonAlternative,
        Company,
        Vehicle,
        ForeignVehicle,
    ];
    for s in &all {
        match s {
            Person | ForeignPerson | PersonAlternative | Company | Vehicle | ForeignVehicle => {}
        }
    }
    all
}

fn process_statuses() -> Vec<ProcessStatus> {
    use ProcessStatus::*;
    let all = vec![Pending, Success, Failure];
    for s in &all {
        match s {
            Pending | Success | Failure => {}
        }
    }
    all
}

fn reason_categories() -> Vec<ReasonCategory> {
    use ReasonCategory::*;
    let all = vec![
        DataInconsistency,
        PossibleFraud,
        IllegibleDocument,
        MissingInformation,
        AcceptanceRules,
        ContactDetails,
        UserWithdrew,
        Expired,
        Other,
    ];
    for s in &all {
        match s {
            DataInconsistency | PossibleFraud | IllegibleDocument | MissingInformation
            | AcceptanceRules | ContactDetails | UserWithdrew | Expired | Other => {}
        }
    }
    all
}

fn row_states() -> Vec<RowState> {
    use RowState::*;
    let all = vec![Pending, InFlight, Done, Failed, Uncertain, Invalid, Skipped];
    for s in &all {
        match s {
            Pending | InFlight | Done | Failed | Uncertain | Invalid | Skipped => {}
        }
    }
    all
}

/// Each key the screens build from a code, by family.
fn keys() -> Vec<String> {
    let mut k = Vec::new();
    let mut family = |prefix: &str, codes: &mut dyn Iterator<Item = String>| {
        k.extend(codes.map(|c| format!("{prefix}{c}")));
    };
    // Truora and Truecaller codes.
    family(
        "country.",
        &mut opsdesk_truora::checks::rules::COUNTRIES
            .iter()
            .chain(opsdesk_core::identity::COUNTRIES)
            .map(|c| c.to_string()),
    );
    family(
        "dataset.",
        &mut opsdesk_truora::checks::config_rules::DATASETS
            .iter()
            .map(|c| c.to_string()),
    );
    family(
        "status.",
        &mut opsdesk_truora::checks::STATUSES
            .iter()
            .map(|c| c.to_string()),
    );
    family(
        "owner.",
        &mut opsdesk_truora::checks::rules::OWNER_DOCUMENT_TYPES
            .iter()
            .map(|c| c.to_string()),
    );
    family("subject.", &mut subjects().into_iter().map(wire));
    family(
        "wa.lang_",
        &mut opsdesk_truora::whatsapp::rules::LANGUAGES
            .iter()
            .map(|c| c.to_string()),
    );
    family("wa.status_", &mut template_statuses().into_iter().map(wire));
    family(
        "wa.quality_",
        &mut ["HIGH", "MEDIUM", "LOW", "PENDING"]
            .iter()
            .map(|c| c.to_string()),
    );
    family(
        "wa.rejection.",
        &mut RejectionCode::ALL.iter().map(|c| c.as_str().to_string()),
    );
    family(
        "bulk.delivery.",
        &mut DeliveryFailure::ALL.iter().map(|c| c.as_str().to_string()),
    );
    family(
        "identity.outcome.",
        &mut process_statuses().into_iter().map(wire),
    );
    family("reason.", &mut reason_categories().into_iter().map(wire));
    // OpsDesk's own codes: rules, errors, list reasons and row states.
    family("rule.", &mut RuleCode::ALL.iter().map(|r| r.to_string()));
    family(
        "error.",
        &mut ErrorCode::ALL.iter().map(|c| c.as_str().to_string()),
    );
    family(
        "bulk.reason_",
        &mut BulkReason::ALL.iter().map(|c| c.as_str().to_string()),
    );
    family("bulk.row_", &mut row_states().into_iter().map(wire));
    k
}

#[test]
fn every_code_a_person_reads_has_words_in_spanish_portuguese_and_english() {
    let keys = keys();
    assert!(keys.len() > 200, "{}", keys.len());
    let mut missing = Vec::new();
    for (lang, bundle) in BUNDLES {
        for key in &keys {
            if !bundle.contains(&format!("'{key}':")) {
                missing.push(format!("{lang}: {key}"));
            }
        }
    }
    assert!(missing.is_empty(), "codes without words: {missing:#?}");
}
