//! OS notification texts. They are shown outside the web UI, so the backend carries its own
//! (short) translations in the user's language.

use opsdesk_core::bulk::engine::JobView;
use opsdesk_core::settings::Language;
use opsdesk_core::whatsapp::{TemplateStatus, TemplateVerdict};

pub fn template_verdict(lang: Language, v: &TemplateVerdict) -> (String, String) {
    let approved = v.status == TemplateStatus::Approved;
    let name = &v.name;
    match (lang, approved) {
        (Language::Es, true) => (
            "Plantilla aprobada".into(),
            format!("«{name}» fue aprobada por WhatsApp y ya se puede enviar."),
        ),
        (Language::Es, false) => (
            "Plantilla rechazada".into(),
            format!("WhatsApp rechazó «{name}». Abre OpsDesk para ver el motivo."),
        ),
        (Language::PtBr, true) => (
            "Modelo aprovado".into(),
            format!("“{name}” foi aprovado pelo WhatsApp e já pode ser enviado."),
        ),
        (Language::PtBr, false) => (
            "Modelo rejeitado".into(),
            format!("O WhatsApp rejeitou “{name}”. Abra o OpsDesk para ver o motivo."),
        ),
        (Language::En, true) => (
            "Template approved".into(),
            format!("“{name}” was approved by WhatsApp and can be sent now."),
        ),
        (Language::En, false) => (
            "Template rejected".into(),
            format!("WhatsApp rejected “{name}”. Open OpsDesk to see why."),
        ),
    }
}

/// Tells the operator a bulk job ended (shown when the window is not in front).
pub fn job_finished(app: &tauri::AppHandle, lang: Language, v: &JobView) {
    use tauri_plugin_notification::NotificationExt;
    let c = &v.counts;
    let problems = c.failed + c.uncertain + c.invalid;
    let (title, body) = match lang {
        Language::Es => (
            "Envío masivo terminado".to_string(),
            format!(
                "«{}»: {} enviados, {} con problemas.",
                v.title, c.done, problems
            ),
        ),
        Language::PtBr => (
            "Envio em massa concluído".to_string(),
            format!(
                "“{}”: {} enviados, {} com problemas.",
                v.title, c.done, problems
            ),
        ),
        Language::En => (
            "Bulk send finished".to_string(),
            format!(
                "“{}”: {} sent, {} with problems.",
                v.title, c.done, problems
            ),
        ),
    };
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::debug!(error = %e, "notification not shown");
    }
}
