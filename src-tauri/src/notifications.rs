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

/// The message shown when OpsDesk cannot start at all (the screens never open, so the window
/// cannot say it): what happened, where the details are, what to do. `log_dir` is the folder
/// of the log files.
pub fn could_not_start(lang: Language, log_dir: &std::path::Path) -> (String, String) {
    let dir = log_dir.display();
    match lang {
        Language::Es => (
            "OpsDesk no pudo abrirse".into(),
            format!(
                "Algo falló al preparar OpsDesk y se va a cerrar. No se perdió ningún dato.\n\n\
                 Vuelve a abrirlo. Si pasa otra vez, reinicia el computador; si sigue pasando, \
                 envía a tu equipo de TI los archivos de registro de esta carpeta:\n{dir}"
            ),
        ),
        Language::PtBr => (
            "O OpsDesk não pôde abrir".into(),
            format!(
                "Algo falhou ao preparar o OpsDesk e ele vai fechar. Nenhum dado foi perdido.\n\n\
                 Abra-o de novo. Se acontecer outra vez, reinicie o computador; se continuar, \
                 envie à sua equipe de TI os arquivos de registro desta pasta:\n{dir}"
            ),
        ),
        Language::En => (
            "OpsDesk could not open".into(),
            format!(
                "Something went wrong while OpsDesk was getting ready, and it will close. No data \
                 was lost.\n\nOpen it again. If this happens again, restart the computer; if it \
                 keeps happening, send the log files in this folder to your IT team:\n{dir}"
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The message a user sees when OpsDesk cannot open: in the computer's language, naming the
    /// folder to send to IT (the log's own path, not a made-up one).
    #[test]
    fn a_failed_start_is_explained_in_the_computers_language() {
        let dir = std::env::temp_dir().join("OpsDesk").join("logs");
        for (locale, title) in [
            (Some("es_CO.UTF-8"), "OpsDesk no pudo abrirse"),
            (Some("pt-BR"), "O OpsDesk não pôde abrir"),
            (None, "OpsDesk could not open"),
        ] {
            let (t, text) = could_not_start(Language::from_locale(locale), &dir);
            assert_eq!(t, title);
            assert!(text.ends_with(&dir.display().to_string()), "{text}");
            assert!(
                !text.contains("  "),
                "no doubled spaces from line breaks: {text}"
            );
        }
    }
}
