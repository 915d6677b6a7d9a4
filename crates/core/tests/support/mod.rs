//! Shared test support for the core's integration tests: an isolated profile (temporary data
//! folder, its keys in an in-memory store) and an App opened on it.
#![allow(dead_code)]

use opsdesk_core::endpoints::LiveEndpoints;
use opsdesk_core::vault::{MemoryStore, Vault};
use opsdesk_core::{App, AppConfig, AppPaths};
use std::sync::Arc;

pub struct Profile {
    pub dir: tempfile::TempDir,
    pub service: String,
    /// The profile's keys, in memory: tests need no OS keyring (the few about the real keyring
    /// say so and use `Vault::new`).
    pub secrets: Arc<MemoryStore>,
}

/// Warnings and errors go to the test's captured output, so a failure shows its cause (an
/// App that could not open its cache says only "could not be opened"; the log says why).
/// Scrubbed like the app's own log, although tests only use practice data.
fn log_to_test_output() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_writer(|| {
                opsdesk_core::logging::ScrubWriter(tracing_subscriber::fmt::TestWriter::new())
            })
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .try_init();
    });
}

impl Profile {
    pub fn new() -> Profile {
        log_to_test_output();
        Profile {
            dir: tempfile::tempdir().unwrap(),
            service: format!("com.opsdesk.test.{}", uuid::Uuid::new_v4()),
            secrets: Arc::new(MemoryStore::default()),
        }
    }

    pub fn config(&self, live: LiveEndpoints) -> AppConfig {
        AppConfig {
            keyring_service: self.service.clone(),
            paths: AppPaths {
                data_dir: self.dir.path().join("data"),
                log_dir: self.dir.path().join("logs"),
            },
            live,
            version: "test".into(),
            os_locale: Some("es-CO".into()),
            http: Default::default(),
            default_download_dir: self.dir.path().join("Downloads"),
            secrets: self.secrets.clone(),
            clock: Arc::new(opsdesk_core::clock::SystemClock),
        }
    }

    /// The app on this profile, with live endpoints where nothing answers (Practice mode works
    /// as usual: it talks to its own sandbox).
    pub fn open(&self) -> Arc<App> {
        Arc::new(self.open_with(unreachable()))
    }

    pub fn open_with(&self, live: LiveEndpoints) -> App {
        App::open(self.config(live)).unwrap()
    }

    /// Writes `bytes` to a file of this profile's folder and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir
            .path()
            .join("data")
            .join(opsdesk_core::app::DB_FILE)
    }
}

impl Profile {
    /// The vault the profile's apps use, to look at or change their keys.
    pub fn vault(&self) -> Vault {
        Vault::with_store(self.service.clone(), self.secrets.clone())
    }
}

/// Live endpoints where nothing listens (port 9): connections are refused at once.
pub fn unreachable() -> LiveEndpoints {
    LiveEndpoints {
        truora: opsdesk_truora::TruoraEndpoints {
            checks: "http://127.0.0.1:9/checks".parse().unwrap(),
            identity: "http://127.0.0.1:9/identity".parse().unwrap(),
            connect: "http://127.0.0.1:9/connect".parse().unwrap(),
            account: "http://127.0.0.1:9/account".parse().unwrap(),
        },
        truecaller: "http://127.0.0.1:9/truecaller".parse().unwrap(),
    }
}

impl Profile {
    /// The app on this profile with a clock the test moves by hand.
    pub fn open_at(&self, clock: Arc<opsdesk_core::clock::ManualClock>) -> Arc<App> {
        let mut cfg = self.config(unreachable());
        cfg.clock = clock;
        Arc::new(App::open(cfg).unwrap())
    }
}

/// The WhatsApp list mapping of the practice spreadsheets (`Teléfono`, `Nombre`, `Monto`,
/// `Fecha`, `Acepta`), numbers from Colombia unless they say otherwise.
pub fn wa_mapping(outbound_id: &str) -> opsdesk_core::bulk::whatsapp::WaMapping {
    opsdesk_core::bulk::whatsapp::WaMapping {
        outbound_id: outbound_id.into(),
        phone_column: "Teléfono".into(),
        country_column: String::new(),
        default_country_code: "+57".into(),
        value_columns: [
            ("name", "Nombre"),
            ("amount", "Monto"),
            ("due_date", "Fecha"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
        opt_in_column: "Acepta".into(),
        // As the list screen guesses it from the header.
        name_column: "Nombre".into(),
        all_opted_in: false,
        flow_id: String::new(),
    }
}

/// A Caller ID list from the `mobile` column, shown from now for `hours`.
pub fn tc_mapping(
    label_id: String,
    caller: &str,
    hours: i64,
) -> opsdesk_core::bulk::truecaller::TcMapping {
    let now = chrono::Utc::now().timestamp_millis();
    opsdesk_core::bulk::truecaller::TcMapping {
        receiver_column: "mobile".into(),
        caller_number: caller.into(),
        caller_column: String::new(),
        label_id,
        label_name_column: String::new(),
        name_column: String::new(),
        reason: "Confirmación de su cita médica".into(),
        reason_column: String::new(),
        default_country_code: String::new(),
        starts_at_ms: now,
        ends_at_ms: now + hours * 3_600_000,
    }
}

/// A person check in Colombia with a birth date, as the form sends it.
pub fn person_check_co(
    national_id: &str,
    date_of_birth: &str,
    consent: bool,
) -> opsdesk_core::checks::NewCheckForm {
    opsdesk_core::checks::NewCheckForm {
        subject: opsdesk_core::checks::CheckSubject::Person,
        custom_type: None,
        country: "CO".into(),
        inputs: [
            ("national_id".to_string(), national_id.to_string()),
            ("date_of_birth".into(), date_of_birth.into()),
        ]
        .into(),
        consent,
        reference: String::new(),
        force: false,
    }
}

/// A sender that succeeds at once: what a benchmark or a scale test measures with it is
/// OpsDesk's own cost per row.
pub struct Instantly;

impl opsdesk_core::bulk::engine::Sender for Instantly {
    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> futures_util::future::BoxFuture<'static, Vec<(i64, opsdesk_core::bulk::engine::RowOutcome)>>
    {
        let out = rows
            .into_iter()
            .map(|(no, _)| {
                (
                    no,
                    opsdesk_core::bulk::engine::RowOutcome::Done(format!("MSG{no}")),
                )
            })
            .collect();
        Box::pin(async move { out })
    }
}

/// `n` rows shaped like a WhatsApp list's (payload, masked summary, original cells); every
/// 50th has a bad phone, as real lists have some.
pub fn list_rows(n: u32) -> Vec<opsdesk_core::bulk::engine::NewRow> {
    (2..n + 2)
        .map(|no| opsdesk_core::bulk::engine::NewRow {
            row_no: no,
            payload: if no % 50 == 0 {
                Err(vec![opsdesk_core::bulk::engine::RowReason::rule(
                    "phone_number",
                    opsdesk_http::RuleCode::NotAPhone,
                )])
            } else {
                Ok(serde_json::json!({
                    "phone_number": format!("+57300{no:07}"),
                    "values": { "name": format!("Cliente Número {no}"), "amount": "$ 120.000", "due_date": "5 de diciembre" },
                    "opt_in": true
                }))
            },
            summary: format!("+57 300 *** {:04} · Cliente Número {no}", no % 10_000),
            source: vec![
                format!("300{no:07}"),
                format!("Cliente Número {no}"),
                "$ 120.000".into(),
                "5 de diciembre".into(),
                "sí".into(),
            ],
        })
        .collect()
}

/// The rows of a job a screen shows first: those that need the operator's attention.
pub const PROBLEM_STATES: &[opsdesk_core::bulk::engine::RowState] = &[
    opsdesk_core::bulk::engine::RowState::Failed,
    opsdesk_core::bulk::engine::RowState::Uncertain,
    opsdesk_core::bulk::engine::RowState::Invalid,
    opsdesk_core::bulk::engine::RowState::Skipped,
];

/// How many checks the sandbox holds for each national ID (tests that count creations).
pub fn checks_per_document(
    sb: &opsdesk_sandbox::Sandbox,
) -> std::collections::HashMap<String, usize> {
    sb.with_state(|st| {
        let mut by = std::collections::HashMap::new();
        for c in &st.truora.checks {
            if let Some(id) = c.inputs.get("national_id") {
                *by.entry(id.clone()).or_insert(0) += 1;
            }
        }
        by
    })
}
