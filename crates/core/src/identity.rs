//! Digital Identity use cases: look up and cache processes, explain their outcome, download their
//! evidence, and send process links.

use opsdesk_http::DownloadProgress;
use opsdesk_http::ErrorKind;
use opsdesk_http::RuleCode;
use opsdesk_truora::identity::{
    find_process_id, LinkChannel, ProcessFile, ProcessResult, ResendLinkRequest, SendLinkRequest,
    WebTokenRequest,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::downloads::{downloads_for, DownloadedFile};
use crate::error::AppError;
use crate::store::identity as sql;
pub use crate::store::identity::{FlowEntry, ProcessPage, ProcessQuery, ProcessRow};
use crate::store::settings as kv;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProcessStatus {
    Pending,
    Success,
    Failure,
}

/// Why a process or validation failed, grouped the way Truora's declined-reasons guide groups
/// them, so the UI can say it in plain words. The vendor's own code is kept next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReasonCategory {
    DataInconsistency,
    PossibleFraud,
    IllegibleDocument,
    MissingInformation,
    AcceptanceRules,
    ContactDetails,
    UserWithdrew,
    Expired,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Reason {
    pub category: ReasonCategory,
    /// The vendor's code, e.g. `document_expired`.
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ValidationView {
    /// Vendor type, e.g. `document-validation`, `face-recognition`.
    pub kind: String,
    pub status: ProcessStatus,
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct OverrideView {
    pub previous_status: Option<String>,
    pub new_status: Option<String>,
    pub updated_by: Option<String>,
    pub reason: Option<String>,
    pub at: Option<String>,
}

/// A process as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ProcessView {
    pub process_id: String,
    /// Who the process is about, when Truora's result says (empty otherwise).
    pub name: String,
    pub document: String,
    /// success | failure | expired | pending | overridden, as the inbox files it.
    pub outcome: String,
    /// The status that counts (the override when a reviewer changed it).
    pub status: ProcessStatus,
    /// Set when a reviewer overrode the outcome: what the automatic result was.
    pub automatic_status: Option<ProcessStatus>,
    pub override_history: Vec<OverrideView>,
    pub country: Option<String>,
    pub flow_id: Option<String>,
    pub created_at: Option<String>,
    pub reason: Option<Reason>,
    pub expired: bool,
    pub validations: Vec<ValidationView>,
    #[ts(type = "number")]
    pub fetched_at_ms: i64,
    pub downloads: Vec<DownloadedFile>,
}

fn status_of(s: &str) -> ProcessStatus {
    match s {
        "success" => ProcessStatus::Success,
        "failure" | "declined" | "expired" | "error" => ProcessStatus::Failure,
        _ => ProcessStatus::Pending,
    }
}

/// Groups a vendor reason code. Keyword rules, because the full code list is only in a guide
/// the catalogue did not copy; unknown codes fall back to `Other` and stay visible.
pub fn categorise(code: &str, expired: bool) -> ReasonCategory {
    let c = code.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
    if expired
        || has(&[
            "expired_process",
            "timeout",
            "time_out",
            "validation_timeout",
        ])
    {
        ReasonCategory::Expired
    } else if has(&[
        "fraud",
        "face_mismatch",
        "mismatch_face",
        "liveness",
        "spoof",
        "photo_of_photo",
        "tamper",
        "blacklist",
    ]) {
        ReasonCategory::PossibleFraud
    } else if has(&[
        "illegible",
        "blur",
        "quality",
        "unreadable",
        "glare",
        "cropped",
    ]) {
        ReasonCategory::IllegibleDocument
    } else if has(&["missing", "not_found", "incomplete", "no_document"]) {
        ReasonCategory::MissingInformation
    } else if has(&["inconsisten", "mismatch", "does_not_match", "different"]) {
        ReasonCategory::DataInconsistency
    } else if has(&["email", "phone", "otp", "sms"]) {
        ReasonCategory::ContactDetails
    } else if has(&["withdraw", "abandon", "cancel", "declined_by_user", "user_"]) {
        ReasonCategory::UserWithdrew
    } else if has(&[
        "document_expired",
        "underage",
        "age",
        "rule",
        "not_allowed",
        "country",
        "document_type",
    ]) {
        ReasonCategory::AcceptanceRules
    } else {
        ReasonCategory::Other
    }
}

fn reason(code: Option<&String>, expired: bool) -> Option<Reason> {
    code.map(|c| Reason {
        category: categorise(c, expired),
        code: c.clone(),
    })
}

pub fn view_of(
    r: &ProcessResult,
    fetched_at_ms: i64,
    downloads: Vec<DownloadedFile>,
) -> ProcessView {
    let status = status_of(r.effective_status());
    let automatic = r.status.as_deref().map(status_of);
    let expired = r.failure_status.as_deref() == Some("expired") || r.expired_reason.is_some();
    let person = r.person();
    ProcessView {
        process_id: r.process_id.clone(),
        name: person.name,
        document: person.document,
        outcome: sql::outcome_of(r).to_string(),
        status,
        automatic_status: if r.override_status.is_some() {
            automatic
        } else {
            None
        },
        override_history: r
            .override_status_history
            .iter()
            .map(|o| OverrideView {
                previous_status: o.previous_status.clone(),
                new_status: o.new_status.clone(),
                updated_by: o.updated_by.clone(),
                reason: o.reason.clone(),
                at: o.update_date.clone(),
            })
            .collect(),
        country: r.country.clone(),
        flow_id: r.flow_id.clone(),
        created_at: r.creation_date.clone(),
        reason: reason(r.declined_reason.as_ref(), false)
            .or_else(|| reason(r.expired_reason.as_ref(), true)),
        expired,
        validations: r
            .validations
            .iter()
            .map(|v| ValidationView {
                kind: v.kind.clone().unwrap_or_else(|| "unknown".into()),
                status: status_of(v.validation_status.as_deref().unwrap_or("pending")),
                reason: reason(v.declined_reason.as_ref(), false),
            })
            .collect(),
        fetched_at_ms,
        downloads,
    }
}

// ---- sending links ----

/// `copy_link` only creates the person's link for the operator to share; the others ask
/// Truora to send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LinkDelivery {
    Whatsapp,
    Sms,
    Email,
    CopyLink,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct LinkForm {
    pub flow_id: String,
    pub country: String,
    pub delivery: LinkDelivery,
    pub language: String,
    pub phone: String,
    pub email: String,
    /// WhatsApp template (outbound) ID, for the WhatsApp channel.
    pub outbound_id: String,
    /// Values for the template's variables (WhatsApp only), by variable name.
    #[serde(default)]
    pub variables: Vec<TemplateValue>,
    pub redirect_url: String,
    pub account_id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct TemplateValue {
    pub name: String,
    pub value: String,
}

/// "Send the link again" for an existing process (D11): by WhatsApp or SMS only.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ResendForm {
    pub delivery: LinkDelivery,
    /// As the person's number is usually written at home; a `+` and country code also work.
    pub phone: String,
    pub language: String,
}

/// What one refresh of the inbox found.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct InboxSync {
    pub new: u32,
    pub changed: u32,
    /// Every process of the account has been fetched at least once.
    pub complete: bool,
    #[ts(type = "number | null")]
    pub synced_at_ms: Option<i64>,
}

/// Pages of 20 (the sandbox's size; Truora's is not documented) read per refresh at most: a
/// first refresh of a large account fills in over several runs, newest first.
const SYNC_PAGES: usize = 25;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LinkOutcome {
    pub delivery: LinkDelivery,
    /// The person's link, when one was created to copy.
    pub link: Option<String>,
}

pub const COUNTRIES: &[&str] = &["ALL", "AR", "BR", "CL", "CO", "CR", "EC", "MX", "PE"];
const LANGUAGES: &[&str] = &["es", "pt", "en"];

/// A phone number as people type it (`+57 300 123 4567`, `+55 (11) 91234-5678`) in E.164, or
/// `None` when it is not one. Truora sends the link to it, so the country code must be typed.
pub fn e164_phone(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if !raw.starts_with('+') {
        return None;
    }
    opsdesk_http::phone::parse_international(raw)
        .ok()
        .map(|p| p.e164())
}

/// The number a link goes to, in E.164: typed with `+` and its country code, or as it is written
/// at home in the country chosen on the form (its code is added), like "send the link again".
fn link_phone(f: &LinkForm) -> Option<String> {
    if f.phone.trim().starts_with('+') {
        return e164_phone(&f.phone);
    }
    phone_in_country(&f.phone, &f.country)
        .ok()
        .map(|p| p.e164())
}

/// A number typed for a person of `country` (ISO code): with `+` and its own code, or as written
/// at home there (the country's code is added). Both link forms read numbers this way.
fn phone_in_country(raw: &str, country: &str) -> Result<opsdesk_http::phone::Phone, RuleCode> {
    let raw = raw.trim();
    if opsdesk_http::text::has_unsafe_chars(raw, false) {
        return Err(opsdesk_http::text::UNSAFE_CHARS_RULE);
    }
    if raw.starts_with('+') {
        return opsdesk_http::phone::parse_international(raw);
    }
    match opsdesk_http::phone::calling_code(country) {
        Some(cc) => opsdesk_http::phone::parse_with_country(cc, raw),
        // No one country with a numbering plan here: the code must be typed.
        None if raw.is_empty() => Err(RuleCode::Required),
        None => Err(RuleCode::NeedsCountryCode),
    }
}

fn is_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.contains(char::is_whitespace)
}

/// Every rule of catalogue §6.2 for links, each reported at its field. Returns all problems, so
/// the form can show them at once.
pub fn validate_link_form(f: &LinkForm) -> Vec<AppError> {
    let mut errs = Vec::new();
    for (field, text) in [
        ("email", &f.email),
        ("redirect_url", &f.redirect_url),
        ("account_id", &f.account_id),
        ("outbound_id", &f.outbound_id),
        ("phone", &f.phone),
    ] {
        if opsdesk_http::text::has_unsafe_chars(text, false) {
            errs.push(AppError::validation(
                field,
                opsdesk_http::text::UNSAFE_CHARS_RULE,
                "remove invisible or control characters",
            ));
        }
    }
    if !errs.is_empty() {
        return errs;
    }
    let flow = f.flow_id.trim();
    if flow.is_empty() {
        errs.push(AppError::validation(
            "flow_id",
            RuleCode::Required,
            "flow is required",
        ));
    } else if !flow.starts_with("IPF")
        || !flow[3..].chars().all(|c| c.is_ascii_alphanumeric())
        || flow.len() < 6
    {
        errs.push(AppError::validation(
            "flow_id",
            RuleCode::NotAFlowId,
            "flow IDs start with IPF",
        ));
    }
    if !COUNTRIES.contains(&f.country.as_str()) {
        errs.push(AppError::validation(
            "country",
            RuleCode::Required,
            "choose a country",
        ));
    }
    if !LANGUAGES.contains(&f.language.as_str()) {
        errs.push(AppError::validation(
            "language",
            RuleCode::Required,
            "choose a language",
        ));
    }
    let phone = f.phone.trim();
    let phone_ok = link_phone(f).is_some();
    // With "+" and a country code, or a country chosen, the number itself is wrong, not its
    // format; with neither (country "ALL"), the code is what is missing.
    let phone_rule =
        if phone.starts_with('+') || opsdesk_http::phone::calling_code(&f.country).is_some() {
            RuleCode::NotAPhone
        } else {
            RuleCode::NotE164
        };
    match f.delivery {
        LinkDelivery::Whatsapp | LinkDelivery::Sms => {
            if phone.is_empty() {
                errs.push(AppError::validation(
                    "phone",
                    RuleCode::Required,
                    "phone is required for this channel",
                ));
            } else if !phone_ok {
                errs.push(AppError::validation(
                    "phone",
                    phone_rule,
                    "phone must include + and the country code",
                ));
            } else if f.delivery == LinkDelivery::Whatsapp
                && phone_in_country(phone, &f.country).is_ok_and(|p| !p.can_be_mobile())
            {
                // A landline has no WhatsApp: the link would never arrive.
                errs.push(AppError::validation(
                    "phone",
                    RuleCode::NotAMobile,
                    "this number is a landline",
                ));
            }
        }
        LinkDelivery::Email => {
            if f.email.trim().is_empty() {
                errs.push(AppError::validation(
                    "email",
                    RuleCode::Required,
                    "e-mail is required for this channel",
                ));
            } else if !is_email(f.email.trim()) {
                errs.push(AppError::validation(
                    "email",
                    RuleCode::NotAnEmail,
                    "not a valid e-mail address",
                ));
            }
        }
        LinkDelivery::CopyLink => {
            if !phone.is_empty() && !phone_ok {
                errs.push(AppError::validation(
                    "phone",
                    phone_rule,
                    "phone must include + and the country code",
                ));
            }
            let url = f.redirect_url.trim();
            if url.is_empty() {
                errs.push(AppError::validation(
                    "redirect_url",
                    RuleCode::Required,
                    "where to send the person afterwards",
                ));
            } else if !(url.starts_with("https://") || url.starts_with("http://"))
                || url::Url::parse(url).is_err()
            {
                errs.push(AppError::validation(
                    "redirect_url",
                    RuleCode::NotAUrl,
                    "must be a web address",
                ));
            }
        }
    }
    // Variables belong to the WhatsApp template: other channels ignore them.
    let variables: &[TemplateValue] = if f.delivery == LinkDelivery::Whatsapp {
        &f.variables
    } else {
        &[]
    };
    for v in variables {
        let field = format!("variables.{}", v.name);
        if opsdesk_http::text::has_unsafe_chars(&v.value, false) {
            errs.push(AppError::validation(
                &field,
                opsdesk_http::text::UNSAFE_CHARS_RULE,
                "remove invisible or control characters",
            ));
        } else if v.value.trim().is_empty() {
            errs.push(AppError::validation(
                &field,
                RuleCode::Required,
                "every variable of the template needs a value",
            ));
        }
    }
    if f.delivery == LinkDelivery::Whatsapp && f.outbound_id.trim().is_empty() {
        errs.push(AppError::validation(
            "outbound_id",
            RuleCode::Required,
            "WhatsApp needs an approved template",
        ));
    }
    let acct = f.account_id.trim();
    if !acct.is_empty()
        && !acct
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        errs.push(AppError::validation(
            "account_id",
            RuleCode::BadAccountId,
            "letters, digits, _ . - only",
        ));
    }
    errs
}

fn none_if_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A unique, non-overwriting destination: `name.pdf`, then `name (2).pdf`, …
impl App {
    /// Fetches a process (by ID or pasted link), caches it and returns it.
    #[tracing::instrument(skip(self, input))]
    pub async fn identity_lookup(&self, input: &str) -> Result<ProcessView, AppError> {
        let Some(id) = find_process_id(input) else {
            return Err(AppError::validation(
                "process",
                RuleCode::NotAProcessId,
                "no process ID (IDP…) found",
            ));
        };
        self.identity_refresh(&id).await
    }

    pub async fn identity_refresh(&self, process_id: &str) -> Result<ProcessView, AppError> {
        let client = self.truora().await?;
        let result = client.process_result(process_id).await;
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                self.record(
                    "identity",
                    "identity.looked_up",
                    Outcome::Failed,
                    process_id,
                );
                return Err(e.into());
            }
        };
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| sql::save(c, &r, now, now, practice))?;
        self.record("identity", "identity.looked_up", Outcome::Ok, process_id);
        self.identity_get(process_id)
    }

    /// A cached process as the detail page shows it.
    pub fn identity_get(&self, process_id: &str) -> Result<ProcessView, AppError> {
        self.with_conn(|c| {
            let Some((r, fetched)) = sql::load(c, process_id)? else {
                return Ok(None);
            };
            Ok(Some(view_of(&r, fetched, downloads_for(c, process_id)?)))
        })?
        .ok_or_else(|| {
            AppError::new(
                crate::error::ErrorCode::NotFound,
                "this process is not on this computer",
            )
        })
    }

    /// A page of the inbox, as the identity screen asks it.
    pub fn identity_search(&self, q: &ProcessQuery) -> Result<ProcessPage, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| sql::search(c, q, practice))
    }

    fn mode_key(&self, what: &str) -> String {
        let mode = if self.is_practice() {
            "practice"
        } else {
            "live"
        };
        format!("identity.{what}.{mode}")
    }

    /// Opening (or leaving) the inbox: returns when it was last visited, so what arrived
    /// since can be marked, and records this visit. None on the first visit: a whole account
    /// arriving at once is not "new".
    pub fn identity_inbox_visit(&self) -> Result<Option<i64>, AppError> {
        let key = self.mode_key("visited");
        let now = self.now_ms();
        self.with_conn(|c| {
            let prev = kv::get(c, &key)?.and_then(|v| v.parse().ok());
            kv::put(c, &key, &now.to_string())?;
            Ok(prev)
        })
    }

    /// When the inbox was last brought up to date, and whether it holds the whole account.
    pub fn identity_sync_state(&self) -> Result<InboxSync, AppError> {
        let (cursors, at) = (self.mode_key("sync_cursors"), self.mode_key("synced_at"));
        self.with_conn(|c| {
            let unfinished = kv::get(c, &cursors)?
                .and_then(|v| serde_json::from_str::<Vec<SavedWalk>>(&v).ok())
                .is_some_and(|v| !v.is_empty());
            Ok(InboxSync {
                new: 0,
                changed: 0,
                complete: !unfinished && kv::get(c, &at)?.is_some(),
                synced_at_ms: kv::get(c, &at)?.and_then(|v| v.parse().ok()),
            })
        })
    }

    /// Brings the inbox up to date from Truora's process list (D8), newest first.
    ///
    /// A walk reads pages from a starting point until it meets a page with nothing new or
    /// changed (from there on the cache matches) or the end of the list. Where a walk has to
    /// stop early (its share of the [`SYNC_PAGES`] pages of a run is spent, the network fails,
    /// the app is closed) the page it would read next is saved after every page, and later runs
    /// go on from there: a large account fills in over several runs, and no interruption leaves
    /// a gap. Each run first walks from the newest (5 pages while an older walk is unfinished,
    /// so new processes are never kept waiting behind a fill-in), then the saved walks. Then the
    /// pending processes this walk did not reach are asked again one by one (D7), so one that
    /// finished on page 40 does not read "in progress" for ever.
    #[tracing::instrument(skip(self))]
    pub async fn identity_sync(&self) -> Result<InboxSync, AppError> {
        let _one = self.identity_sync_lock.lock().await;
        // The mode before the client: if it changes while the client is made (the practice
        // sandbox starting), nothing is saved under the wrong mode.
        let practice = self.is_practice();
        let client = self.truora().await?;
        if self.is_practice() != practice {
            return self.identity_sync_state();
        }
        let (cursors_key, at_key) = (self.mode_key("sync_cursors"), self.mode_key("synced_at"));
        let mut walk = InboxWalk {
            app: self,
            client: &client,
            practice,
            cursors: self
                .with_conn(|c| kv::get(c, &cursors_key))?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default(),
            cursors_key,
            budget: SYNC_PAGES,
            new: 0,
            changed: 0,
            refreshed: std::collections::HashSet::new(),
        };
        let first_time = self.with_conn(|c| kv::get(c, &at_key))?.is_none();
        let top_share = if walk.cursors.is_empty() {
            SYNC_PAGES
        } else {
            5
        };
        // The first run reads on past processes already looked up by hand.
        walk.walk(None, None, !first_time, top_share, !first_time)
            .await?;
        while walk.budget > 0 && !walk.cursors.is_empty() {
            let SavedWalk { from, news } = walk.cursors[0].clone();
            walk.walk(Some(0), Some(from), true, SYNC_PAGES, news)
                .await?;
        }
        walk.pending_again().await?;
        let now = self.now_ms();
        self.with_conn(|c| kv::put(c, &at_key, &now.to_string()))?;
        let complete = walk.cursors.is_empty();
        tracing::info!(
            new = walk.new,
            changed = walk.changed,
            complete,
            "identity inbox refreshed"
        );
        Ok(InboxSync {
            new: walk.new,
            changed: walk.changed,
            complete,
            synced_at_ms: Some(now),
        })
    }

    /// Deletes a process at Truora (D9) and from this computer. Files already saved from it
    /// stay where they were saved.
    #[tracing::instrument(skip(self))]
    pub async fn identity_delete(&self, process_id: &str) -> Result<(), AppError> {
        // Not while a refresh is saving a page that may still hold it: it would come back.
        let _one = self.identity_sync_lock.lock().await;
        let client = self.truora().await?;
        match client.delete_process(process_id).await {
            // Already gone at Truora (deleted elsewhere, or a repeated click): done all the same.
            Ok(()) => {}
            Err(e) if e.kind == ErrorKind::NotFound => {}
            Err(e) => {
                self.record("identity", "identity.deleted", Outcome::Failed, process_id);
                return Err(e.into());
            }
        }
        self.with_conn(|c| sql::delete(c, process_id))?;
        self.record("identity", "identity.deleted", Outcome::Ok, process_id);
        Ok(())
    }

    /// Sends the person the link of their process again (D11), by WhatsApp or SMS. The number
    /// may be written as at home: the process's country gives its country code.
    #[tracing::instrument(skip(self, form), fields(delivery = ?form.delivery))]
    pub async fn identity_resend_link(
        &self,
        process_id: &str,
        form: &ResendForm,
    ) -> Result<(), Vec<AppError>> {
        let country = self
            .identity_get(process_id)
            .map_err(|e| vec![e])?
            .country
            .unwrap_or_default();
        let mut errs = Vec::new();
        let channel = match form.delivery {
            LinkDelivery::Whatsapp => Some(LinkChannel::Whatsapp),
            LinkDelivery::Sms => Some(LinkChannel::Sms),
            _ => {
                errs.push(AppError::validation(
                    "delivery",
                    RuleCode::Required,
                    "choose WhatsApp or SMS",
                ));
                None
            }
        };
        if !LANGUAGES.contains(&form.language.as_str()) {
            errs.push(AppError::validation(
                "language",
                RuleCode::Required,
                "choose a language",
            ));
        }
        let parsed = match phone_in_country(&form.phone, &country) {
            Ok(p) => Some(p),
            Err(rule) => {
                errs.push(AppError::validation(
                    "phone",
                    rule,
                    "not a phone number for this country",
                ));
                None
            }
        };
        let (Some(channel), Some(phone), true) = (channel, parsed, errs.is_empty()) else {
            return Err(errs);
        };
        if self.is_opted_out(&phone.e164()).map_err(|e| vec![e])? {
            return Err(vec![AppError::validation(
                "phone",
                RuleCode::OptedOut,
                "this person asked not to be contacted",
            )]);
        }
        let client = self.truora().await.map_err(|e| vec![e])?;
        let sent = client
            .resend_process_link(
                process_id,
                &ResendLinkRequest {
                    channel,
                    language: form.language.clone(),
                    phone_number: phone.national.clone(),
                    country_code: format!("+{}", phone.country_code),
                },
            )
            .await;
        match sent {
            Ok(()) => {
                self.record("identity", "identity.link_resent", Outcome::Ok, process_id);
                Ok(())
            }
            Err(e) => {
                self.record(
                    "identity",
                    "identity.link_resent",
                    Outcome::Failed,
                    process_id,
                );
                Err(vec![e.into()])
            }
        }
    }

    /// Remembers a flow used somewhere (a WhatsApp send, link or list), so the flow fields can
    /// offer it by name from then on. Best effort: a send never fails for it.
    pub(crate) fn remember_flow(&self, flow_id: &str) {
        let flow = flow_id.trim();
        if !flow.starts_with("IPF") || flow.len() < 6 {
            return;
        }
        let (practice, now) = (self.is_practice(), self.now_ms());
        if let Err(e) = self.with_conn(|c| sql::remember_flow(c, practice, flow, now)) {
            tracing::debug!(error = %e, "flow not remembered");
        }
    }

    /// The account's flows this computer knows, with the operator's names.
    /// The inbox as the screen shows it (search and filters, every page), to Excel or CSV:
    /// flows by the names the team gave them, outcomes in words, dates as date cells.
    pub fn identity_export_bytes(
        &self,
        q: &ProcessQuery,
        format: crate::export::Format,
        words: &crate::export::Words,
    ) -> Result<Vec<u8>, AppError> {
        use crate::export::{Cell, Writer};
        let practice = self.is_practice();
        let flows = self.identity_flows()?;
        let mut w = Writer::new(
            format,
            words,
            "identity.export.sheet",
            &[
                "identity.export.started",
                "identity.export.name",
                "identity.export.document",
                "identity.export.country",
                "identity.export.outcome",
                "identity.export.flow",
                "identity.export.process_id",
            ],
        )?;
        let mut q = q.clone();
        q.limit = sql::PAGE_MAX;
        q.after = None;
        loop {
            let page = self.with_conn(|c| sql::search(c, &q, practice))?;
            for r in &page.rows {
                let flow = flows
                    .iter()
                    .find(|f| f.flow_id == r.flow_id && !f.name.is_empty())
                    .map_or_else(|| r.flow_id.clone(), |f| f.name.clone());
                w.row(&[
                    Cell::Date(r.created_ms),
                    Cell::Text(r.name.clone()),
                    Cell::Text(r.document.clone()),
                    Cell::Text(words.w(&format!("country.{}", r.country)).to_string()),
                    Cell::Text(
                        words
                            .w(&format!("identity.outcome.{}", r.outcome))
                            .to_string(),
                    ),
                    Cell::Text(flow),
                    Cell::Text(r.process_id.clone()),
                ])?;
            }
            match page.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        w.finish()
    }

    pub fn identity_flows(&self) -> Result<Vec<FlowEntry>, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| sql::flows(c, practice))
    }

    /// Names a flow (or, with an empty name, forgets its name). A flow typed here for the
    /// first time is remembered.
    pub fn identity_name_flow(
        &self,
        flow_id: &str,
        name: &str,
    ) -> Result<Vec<FlowEntry>, AppError> {
        let flow_id = flow_id.trim();
        if !flow_id.starts_with("IPF") || flow_id.len() < 6 {
            return Err(AppError::validation(
                "flow_id",
                RuleCode::NotAFlowId,
                "flow IDs start with IPF",
            ));
        }
        if name.chars().count() > 80 || opsdesk_http::text::has_unsafe_chars(name, false) {
            return Err(AppError::validation(
                "name",
                RuleCode::TooLong,
                "at most 80 characters",
            ));
        }
        let (practice, now) = (self.is_practice(), self.now_ms());
        self.with_conn(|c| sql::name_flow(c, practice, flow_id, name, now))?;
        self.identity_flows()
    }

    /// Saves the PDF or recordings into `folder` (default: the download folder setting),
    /// reporting progress; `job_id` lets the UI cancel it.
    #[tracing::instrument(skip(self, progress))]
    pub async fn identity_download(
        &self,
        process_id: &str,
        file: ProcessFile,
        folder: Option<PathBuf>,
        job_id: &str,
        mut progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DownloadedFile, AppError> {
        // The recordings' format is not documented; every saved file is named after its
        // content anyway (crate::files::sniff).
        let (stem, kind) = match file {
            ProcessFile::Pdf => (process_id.to_string(), "pdf"),
            ProcessFile::VideoRecordings => (format!("{process_id}-recordings"), "recordings"),
        };
        let client = self.truora().await?;
        self.save_download(
            process_id,
            kind,
            &stem,
            folder,
            job_id,
            |dest, cancel| async move {
                let opts = opsdesk_http::DownloadOptions::default();
                client
                    .download_process_file(process_id, file, &dest, &opts, &cancel, &mut progress)
                    .await
            },
        )
        .await
    }

    /// A link by WhatsApp goes with one of the account's approved templates, chosen from those
    /// OpsDesk brought in: an ID it has never seen (a name typed by mistake, a template of
    /// another account) is refused at the field before anything is sent.
    fn known_approved_template(&self, outbound_id: &str) -> Result<(), AppError> {
        match self.whatsapp_template(outbound_id) {
            // Flagged templates still send (catalogue §4.2), as on WhatsApp's own screens.
            Ok(t) if t.status.sendable() => Ok(()),
            Ok(_) => Err(AppError::validation(
                "outbound_id",
                RuleCode::WaNotApproved,
                "only approved templates can be sent",
            )),
            Err(e) if e.code == crate::ErrorCode::NotFound => Err(AppError::validation(
                "outbound_id",
                RuleCode::UnknownTemplate,
                "choose one of the templates brought in from WhatsApp",
            )),
            Err(e) => Err(e),
        }
    }

    /// Creates the person's link or asks Truora to send it. Validation problems come back
    /// all at once as `Err(list)`.
    #[tracing::instrument(skip(self, form), fields(delivery = ?form.delivery))]
    pub async fn identity_send_link(&self, form: &LinkForm) -> Result<LinkOutcome, Vec<AppError>> {
        let errs = validate_link_form(form);
        if !errs.is_empty() {
            return Err(errs);
        }
        if form.delivery == LinkDelivery::Whatsapp {
            self.known_approved_template(form.outbound_id.trim())
                .map_err(|e| vec![e])?;
        }
        let phone = link_phone(form);
        // A link by WhatsApp or SMS is a message: the do-not-contact list applies.
        if matches!(form.delivery, LinkDelivery::Whatsapp | LinkDelivery::Sms) {
            if let Some(p) = &phone {
                if self.is_opted_out(p).map_err(|e| vec![e])? {
                    return Err(vec![AppError::validation(
                        "phone",
                        RuleCode::OptedOut,
                        "this person asked not to be contacted",
                    )]);
                }
            }
        }
        let client = self.truora().await.map_err(|e| vec![e])?;
        let outcome = match form.delivery {
            LinkDelivery::CopyLink => client
                .create_web_token(&WebTokenRequest {
                    flow_id: form.flow_id.trim().into(),
                    country: form.country.clone(),
                    redirect_url: form.redirect_url.trim().into(),
                    account_id: none_if_empty(&form.account_id),
                    phone,
                    email: none_if_empty(&form.email),
                })
                .await
                .map(|token| LinkOutcome {
                    delivery: form.delivery,
                    link: Some(format!("https://identity.truora.com/?token={token}")),
                }),
            d => {
                let channel = match d {
                    LinkDelivery::Whatsapp => LinkChannel::Whatsapp,
                    LinkDelivery::Sms => LinkChannel::Sms,
                    _ => LinkChannel::Email,
                };
                let email = if d == LinkDelivery::Email {
                    none_if_empty(&form.email)
                } else {
                    None
                };
                let phone = if d == LinkDelivery::Email {
                    None
                } else {
                    phone
                };
                let outbound_id = if d == LinkDelivery::Whatsapp {
                    none_if_empty(&form.outbound_id)
                } else {
                    None
                };
                client
                    .send_process_link(&SendLinkRequest {
                        flow_id: form.flow_id.trim().into(),
                        channel,
                        language: form.language.clone(),
                        phone_number: phone,
                        email,
                        // Variables go with a template only (catalogue §6.2 rule 3).
                        variables: if outbound_id.is_some() {
                            form.variables
                                .iter()
                                .map(|v| (v.name.clone(), v.value.trim().to_string()))
                                .collect()
                        } else {
                            Vec::new()
                        },
                        outbound_id,
                    })
                    .await
                    .map(|()| LinkOutcome {
                        delivery: d,
                        link: None,
                    })
            }
        };
        // How it went and which flow, by its ID: Activity says both in words (the flow by the
        // name the team gave it).
        let how = match form.delivery {
            LinkDelivery::Whatsapp => "whatsapp",
            LinkDelivery::Sms => "sms",
            LinkDelivery::Email => "email",
            LinkDelivery::CopyLink => "copy_link",
        };
        let summary = format!("{how} {}", form.flow_id.trim());
        match outcome {
            Ok(o) => {
                let (practice, now) = (self.is_practice(), self.now_ms());
                let flow = form.flow_id.trim().to_string();
                let _ = self.with_conn(|c| sql::remember_flow(c, practice, &flow, now));
                self.record("identity", "identity.link_sent", Outcome::Ok, &summary);
                Ok(o)
            }
            Err(e) => {
                self.record("identity", "identity.link_sent", Outcome::Failed, &summary);
                Err(vec![e.into()])
            }
        }
    }
}

/// Pending processes asked again one by one per refresh, at most (D7 costs a request each).
const PENDING_AGAIN: usize = 20;

/// Where an unfinished walk goes on from, and whether what it finds is news (new processes at
/// the top) or not (filling in the account's history).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedWalk {
    from: String,
    news: bool,
}

/// One refresh of the inbox: the pages it may still read, the saved walks, what it found.
struct InboxWalk<'a> {
    app: &'a App,
    client: &'a opsdesk_truora::TruoraClient,
    practice: bool,
    /// Where unfinished walks go on from, oldest first (saved after every page).
    cursors: Vec<SavedWalk>,
    cursors_key: String,
    budget: usize,
    new: u32,
    changed: u32,
    /// Processes read in this run (their outcome is current).
    refreshed: std::collections::HashSet<String>,
}

impl InboxWalk<'_> {
    fn save_cursors(&self) -> Result<(), AppError> {
        let v = serde_json::to_string(&self.cursors).expect("strings serialise");
        self.app.with_conn(|c| kv::put(c, &self.cursors_key, &v))?;
        Ok(())
    }

    /// Walks from `start` (the newest page when none) for at most `share` pages. `slot` is the
    /// walk's saved cursor, if it has one. `news`: processes first seen here are marked new.
    async fn walk(
        &mut self,
        mut slot: Option<usize>,
        mut start: Option<String>,
        stop_at_known: bool,
        share: usize,
        news: bool,
    ) -> Result<(), AppError> {
        let mut used = 0;
        while self.budget > 0 && used < share {
            self.budget -= 1;
            used += 1;
            let (page, next) = match self.client.list_processes(start.as_deref()).await {
                Ok(v) => v,
                // A place Truora no longer knows (the process it was keyed by is gone): drop
                // it, and let the next run read from the newest without stopping, so what lay
                // beyond it is not lost.
                Err(e) if e.kind == ErrorKind::InvalidInput && start.is_some() => {
                    if let Some(i) = slot {
                        self.cursors.remove(i);
                    }
                    self.save_cursors()?;
                    let at = self.app.mode_key("synced_at");
                    self.app
                        .with_conn(|c| c.execute("DELETE FROM settings WHERE key = ?1", [&at]))?;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            };
            let now = self.app.now_ms();
            let seen = if news { now } else { 0 };
            let practice = self.practice;
            let saved = self
                .app
                .with_conn(|c| sql::save_all(c, &page, now, seen, practice))?;
            let n = saved.iter().filter(|s| **s == sql::Saved::New).count() as u32;
            let ch = saved.iter().filter(|s| **s == sql::Saved::Changed).count() as u32;
            self.new += n;
            self.changed += ch;
            self.refreshed
                .extend(page.iter().map(|p| p.process_id.clone()));
            let next = match next {
                Some(k) if !(stop_at_known && n == 0 && ch == 0) => k,
                // The end of the list, or the part already cached: this walk is done.
                _ => {
                    if let Some(i) = slot {
                        self.cursors.remove(i);
                        self.save_cursors()?;
                    }
                    return Ok(());
                }
            };
            match slot {
                Some(i) => self.cursors[i].from = next.clone(),
                None => {
                    self.cursors.push(SavedWalk {
                        from: next.clone(),
                        news,
                    });
                    slot = Some(self.cursors.len() - 1);
                }
            }
            self.save_cursors()?;
            start = Some(next);
        }
        Ok(())
    }

    /// Asks again about the pending processes this run did not read, least recently first.
    async fn pending_again(&mut self) -> Result<(), AppError> {
        let practice = self.practice;
        let stale = self
            .app
            .with_conn(|c| sql::pending_least_recent(c, practice, PENDING_AGAIN * 2))?;
        for id in stale
            .into_iter()
            .filter(|id| !self.refreshed.contains(id))
            .take(PENDING_AGAIN)
        {
            match self.client.process_result(&id).await {
                Ok(r) => {
                    let now = self.app.now_ms();
                    let saved = self.app.with_conn(|c| {
                        sql::save_all(c, std::slice::from_ref(&r), now, 0, practice)
                    })?;
                    if saved == [sql::Saved::Changed] {
                        self.changed += 1;
                    }
                }
                // Deleted at Truora meanwhile: it goes from the inbox too.
                Err(e) if e.kind == ErrorKind::NotFound => {
                    self.app.with_conn(|c| sql::delete(c, &id))?;
                    self.changed += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(delivery: LinkDelivery) -> LinkForm {
        LinkForm {
            flow_id: "IPF0a1b2c3d".into(),
            country: "CO".into(),
            delivery,
            language: "es".into(),
            phone: "+57 300 123 4567".into(),
            email: "ana@example.com".into(),
            outbound_id: "OTB123".into(),
            redirect_url: "https://example.com/gracias".into(),
            account_id: "".into(),
            variables: Vec::new(),
        }
    }

    fn rules(errs: &[AppError]) -> Vec<(String, String)> {
        errs.iter()
            .map(|e| (e.field.clone().unwrap(), e.rule.unwrap().to_string()))
            .collect()
    }

    #[test]
    fn a_complete_form_passes_for_every_channel() {
        for d in [
            LinkDelivery::Whatsapp,
            LinkDelivery::Sms,
            LinkDelivery::Email,
            LinkDelivery::CopyLink,
        ] {
            assert!(validate_link_form(&form(d)).is_empty(), "{d:?}");
        }
    }

    #[test]
    fn each_channel_requires_its_own_fields() {
        let mut f = form(LinkDelivery::Whatsapp);
        f.outbound_id = " ".into();
        f.phone = "".into();
        assert_eq!(
            rules(&validate_link_form(&f)),
            [
                ("phone".into(), "required".into()),
                ("outbound_id".into(), "required".into())
            ]
        );
        let mut f = form(LinkDelivery::Email);
        f.email = "ana@".into();
        f.phone = "garbage".into(); // ignored for e-mail
        assert_eq!(
            rules(&validate_link_form(&f)),
            [("email".into(), "not_an_email".into())]
        );
        let mut f = form(LinkDelivery::CopyLink);
        f.redirect_url = "example.com".into();
        assert_eq!(
            rules(&validate_link_form(&f)),
            [("redirect_url".into(), "not_a_url".into())]
        );
    }

    #[test]
    fn phones_must_be_e164_after_removing_spaces_and_dashes() {
        assert_eq!(
            e164_phone("+55 (11) 91234-5678").as_deref(),
            Some("+5511912345678")
        );
        assert!(e164_phone("+573001234567").is_some());
        assert!(e164_phone("3001234567").is_none(), "no country code");
        assert!(e164_phone("+0573001234567").is_none());
        assert!(e164_phone("+57300").is_none());
        // As written at home in the country chosen: its code is added.
        let mut f = form(LinkDelivery::Sms);
        f.phone = "300 123 4567".into();
        assert!(validate_link_form(&f).is_empty());
        assert_eq!(link_phone(&f).as_deref(), Some("+573001234567"));
        f.phone = "300 123".into();
        assert_eq!(
            rules(&validate_link_form(&f)),
            [("phone".into(), "not_a_phone".into())]
        );
        // With no one country chosen, the code must be typed.
        f.country = "ALL".into();
        f.phone = "300 123 4567".into();
        assert_eq!(
            rules(&validate_link_form(&f)),
            [("phone".into(), "not_e164".into())]
        );
    }

    #[test]
    fn a_whatsapp_link_is_not_sent_to_a_landline() {
        let mut f = form(LinkDelivery::Whatsapp);
        f.phone = "601 234 5678".into(); // a Bogotá landline
        assert_eq!(
            rules(&validate_link_form(&f)),
            [("phone".into(), "not_a_mobile".into())]
        );
        f.phone = "300 123 4567".into();
        assert!(validate_link_form(&f).is_empty());
    }

    #[test]
    fn flow_country_language_and_account_are_checked() {
        let mut f = form(LinkDelivery::Sms);
        f.flow_id = "FLOW1".into();
        f.country = "US".into();
        f.language = "pt-BR".into();
        f.account_id = "ana perez".into();
        assert_eq!(
            rules(&validate_link_form(&f)),
            [
                ("flow_id".into(), "not_a_flow_id".into()),
                ("country".into(), "required".into()),
                ("language".into(), "required".into()),
                ("account_id".into(), "bad_account_id".into())
            ]
        );
    }

    #[test]
    fn reasons_are_grouped_in_plain_categories() {
        assert_eq!(
            categorise("face_mismatch", false),
            ReasonCategory::PossibleFraud
        );
        assert_eq!(
            categorise("document_expired", false),
            ReasonCategory::AcceptanceRules
        );
        assert_eq!(
            categorise("validation_timeout", true),
            ReasonCategory::Expired
        );
        assert_eq!(
            categorise("blurry_image", false),
            ReasonCategory::IllegibleDocument
        );
        assert_eq!(
            categorise("data_mismatch", false),
            ReasonCategory::DataInconsistency
        );
        assert_eq!(categorise("something_new", false), ReasonCategory::Other);
    }

    #[test]
    fn an_overridden_failure_shows_as_success_with_its_history() {
        let r: ProcessResult = serde_json::from_value(serde_json::json!({
            "process_id": "IDP1234567", "status": "failure", "override_status": "success",
            "declined_reason": "face_mismatch",
            "override_status_history": [{"previous_status": "failure", "new_status": "success", "updated_by": "sup@example.com"}],
            "validations": [{"type": "face-recognition", "validation_status": "failure", "declined_reason": "face_mismatch"}]
        }))
        .unwrap();
        let v = view_of(&r, 1, vec![]);
        assert_eq!(v.status, ProcessStatus::Success);
        assert_eq!(v.automatic_status, Some(ProcessStatus::Failure));
        assert_eq!(v.override_history.len(), 1);
        assert_eq!(
            v.validations[0].reason.as_ref().unwrap().category,
            ReasonCategory::PossibleFraud
        );
    }
}
