//! Every authoring and sending rule for WhatsApp outbound templates (catalogue §4.3, §4.4 and
//! §6.3), as pure functions. The editor calls [`validate_template`] as the user types, so each
//! message appears next to its field; the same call runs before a create request leaves.

use opsdesk_http::RuleCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

pub const NAME_MAX: usize = 512;
pub const HEADER_MAX: usize = 60;
pub const FOOTER_MAX: usize = 60;
pub const BODY_MAX: usize = 1024;
pub const LABEL_MAX: usize = 25;
pub const URL_MAX: usize = 2000;
pub const BUTTON_PHONE_MAX: usize = 20;
pub const BUTTONS_MAX: usize = 10;
pub const QUICK_REPLY_MAX: usize = 10;
pub const URL_BUTTONS_MAX: usize = 2;
pub const CODE_MAX: usize = 15;
pub const EXPIRY_MINUTES: std::ops::RangeInclusive<u32> = 1..=90;
pub const IMAGE_MAX_BYTES: u64 = 5 * 1024 * 1024;
pub const VIDEO_MAX_BYTES: u64 = 16 * 1024 * 1024;
pub const DOCUMENT_MAX_BYTES: u64 = 100 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum Category {
    #[default]
    Marketing,
    Utility,
    Authentication,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum TemplateType {
    #[default]
    Text,
    Image,
    Video,
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum ButtonKind {
    QuickReply,
    Url,
    PhoneNumber,
    CopyCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, rename = "TemplateButton")]
pub struct Button {
    pub kind: ButtonKind,
    /// The label (empty for COPY_CODE: WhatsApp sets it from the language).
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub phone_number: String,
}

/// The file chosen for a media template, when the user picked one to check it against the
/// limits (the template itself carries only `media_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MediaFile {
    pub mime: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
}

/// Everything the editor collects. `samples` maps a variable name (no braces) to its example.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TemplateDraft {
    /// The WABA line that sends it, with country code.
    pub line: String,
    pub name: String,
    /// `es`, `en` or `pt_BR`.
    pub language: String,
    pub category: Category,
    /// `true`: a one-off notification; `false`: it starts a flow when the person answers.
    pub is_notification: bool,
    pub template_type: TemplateType,
    #[serde(default)]
    pub media_id: String,
    #[serde(default)]
    pub media: Option<MediaFile>,
    #[serde(default)]
    pub header: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub footer: String,
    #[serde(default)]
    pub buttons: Vec<Button>,
    #[serde(default)]
    pub code_expiration_minutes: Option<u32>,
    #[serde(default)]
    pub samples: BTreeMap<String, String>,
}

impl TemplateDraft {
    /// A text template of `category` on `line`, in Spanish, with nothing else filled in: the
    /// start the editor and the tests build on.
    pub fn text(line: &str, name: &str, category: Category) -> Self {
        TemplateDraft {
            line: line.into(),
            name: name.into(),
            language: "es".into(),
            category,
            ..Default::default()
        }
    }

    /// Example values for the variables, as `(name, example)` pairs.
    pub fn with_samples(mut self, samples: &[(&str, &str)]) -> Self {
        self.samples = samples
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }
}

/// A problem with one input: the field (`body`, `buttons.2.url`, `samples.name`, …) and a rule
/// key the UI translates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: String,
    pub rule: RuleCode,
}

fn err(field: impl Into<String>, rule: RuleCode) -> RuleError {
    RuleError {
        field: field.into(),
        rule,
    }
}

/// Languages the editor offers. The catalogue's examples disagree on Portuguese (`pt-BR` in the
/// integration guide, `pt_BR` in the API reference, §4.3): the reference is newer, so the wire
/// uses `pt_BR` and this is the one place to change if Truora answers otherwise.
pub const LANGUAGES: &[&str] = &["es", "en", "pt_BR"];

/// Accepts the spellings people type (`pt-BR`, `pt_br`) and returns the wire one.
pub fn wire_language(lang: &str) -> Option<&'static str> {
    let l = lang.trim().replace('-', "_").to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|w| w.to_ascii_lowercase() == l)
        .copied()
}

/// The fixed AUTHENTICATION body per language (catalogue §4.3, from the API reference).
pub fn auth_body(lang: &str) -> &'static str {
    match wire_language(lang) {
        Some("en") => {
            "{{.code}} is your verification code. For your security, do not share this code."
        }
        Some("pt_BR") => {
            "Seu código de verificação é {{.code}}. Para sua segurança, não o compartilhe."
        }
        _ => "Tu código de verificación es {{.code}}. Por tu seguridad, no lo compartas.",
    }
}

/// The fixed expiry footer AUTHENTICATION templates get when `code_expiration_minutes` is set,
/// with `{minutes}` where the number goes.
pub fn auth_footer_template(lang: &str) -> &'static str {
    match wire_language(lang) {
        Some("en") => "This code expires in {minutes} minutes.",
        Some("pt_BR") => "Este código expira em {minutes} minutos.",
        _ => "Este código caduca en {minutes} minutos.",
    }
}

pub fn auth_footer(lang: &str, minutes: u32) -> String {
    auth_footer_template(lang).replace("{minutes}", &minutes.to_string())
}

/// The editor's counters and the preview's fixed texts, written for the UI as a TypeScript
/// module so no limit or vendor text is copied by hand (`ui/src/lib/bindings/whatsappRules.ts`,
/// regenerated by the tests and checked for drift like the other bindings).
pub fn ui_module() -> String {
    let per_lang = |f: fn(&str) -> &'static str| {
        LANGUAGES
            .iter()
            .map(|l| {
                format!(
                    "  {}: {},",
                    l,
                    serde_json::to_string(f(l)).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "// Generated from crates/truora/src/whatsapp/rules.rs by its tests. Do not edit this file manually.\n\n\
         /** Character limits of a template's parts (catalogue §4.3). */\n\
         export const LIMITS = {{ name: {NAME_MAX}, header: {HEADER_MAX}, body: {BODY_MAX}, footer: {FOOTER_MAX}, label: {LABEL_MAX}, url: {URL_MAX}, code: {CODE_MAX}, expiryMin: {}, expiryMax: {} }} as const;\n\n\
         /** The body WhatsApp writes for verification-code templates, per wire language. */\n\
         export const AUTH_BODY: Record<string, string> = {{\n{}\n}};\n\n\
         /** Their expiry footer, with `{{minutes}}` where the number goes. */\n\
         export const AUTH_FOOTER: Record<string, string> = {{\n{}\n}};\n",
        EXPIRY_MINUTES.start(),
        EXPIRY_MINUTES.end(),
        per_lang(auth_body),
        per_lang(auth_footer_template),
    )
}

/// One `{{…}}` occurrence in a text: the variable name when it is well formed (`{{.name}}`),
/// `Err` with the raw text when not (`{{name}}`, `{{.}}`, `{{.first name}}`).
fn placeholders(text: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push(Err(after.to_string()));
            break;
        };
        let inner = &after[..end];
        let name = inner.trim().strip_prefix('.').unwrap_or("");
        let ok = !name.is_empty()
            && inner.trim() == inner
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        out.push(if ok {
            Ok(name.to_string())
        } else {
            Err(inner.to_string())
        });
        rest = &after[end + 2..];
    }
    // A lone `}}` without an opening is also a typo Meta rejects.
    if rest.contains("}}") {
        out.push(Err("}}".into()));
    }
    out
}

/// The well-formed variable names in `text`, in order of first appearance.
pub fn variables_in(text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for name in placeholders(text).into_iter().flatten() {
        if !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen
}

fn syntax_ok(text: &str) -> bool {
    placeholders(text).iter().all(Result::is_ok)
}

fn has_header(d: &TemplateDraft) -> bool {
    d.category != Category::Authentication && d.template_type == TemplateType::Text
}

/// Every variable the template uses, in display order: header, body, URL buttons, then `code`
/// (AUTHENTICATION bodies and COPY_CODE buttons take the code at send time).
pub fn template_variables(d: &TemplateDraft) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |names: Vec<String>| {
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    };
    if d.category == Category::Authentication {
        add(vec!["code".into()]);
        return out;
    }
    if has_header(d) {
        add(variables_in(&d.header));
    }
    add(variables_in(&d.body));
    for b in &d.buttons {
        match b.kind {
            ButtonKind::Url => add(variables_in(&b.url)),
            ButtonKind::CopyCode => add(vec!["code".into()]),
            _ => {}
        }
    }
    out
}

/// WhatsApp desktop does not draw these buttons; the person is told to open their phone.
pub fn desktop_hides_buttons(buttons: &[Button]) -> bool {
    let qr = buttons
        .iter()
        .filter(|b| b.kind == ButtonKind::QuickReply)
        .count();
    buttons.len() >= 4 || (qr > 0 && qr < buttons.len())
}

/// Characters as people count them (and as the limits are written), not bytes.
pub fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A WABA line or a phone number with its country code: `+57 300 123 4567` → `573001234567`.
pub fn clean_line(s: &str) -> Option<String> {
    opsdesk_http::phone::business_line(s).ok()
}

fn web_address_ok(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
}

fn check_buttons(d: &TemplateDraft, errs: &mut Vec<RuleError>) {
    let bs = &d.buttons;
    if d.category == Category::Authentication {
        if !bs.is_empty() {
            errs.push(err("buttons", RuleCode::WaAuthNoButtons));
        }
        return;
    }
    if bs.len() > BUTTONS_MAX {
        errs.push(err("buttons", RuleCode::WaTooManyButtons));
    }
    let count = |k: ButtonKind| bs.iter().filter(|b| b.kind == k).count();
    if count(ButtonKind::QuickReply) > QUICK_REPLY_MAX {
        errs.push(err("buttons", RuleCode::WaTooManyQuickReplies));
    }
    if count(ButtonKind::Url) > URL_BUTTONS_MAX {
        errs.push(err("buttons", RuleCode::WaTooManyUrlButtons));
    }
    if count(ButtonKind::PhoneNumber) > 1 {
        errs.push(err("buttons", RuleCode::WaTooManyPhoneButtons));
    }
    if count(ButtonKind::CopyCode) > 1 {
        errs.push(err("buttons", RuleCode::WaTooManyCopyCode));
    }
    if d.is_notification && count(ButtonKind::QuickReply) > 0 {
        errs.push(err("buttons", RuleCode::WaQuickReplyInNotification));
    }
    // Quick replies form one block: after the first, any other type ends the block for good.
    let mut runs = 0;
    let mut prev_qr = false;
    for b in bs {
        let qr = b.kind == ButtonKind::QuickReply;
        if qr && !prev_qr {
            runs += 1;
        }
        prev_qr = qr;
    }
    if runs > 1 {
        errs.push(err("buttons", RuleCode::WaQuickRepliesApart));
    }
    // The non-quick-reply buttons must be one block as well (URL, QR, URL is invalid).
    let mut other_runs = 0;
    let mut prev_other = false;
    for b in bs {
        let other = b.kind != ButtonKind::QuickReply;
        if other && !prev_other {
            other_runs += 1;
        }
        prev_other = other;
    }
    if other_runs > 1 && runs <= 1 {
        errs.push(err("buttons", RuleCode::WaQuickRepliesApart));
    }

    for (i, b) in bs.iter().enumerate() {
        let f = |name: &str| format!("buttons.{i}.{name}");
        match b.kind {
            ButtonKind::CopyCode => {
                if d.category != Category::Marketing {
                    errs.push(err(f("kind"), RuleCode::WaCopyCodeMarketingOnly));
                }
                if !b.text.is_empty() {
                    errs.push(err(f("text"), RuleCode::WaCopyCodeNoLabel));
                }
            }
            _ => {
                if b.text.trim().is_empty() {
                    errs.push(err(f("text"), RuleCode::Required));
                } else if chars(&b.text) > LABEL_MAX {
                    errs.push(err(f("text"), RuleCode::WaLabelTooLong));
                }
            }
        }
        match b.kind {
            ButtonKind::Url => {
                let url = b.url.trim();
                if url.is_empty() {
                    errs.push(err(f("url"), RuleCode::Required));
                } else if chars(url) > URL_MAX {
                    errs.push(err(f("url"), RuleCode::WaUrlTooLong));
                } else if !syntax_ok(url) {
                    errs.push(err(f("url"), RuleCode::WaVariableSyntax));
                } else {
                    let vars = placeholders(url);
                    let at_end = vars.len() <= 1 && (vars.is_empty() || url.ends_with("}}"));
                    // Check the address with the variable replaced by a plain path segment.
                    let probe = match vars.first() {
                        Some(Ok(name)) => url.replace(&format!("{{{{.{name}}}}}"), "x"),
                        _ => url.to_string(),
                    };
                    if !at_end {
                        errs.push(err(f("url"), RuleCode::WaUrlVariableAtEnd));
                    } else if !web_address_ok(&probe) || url.starts_with("{{") {
                        errs.push(err(f("url"), RuleCode::WaNotAWebAddress));
                    }
                }
            }
            ButtonKind::PhoneNumber => {
                let p = b.phone_number.trim();
                if p.is_empty() {
                    errs.push(err(f("phone_number"), RuleCode::Required));
                } else if chars(p) > BUTTON_PHONE_MAX {
                    errs.push(err(f("phone_number"), RuleCode::WaButtonPhoneTooLong));
                } else if clean_line(p).is_none() {
                    let rule = if p.starts_with('+') {
                        RuleCode::NotAPhone
                    } else {
                        RuleCode::NotE164
                    };
                    errs.push(err(f("phone_number"), rule));
                }
            }
            _ => {}
        }
    }
}

fn check_media(d: &TemplateDraft, errs: &mut Vec<RuleError>) {
    if d.template_type == TemplateType::Text {
        return;
    }
    if d.media_id.trim().is_empty() {
        errs.push(err("media_id", RuleCode::Required));
    }
    let Some(m) = &d.media else { return };
    let mime = m.mime.to_ascii_lowercase();
    let (types_ok, max) = match d.template_type {
        TemplateType::Image => (
            matches!(mime.as_str(), "image/jpeg" | "image/png"),
            IMAGE_MAX_BYTES,
        ),
        TemplateType::Video => (
            matches!(mime.as_str(), "video/mp4" | "video/3gpp"),
            VIDEO_MAX_BYTES,
        ),
        _ => (!mime.is_empty(), DOCUMENT_MAX_BYTES),
    };
    if !types_ok {
        errs.push(err("media", RuleCode::WaMediaType));
    } else if m.size_bytes > max {
        errs.push(err("media", RuleCode::WaMediaTooBig));
    }
}

/// Control characters and invisible formatting (bidi overrides, zero-width) in any text of a
/// template: Meta would show them to every recipient. Line breaks are fine in the body only.
fn unsafe_text_in_template(d: &TemplateDraft) -> Vec<RuleError> {
    use opsdesk_http::text::{has_unsafe_chars, UNSAFE_CHARS_RULE};
    let mut errs = Vec::new();
    for (field, text, multiline) in [
        ("name", &d.name, false),
        ("header", &d.header, false),
        ("body", &d.body, true),
        ("footer", &d.footer, false),
    ] {
        if has_unsafe_chars(text, multiline) {
            errs.push(err(field, UNSAFE_CHARS_RULE));
        }
    }
    for (i, b) in d.buttons.iter().enumerate() {
        for (part, text) in [
            ("text", &b.text),
            ("url", &b.url),
            ("phone_number", &b.phone_number),
        ] {
            if has_unsafe_chars(text, false) {
                errs.push(err(format!("buttons.{i}.{part}"), UNSAFE_CHARS_RULE));
            }
        }
    }
    for (name, v) in &d.samples {
        if has_unsafe_chars(v, false) {
            errs.push(err(format!("samples.{name}"), UNSAFE_CHARS_RULE));
        }
    }
    errs
}

/// Checks a draft against every documented rule; all problems at once, in form order.
pub fn validate_template(d: &TemplateDraft) -> Vec<RuleError> {
    let mut errs = unsafe_text_in_template(d);
    if !errs.is_empty() {
        return errs;
    }
    if clean_line(&d.line).is_none() {
        errs.push(err("line", RuleCode::WaNotALine));
    }
    if d.name.trim().is_empty() {
        errs.push(err("name", RuleCode::Required));
    } else if chars(&d.name) > NAME_MAX {
        errs.push(err("name", RuleCode::WaNameTooLong));
    }
    if wire_language(&d.language).is_none() {
        errs.push(err("language", RuleCode::Required));
    }
    let auth = d.category == Category::Authentication;
    if auth && d.template_type != TemplateType::Text {
        errs.push(err("template_type", RuleCode::WaAuthTextOnly));
    }
    check_media(d, &mut errs);

    if !d.header.is_empty() {
        if !has_header(d) {
            errs.push(err("header", RuleCode::WaHeaderNotAllowed));
        } else if chars(&d.header) > HEADER_MAX {
            errs.push(err("header", RuleCode::WaHeaderTooLong));
        } else if !syntax_ok(&d.header) {
            errs.push(err("header", RuleCode::WaVariableSyntax));
        } else if placeholders(&d.header).len() > 1 {
            errs.push(err("header", RuleCode::WaHeaderOneVariable));
        }
    }
    if auth {
        if !d.body.trim().is_empty() {
            errs.push(err("body", RuleCode::WaAuthBodyFixed));
        }
        if !d.footer.is_empty() {
            errs.push(err("footer", RuleCode::WaFooterNotAllowed));
        }
        match d.code_expiration_minutes {
            Some(m) if !EXPIRY_MINUTES.contains(&m) => {
                errs.push(err("code_expiration_minutes", RuleCode::WaExpiryRange))
            }
            _ => {}
        }
    } else {
        if d.body.trim().is_empty() {
            errs.push(err("body", RuleCode::Required));
        } else if chars(&d.body) > BODY_MAX {
            errs.push(err("body", RuleCode::WaBodyTooLong));
        } else if !syntax_ok(&d.body) {
            errs.push(err("body", RuleCode::WaVariableSyntax));
        }
        if chars(&d.footer) > FOOTER_MAX {
            errs.push(err("footer", RuleCode::WaFooterTooLong));
        } else if !d.footer.is_empty() && !placeholders(&d.footer).is_empty() {
            // The footer is plain text: a variable there is never replaced.
            errs.push(err("footer", RuleCode::WaFooterPlainText));
        }
        if d.code_expiration_minutes.is_some() {
            errs.push(err("code_expiration_minutes", RuleCode::WaExpiryAuthOnly));
        }
    }
    check_buttons(d, &mut errs);

    for name in template_variables(d) {
        let sample = d.samples.get(&name).map(|s| s.trim()).unwrap_or("");
        if sample.is_empty() {
            errs.push(err(format!("samples.{name}"), RuleCode::WaSampleRequired));
        } else if name == "code" && chars(sample) > CODE_MAX {
            errs.push(err(format!("samples.{name}"), RuleCode::WaCodeTooLong));
        }
    }
    errs
}

/// What a send needs to know about the template it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendableTemplate {
    pub status: String,
    pub is_notification: bool,
    pub variables: Vec<String>,
}

/// The send-to-one form (catalogue §4.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SendDraft {
    pub outbound_id: String,
    /// With `+`, e.g. `+57`.
    pub country_code: String,
    /// The number without the country code, as typed.
    pub phone_number: String,
    #[serde(default)]
    pub flow_id: String,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    pub opt_in: bool,
    #[serde(default)]
    pub account_id: String,
}

/// A send ready for the wire: digits only, the `+` on the country code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanSend {
    pub outbound_id: String,
    pub country_code: String,
    pub phone_number: String,
    pub flow_id: Option<String>,
    pub values: BTreeMap<String, String>,
    pub account_id: Option<String>,
}

impl CleanSend {
    /// E.164 of the recipient, for dedup and for the activity log (masked there).
    pub fn e164(&self) -> String {
        format!("{}{}", self.country_code, self.phone_number)
    }
}

pub fn account_id_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

pub fn validate_send(d: &SendDraft, t: &SendableTemplate) -> Result<CleanSend, Vec<RuleError>> {
    let mut errs: Vec<RuleError> = d
        .values
        .iter()
        .filter(|(_, v)| opsdesk_http::text::has_unsafe_chars(v, false))
        .map(|(k, _)| err(format!("values.{k}"), opsdesk_http::text::UNSAFE_CHARS_RULE))
        .collect();
    if !errs.is_empty() {
        return Err(errs);
    }
    if d.outbound_id.trim().is_empty() {
        errs.push(err("outbound_id", RuleCode::Required));
    } else if t.status != "APPROVED" {
        errs.push(err("outbound_id", RuleCode::WaNotApproved));
    }
    let phone = match opsdesk_http::phone::parse_with_country(&d.country_code, &d.phone_number) {
        // WhatsApp lives on phones: a landline is refused before the send.
        Ok(p) if !p.can_be_mobile() => {
            errs.push(err("phone_number", RuleCode::NotAMobile));
            None
        }
        Ok(p) => Some(p),
        Err(RuleCode::CountryCode) => {
            errs.push(err("country_code", RuleCode::Required));
            None
        }
        Err(rule) => {
            errs.push(err("phone_number", rule));
            None
        }
    };
    let flow = d.flow_id.trim();
    if !t.is_notification {
        if flow.is_empty() {
            errs.push(err("flow_id", RuleCode::WaFlowRequired));
        } else if !flow.starts_with("IPF") {
            errs.push(err("flow_id", RuleCode::NotAFlowId));
        }
    }
    let mut values = BTreeMap::new();
    for name in &t.variables {
        let v = d.values.get(name).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            errs.push(err(format!("values.{name}"), RuleCode::Required));
        } else if name == "code" && chars(v) > CODE_MAX {
            errs.push(err(format!("values.{name}"), RuleCode::WaCodeTooLong));
        } else {
            values.insert(name.clone(), v.to_string());
        }
    }
    let account = d.account_id.trim();
    if !account.is_empty() && !account_id_ok(account) {
        errs.push(err("account_id", RuleCode::BadAccountId));
    }
    if !d.opt_in {
        errs.push(err("opt_in", RuleCode::WaOptInRequired));
    }
    let Some(phone) = phone.filter(|_| errs.is_empty()) else {
        return Err(errs);
    };
    Ok(CleanSend {
        outbound_id: d.outbound_id.trim().to_string(),
        country_code: format!("+{}", phone.country_code),
        phone_number: phone.national,
        // A notification cannot be tied to a flow (§4.3): never send one even if typed.
        flow_id: (!t.is_notification).then(|| flow.to_string()),
        values,
        account_id: (!account.is_empty()).then(|| account.to_string()),
    })
}

/// The link that opens a chat with the line and the inbound text typed in (catalogue §4.5).
pub fn inbound_link(line_digits: &str, text: &str) -> String {
    let mut u = url::Url::parse("https://api.whatsapp.com/send").unwrap();
    u.query_pairs_mut()
        .append_pair("phone", line_digits)
        .append_pair("text", text);
    // `form_urlencoded` writes spaces as `+`; WhatsApp shows them literally in some clients, so
    // use `%20` as the guide's examples do.
    u.to_string().replace('+', "%20")
}

#[cfg(test)]
mod tests {

    /// Writes the UI's copy of the limits and fixed texts next to the ts-rs bindings; the test
    /// command fails when the committed file differs (same drift check as the bindings).
    #[test]
    fn export_ui_module() {
        let dir = std::env::var("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings")
            });
        let dir = if dir.is_relative() {
            // Cargo's [env] gives it relative to the workspace root.
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(dir)
        } else {
            dir
        };
        let text = ui_module();
        assert!(text.contains("name: 512") && text.contains("{minutes}"));
        std::fs::write(dir.join("whatsappRules.ts"), text).unwrap();
    }

    use super::*;

    fn marketing() -> TemplateDraft {
        TemplateDraft {
            header: "Sale starts {{.day}}".into(),
            body: "Hi {{.name}}, use {{.promo}}".into(),
            footer: "Reply STOP to opt out".into(),
            ..TemplateDraft::text("+57 300 123 4567", "spring_sale", Category::Marketing)
        }
        .with_samples(&[("day", "Monday"), ("name", "Ana"), ("promo", "SPRING")])
    }

    fn qr(t: &str) -> Button {
        Button {
            kind: ButtonKind::QuickReply,
            text: t.into(),
            url: String::new(),
            phone_number: String::new(),
        }
    }
    fn url(u: &str) -> Button {
        Button {
            kind: ButtonKind::Url,
            text: "Open".into(),
            url: u.into(),
            phone_number: String::new(),
        }
    }
    fn phone(p: &str) -> Button {
        Button {
            kind: ButtonKind::PhoneNumber,
            text: "Call us".into(),
            url: String::new(),
            phone_number: p.into(),
        }
    }
    fn copy() -> Button {
        Button {
            kind: ButtonKind::CopyCode,
            text: String::new(),
            url: String::new(),
            phone_number: String::new(),
        }
    }

    fn rules(d: &TemplateDraft) -> Vec<(String, &'static str)> {
        validate_template(d)
            .into_iter()
            .map(|e| (e.field, e.rule.as_str()))
            .collect()
    }
    fn has(d: &TemplateDraft, field: &str, rule: &str) -> bool {
        rules(d).iter().any(|(f, r)| f == field && *r == rule)
    }

    #[test]
    fn a_complete_marketing_template_passes() {
        assert_eq!(rules(&marketing()), vec![]);
    }

    #[test]
    fn variables_are_found_in_header_body_and_urls_once_each() {
        let mut d = marketing();
        d.body = "{{.name}} {{.name}} {{.promo}}".into();
        d.buttons = vec![url("https://shop.example.com/{{.path}}"), copy()];
        assert_eq!(
            template_variables(&d),
            vec!["day", "name", "promo", "path", "code"]
        );
    }

    #[test]
    fn malformed_variables_are_caught() {
        for bad in [
            "Hi {{name}}",
            "Hi {{.}}",
            "Hi {{.first name}}",
            "Hi {{.name}",
            "Hi name}}",
            "{{ .name }}",
        ] {
            let mut d = marketing();
            d.body = bad.into();
            assert!(has(&d, "body", "wa_variable_syntax"), "{bad}");
        }
    }

    #[test]
    fn name_limit_is_512_characters() {
        let mut d = marketing();
        d.name = "ñ".repeat(512);
        assert!(!has(&d, "name", "wa_name_too_long"));
        d.name.push('a');
        assert!(has(&d, "name", "wa_name_too_long"));
        d.name = "  ".into();
        assert!(has(&d, "name", "required"));
    }

    #[test]
    fn header_limit_is_60_with_at_most_one_variable() {
        let mut d = marketing();
        d.header = "x".repeat(60);
        assert!(!has(&d, "header", "wa_header_too_long"));
        d.header = "x".repeat(61);
        assert!(has(&d, "header", "wa_header_too_long"));
        d.header = "{{.day}} and {{.name}}".into();
        assert!(has(&d, "header", "wa_header_one_variable"));
    }

    #[test]
    fn header_only_for_text_marketing_or_utility() {
        let mut d = marketing();
        d.template_type = TemplateType::Image;
        d.media_id = "MED123".into();
        assert!(has(&d, "header", "wa_header_not_allowed"));
        let mut d = marketing();
        d.category = Category::Utility;
        assert!(!has(&d, "header", "wa_header_not_allowed"));
    }

    #[test]
    fn body_limit_is_1024_and_footer_60() {
        let mut d = marketing();
        d.body = "b".repeat(1024);
        assert!(!has(&d, "body", "wa_body_too_long"));
        d.body.push('b');
        assert!(has(&d, "body", "wa_body_too_long"));
        d.footer = "f".repeat(60);
        assert!(!has(&d, "footer", "wa_footer_too_long"));
        d.footer.push('f');
        assert!(has(&d, "footer", "wa_footer_too_long"));
        d.body = String::new();
        assert!(has(&d, "body", "required"));
    }

    #[test]
    fn authentication_is_text_only_with_a_fixed_body_no_buttons_and_expiry_1_to_90() {
        let mut d = marketing();
        d.category = Category::Authentication;
        d.header = String::new();
        d.footer = String::new();
        d.body = String::new();
        d.samples = [("code".to_string(), "123456".to_string())].into();
        assert_eq!(rules(&d), vec![]);
        assert_eq!(template_variables(&d), vec!["code"]);
        for ok in [1, 90] {
            d.code_expiration_minutes = Some(ok);
            assert!(
                !has(&d, "code_expiration_minutes", "wa_expiry_range"),
                "{ok}"
            );
        }
        for bad in [0, 91] {
            d.code_expiration_minutes = Some(bad);
            assert!(
                has(&d, "code_expiration_minutes", "wa_expiry_range"),
                "{bad}"
            );
        }
        d.template_type = TemplateType::Image;
        assert!(has(&d, "template_type", "wa_auth_text_only"));
        d.template_type = TemplateType::Text;
        d.body = "Your code".into();
        assert!(has(&d, "body", "wa_auth_body_fixed"));
        d.body.clear();
        d.buttons = vec![copy()];
        assert!(has(&d, "buttons", "wa_auth_no_buttons"));
        d.buttons.clear();
        d.footer = "Bye".into();
        assert!(has(&d, "footer", "wa_footer_not_allowed"));
    }

    #[test]
    fn expiry_is_only_for_authentication() {
        let mut d = marketing();
        d.code_expiration_minutes = Some(10);
        assert!(has(&d, "code_expiration_minutes", "wa_expiry_auth_only"));
    }

    #[test]
    fn valid_button_groupings_from_the_reference_pass() {
        let p = || phone("+57 601 555 0000");
        for buttons in [
            vec![qr("Yes"), qr("No")],
            vec![qr("Yes"), qr("No"), url("https://a.co"), p()],
            vec![url("https://a.co"), p(), qr("Yes"), qr("No")],
        ] {
            let mut d = marketing();
            d.buttons = buttons.clone();
            assert_eq!(rules(&d), vec![], "{buttons:?}");
        }
    }

    #[test]
    fn invalid_button_groupings_from_the_reference_fail() {
        for buttons in [
            vec![qr("Yes"), url("https://a.co"), qr("No")],
            vec![url("https://a.co"), qr("Yes"), url("https://b.co")],
        ] {
            let mut d = marketing();
            d.buttons = buttons.clone();
            assert!(has(&d, "buttons", "wa_quick_replies_apart"), "{buttons:?}");
        }
    }

    #[test]
    fn button_counts_at_and_past_each_limit() {
        let mut d = marketing();
        d.buttons = (0..10).map(|i| qr(&format!("Option {i}"))).collect();
        assert_eq!(rules(&d), vec![]);
        d.buttons.push(qr("Eleven"));
        assert!(has(&d, "buttons", "wa_too_many_buttons"));
        assert!(has(&d, "buttons", "wa_too_many_quick_replies"));

        let mut d = marketing();
        d.buttons = vec![url("https://a.co"), url("https://b.co")];
        assert_eq!(rules(&d), vec![]);
        d.buttons.push(url("https://c.co"));
        assert!(has(&d, "buttons", "wa_too_many_url_buttons"));

        let mut d = marketing();
        d.buttons = vec![phone("+5760155500"), phone("+5760155501")];
        assert!(has(&d, "buttons", "wa_too_many_phone_buttons"));

        let mut d = marketing();
        d.buttons = vec![copy(), copy()];
        d.samples.insert("code".into(), "X1".into());
        assert!(has(&d, "buttons", "wa_too_many_copy_code"));
    }

    #[test]
    fn notifications_cannot_have_quick_replies() {
        let mut d = marketing();
        d.is_notification = true;
        d.buttons = vec![qr("Yes")];
        assert!(has(&d, "buttons", "wa_quick_reply_in_notification"));
        d.buttons = vec![url("https://a.co")];
        assert_eq!(rules(&d), vec![]);
    }

    #[test]
    fn labels_are_at_most_25_and_required_except_copy_code() {
        let mut d = marketing();
        d.buttons = vec![qr(&"l".repeat(25))];
        assert_eq!(rules(&d), vec![]);
        d.buttons = vec![qr(&"l".repeat(26))];
        assert!(has(&d, "buttons.0.text", "wa_label_too_long"));
        d.buttons = vec![qr(" ")];
        assert!(has(&d, "buttons.0.text", "required"));
        let mut c = copy();
        c.text = "Copy".into();
        d.buttons = vec![c];
        d.samples.insert("code".into(), "X1".into());
        assert!(has(&d, "buttons.0.text", "wa_copy_code_no_label"));
    }

    #[test]
    fn copy_code_only_in_marketing_and_its_code_at_most_15() {
        let mut d = marketing();
        d.buttons = vec![copy()];
        assert!(has(&d, "samples.code", "wa_sample_required"));
        d.samples.insert("code".into(), "C".repeat(15));
        assert_eq!(rules(&d), vec![]);
        d.samples.insert("code".into(), "C".repeat(16));
        assert!(has(&d, "samples.code", "wa_code_too_long"));
        d.samples.insert("code".into(), "C".into());
        d.category = Category::Utility;
        assert!(has(&d, "buttons.0.kind", "wa_copy_code_marketing_only"));
    }

    #[test]
    fn url_buttons_need_http_a_host_and_at_most_one_trailing_variable() {
        let check = |u: &str| {
            let mut d = marketing();
            d.buttons = vec![url(u)];
            d.samples.insert("path".into(), "spring".into());
            d.samples.insert("a".into(), "1".into());
            rules(&d)
                .into_iter()
                .filter(|(f, _)| f.starts_with("buttons.0.url"))
                .map(|(_, r)| r)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            check("https://www.example.com/{{.path}}"),
            Vec::<&str>::new()
        );
        assert_eq!(check("http://example.com"), Vec::<&str>::new());
        assert_eq!(check("ftp://example.com"), vec!["wa_not_a_web_address"]);
        assert_eq!(check("https://"), vec!["wa_not_a_web_address"]);
        assert_eq!(check("www.example.com"), vec!["wa_not_a_web_address"]);
        assert_eq!(
            check("https://example.com/{{.path}}/x"),
            vec!["wa_url_variable_at_end"]
        );
        assert_eq!(
            check("https://example.com/{{.a}}{{.path}}"),
            vec!["wa_url_variable_at_end"]
        );
        assert_eq!(check("{{.path}}"), vec!["wa_not_a_web_address"]);
        assert_eq!(check(""), vec!["required"]);
        let long = format!("https://example.com/{}", "p".repeat(2000 - 20));
        assert_eq!(chars(&long), 2000);
        assert_eq!(check(&long), Vec::<&str>::new());
        assert_eq!(check(&format!("{long}p")), vec!["wa_url_too_long"]);
    }

    #[test]
    fn phone_buttons_are_at_most_20_characters() {
        let mut d = marketing();
        d.buttons = vec![phone("+57 (601) 555-00-00")];
        assert_eq!(chars(&d.buttons[0].phone_number), 19);
        assert_eq!(rules(&d), vec![]);
        d.buttons = vec![phone("+57 (601) 555-000-000")];
        assert!(has(
            &d,
            "buttons.0.phone_number",
            "wa_button_phone_too_long"
        ));
        d.buttons = vec![phone("call me")];
        assert!(has(&d, "buttons.0.phone_number", "not_e164"));
    }

    #[test]
    fn every_variable_needs_a_sample() {
        let mut d = marketing();
        d.samples.remove("day");
        d.samples.insert("promo".into(), " ".into());
        assert!(has(&d, "samples.day", "wa_sample_required"));
        assert!(has(&d, "samples.promo", "wa_sample_required"));
        assert!(!has(&d, "samples.name", "wa_sample_required"));
    }

    #[test]
    fn media_templates_need_a_media_id_and_respect_type_and_size() {
        let mut d = marketing();
        d.header.clear();
        d.samples.remove("day");
        d.template_type = TemplateType::Image;
        assert!(has(&d, "media_id", "required"));
        d.media_id = "MED1".into();
        d.media = Some(MediaFile {
            mime: "image/png".into(),
            size_bytes: IMAGE_MAX_BYTES,
        });
        assert_eq!(rules(&d), vec![]);
        d.media = Some(MediaFile {
            mime: "image/png".into(),
            size_bytes: IMAGE_MAX_BYTES + 1,
        });
        assert!(has(&d, "media", "wa_media_too_big"));
        d.media = Some(MediaFile {
            mime: "image/gif".into(),
            size_bytes: 10,
        });
        assert!(has(&d, "media", "wa_media_type"));
        d.template_type = TemplateType::Video;
        d.media = Some(MediaFile {
            mime: "video/3gpp".into(),
            size_bytes: VIDEO_MAX_BYTES,
        });
        assert_eq!(rules(&d), vec![]);
        d.media = Some(MediaFile {
            mime: "video/mp4".into(),
            size_bytes: VIDEO_MAX_BYTES + 1,
        });
        assert!(has(&d, "media", "wa_media_too_big"));
        d.template_type = TemplateType::Document;
        d.media = Some(MediaFile {
            mime: "application/pdf".into(),
            size_bytes: DOCUMENT_MAX_BYTES,
        });
        assert_eq!(rules(&d), vec![]);
        d.media = Some(MediaFile {
            mime: "application/pdf".into(),
            size_bytes: DOCUMENT_MAX_BYTES + 1,
        });
        assert!(has(&d, "media", "wa_media_too_big"));
    }

    #[test]
    fn line_and_language_are_checked_and_portuguese_is_normalised() {
        let mut d = marketing();
        d.line = "12345".into();
        d.language = "fr".into();
        assert!(has(&d, "line", "wa_not_a_line"));
        assert!(has(&d, "language", "required"));
        assert_eq!(wire_language("pt-BR"), Some("pt_BR"));
        assert_eq!(wire_language("PT_br"), Some("pt_BR"));
        assert_eq!(
            clean_line("+57 300-123-4567").as_deref(),
            Some("573001234567")
        );
    }

    #[test]
    fn desktop_warning_for_four_buttons_or_mixed_types() {
        assert!(!desktop_hides_buttons(&[qr("a"), qr("b"), qr("c")]));
        assert!(desktop_hides_buttons(&[qr("a"), qr("b"), qr("c"), qr("d")]));
        assert!(desktop_hides_buttons(&[qr("a"), url("https://a.co")]));
        assert!(!desktop_hides_buttons(&[
            url("https://a.co"),
            phone("+5760155500")
        ]));
    }

    fn approved(vars: &[&str], notification: bool) -> SendableTemplate {
        SendableTemplate {
            status: "APPROVED".into(),
            is_notification: notification,
            variables: vars.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn send() -> SendDraft {
        SendDraft {
            outbound_id: "OTB1".into(),
            country_code: "+57".into(),
            phone_number: "300 123 4567".into(),
            flow_id: "IPF1".into(),
            values: [("name".to_string(), "Ana".to_string())].into(),
            opt_in: true,
            account_id: String::new(),
        }
    }

    #[test]
    fn a_send_is_cleaned_for_the_wire() {
        let c = validate_send(&send(), &approved(&["name"], false)).unwrap();
        assert_eq!(c.country_code, "+57");
        assert_eq!(c.phone_number, "3001234567");
        assert_eq!(c.flow_id.as_deref(), Some("IPF1"));
        assert_eq!(c.e164(), "+573001234567");
        let mut pasted = send();
        pasted.phone_number = "+57 300 123 4567".into();
        assert_eq!(
            validate_send(&pasted, &approved(&["name"], false))
                .unwrap()
                .phone_number,
            "3001234567"
        );
    }

    #[test]
    fn whatsapp_goes_to_mobiles_not_landlines() {
        let mut d = send();
        d.phone_number = "601 555 0100".into(); // a Bogotá landline
        let e = validate_send(&d, &approved(&["name"], false)).unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].rule),
            ("phone_number", RuleCode::NotAMobile)
        );
        // Where the plan does not tell them apart (Mexico), the number may be a mobile.
        d.country_code = "+52".into();
        d.phone_number = "55 1234 5678".into();
        assert!(validate_send(&d, &approved(&["name"], false)).is_ok());
    }

    #[test]
    fn sends_need_approval_opt_in_flow_and_every_value() {
        let mut d = send();
        d.opt_in = false;
        d.flow_id.clear();
        d.values.clear();
        d.account_id = "bad id!".into();
        let mut t = approved(&["name"], false);
        t.status = "PENDING".into();
        let e: Vec<_> = validate_send(&d, &t)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule.as_str()))
            .collect();
        for want in [
            ("outbound_id", "wa_not_approved"),
            ("flow_id", "wa_flow_required"),
            ("values.name", "required"),
            ("account_id", "bad_account_id"),
            ("opt_in", "wa_opt_in_required"),
        ] {
            assert!(
                e.iter().any(|(f, r)| f == want.0 && *r == want.1),
                "{want:?} in {e:?}"
            );
        }
    }

    #[test]
    fn notifications_never_carry_a_flow_and_phones_are_checked() {
        let c = validate_send(&send(), &approved(&["name"], true)).unwrap();
        assert_eq!(c.flow_id, None);
        let mut d = send();
        d.phone_number = "12".into();
        assert!(validate_send(&d, &approved(&["name"], true)).is_err());
        d.phone_number = "3001234567".into();
        d.country_code = "57a".into();
        assert!(validate_send(&d, &approved(&["name"], true)).is_err());
    }

    #[test]
    fn inbound_links_encode_the_text() {
        assert_eq!(
            inbound_link("573001234567", "Hola, quiero mi crédito & más"),
            "https://api.whatsapp.com/send?phone=573001234567&text=Hola%2C%20quiero%20mi%20cr%C3%A9dito%20%26%20m%C3%A1s"
        );
        assert_eq!(
            inbound_link("57300", "1+1"),
            "https://api.whatsapp.com/send?phone=57300&text=1%2B1"
        );
    }
}
