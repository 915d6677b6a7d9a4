//! WhatsApp outbound templates (Truora Connect): the lines the operator works with, the cached
//! template list per line with background follow-up of the ones in review, authoring with every
//! documented rule, sending to one person without ever sending twice by accident, and inbound
//! links with a QR code.

use opsdesk_http::RuleCode;
use opsdesk_truora::whatsapp::rules::{
    self, validate_send, validate_template, Button, ButtonKind, CleanSend, SendDraft,
    SendableTemplate, TemplateDraft,
};
use opsdesk_truora::whatsapp::{rejection::RejectionCode, Outbound, WireButton};
use serde::Serialize;
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::downloads::DownloadedFile;
use crate::error::{AppError, ErrorCode};
use crate::store::people::Evidence;
use crate::store::whatsapp as sql;

/// Meta's verdict on a template (catalogue §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TemplateStatus {
    Pending,
    Approved,
    Rejected,
    Flagged,
    Paused,
    Disabled,
    Unknown,
}

impl TemplateStatus {
    pub fn from_wire(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "PENDING" => Self::Pending,
            "APPROVED" => Self::Approved,
            "REJECTED" => Self::Rejected,
            "FLAGGED" => Self::Flagged,
            "PAUSED" => Self::Paused,
            "DISABLED" => Self::Disabled,
            _ => Self::Unknown,
        }
    }

    /// Whether a message can go out with it. FLAGGED is a warning, not a block (§4.2).
    pub fn sendable(self) -> bool {
        matches!(self, Self::Approved | Self::Flagged)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TemplateView {
    pub outbound_id: String,
    /// Digits with country code.
    pub line: String,
    pub name: String,
    pub status: TemplateStatus,
    /// HIGH | MEDIUM | LOW | PENDING, when the API says.
    pub quality: Option<String>,
    pub category: Option<String>,
    pub language: Option<String>,
    pub template_type: Option<String>,
    pub is_notification: bool,
    /// Truora's words on a rejection, as they came (English).
    pub failure_reason: Option<String>,
    /// Meta's reason for the rejection, when the words start with one: what the screens say.
    pub failure_code: Option<RejectionCode>,
    pub header: String,
    pub body: String,
    pub footer: String,
    pub buttons: Vec<Button>,
    pub code_expiration_minutes: Option<u32>,
    pub variables: Vec<String>,
    pub default_flow_id: Option<String>,
    #[ts(type = "number")]
    pub checked_at_ms: i64,
}

fn button_of(w: &WireButton) -> Option<Button> {
    let kind = match w.kind.as_str() {
        "QUICK_REPLY" => ButtonKind::QuickReply,
        "URL" => ButtonKind::Url,
        "PHONE_NUMBER" => ButtonKind::PhoneNumber,
        "COPY_CODE" => ButtonKind::CopyCode,
        _ => return None,
    };
    Some(Button {
        kind,
        text: w.text.clone(),
        url: w.url.clone().unwrap_or_default(),
        phone_number: w.phone_number.clone().unwrap_or_default(),
    })
}

fn view_of(o: &Outbound, line: &str, checked_at_ms: i64) -> TemplateView {
    let mut buttons: Vec<Button> = o.buttons.iter().filter_map(button_of).collect();
    // Older answers only carry quick replies as "answers".
    if buttons.is_empty() && !o.is_notification {
        buttons = o
            .outbound_answers
            .iter()
            .map(|a| Button {
                kind: ButtonKind::QuickReply,
                text: a.message.clone(),
                url: String::new(),
                phone_number: String::new(),
            })
            .collect();
    }
    let body = o.content.clone().unwrap_or_else(|| {
        // The rendered message ends with the buttons as " | [Label]".
        o.outbound_message
            .split(" | [")
            .next()
            .unwrap_or_default()
            .to_string()
    });
    TemplateView {
        outbound_id: o.outbound_id.clone(),
        line: line.to_string(),
        name: o.outbound_name.clone(),
        status: TemplateStatus::from_wire(&o.outbound_status),
        quality: o.quality_rating.clone(),
        category: o.category.clone(),
        language: o.language_code.clone(),
        template_type: o.template_type.clone(),
        is_notification: o.is_notification,
        failure_reason: o.failure_reason.clone(),
        failure_code: o
            .failure_reason
            .as_deref()
            .and_then(RejectionCode::from_reason),
        header: o.header_text.clone().unwrap_or_default(),
        body,
        footer: o.footer_text.clone().unwrap_or_default(),
        buttons,
        code_expiration_minutes: o.code_expiration_minutes,
        variables: o.variables(),
        default_flow_id: o.default_flow_id.clone(),
        checked_at_ms,
    }
}

/// What the editor learns from a draft as the user types.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DraftCheck {
    pub problems: Vec<AppError>,
    /// Every `{{.variable}}`, in order, each needing a sample.
    pub variables: Vec<String>,
    /// WhatsApp desktop will not draw these buttons.
    pub desktop_hides_buttons: bool,
}

fn rule_errors(errs: Vec<rules::RuleError>) -> Vec<AppError> {
    errs.into_iter()
        .map(|e| AppError::validation(&e.field, e.rule, format!("{} {}", e.field, e.rule)))
        .collect()
}

/// A verdict the operator should hear about (an OS notification).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TemplateVerdict {
    pub outbound_id: String,
    pub name: String,
    pub status: TemplateStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SendOutcome {
    pub session_id: String,
    /// The recipient, masked (`+57 •••••• 4567`).
    pub recipient: String,
    pub template_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InboundView {
    pub inbound_id: Option<String>,
    pub line: String,
    pub flow_id: String,
    pub message: String,
    pub link: String,
    /// The link as a QR code: `size` × `size` modules, row by row, `true` = dark.
    pub qr_size: u32,
    pub qr: Vec<bool>,
}

/// Where one message to one person stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SendState {
    Sending,
    Sent,
    Failed,
    /// The request left but no answer came back: it may have been delivered.
    Uncertain,
}

impl SendState {
    fn as_db(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Uncertain => "uncertain",
        }
    }

    fn from_db(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "uncertain" => Self::Uncertain,
            _ => Self::Sending,
        }
    }
}

/// Why a send was not written down (and so must not leave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// The same template went (or may have gone) to this person in the last 24 hours.
    Repeat(SendState),
    /// The person is on the do-not-contact list.
    OptedOut,
}

/// How long a repeat of the same template to the same person needs an explicit "send again".
pub const REPEAT_WINDOW_MS: i64 = 24 * 3_600_000;

fn qr_of(link: &str) -> Result<(u32, Vec<bool>), AppError> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(format!("cannot draw the QR code: {e}")))?;
    let size = code.width() as u32;
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((size, modules))
}

/// A black-on-white PNG of the QR code: `scale` pixels per module and the 4-module quiet zone
/// scanners need.
pub fn qr_png(size: u32, modules: &[bool], scale: u32) -> Result<Vec<u8>, AppError> {
    let quiet = 4;
    let px = (size + 2 * quiet) * scale;
    let mut pixels = vec![255u8; (px * px) as usize];
    for y in 0..size {
        for x in 0..size {
            if modules[(y * size + x) as usize] {
                for dy in 0..scale {
                    let row = ((y + quiet) * scale + dy) * px;
                    let start = (row + (x + quiet) * scale) as usize;
                    pixels[start..start + scale as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, px, px);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| AppError::internal(format!("cannot write the PNG: {e}")))?;
        w.write_image_data(&pixels)
            .map_err(|e| AppError::internal(format!("cannot write the PNG: {e}")))?;
    }
    Ok(out)
}

/// A line and the name the team gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LineName {
    pub line: String,
    pub name: String,
}

/// Characters a line's name may have: it is shown in pickers beside the number.
pub const LINE_NAME_MAX: usize = 40;

fn display_line(line: &str) -> String {
    format!("+{line}")
}

impl App {
    /// The lines saved for the mode in effect. Practice mode always has its demo line.
    pub fn whatsapp_lines(&self) -> Result<Vec<String>, AppError> {
        let practice = self.is_practice();
        let mut lines = self.with_conn(|c| sql::lines(c, practice))?;
        if practice
            && !lines
                .iter()
                .any(|l| l == opsdesk_sandbox::PRACTICE_WABA_LINE)
        {
            lines.insert(0, opsdesk_sandbox::PRACTICE_WABA_LINE.to_string());
        }
        Ok(lines)
    }

    pub fn whatsapp_add_line(&self, line: &str) -> Result<String, AppError> {
        let clean = rules::clean_line(line)
            .ok_or_else(|| AppError::validation("line", RuleCode::WaNotALine, "not a WABA line"))?;
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| sql::add_line(c, &clean, practice, now))?;
        Ok(clean)
    }

    /// The names the team gave its lines, for every line picker.
    pub fn whatsapp_line_names(&self) -> Result<Vec<LineName>, AppError> {
        let practice = self.is_practice();
        Ok(self
            .with_conn(|c| sql::line_names(c, practice))?
            .into_iter()
            .map(|(line, name)| LineName { line, name })
            .collect())
    }

    /// Gives a line a name people recognise ("Cobranzas"); an empty name takes it away.
    pub fn whatsapp_name_line(&self, line: &str, name: &str) -> Result<(), AppError> {
        let clean = rules::clean_line(line)
            .ok_or_else(|| AppError::validation("line", RuleCode::WaNotALine, "not a WABA line"))?;
        let name = name.trim();
        if name.chars().count() > LINE_NAME_MAX || opsdesk_http::text::has_unsafe_chars(name, false)
        {
            return Err(AppError::validation(
                "line_name",
                RuleCode::TooLong,
                "a short name, without invisible characters",
            ));
        }
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| sql::name_line(c, &clean, name, practice, now))?;
        Ok(())
    }

    pub fn whatsapp_remove_line(&self, line: &str) -> Result<(), AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| sql::remove_line(c, line, practice))?;
        Ok(())
    }

    /// The templates of a line as last fetched (instant, works offline).
    pub fn whatsapp_cached(&self, line: &str) -> Result<Vec<TemplateView>, AppError> {
        let practice = self.is_practice();
        let rows = self.with_conn(|c| sql::load_line(c, line, practice))?;
        Ok(rows.iter().map(|(o, at)| view_of(o, line, *at)).collect())
    }

    /// The line's templates as the list shows them (optionally only one status), as Excel or
    /// CSV in the app's words (`wa.*` from the UI): name, kind, category, language, status and
    /// what it means, quality, Meta's reason for a rejection, the message, when it was last
    /// checked (a date cell) and the template's ID.
    pub fn whatsapp_templates_export_bytes(
        &self,
        line: &str,
        status: Option<&str>,
        format: crate::export::Format,
        words: &crate::export::Words,
    ) -> Result<Vec<u8>, AppError> {
        use crate::export::{Cell, Writer};
        let mut w = Writer::new(
            format,
            words,
            "wa.export.sheet",
            &[
                "wa.col_name",
                "wa.export.kind",
                "wa.col_category",
                "wa.col_language",
                "wa.col_status",
                "wa.export.status_meaning",
                "wa.col_quality",
                "wa.export.rejection",
                "wa.export.message",
                "wa.export.checked",
                "wa.export.id",
            ],
        )?;
        let code = |s: TemplateStatus| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        // A vendor code OpsDesk has no words for is written as the vendor wrote it.
        let word = |prefix: &str, c: &str, suffix: &str| {
            let key = format!("{prefix}{c}{suffix}");
            words
                .words
                .get(&key)
                .cloned()
                .unwrap_or_else(|| c.to_string())
        };
        for t in self.whatsapp_cached(line)? {
            let st = code(t.status);
            if status.is_some_and(|f| !f.is_empty() && f != st) {
                continue;
            }
            let kind = if t.is_notification {
                "wa.kind_notification"
            } else {
                "wa.kind_flow"
            };
            let opt = |v: &Option<String>, prefix: &str| {
                v.as_deref()
                    .map(|c| Cell::Text(word(prefix, c, "")))
                    .unwrap_or(Cell::Empty)
            };
            w.row(&[
                Cell::Text(t.name.clone()),
                Cell::Text(words.w(kind).to_string()),
                opt(&t.category, "wa.cat_"),
                opt(&t.language, "wa.lang_"),
                Cell::Text(word("wa.status_", &st, "")),
                Cell::Text(word("wa.status_", &st, "_short")),
                Cell::Text(word(
                    "wa.quality_",
                    t.quality.as_deref().unwrap_or("PENDING"),
                    "",
                )),
                // Meta's reason in the user's words; words without a known code as they came.
                match (t.failure_code, &t.failure_reason) {
                    (Some(c), _) => Cell::Text(word("wa.rejection.", c.as_str(), "")),
                    (None, Some(r)) => Cell::Text(r.clone()),
                    (None, None) => Cell::Empty,
                },
                Cell::Text(t.body.clone()),
                Cell::Date(t.checked_at_ms),
                Cell::Text(t.outbound_id.clone()),
            ])?;
        }
        w.finish()
    }

    /// Fetches the line's templates, replaces the cache for that line, returns them.
    #[tracing::instrument(skip(self))]
    pub async fn whatsapp_refresh(&self, line: &str) -> Result<Vec<TemplateView>, AppError> {
        let client = self.truora().await?;
        let list = client.list_outbounds(line).await?;
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| sql::replace_line(c, line, &list, now, practice))?;
        self.whatsapp_cached(line)
    }

    pub fn whatsapp_template(&self, id: &str) -> Result<TemplateView, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| sql::load(c, id, practice))?
            .map(|(o, line, at)| view_of(&o, &line, at))
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "template not in the cache"))
    }

    /// Reads one template again from the API (the detail screen's refresh).
    pub async fn whatsapp_reload(&self, id: &str) -> Result<TemplateView, AppError> {
        let line = self.whatsapp_template(id)?.line;
        let client = self.truora().await?;
        let o = client.get_outbound(id).await?;
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| sql::save(c, &o, &line, now, practice))?;
        self.whatsapp_template(id)
    }

    /// The editor's live check: every problem at its field, the variables, the desktop warning.
    pub fn whatsapp_check_draft(&self, draft: &TemplateDraft) -> DraftCheck {
        DraftCheck {
            problems: rule_errors(validate_template(draft)),
            variables: rules::template_variables(draft),
            desktop_hides_buttons: draft.category != rules::Category::Authentication
                && rules::desktop_hides_buttons(&draft.buttons),
        }
    }

    /// Validates, submits for review and starts following the new template.
    #[tracing::instrument(skip(self, draft), fields(category = ?draft.category))]
    pub async fn whatsapp_create(
        &self,
        draft: &TemplateDraft,
    ) -> Result<TemplateView, Vec<AppError>> {
        let errs = validate_template(draft);
        if !errs.is_empty() {
            return Err(rule_errors(errs));
        }
        let line = rules::clean_line(&draft.line).unwrap_or_default();
        let client = self.truora().await.map_err(|e| vec![e])?;
        let o = match client.create_outbound(draft).await {
            Ok(o) => o,
            Err(e) => {
                self.record(
                    "whatsapp",
                    "whatsapp.template_created",
                    Outcome::Failed,
                    draft.name.trim(),
                );
                let mut e = AppError::from(e);
                if e.code == ErrorCode::VendorRejected && e.field.is_none() {
                    // Truora's message names the rule; keep it next to the form.
                    e.field = Some("form".into());
                }
                return Err(vec![e]);
            }
        };
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| {
            sql::add_line(c, &line, practice, now)?;
            sql::save(c, &o, &line, now, practice)
        })
        .map_err(|e| vec![e])?;
        self.record(
            "whatsapp",
            "whatsapp.template_created",
            Outcome::Ok,
            &o.outbound_name,
        );
        self.whatsapp_template(&o.outbound_id).map_err(|e| vec![e])
    }

    pub async fn whatsapp_delete(&self, id: &str) -> Result<(), AppError> {
        let name = self
            .whatsapp_template(id)
            .map(|t| t.name)
            .unwrap_or_default();
        let client = self.truora().await?;
        match client.delete_outbound(id).await {
            Ok(()) => {}
            Err(e) if e.kind == opsdesk_http::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        self.with_conn(|c| sql::delete(c, id))?;
        self.record("whatsapp", "whatsapp.template_removed", Outcome::Ok, &name);
        Ok(())
    }

    /// Follows templates in review whose time has come. Returns the verdicts not yet told to
    /// the operator (each told once), for a notification.
    pub async fn whatsapp_poll_due(&self, max: u32) -> Result<Vec<TemplateVerdict>, AppError> {
        let now = self.now_ms();
        let practice = self.is_practice();
        let due = self.with_conn(|c| sql::due(c, now, practice, max))?;
        if !due.is_empty() {
            let client = self.truora().await?;
            for (id, line) in due {
                match client.get_outbound(&id).await {
                    Ok(o) => self.with_conn(|c| sql::save(c, &o, &line, now, practice))?,
                    Err(e) if e.kind == opsdesk_http::ErrorKind::NotFound => {
                        self.with_conn(|c| sql::delete(c, &id))?;
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "template follow-up failed; backing off");
                    }
                };
                // Still pending (or the look failed): wait a little longer each time.
                self.with_conn(|c| sql::back_off(c, &id, now))?;
            }
        }
        // Verdicts reached here or by a list refresh, told once.
        let found = self.with_conn(|c| sql::take_untold_verdicts(c, practice))?;
        Ok(found
            .into_iter()
            .map(|(outbound_id, name, status)| TemplateVerdict {
                outbound_id,
                name,
                status: TemplateStatus::from_wire(&status),
            })
            .collect())
    }

    /// Sends an approved template to one person. The send is written down before the request
    /// leaves, so the same template never reaches the same person twice without the operator
    /// saying so (`send_again`), even if the app dies mid-request.
    #[tracing::instrument(skip(self, draft), fields(outbound = %draft.outbound_id))]
    pub async fn whatsapp_send(
        &self,
        draft: &SendDraft,
        send_again: bool,
    ) -> Result<SendOutcome, Vec<AppError>> {
        let t = self.whatsapp_template(&draft.outbound_id).map_err(|_| {
            vec![AppError::validation(
                "outbound_id",
                RuleCode::Required,
                "choose a template",
            )]
        })?;
        let sendable = SendableTemplate {
            // FLAGGED still sends (a quality warning); the rules only know APPROVED.
            status: if t.status.sendable() {
                "APPROVED".into()
            } else {
                format!("{:?}", t.status)
            },
            is_notification: t.is_notification,
            variables: t.variables.clone(),
        };
        let clean = validate_send(draft, &sendable).map_err(rule_errors)?;
        self.remember_flow(&draft.flow_id);
        let client = self.truora().await.map_err(|e| vec![e])?;
        let masked = opsdesk_http::redact::mask_phone(&clean.e164());
        // The operator ticked "the person agreed" (the rules refuse the send otherwise).
        let evidence = Evidence::operator();
        let row_id = match self
            .begin_send(&clean, send_again, &evidence)
            .map_err(|e| vec![e])?
        {
            Ok(id) => id,
            Err(Blocked::OptedOut) => {
                return Err(vec![AppError::validation(
                    "phone_number",
                    RuleCode::OptedOut,
                    "this person asked not to be contacted",
                )])
            }
            Err(Blocked::Repeat(earlier)) => {
                let rule = if earlier == SendState::Sent {
                    RuleCode::WaAlreadySent
                } else {
                    RuleCode::WaMaybeSent
                };
                return Err(vec![AppError::validation(
                    "phone_number",
                    rule,
                    "this template went to this person in the last 24 hours",
                )]);
            }
        };
        let result = client.send_outbound(&clean).await;
        self.settle_send(row_id, &result).map_err(|e| vec![e])?;
        let summary = format!("{} → {masked}", t.name);
        match result {
            Ok(r) => {
                // The conversation ID is what Truora support asks for.
                let summary = format!("{summary} · {}", r.session_id);
                self.record("whatsapp", "whatsapp.sent", Outcome::Ok, &summary);
                Ok(SendOutcome {
                    session_id: r.session_id,
                    recipient: masked,
                    template_name: t.name,
                })
            }
            Err(e) => {
                self.record("whatsapp", "whatsapp.sent", Outcome::Failed, &summary);
                Err(vec![e.into()])
            }
        }
    }

    /// Writes a send down before it leaves. `Ok(Err(state))` when the same template already
    /// went (or may have gone) to the same person in the last 24 hours and `send_again` is off.
    /// Bulk sending uses the same ledger, so one person is never messaged twice across both.
    pub fn begin_send(
        &self,
        clean: &CleanSend,
        send_again: bool,
        evidence: &Evidence,
    ) -> Result<Result<i64, Blocked>, AppError> {
        let practice = self.is_practice();
        let recipient = clean.e164();
        // Asked here, at the last moment, so a number added to the list while a long list is
        // going out is not messaged after all.
        if self.is_opted_out(&recipient)? {
            return Ok(Err(Blocked::OptedOut));
        }
        let now = self.now_ms();
        let since = now - REPEAT_WINDOW_MS;
        let r = self.with_conn(|c| {
            sql::begin_send(
                c,
                &clean.outbound_id,
                &recipient,
                since,
                send_again,
                evidence,
                practice,
                now,
            )
        })?;
        Ok(r.map_err(|state| Blocked::Repeat(SendState::from_db(&state))))
    }

    /// Records how a send ended. A request that left without an answer coming back may have
    /// been delivered: it is `uncertain`, never silently retried.
    pub fn settle_send(
        &self,
        row_id: i64,
        result: &Result<opsdesk_truora::whatsapp::SendResult, opsdesk_http::ApiError>,
    ) -> Result<SendState, AppError> {
        use opsdesk_http::ErrorKind as K;
        let (state, session, err_text) = match result {
            Ok(r) => (SendState::Sent, Some(r.session_id.clone()), None),
            Err(e) if matches!(e.kind, K::Timeout | K::NoNetwork | K::UnexpectedResponse) => {
                (SendState::Uncertain, None, Some(e.to_string()))
            }
            Err(e) => (SendState::Failed, None, Some(e.to_string())),
        };
        self.with_conn(|c| {
            sql::settle_send(
                c,
                row_id,
                state.as_db(),
                session.as_deref(),
                err_text.as_deref(),
            )
        })?;
        Ok(state)
    }

    /// Registers the inbound text for a flow and returns the link and its QR code.
    #[tracing::instrument(skip(self, text))]
    pub async fn whatsapp_create_inbound(
        &self,
        line: &str,
        flow_id: &str,
        text: &str,
    ) -> Result<InboundView, Vec<AppError>> {
        let mut errs = Vec::new();
        let line = rules::clean_line(line);
        if line.is_none() {
            errs.push(AppError::validation(
                "line",
                RuleCode::WaNotALine,
                "not a line",
            ));
        }
        let flow = flow_id.trim();
        if flow.is_empty() {
            errs.push(AppError::validation(
                "flow_id",
                RuleCode::Required,
                "flow required",
            ));
        } else if !flow.starts_with("IPF") {
            errs.push(AppError::validation(
                "flow_id",
                RuleCode::NotAFlowId,
                "not a flow",
            ));
        }
        let text = text.trim();
        if text.is_empty() {
            errs.push(AppError::validation(
                "message",
                RuleCode::Required,
                "text required",
            ));
        } else if opsdesk_http::text::has_unsafe_chars(text, true) {
            errs.push(AppError::validation(
                "message",
                opsdesk_http::text::UNSAFE_CHARS_RULE,
                "remove invisible or control characters",
            ));
        } else if rules::chars(text) > 1024 {
            errs.push(AppError::validation(
                "message",
                RuleCode::WaBodyTooLong,
                "too long",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let line = line.unwrap();
        self.remember_flow(flow);
        let client = self.truora().await.map_err(|e| vec![e])?;
        let created = match client.create_inbound(&line, flow, text).await {
            Ok(c) => c,
            Err(e) => {
                let mut e = AppError::from(e);
                if e.code == ErrorCode::VendorRejected || matches!(e.code, ErrorCode::Internal) {
                    e.field = Some("message".into());
                }
                // 409: the text already starts a flow on this line.
                if e.message.contains("409") || e.message.to_ascii_lowercase().contains("unique") {
                    e = AppError::validation(
                        "message",
                        RuleCode::WaInboundNotUnique,
                        "already used on this line",
                    );
                }
                return Err(vec![e]);
            }
        };
        let link = rules::inbound_link(&line, text);
        let (qr_size, qr) = qr_of(&link).map_err(|e| vec![e])?;
        let practice = self.is_practice();
        let now = self.now_ms();
        self.with_conn(|c| {
            sql::add_inbound(
                c,
                created.inbound_id.as_deref(),
                &line,
                flow,
                text,
                &link,
                practice,
                now,
            )
        })
        .map_err(|e| vec![e])?;
        self.record("whatsapp", "whatsapp.inbound_created", Outcome::Ok, flow);
        Ok(InboundView {
            inbound_id: created.inbound_id,
            line: display_line(&line),
            flow_id: flow.to_string(),
            message: text.to_string(),
            link,
            qr_size,
            qr,
        })
    }

    /// Saves a link's QR code as a PNG (in `folder`, or the download folder).
    pub async fn whatsapp_save_qr(
        &self,
        link: &str,
        folder: Option<std::path::PathBuf>,
    ) -> Result<DownloadedFile, AppError> {
        let (size, modules) = qr_of(link)?;
        let png = qr_png(size, &modules, 10)?;
        self.save_download(
            "whatsapp-link",
            "qr",
            "whatsapp-link-qr",
            folder,
            "qr",
            |dest, _| async move {
                crate::files::write_private(&dest, &png).map_err(|e| {
                    opsdesk_http::ApiError::unexpected(format!("cannot write the file: {e}"))
                })?;
                Ok(png.len() as u64)
            },
        )
        .await
    }
}
