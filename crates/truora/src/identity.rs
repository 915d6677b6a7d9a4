//! Digital Identity (catalogue §3): process results, reading and listing processes, the PDF and
//! video-call downloads, web-integration tokens and process links.

use crate::TruoraClient;
use opsdesk_http::{
    download_file, execute, join_url, ApiError, DownloadOptions, DownloadProgress, Idempotency,
};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// Paths the catalogue marks [S]/[I] (third-party notes, not vendor text) are kept here so a
/// correction is one edit. Result, PDF and token paths are confirmed [C].
mod paths {
    /// D8 List processes [S].
    pub const LIST: &str = "v1/processes";
    /// D6 Read Identity [S].
    pub fn read(id: &str) -> String {
        format!("v1/processes/{id}")
    }
    /// D12 Send Identity Process Link [I]: the vendor's reference lists the fields but not the
    /// path; this is the one third-party notes give for web integrations.
    pub fn send_link(flow_id: &str) -> String {
        format!("v1/web-integration/{flow_id}/process-access-link")
    }
    /// D14 video-call recordings [S].
    pub fn recordings(id: &str) -> String {
        format!("v1/processes/{id}/video-call-recordings")
    }
    /// D9 Delete process [S].
    pub fn delete(id: &str) -> String {
        format!("v1/processes/{id}")
    }
    /// D11 Send Process Link [S]: the link of an existing process, sent again to the person.
    pub fn resend_link(id: &str) -> String {
        format!("v1/processes/{id}/send-link")
    }
}

/// Who a process is about. The catalogue's result shape [S] has no person fields; the document
/// validation's `details.document_details` (`name`, `last_name`, `document_number`) is where
/// Truora's dashboards read them from [I]. Every other part of OpsDesk asks this function, so a
/// correction is one edit here; a result without them still lists, by its process ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessPerson {
    pub name: String,
    pub document: String,
}

impl ProcessResult {
    /// Keeps of each validation's `details` only what [`Self::person`] reads. The rest (birth
    /// dates, addresses, image links that change on every read) is not for the cache: it would
    /// hold personal data nobody asked for and make every refresh look like a change.
    pub fn keep_person_details_only(mut self) -> Self {
        for v in &mut self.validations {
            v.details = v
                .details
                .take()
                .and_then(|d| d.get("document_details").cloned())
                .filter(|d| d.is_object())
                .map(|d| {
                    let keep: serde_json::Map<String, serde_json::Value> =
                        ["name", "last_name", "document_number"]
                            .iter()
                            .filter_map(|k| d.get(*k).map(|v| (k.to_string(), v.clone())))
                            .collect();
                    serde_json::json!({ "document_details": keep })
                });
        }
        self
    }

    pub fn person(&self) -> ProcessPerson {
        let details = self.validations.iter().filter_map(|v| {
            v.details
                .as_ref()
                .and_then(|d| d.get("document_details"))
                .filter(|d| d.is_object())
        });
        let mut out = ProcessPerson::default();
        for d in details {
            let text = |k: &str| {
                d.get(k)
                    .and_then(|v| v.as_str())
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_string()
            };
            if out.name.is_empty() {
                out.name = [text("name"), text("last_name")]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            if out.document.is_empty() {
                out.document = text("document_number");
            }
        }
        out
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ValidationResult {
    #[serde(default)]
    pub validation_id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub validation_status: Option<String>,
    #[serde(default)]
    pub declined_reason: Option<String>,
    #[serde(default)]
    pub failure_status: Option<String>,
    /// What the validator read (document details for a document validation) [I]; kept so the
    /// cache can be searched by name and document. See [`ProcessResult::person`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct OverrideChange {
    #[serde(default)]
    pub previous_status: Option<String>,
    #[serde(default)]
    pub new_status: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub update_date: Option<String>,
}

/// Get Result / Read Identity body. Every field is optional: the vendor adds fields freely and
/// the catalogue's shape is partly inferred.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ProcessResult {
    pub process_id: String,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub flow_id: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub created_via: Option<String>,
    /// pending | success | failure
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub override_status: Option<String>,
    #[serde(default)]
    pub override_status_history: Vec<OverrideChange>,
    #[serde(default)]
    pub declined_reason: Option<String>,
    #[serde(default)]
    pub expired_reason: Option<String>,
    #[serde(default)]
    pub failure_status: Option<String>,
    #[serde(default)]
    pub validations: Vec<ValidationResult>,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub update_date: Option<String>,
    #[serde(default)]
    pub current_step: Option<u32>,
    #[serde(default)]
    pub total_steps: Option<u32>,
}

impl ProcessResult {
    /// "If override_status is present, use it instead of status" (catalogue §3.2).
    pub fn effective_status(&self) -> &str {
        self.override_status
            .as_deref()
            .or(self.status.as_deref())
            .unwrap_or("pending")
    }
}

#[derive(Debug, Deserialize)]
struct ProcessPage {
    #[serde(default)]
    processes: Vec<ProcessResult>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessFile {
    Pdf,
    VideoRecordings,
}

/// A web-integration token request (D1) for one person and one process.
#[derive(Debug, Clone)]
pub struct WebTokenRequest {
    pub flow_id: String,
    pub country: String,
    pub redirect_url: String,
    pub account_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkChannel {
    Whatsapp,
    Sms,
    Email,
}

/// Send Process Link (D11): the link of an existing process, again, by WhatsApp or SMS.
#[derive(Debug, Clone)]
pub struct ResendLinkRequest {
    pub channel: LinkChannel,
    /// ISO 639-1, lowercase: the language of the message.
    pub language: String,
    /// The national number, without the country code.
    pub phone_number: String,
    /// With `+`, e.g. `+57`.
    pub country_code: String,
}

#[derive(Debug, Clone)]
pub struct SendLinkRequest {
    pub flow_id: String,
    pub channel: LinkChannel,
    /// ISO 639-1, lowercase.
    pub language: String,
    /// E.164.
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub outbound_id: Option<String>,
    pub variables: Vec<(String, String)>,
}

impl TruoraClient {
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn process_result(&self, process_id: &str) -> Result<ProcessResult, ApiError> {
        self.get_json::<ProcessResult>(
            &self.endpoints.identity,
            &format!("v1/processes/{process_id}/result"),
            &[],
        )
        .await
        .map(ProcessResult::keep_person_details_only)
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn read_process(&self, process_id: &str) -> Result<ProcessResult, ApiError> {
        self.get_json::<ProcessResult>(&self.endpoints.identity, &paths::read(process_id), &[])
            .await
            .map(ProcessResult::keep_person_details_only)
    }

    /// One page of processes, newest first, and the cursor for the next page.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn list_processes(
        &self,
        start_key: Option<&str>,
    ) -> Result<(Vec<ProcessResult>, Option<String>), ApiError> {
        let query: Vec<(&str, &str)> = start_key
            .map(|k| vec![("start_key", k)])
            .unwrap_or_default();
        let page: ProcessPage = self
            .get_json(&self.endpoints.identity, paths::LIST, &query)
            .await?;
        Ok((
            page.processes
                .into_iter()
                .map(ProcessResult::keep_person_details_only)
                .collect(),
            crate::cursor(page.next),
        ))
    }

    /// Deletes a process at Truora (D9). Repeating it is harmless: a process already gone
    /// answers 404, which the caller may treat as done.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn delete_process(&self, process_id: &str) -> Result<(), ApiError> {
        self.delete_path(&self.endpoints.identity, &paths::delete(process_id))
            .await
    }

    /// Sends the person the link of their existing process again (D11). The catalogue says it
    /// must use "the same api_key that created the process": OpsDesk has one Truora key per
    /// computer, so it is that one. A message to a person: never repeated on 5xx.
    #[tracing::instrument(skip(self, req), err(Display))]
    pub async fn resend_process_link(
        &self,
        process_id: &str,
        req: &ResendLinkRequest,
    ) -> Result<(), ApiError> {
        let channel = match req.channel {
            LinkChannel::Whatsapp => "whatsapp",
            LinkChannel::Sms => "sms",
            // Not offered for D11 (the seed names WhatsApp and SMS); sent as asked.
            LinkChannel::Email => "email",
        };
        // The channel's field name is not given by the seed ("channel (e.g. whatsapp/sms)");
        // `message_channel` is D12's, the sibling operation [I].
        let form = [
            ("message_channel", channel),
            ("language", req.language.as_str()),
            ("phone_number", req.phone_number.as_str()),
            ("country_code", req.country_code.as_str()),
        ];
        self.post_form_once(
            &self.endpoints.identity,
            &paths::resend_link(process_id),
            &form,
        )
        .await?;
        Ok(())
    }

    /// Downloads the process PDF or its video-call recordings to `dest`, following the 202 → 302
    /// contract of §3.3.
    pub async fn download_process_file(
        &self,
        process_id: &str,
        file: ProcessFile,
        dest: &Path,
        opts: &DownloadOptions,
        cancel: &CancellationToken,
        progress: impl FnMut(DownloadProgress),
    ) -> Result<u64, ApiError> {
        let path = match file {
            ProcessFile::Pdf => format!("v1/processes/{process_id}/pdf"),
            ProcessFile::VideoRecordings => paths::recordings(process_id),
        };
        let url = join_url(&self.endpoints.identity, &path);
        download_file(
            self.http(),
            url,
            |rb| self.authorize(rb),
            dest,
            opts,
            cancel,
            progress,
        )
        .await
    }

    /// Generate Token (D1) for a web-integration identity process: a JWT used in the person's
    /// link (`https://identity.truora.com/?token=…`).
    #[tracing::instrument(skip(self, req), err(Display))]
    pub async fn create_web_token(&self, req: &WebTokenRequest) -> Result<String, ApiError> {
        let url = join_url(&self.endpoints.account, "v1/api-keys");
        let mut form: Vec<(&str, String)> = vec![
            ("key_type", "web".into()),
            ("grant", "digital-identity".into()),
            ("api_key_version", "1".into()),
            ("country", req.country.clone()),
            ("flow_id", req.flow_id.clone()),
            ("redirect_url", req.redirect_url.clone()),
        ];
        if let Some(a) = &req.account_id {
            form.push(("account_id", a.clone()));
        }
        if let Some(p) = &req.phone {
            form.push(("phone", p.clone()));
        }
        if let Some(e) = &req.email {
            form.push(("emails", e.clone()));
        }
        #[derive(Deserialize)]
        struct Created {
            api_key: String,
        }
        // Not retried on 5xx: a second token would be a second, orphaned process link.
        let created: Created = execute(
            || self.authorize(self.http().post(url.clone()).form(&form)),
            Idempotency::NotIdempotent,
            &self.retry,
            None,
            None,
        )
        .await?
        .json()?;
        Ok(created.api_key)
    }

    /// Send Identity Process Link (D12), form-encoded like the rest of Truora's API.
    #[tracing::instrument(skip(self, req), err(Display))]
    pub async fn send_process_link(&self, req: &SendLinkRequest) -> Result<(), ApiError> {
        let channel = match req.channel {
            LinkChannel::Whatsapp => "whatsapp",
            LinkChannel::Sms => "sms",
            LinkChannel::Email => "email",
        };
        let mut form: Vec<(String, String)> = vec![
            ("message_channel".into(), channel.into()),
            ("language".into(), req.language.clone()),
        ];
        if let Some(p) = &req.phone_number {
            form.push(("phone_number".into(), p.clone()));
        }
        if let Some(e) = &req.email {
            form.push(("email".into(), e.clone()));
        }
        if let Some(o) = &req.outbound_id {
            form.push(("outbound_id".into(), o.clone()));
        }
        for (k, v) in &req.variables {
            form.push((format!("variables.{k}"), v.clone()));
        }
        // A message to a person: never repeated on 5xx or a dropped connection.
        self.post_form_once(
            &self.endpoints.identity,
            &paths::send_link(&req.flow_id),
            &form,
        )
        .await?;
        Ok(())
    }
}

/// Finds a process ID in what the user pasted: the bare ID, or any link or text containing it.
pub fn find_process_id(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut i = 0;
    while let Some(pos) = input[i..].find("IDP") {
        let start = i + pos;
        let end = start
            + 3
            + bytes[start + 3..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
        if end - start >= 8 {
            return Some(input[start..end].to_string());
        }
        i = start + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins_over_status() {
        let mut r = ProcessResult {
            status: Some("failure".into()),
            ..Default::default()
        };
        assert_eq!(r.effective_status(), "failure");
        r.override_status = Some("success".into());
        assert_eq!(r.effective_status(), "success");
        assert_eq!(ProcessResult::default().effective_status(), "pending");
    }

    #[test]
    fn process_ids_are_found_in_links_and_text() {
        let id = "IDP0000000000000000000000000d1d0001";
        assert_eq!(find_process_id(id).as_deref(), Some(id));
        assert_eq!(find_process_id(&format!(" {id}\n")).as_deref(), Some(id));
        assert_eq!(
            find_process_id(&format!(
                "https://app.truora.com/identity/processes/{id}?tab=result"
            ))
            .as_deref(),
            Some(id)
        );
        assert_eq!(find_process_id("IDP12"), None);
        assert_eq!(find_process_id("CHK1234567890"), None);
        assert_eq!(find_process_id(""), None);
    }

    #[test]
    fn only_the_persons_name_and_document_are_kept_of_validation_details() {
        let r: ProcessResult = serde_json::from_value(serde_json::json!({
            "process_id": "IDP1",
            "validations": [
                {"type": "document-validation", "details": {
                    "document_details": {"name": "Ana", "last_name": "Souza", "document_number": "123",
                        "date_of_birth": "1990-01-01", "address": "Rua 1"},
                    "front_image": "https://signed.example/x?sig=abc"}},
                {"type": "face-recognition", "details": {"similarity": 0.4}}
            ]
        }))
        .unwrap();
        let kept = r.keep_person_details_only();
        let body = serde_json::to_string(&kept).unwrap();
        for gone in ["1990", "Rua", "signed", "similarity"] {
            assert!(!body.contains(gone), "{gone} kept: {body}");
        }
        assert_eq!(
            kept.person(),
            ProcessPerson {
                name: "Ana Souza".into(),
                document: "123".into()
            }
        );
    }

    #[test]
    fn tolerates_unknown_and_missing_fields() {
        let r: ProcessResult =
            serde_json::from_str(r#"{"process_id":"IDPx","brand_new_field":{"a":1}}"#).unwrap();
        assert_eq!(r.process_id, "IDPx");
        assert!(r.validations.is_empty());
    }
}
