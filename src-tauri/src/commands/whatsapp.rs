use super::{off_main, CmdResult, Core};
use crate::commands::system::chosen_folder;
use crate::events::{changed, Topic};
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::whatsapp::{DraftCheck, InboundView, SendOutcome, TemplateView};
use opsdesk_core::AppError;
use opsdesk_truora::whatsapp::rules::{SendDraft, TemplateDraft};

#[tauri::command]
pub async fn whatsapp_lines(core: Core<'_>) -> CmdResult<Vec<String>> {
    off_main(&core, move |c| c.whatsapp_lines()).await
}

#[tauri::command]
pub async fn whatsapp_add_line(
    app: tauri::AppHandle,
    core: Core<'_>,
    line: String,
) -> CmdResult<String> {
    off_main(&core, move |c| {
        let r = c.whatsapp_add_line(&line);
        changed(&app, &[Topic::Whatsapp]);
        r
    })
    .await
}

#[tauri::command]
pub async fn whatsapp_remove_line(
    app: tauri::AppHandle,
    core: Core<'_>,
    line: String,
) -> CmdResult<()> {
    off_main(&core, move |c| {
        let r = c.whatsapp_remove_line(&line);
        changed(&app, &[Topic::Whatsapp]);
        r
    })
    .await
}

#[tauri::command]
pub async fn whatsapp_cached(core: Core<'_>, line: String) -> CmdResult<Vec<TemplateView>> {
    off_main(&core, move |c| c.whatsapp_cached(&line)).await
}

/// The line's template list (optionally one status) as Excel or CSV.
#[tauri::command]
pub async fn whatsapp_templates_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    line: String,
    status: Option<String>,
    format: opsdesk_core::export::Format,
    words: opsdesk_core::export::Words,
    choose_folder: bool,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let w = words.clone();
    let bytes = off_main(&core, move |c| {
        c.whatsapp_templates_export_bytes(&line, status.as_deref(), format, &w)
    })
    .await?;
    let r = core
        .save_list_export(
            "whatsapp-templates",
            bytes,
            &words,
            "wa.export.file_name",
            folder,
        )
        .await;
    changed(&app, &[Topic::Activity]);
    r
}

#[tauri::command]
pub async fn whatsapp_refresh(
    app: tauri::AppHandle,
    core: Core<'_>,
    line: String,
) -> CmdResult<Vec<TemplateView>> {
    let r = core.whatsapp_refresh(&line).await;
    changed(&app, &[Topic::Whatsapp]);
    r
}

#[tauri::command]
pub async fn whatsapp_template(core: Core<'_>, id: String) -> CmdResult<TemplateView> {
    off_main(&core, move |c| c.whatsapp_template(&id)).await
}

#[tauri::command]
pub async fn whatsapp_reload(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: String,
) -> CmdResult<TemplateView> {
    let r = core.whatsapp_reload(&id).await;
    changed(&app, &[Topic::Whatsapp]);
    r
}

#[tauri::command]
pub fn whatsapp_check_draft(core: Core<'_>, draft: TemplateDraft) -> DraftCheck {
    core.whatsapp_check_draft(&draft)
}

#[tauri::command]
pub async fn whatsapp_create(
    app: tauri::AppHandle,
    core: Core<'_>,
    draft: TemplateDraft,
) -> CmdResult<TemplateView> {
    let r = core.whatsapp_create(&draft).await;
    changed(&app, &[Topic::Whatsapp, Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn whatsapp_delete(app: tauri::AppHandle, core: Core<'_>, id: String) -> CmdResult<()> {
    let r = core.whatsapp_delete(&id).await;
    changed(&app, &[Topic::Whatsapp, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn whatsapp_send(
    app: tauri::AppHandle,
    core: Core<'_>,
    draft: SendDraft,
    send_again: bool,
) -> CmdResult<SendOutcome> {
    let r = core.whatsapp_send(&draft, send_again).await;
    changed(&app, &[Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn whatsapp_create_inbound(
    app: tauri::AppHandle,
    core: Core<'_>,
    line: String,
    flow_id: String,
    message: String,
) -> CmdResult<InboundView> {
    let r = core
        .whatsapp_create_inbound(&line, &flow_id, &message)
        .await;
    changed(&app, &[Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn whatsapp_save_qr(
    app: tauri::AppHandle,
    core: Core<'_>,
    link: String,
    choose_folder: bool,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let r = core.whatsapp_save_qr(&link, folder).await;
    changed(&app, &[Topic::Activity]);
    r
}

#[tauri::command]
pub async fn whatsapp_line_names(
    core: Core<'_>,
) -> CmdResult<Vec<opsdesk_core::whatsapp::LineName>> {
    off_main(&core, move |c| c.whatsapp_line_names()).await
}

#[tauri::command]
pub async fn whatsapp_name_line(
    app: tauri::AppHandle,
    core: Core<'_>,
    line: String,
    name: String,
) -> CmdResult<()> {
    off_main(&core, move |c| {
        let r = c.whatsapp_name_line(&line, &name);
        changed(&app, &[Topic::Whatsapp]);
        r
    })
    .await
}
