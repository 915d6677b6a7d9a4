//! Truora Checks (catalogue §2).

pub mod batch;
pub mod config;
pub mod config_rules;
pub mod rules;

/// A check's statuses, and those of each database inside it (catalogue §2.2: `not_started`,
/// `in_progress`, `delayed`, `completed`, `error`; a database may also be `skipped` or
/// `expired`). The screens have words for each; one not listed here is shown as it came.
pub const STATUSES: &[&str] = &[
    "not_started",
    "in_progress",
    "delayed",
    "completed",
    "error",
    "skipped",
    "expired",
];

use crate::TruoraClient;
use opsdesk_http::{download_file, join_url, ApiError, DownloadOptions, DownloadProgress};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// Per-database status (catalogue §2.2). `database_name` is unstable: never key on it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct DatabaseStatus {
    #[serde(default)]
    pub data_set: Option<String>,
    #[serde(default)]
    pub database_id: Option<String>,
    #[serde(default)]
    pub database_name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub invalid_inputs: Vec<String>,
}

fn minus_one() -> f64 {
    -1.0
}

/// A check as the API returns it. Inputs are echoed back and kept in `inputs`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Check {
    pub check_id: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    /// not_started | in_progress | delayed | completed | error
    #[serde(default)]
    pub status: Option<String>,
    /// 0 (high risk) … 1 (low risk); -1 until computed.
    #[serde(default = "minus_one")]
    pub score: f64,
    #[serde(default = "minus_one")]
    pub id_score: f64,
    /// The name score (matches by name only, may be homonyms). The old spec calls it
    /// `homonym_score`; the current name is unconfirmed (catalogue §8.6).
    #[serde(default = "minus_one", alias = "name_score")]
    pub homonym_score: f64,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub update_date: Option<String>,
    #[serde(default)]
    pub statuses: Vec<DatabaseStatus>,
    #[serde(flatten)]
    pub inputs: BTreeMap<String, serde_json::Value>,
}

impl Check {
    pub fn is_final(&self) -> bool {
        matches!(self.status.as_deref(), Some("completed" | "error"))
    }

    pub fn input(&self, name: &str) -> Option<&str> {
        self.inputs.get(name).and_then(|v| v.as_str())
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    check: Check,
}

#[derive(Debug, Deserialize)]
struct CheckPage {
    #[serde(default)]
    checks: Vec<Check>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Detail {
    #[serde(default)]
    pub data_set: Option<String>,
    #[serde(default)]
    pub database_name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DetailPage {
    #[serde(default)]
    details: Vec<Detail>,
    #[serde(default)]
    next: Option<String>,
}

/// What creating a check did: Truora returns a recent identical check instead of creating a
/// new one unless `force_creation` is set.
#[derive(Debug, Clone)]
pub struct Created {
    pub check: Check,
    /// `true` when Truora answered with an existing identical check.
    pub existing: bool,
}

impl TruoraClient {
    /// Creates a check from inputs already validated by [`rules::validate`].
    #[tracing::instrument(skip(self, inputs), err(Display))]
    pub async fn create_check(
        &self,
        kind: &str,
        country: &str,
        inputs: &BTreeMap<String, String>,
        force_creation: bool,
    ) -> Result<Created, ApiError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("type", kind),
            ("country", country),
            ("user_authorized", "true"),
        ];
        if force_creation {
            form.push(("force_creation", "true"));
        }
        for (k, v) in inputs {
            form.push((k, v));
        }
        // Never repeated after a 5xx or a dropped answer: that could create two checks.
        let resp = self
            .post_form_once(&self.endpoints.checks, "v1/checks", &form)
            .await?;
        let env: Envelope = resp.json()?;
        Ok(Created {
            check: env.check,
            existing: resp.status == 200,
        })
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn get_check(&self, check_id: &str) -> Result<Check, ApiError> {
        let env: Envelope = self
            .get_json(
                &self.endpoints.checks,
                &format!("v1/checks/{check_id}"),
                &[],
            )
            .await?;
        Ok(env.check)
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn list_checks(
        &self,
        start_key: Option<&str>,
    ) -> Result<(Vec<Check>, Option<String>), ApiError> {
        let query: Vec<(&str, &str)> = start_key
            .map(|k| vec![("start_key", k)])
            .unwrap_or_default();
        let page: CheckPage = self
            .get_json(&self.endpoints.checks, "v1/checks", &query)
            .await?;
        Ok((page.checks, crate::cursor(page.next)))
    }

    /// One page of a check's details, in `lang` (es by default), and the next cursor.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn check_details(
        &self,
        check_id: &str,
        lang: &str,
        start_key: Option<&str>,
    ) -> Result<(Vec<Detail>, Option<String>), ApiError> {
        let mut query = vec![("lang", lang)];
        if let Some(k) = start_key {
            query.push(("start_key", k));
        }
        let page: DetailPage = self
            .get_json(
                &self.endpoints.checks,
                &format!("v1/checks/{check_id}/details"),
                &query,
            )
            .await?;
        Ok((page.details, crate::cursor(page.next)))
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn delete_check(&self, check_id: &str) -> Result<(), ApiError> {
        // Deleting twice is harmless: the second answers 404, which the caller treats as done.
        self.delete_path(&self.endpoints.checks, &format!("v1/checks/{check_id}"))
            .await
    }

    /// Downloads the report PDF in `lang`. Tolerates the 202/302 contract as well as a plain
    /// 200 (catalogue §2.3: documented only for identity files).
    pub async fn download_check_pdf(
        &self,
        check_id: &str,
        lang: &str,
        dest: &Path,
        cancel: &CancellationToken,
        progress: impl FnMut(DownloadProgress),
    ) -> Result<u64, ApiError> {
        let mut url = join_url(&self.endpoints.checks, &format!("v1/checks/{check_id}/pdf"));
        url.query_pairs_mut().append_pair("lang", lang);
        download_file(
            self.http(),
            url,
            |rb| self.authorize(rb),
            dest,
            &DownloadOptions::default(),
            cancel,
            progress,
        )
        .await
    }
}

/// An evidence file of a check (catalogue C5; shape inferred, parsed tolerantly).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Attachment {
    #[serde(default, alias = "file_name")]
    pub name: Option<String>,
    #[serde(default)]
    pub data_set: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default, alias = "file_url", alias = "link")]
    pub url: Option<String>,
}

/// A check's summary (catalogue C6; shape inferred).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Summary {
    #[serde(default)]
    pub databases_consulted: Option<u32>,
    #[serde(default)]
    pub records_found: Option<u32>,
}

impl TruoraClient {
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn check_attachments(&self, check_id: &str) -> Result<Vec<Attachment>, ApiError> {
        self.get_list(
            &self.endpoints.checks,
            &format!("v1/checks/{check_id}/attachments"),
        )
        .await
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn summarize_check(&self, check_id: &str) -> Result<Summary, ApiError> {
        self.get_json(
            &self.endpoints.checks,
            &format!("v1/checks/{check_id}/summarize"),
            &[],
        )
        .await
    }

    /// Downloads an attachment from its (usually signed, other-host) URL; the API key is sent
    /// only if the file is on the Checks host itself.
    pub async fn download_attachment(
        &self,
        url: &str,
        dest: &Path,
        cancel: &CancellationToken,
        progress: impl FnMut(DownloadProgress),
    ) -> Result<u64, ApiError> {
        let url = self
            .endpoints
            .checks
            .join(url)
            .map_err(|_| ApiError::unexpected("attachment address is not valid"))?;
        // The downloader trusts the first URL's origin; here that may be a storage host, so
        // decide up front whether the key may go along at all.
        let ours = url.origin() == self.endpoints.checks.origin();
        download_file(
            self.http(),
            url,
            |rb| if ours { self.authorize(rb) } else { rb },
            dest,
            &DownloadOptions::default(),
            cancel,
            progress,
        )
        .await
    }
}
