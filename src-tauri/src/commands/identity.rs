use super::{off_main, CmdResult, Core};
use crate::commands::system::chosen_folder;
use crate::events::{changed, Topic};
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::identity::{
    FlowEntry, InboxSync, LinkForm, LinkOutcome, ProcessPage, ProcessQuery, ProcessView, ResendForm,
};
use opsdesk_core::AppError;
use opsdesk_http::DownloadProgress;
use opsdesk_truora::identity::ProcessFile;
use tauri::ipc::Channel;

#[tauri::command]
pub async fn identity_lookup(
    app: tauri::AppHandle,
    core: Core<'_>,
    input: String,
) -> CmdResult<ProcessView> {
    let view = core.identity_lookup(&input).await;
    changed(&app, &[Topic::Identity, Topic::Activity]);
    view
}

#[tauri::command]
pub async fn identity_get(core: Core<'_>, process_id: String) -> CmdResult<ProcessView> {
    off_main(&core, move |c| c.identity_get(&process_id)).await
}

/// A page of the inbox (the list asks the next one as it scrolls).
#[tauri::command]
pub async fn identity_search(core: Core<'_>, query: ProcessQuery) -> CmdResult<ProcessPage> {
    off_main(&core, move |c| c.identity_search(&query)).await
}

/// Opening or leaving the inbox: when it was visited before (to mark what is new).
#[tauri::command]
pub async fn identity_inbox_visit(core: Core<'_>) -> CmdResult<Option<i64>> {
    off_main(&core, move |c| c.identity_inbox_visit()).await
}

#[tauri::command]
pub async fn identity_sync_state(core: Core<'_>) -> CmdResult<InboxSync> {
    off_main(&core, move |c| c.identity_sync_state()).await
}

/// "Check for new processes" now, beside the background refresh.
#[tauri::command]
pub async fn identity_sync(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<InboxSync> {
    let result = core.identity_sync().await;
    changed(&app, &[Topic::Identity]);
    result
}

#[tauri::command]
pub async fn identity_delete(
    app: tauri::AppHandle,
    core: Core<'_>,
    process_id: String,
) -> CmdResult<()> {
    let result = core.identity_delete(&process_id).await;
    changed(&app, &[Topic::Identity, Topic::Activity]);
    result
}

/// Validation problems come back as a list so every field can show its message at once.
#[tauri::command]
pub async fn identity_resend_link(
    app: tauri::AppHandle,
    core: Core<'_>,
    process_id: String,
    form: ResendForm,
) -> CmdResult<()> {
    let result = core.identity_resend_link(&process_id, &form).await;
    changed(&app, &[Topic::Activity]);
    result.map_err(AppError::from)
}

#[tauri::command]
pub async fn identity_flows(core: Core<'_>) -> CmdResult<Vec<FlowEntry>> {
    off_main(&core, move |c| c.identity_flows()).await
}

#[tauri::command]
pub async fn identity_name_flow(
    app: tauri::AppHandle,
    core: Core<'_>,
    flow_id: String,
    name: String,
) -> CmdResult<Vec<FlowEntry>> {
    let result = off_main(&core, move |c| c.identity_name_flow(&flow_id, &name)).await;
    changed(&app, &[Topic::Identity]);
    result
}

/// `choose_folder`: ask where to save (a native dialog); otherwise the download folder setting.
#[tauri::command]
pub async fn identity_download(
    app: tauri::AppHandle,
    core: Core<'_>,
    process_id: String,
    file: ProcessFile,
    job_id: String,
    choose_folder: bool,
    on_progress: Channel<DownloadProgress>,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let result = core
        .identity_download(&process_id, file, folder, &job_id, |p| {
            let _ = on_progress.send(p);
        })
        .await;
    changed(&app, &[Topic::Identity, Topic::Activity]);
    result
}

/// Validation problems come back as a list so every field can show its message at once.
#[tauri::command]
pub async fn identity_send_link(
    app: tauri::AppHandle,
    core: Core<'_>,
    form: LinkForm,
) -> CmdResult<LinkOutcome> {
    let result = core.identity_send_link(&form).await;
    changed(&app, &[Topic::Activity]);
    result.map_err(AppError::from)
}

/// "Save this list": the inbox as filtered on screen, to Excel or CSV.
#[tauri::command]
pub async fn identity_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    query: ProcessQuery,
    format: opsdesk_core::export::Format,
    words: opsdesk_core::export::Words,
    choose_folder: bool,
) -> CmdResult<opsdesk_core::downloads::DownloadedFile> {
    let folder = crate::commands::system::chosen_folder(&app, &core, choose_folder).await?;
    let w = words.clone();
    let bytes = off_main(&core, move |c| c.identity_export_bytes(&query, format, &w)).await?;
    let r = core
        .save_list_export(
            "identity-list",
            bytes,
            &words,
            "identity.export.file_name",
            folder,
        )
        .await;
    changed(&app, &[Topic::Activity]);
    r
}
