//! Practice data: people with Spanish and Portuguese names, Colombian, Mexican and Brazilian
//! documents, Indian numbers for Truecaller. None of it belongs to a real person.

use crate::state::Shared;
use crate::truecaller::Label;
use crate::truora::identity::Process;

struct Person {
    first: &'static str,
    last: &'static str,
    country: &'static str,
    national_id: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        first: "María Fernanda",
        last: "Rojas Quintero",
        country: "CO",
        national_id: "1020304050",
    },
    Person {
        first: "Juan Camilo",
        last: "Restrepo Gómez",
        country: "CO",
        national_id: "79845123",
    },
    Person {
        first: "Luz Dary",
        last: "Cárdenas Pinzón",
        country: "CO",
        national_id: "52789456",
    },
    Person {
        first: "José Luis",
        last: "Hernández Ramírez",
        country: "MX",
        national_id: "HERJ850312HDFRMS09",
    },
    Person {
        first: "Guadalupe",
        last: "Martínez Ortega",
        country: "MX",
        national_id: "MAOG920705MJCRRD04",
    },
    Person {
        first: "Ana Beatriz",
        last: "Souza Lima",
        country: "BR",
        national_id: "52998224725",
    },
    Person {
        first: "João Pedro",
        last: "Oliveira Santos",
        country: "BR",
        national_id: "11144477735",
    },
    Person {
        first: "Camila",
        last: "Pereira Alves",
        country: "BR",
        national_id: "39053344705",
    },
    Person {
        first: "Valentina",
        last: "Muñoz Soto",
        country: "CL",
        national_id: "167894563",
    },
    Person {
        first: "Diego Alonso",
        last: "Quispe Huamán",
        country: "PE",
        national_id: "45781236",
    },
];

pub fn seed(shared: &Shared) {
    let now = shared.clock.now_ms();
    let day = 86_400_000i64;
    let mut st = shared.state.lock().unwrap();
    // Past checks: most finished long ago, one still running, one delayed, one failed.
    use crate::truora::checks::{CheckRecord, Plan};
    for (i, p) in PEOPLE.iter().enumerate() {
        let (created, plan) = match i {
            2 => (now - 5_000, Plan::Complete),
            4 => (now - 20_000, Plan::Delayed),
            8 => (now - day, Plan::Error),
            _ => (now - (i as i64 + 1) * day / 3, Plan::Complete),
        };
        let mut inputs = std::collections::BTreeMap::new();
        inputs.insert("national_id".to_string(), p.national_id.to_string());
        inputs.insert("first_name".to_string(), p.first.to_string());
        inputs.insert("last_name".to_string(), p.last.to_string());
        st.truora.checks.push(CheckRecord {
            check_id: format!("CHK{:032x}", 0xa11ce0000u64 + i as u64),
            kind: "person".into(),
            country: p.country.into(),
            inputs,
            created_ms: created,
            plan,
            deleted: false,
        });
    }
    crate::truora::whatsapp::seed(&mut st.truora.whatsapp, now);
    st.truora.custom_types.push(crate::truora::CustomType {
        name: "conductores".into(),
        country: "CO".into(),
        weights: [
            ("criminal_record", 0.5),
            ("traffic_fines", 0.3),
            ("legal_background", 0.2),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    });
    // Identity processes covering each outcome a reviewer meets: success, declined, expired
    // (validator never answered), pending, and a failure an authorised user overrode.
    use crate::truora::identity::{OverrideChange, Validation};
    let v = |n: usize, kind: &str, status: &str, reason: Option<&str>| Validation {
        validation_id: format!("VLD{:029x}{n:03}", 0xfacade),
        kind: kind.into(),
        status: status.into(),
        declined_reason: reason.map(str::to_string),
    };
    type Outcome = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    for (i, p) in PEOPLE.iter().take(7).enumerate() {
        let (status, declined, expired, failure_status): Outcome = match i {
            2 => ("failure", Some("document_expired"), None, Some("declined")),
            4 => ("failure", Some("face_mismatch"), None, Some("declined")),
            5 => ("pending", None, None, None),
            6 => ("failure", None, Some("validation_timeout"), Some("expired")),
            _ => ("success", None, None, None),
        };
        let validations = match i {
            2 => vec![
                v(
                    i * 10,
                    "document-validation",
                    "failure",
                    Some("document_expired"),
                ),
                v(i * 10 + 1, "face-recognition", "success", None),
            ],
            4 => vec![
                v(i * 10, "document-validation", "success", None),
                v(
                    i * 10 + 1,
                    "face-recognition",
                    "failure",
                    Some("face_mismatch"),
                ),
            ],
            5 => vec![
                v(i * 10, "document-validation", "success", None),
                v(i * 10 + 1, "face-recognition", "pending", None),
            ],
            6 => vec![v(i * 10, "document-validation", "pending", None)],
            _ => vec![
                v(i * 10, "document-validation", "success", None),
                v(i * 10 + 1, "face-recognition", "success", None),
            ],
        };
        let created_ms = now - (i as i64 + 1) * day;
        let overrides = if i == 4 {
            vec![OverrideChange {
                previous_status: "failure".into(),
                new_status: "success".into(),
                updated_by: "supervisora@example.com".into(),
                reason: "Manual review: same person, poor lighting".into(),
                at_ms: created_ms + 3 * 3_600_000,
            }]
        } else {
            Vec::new()
        };
        st.truora.processes.push(Process {
            process_id: format!("IDP{:032x}", 0xd1d0000u64 + i as u64),
            account_id: format!("ops_{}", i + 1),
            flow_id: "IPF0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
            country: p.country.into(),
            status: status.into(),
            declined_reason: declined.map(str::to_string),
            expired_reason: expired.map(str::to_string),
            failure_status: failure_status.map(str::to_string),
            validations,
            overrides,
            created_ms,
            person_name: format!("{} {}", p.first, p.last),
            document_number: p.national_id.into(),
            prepare_ms: Some(shared.config.file_prepare_ms),
            serve_inline: i == 3,
        });
    }
    seed_inbox(&mut st.truora.processes, now, shared.config.file_prepare_ms);
    // Indian business numbers for Truecaller (91 + 10 digits, the API's own format).
    for (i, (num, fs, dept, op, process)) in [
        (
            "918045671234",
            "Collections",
            "Cobranzas",
            "Recaudo",
            "Mora temprana",
        ),
        (
            "918045671235",
            "Collections",
            "Cobranzas",
            "Recaudo",
            "Mora temprana",
        ),
        (
            "912261234567",
            "Deliveries",
            "Logística",
            "Última milla",
            "Entregas a domicilio",
        ),
        (
            "914428765432",
            "Claims",
            "Seguros",
            "Reclamaciones",
            "Siniestros de auto",
        ),
        (
            "917940001122",
            "Appointments",
            "Clínica",
            "Agenda",
            "Recordatorio de citas",
        ),
    ]
    .iter()
    .enumerate()
    {
        st.truecaller
            .numbers
            .push(crate::truecaller::BusinessNumber {
                phone_number: (*num).into(),
                status: if i == 4 {
                    "pending".into()
                } else {
                    "listed".into()
                },
                feature_set_name: (*fs).into(),
                department: (*dept).into(),
                operation: (*op).into(),
                process: (*process).into(),
                changed_ms: now,
            });
    }
    let labels = [
        ("Banco Andino – Cobranzas", 3, 12),
        ("Entregas Rápidas", 7, 2),
        ("Seguros Vida Plena", 5, 9),
        ("Clínica San Rafael", 9, 4),
    ];
    for (i, (name, category, sub)) in labels.iter().enumerate() {
        st.truecaller.labels.push(Label {
            id: format!("3f6c2a1e-0b4d-4c8e-9a7f-00000000000{i}"),
            name: (*name).into(),
            logo_url: String::new(),
            category: *category,
            sub_category: *sub,
            created_by_email: "operaciones@example.com".into(),
            created_at: shared.clock.iso(now - (i as i64 + 2) * day),
            label_type: "dynamic".into(),
        });
    }
}

/// The flows of the practice account: the first is the one the seven processes above use.
pub const FLOWS: &[&str] = &[
    "IPF0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "IPF1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f",
    "IPF2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
    "IPF3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b",
];

/// How many processes the practice identity inbox holds beyond the seven named ones.
pub const INBOX_PROCESSES: usize = 360;

/// The ID of an inbox process's person. Only a process named exactly as one of [`PEOPLE`] is
/// that person; a made-up combination of names is somebody else, with an ID of their own (in
/// their country's shape), so one ID never stands for people of different names.
fn inbox_document(first: usize, last: usize, i: usize) -> String {
    let first = &PEOPLE[first];
    if first.national_id == PEOPLE[last].national_id {
        return first.national_id.into();
    }
    let i = i as u64;
    match first.country {
        // The CURP with another birth date in it.
        "MX" => format!(
            "{}{:02}{:02}{:02}{}",
            &first.national_id[..4],
            60 + i % 40,
            1 + i % 12,
            1 + i % 28,
            &first.national_id[10..]
        ),
        "CL" => format!("{}{}", 12_000_000 + i * 13, i % 10),
        "BR" => format!("{:011}", 20_000_000_000 + i * 104_729),
        "PE" => format!("{:08}", 40_000_000 + i * 37),
        _ => format!("{}", 1_000_000_000 + i * 7_919),
    }
}

/// An inbox worth learning on: a few months of processes of four flows in five countries, with
/// every outcome a reviewer meets, in proportions like a real account's. Deterministic, so the
/// tests can rely on it.
fn seed_inbox(out: &mut Vec<Process>, now: i64, prepare_ms: i64) {
    use crate::truora::identity::{OverrideChange, Validation};
    for i in 0..INBOX_PROCESSES {
        // Shifted every 20 so each country meets every outcome.
        let (fi, li) = (
            (i + i / 20) % PEOPLE.len(),
            (i / PEOPLE.len() + 3 * i) % PEOPLE.len(),
        );
        let (first, last) = (&PEOPLE[fi], &PEOPLE[li]);
        let id = format!("IDP{:032x}", 0xd1e0000u64 + i as u64);
        let v = |n: usize, kind: &str, status: &str, reason: Option<&str>| Validation {
            validation_id: format!("VLD{:029x}{:03}", 0xd1e000 + i, n),
            kind: kind.into(),
            status: status.into(),
            declined_reason: reason.map(str::to_string),
        };
        // 1 in 20 overridden, then 2 in 20 pending, 2 expired, 4 declined, the rest approved.
        let (status, declined, expired, validations) = match i % 20 {
            0 => (
                "failure",
                Some("face_mismatch"),
                None,
                vec![
                    v(0, "document-validation", "success", None),
                    v(1, "face-recognition", "failure", Some("face_mismatch")),
                ],
            ),
            1 | 11 => (
                "pending",
                None,
                None,
                vec![
                    v(0, "document-validation", "success", None),
                    v(1, "face-recognition", "pending", None),
                ],
            ),
            2 | 12 => (
                "failure",
                None,
                Some("validation_timeout"),
                vec![v(0, "document-validation", "pending", None)],
            ),
            3 | 8 | 13 | 18 => {
                let reason = [
                    "document_expired",
                    "blurry_image",
                    "data_mismatch",
                    "underage",
                ][i % 4];
                (
                    "failure",
                    Some(reason),
                    None,
                    vec![v(0, "document-validation", "failure", Some(reason))],
                )
            }
            _ => (
                "success",
                None,
                None,
                vec![
                    v(0, "document-validation", "success", None),
                    v(1, "face-recognition", "success", None),
                ],
            ),
        };
        let created_ms = now - 3_600_000 - (i as i64) * 5 * 3_600_000;
        let overrides = if i % 20 == 0 {
            vec![OverrideChange {
                previous_status: "failure".into(),
                new_status: "success".into(),
                updated_by: "supervisora@example.com".into(),
                reason: "Manual review: same person".into(),
                at_ms: created_ms + 3_600_000,
            }]
        } else {
            Vec::new()
        };
        out.push(Process {
            process_id: id,
            account_id: format!("inbox_{i}"),
            flow_id: FLOWS[(i / 3) % FLOWS.len()].into(),
            country: first.country.into(),
            status: status.into(),
            declined_reason: declined.map(str::to_string),
            expired_reason: expired.map(str::to_string),
            failure_status: match (status, expired) {
                ("failure", Some(_)) => Some("expired".into()),
                ("failure", None) => Some("declined".into()),
                _ => None,
            },
            validations,
            overrides,
            created_ms,
            person_name: format!("{} {}", first.first, last.last),
            document_number: inbox_document(fi, li, i),
            prepare_ms: Some(prepare_ms),
            serve_inline: false,
        });
    }
}
