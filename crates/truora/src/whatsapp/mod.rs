//! Truora Connect's WhatsApp outbound templates and inbound links (catalogue §4).
//!
//! Two wire choices here are not confirmed by Truora and live in one place each:
//! - [`CREATE_ENCODING`]: the create/update body is sent as JSON because the current reference
//!   models `buttons` as an array of objects and `var` as a nested object (catalogue §4.3, §8.1).
//! - [`paths`]: update and delete use the REST shape of the confirmed paths (catalogue W4/W5 [I]).

pub mod rejection;
pub mod rules;

use crate::TruoraClient;
use opsdesk_http::{execute, join_url, ApiError, Idempotency};
use rules::{Button, ButtonKind, CleanSend, TemplateDraft};
use serde::{Deserialize, Serialize};

/// How create/update bodies travel. See the module comment.
pub const CREATE_ENCODING: &str = "json";

pub mod paths {
    pub const OUTBOUNDS: &str = "v1/whatsapp/outbounds";
    pub const SEND: &str = "v1/whatsapp/outbounds/send";
    pub const INBOUNDS: &str = "v1/whatsapp/inbounds";
    /// Get [C], update and delete [I].
    pub fn outbound(id: &str) -> String {
        format!("v1/whatsapp/outbounds/{id}")
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Answer {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub action: String,
}

fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    // The API writes missing values as "" and even "undefined" (seed:001).
    Ok(s.filter(|s| !s.is_empty() && s != "undefined"))
}

/// An outbound template as W1/W2 return it (catalogue §4.1). `category`, `language_code` and
/// `quality_rating` are not in the published examples: read when present.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Outbound {
    pub outbound_id: String,
    #[serde(default)]
    pub outbound_name: String,
    /// The guide's prose calls it `status`; the examples say `outbound_status` (§4.1).
    #[serde(default, alias = "status")]
    pub outbound_status: String,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub is_notification: bool,
    /// Rendered text; buttons appear as `| [Label]`.
    #[serde(default)]
    pub outbound_message: String,
    #[serde(default)]
    pub outbound_answers: Vec<Answer>,
    #[serde(default)]
    pub waba_phone_number: String,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub media_url: Option<String>,
    #[serde(default)]
    pub outbound_type: String,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub media_id: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub default_flow_id: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub language_code: Option<String>,
    #[serde(default, alias = "quality", deserialize_with = "empty_is_none")]
    pub quality_rating: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub header_text: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub footer_text: Option<String>,
    #[serde(default)]
    pub buttons: Vec<WireButton>,
    #[serde(default)]
    pub code_expiration_minutes: Option<u32>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub template_type: Option<String>,
}

impl Outbound {
    /// Every `{{.var}}` the person must be given a value for at send time.
    pub fn variables(&self) -> Vec<String> {
        if self.category.as_deref() == Some("AUTHENTICATION") {
            return vec!["code".into()];
        }
        let mut text = String::new();
        for part in [&self.header_text, &self.content].into_iter().flatten() {
            text.push_str(part);
            text.push('\n');
        }
        if self.content.is_none() {
            // Older answers carry only the rendered message.
            text.push_str(&self.outbound_message);
        }
        for b in &self.buttons {
            if let Some(u) = &b.url {
                text.push_str(u);
            }
        }
        let mut vars = rules::variables_in(&text);
        if self.buttons.iter().any(|b| b.kind == "COPY_CODE") && !vars.iter().any(|v| v == "code") {
            vars.push("code".into());
        }
        vars
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct WireButton {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

fn wire_kind(k: ButtonKind) -> &'static str {
    match k {
        ButtonKind::QuickReply => "QUICK_REPLY",
        ButtonKind::Url => "URL",
        ButtonKind::PhoneNumber => "PHONE_NUMBER",
        ButtonKind::CopyCode => "COPY_CODE",
    }
}

fn wire_button(b: &Button) -> WireButton {
    WireButton {
        kind: wire_kind(b.kind).into(),
        text: if b.kind == ButtonKind::CopyCode {
            String::new()
        } else {
            b.text.trim().to_string()
        },
        url: (b.kind == ButtonKind::Url).then(|| b.url.trim().to_string()),
        phone_number: (b.kind == ButtonKind::PhoneNumber)
            .then(|| b.phone_number.trim().to_string()),
    }
}

/// The JSON body of W3/W4 for a draft that passed [`rules::validate_template`]. Fields that
/// do not apply to the category are left out rather than sent empty.
pub fn create_body(d: &TemplateDraft) -> serde_json::Value {
    use rules::{Category, TemplateType};
    let auth = d.category == Category::Authentication;
    let mut body = serde_json::json!({
        "waba_phone_number": format!("+{}", rules::clean_line(&d.line).unwrap_or_default()),
        "language_code": rules::wire_language(&d.language).unwrap_or("es"),
        "outbound_name": d.name.trim(),
        "category": d.category,
        "is_notification": d.is_notification,
        "template_type": d.template_type,
    });
    let o = body.as_object_mut().unwrap();
    if d.template_type != TemplateType::Text {
        o.insert("media_id".into(), d.media_id.trim().into());
    }
    if auth {
        if let Some(m) = d.code_expiration_minutes {
            o.insert("code_expiration_minutes".into(), m.into());
        }
    } else {
        o.insert("content".into(), d.body.clone().into());
        if !d.header.is_empty() && d.template_type == TemplateType::Text {
            o.insert("header_text".into(), d.header.clone().into());
        }
        if !d.footer.is_empty() {
            o.insert("footer_text".into(), d.footer.clone().into());
        }
        if !d.buttons.is_empty() {
            let bs: Vec<WireButton> = d.buttons.iter().map(wire_button).collect();
            o.insert("buttons".into(), serde_json::to_value(bs).unwrap());
        }
    }
    let vars: serde_json::Map<String, serde_json::Value> = rules::template_variables(d)
        .into_iter()
        .map(|name| {
            let v = d.samples.get(&name).map(|s| s.trim()).unwrap_or("");
            (name, serde_json::json!({ "value": v }))
        })
        .collect();
    if !vars.is_empty() {
        o.insert("var".into(), vars.into());
    }
    body
}

/// What W6 answers (catalogue §4.4).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct SendResult {
    #[serde(default)]
    pub user_phone_number: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub session_id: String,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub flow_id: Option<String>,
}

/// What W7 answers; its shape is not published, so only an ID is looked for.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct InboundCreated {
    #[serde(default, alias = "id", deserialize_with = "empty_is_none")]
    pub inbound_id: Option<String>,
}

/// The form fields of a send, `var.<name>` per variable (catalogue §4.4).
pub fn send_form(s: &CleanSend) -> Vec<(String, String)> {
    let mut f = vec![
        ("phone_number".to_string(), s.phone_number.clone()),
        ("country_code".to_string(), s.country_code.clone()),
        ("outbound_id".to_string(), s.outbound_id.clone()),
        ("user_authorized".to_string(), "true".to_string()),
    ];
    if let Some(flow) = &s.flow_id {
        f.push(("flow_id".into(), flow.clone()));
    }
    if let Some(a) = &s.account_id {
        f.push(("account_id".into(), a.clone()));
    }
    for (k, v) in &s.values {
        f.push((format!("var.{k}"), v.clone()));
    }
    f
}

impl TruoraClient {
    /// W1: every outbound of a WABA line (`line`: digits with country code, no `+`).
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn list_outbounds(&self, line: &str) -> Result<Vec<Outbound>, ApiError> {
        let v: serde_json::Value = self
            .get_json(&self.endpoints.connect, paths::OUTBOUNDS, &[("line", line)])
            .await?;
        Ok(crate::array_in(v)
            .into_iter()
            .filter_map(|x| serde_json::from_value(x).ok())
            .collect())
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn get_outbound(&self, id: &str) -> Result<Outbound, ApiError> {
        let v: serde_json::Value = self
            .get_json(&self.endpoints.connect, &paths::outbound(id), &[])
            .await?;
        // Accept the object bare or wrapped (`{"outbound": {…}}`).
        let inner = match &v {
            serde_json::Value::Object(o) if !o.contains_key("outbound_id") => o
                .values()
                .find(|x| x.get("outbound_id").is_some())
                .cloned()
                .unwrap_or(v),
            _ => v,
        };
        serde_json::from_value(inner)
            .map_err(|e| ApiError::unexpected(format!("outbound did not parse: {e}")))
    }

    async fn write_outbound(
        &self,
        method: reqwest::Method,
        path: &str,
        draft: &TemplateDraft,
    ) -> Result<Outbound, ApiError> {
        let url = join_url(&self.endpoints.connect, path);
        let body = create_body(draft);
        debug_assert_eq!(CREATE_ENCODING, "json");
        // Not repeated after a 5xx or a dropped answer: that could submit two templates.
        let resp = execute(
            || self.authorize(self.http().request(method.clone(), url.clone()).json(&body)),
            Idempotency::NotIdempotent,
            &self.retry,
            None,
            None,
        )
        .await?;
        let v: serde_json::Value = resp.json()?;
        match serde_json::from_value::<Outbound>(v.clone()) {
            Ok(o) if !o.outbound_status.is_empty() => Ok(o),
            // Only the ID came back (the guide says so for create): read the rest.
            _ => {
                let id = v
                    .get("outbound_id")
                    .and_then(|x| x.as_str())
                    .ok_or_else(|| ApiError::unexpected("no outbound_id in the answer"))?;
                self.get_outbound(id).await
            }
        }
    }

    /// W3: submits a template for Meta's review; it starts PENDING.
    #[tracing::instrument(skip(self, draft), fields(category = ?draft.category), err(Display))]
    pub async fn create_outbound(&self, draft: &TemplateDraft) -> Result<Outbound, ApiError> {
        self.write_outbound(reqwest::Method::POST, paths::OUTBOUNDS, draft)
            .await
    }

    /// W4 (path inferred): changes a template; it goes back to review.
    #[tracing::instrument(skip(self, draft), err(Display))]
    pub async fn update_outbound(
        &self,
        id: &str,
        draft: &TemplateDraft,
    ) -> Result<Outbound, ApiError> {
        self.write_outbound(reqwest::Method::PUT, &paths::outbound(id), draft)
            .await
    }

    /// W5 (path inferred).
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn delete_outbound(&self, id: &str) -> Result<(), ApiError> {
        self.delete_path(&self.endpoints.connect, &paths::outbound(id))
            .await
    }

    /// W6: sends an approved template to one person. Never repeated unless the API said 429
    /// (nothing was sent then): a repeat after a lost answer could message the person twice.
    #[tracing::instrument(skip(self, send), fields(outbound = %send.outbound_id), err(Display))]
    pub async fn send_outbound(&self, send: &CleanSend) -> Result<SendResult, ApiError> {
        self.post_form_once(&self.endpoints.connect, paths::SEND, &send_form(send))
            .await?
            .json()
    }

    /// W7: registers the text that starts `flow_id` when a person sends it to the line.
    #[tracing::instrument(skip(self, text), err(Display))]
    pub async fn create_inbound(
        &self,
        line: &str,
        flow_id: &str,
        text: &str,
    ) -> Result<InboundCreated, ApiError> {
        let form = [
            ("waba_provider", "gupshup".to_string()),
            ("waba_phone_number", format!("+{line}")),
            ("flow_id", flow_id.to_string()),
            ("inbound_message", text.to_string()),
        ];
        let resp = self
            .post_form_once(&self.endpoints.connect, paths::INBOUNDS, &form)
            .await?;
        Ok(resp.json().unwrap_or_default())
    }
}
