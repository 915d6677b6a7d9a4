//! Checks batches (catalogue §2.8, C25–C30): a spreadsheet of up to 1,000 checks created by
//! Truora itself. Create the batch on the account host, PUT the .xlsx to the temporary upload
//! link (30 minutes, first file only), start it, follow it, ask for its report and fetch it.
//!
//! Only C25's path is confirmed. Every other path, the batch ID's field name, the statuses and
//! the report's format are inferred from the operation names [I] and live in [`paths`] and
//! [`parse_report`]: the one place to change when Truora's real contract is known.

use crate::TruoraClient;
use opsdesk_http::{download_file, execute, join_url, ApiError, DownloadOptions, Idempotency};
use serde::Deserialize;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// Rows one batch takes (the dashboard guide's figure; an older guide says 500).
pub const MAX_ROWS: usize = 1_000;

/// The batch endpoints, under the account host.
pub mod paths {
    /// C25, confirmed.
    pub const CREATE: &str = "v1/batches";
    /// C26–C30 [I]: sub-resources of the batch, by the operation names.
    pub fn one(id: &str) -> String {
        format!("v1/batches/{id}")
    }
    pub fn start(id: &str) -> String {
        format!("v1/batches/{id}/start")
    }
    pub fn stop(id: &str) -> String {
        format!("v1/batches/{id}/stop")
    }
    pub fn report(id: &str) -> String {
        format!("v1/batches/{id}/report")
    }
    /// The report's file format parameter [I].
    pub const REPORT_FORMAT_FIELD: &str = "report_format";
}

/// What creating a batch returns: where to upload the file, and the column order Truora wants.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedBatch {
    /// [I] the field name.
    #[serde(alias = "id")]
    pub batch_id: String,
    pub file_upload_link: String,
    #[serde(default)]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct BatchStatus {
    #[serde(alias = "id")]
    pub batch_id: String,
    /// created | uploaded | running | completed | stopped | failed [I]
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub processed: Option<u64>,
}

impl BatchStatus {
    /// Truora is not creating more checks for it.
    pub fn is_over(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "stopped" | "failed")
    }
    /// Started: its rows may have checks.
    pub fn started(&self) -> bool {
        !matches!(self.status.as_str(), "created" | "uploaded")
    }
}

/// One line of a batch report: the data row of the uploaded file (1-based) and its check, or
/// why it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub row: usize,
    pub result: Result<String, String>,
}

/// Reads a batch report (CSV with `row`, `check_id` and `error` columns [I]).
pub fn parse_report(bytes: &[u8]) -> Result<Vec<ReportRow>, ApiError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = r
        .headers()
        .map_err(|e| ApiError::unexpected(format!("the batch report cannot be read ({e})")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(row), Some(check)) = (col("row"), col("check_id")) else {
        return Err(ApiError::unexpected(
            "the batch report has no row or check_id column",
        ));
    };
    let error = col("error");
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec
            .map_err(|e| ApiError::unexpected(format!("the batch report cannot be read ({e})")))?;
        let Some(n) = rec.get(row).and_then(|v| v.trim().parse().ok()) else {
            continue;
        };
        let id = rec.get(check).unwrap_or("").trim();
        out.push(ReportRow {
            row: n,
            result: if id.is_empty() {
                Err(error
                    .and_then(|e| rec.get(e))
                    .unwrap_or("")
                    .trim()
                    .to_string())
            } else {
                Ok(id.to_string())
            },
        });
    }
    Ok(out)
}

impl TruoraClient {
    /// C25: a batch of `kind` checks in `country`, whose file has `columns` (input names) in
    /// that order (`columns_mapping.<input>` = 0-based index).
    #[tracing::instrument(skip(self, columns), err(Display))]
    pub async fn create_batch(
        &self,
        kind: &str,
        country: &str,
        columns: &[String],
    ) -> Result<CreatedBatch, ApiError> {
        let mut form: Vec<(String, String)> = vec![
            ("type".into(), kind.into()),
            ("service".into(), "checks".into()),
            ("country".into(), country.into()),
        ];
        for (i, c) in columns.iter().enumerate() {
            form.push((format!("columns_mapping.{c}"), i.to_string()));
        }
        // Never repeated on its own: a second batch would be a second set of checks.
        self.post_form_once(&self.endpoints.account, paths::CREATE, &form)
            .await?
            .json()
    }

    /// PUTs the .xlsx to the batch's temporary link. The link is presigned: the API key is
    /// never sent to the storage host.
    #[tracing::instrument(skip(self, link, xlsx), err(Display))]
    pub async fn upload_batch_file(&self, link: &str, xlsx: Vec<u8>) -> Result<(), ApiError> {
        let url = url::Url::parse(link)
            .map_err(|_| ApiError::unexpected("the batch upload link is not a web address"))?;
        execute(
            || {
                self.http()
                    .put(url.clone())
                    .header(
                        "content-type",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                    .body(xlsx.clone())
            },
            // Only the first file is accepted: a repeat is refused, never taken twice.
            Idempotency::Idempotent,
            &self.retry,
            None,
            None,
        )
        .await
        .map(|_| ())
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn start_batch(&self, id: &str) -> Result<BatchStatus, ApiError> {
        let empty: [(&str, &str); 0] = [];
        self.post_form_once(&self.endpoints.account, &paths::start(id), &empty)
            .await?
            .json()
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn stop_batch(&self, id: &str) -> Result<(), ApiError> {
        let empty: [(&str, &str); 0] = [];
        self.post_form_once(&self.endpoints.account, &paths::stop(id), &empty)
            .await
            .map(|_| ())
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn get_batch(&self, id: &str) -> Result<BatchStatus, ApiError> {
        self.get_json(&self.endpoints.account, &paths::one(id), &[])
            .await
    }

    /// Asks for the report of a finished batch, then downloads it to `dest` (202 while it is
    /// prepared, then the file, through a redirect to storage like the other files).
    #[tracing::instrument(skip(self, dest, cancel), err(Display))]
    pub async fn download_batch_report(
        &self,
        id: &str,
        dest: &Path,
        cancel: &CancellationToken,
    ) -> Result<u64, ApiError> {
        let form = [(paths::REPORT_FORMAT_FIELD, "csv")];
        let url = join_url(&self.endpoints.account, &paths::report(id));
        execute(
            || self.authorize(self.http().post(url.clone()).form(&form)),
            // Asking twice for the same report is harmless.
            Idempotency::Idempotent,
            &self.retry,
            None,
            None,
        )
        .await?;
        download_file(
            self.http(),
            url,
            |rb| self.authorize(rb),
            dest,
            &DownloadOptions::default(),
            cancel,
            |_| {},
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_names_each_row_s_check_or_why_not() {
        let rows = parse_report(
            b"row,check_id,status,error\n1,CHK1,created,\n2,,failed,\"national_id is required\"\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                ReportRow {
                    row: 1,
                    result: Ok("CHK1".into())
                },
                ReportRow {
                    row: 2,
                    result: Err("national_id is required".into())
                }
            ]
        );
        assert!(parse_report(b"a,b\n1,2\n").is_err());
    }
}
