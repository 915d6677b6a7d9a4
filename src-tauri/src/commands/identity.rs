use super::{off_main, CmdResult, Core};
use crate::commands::system::chosen_folder;
use crate::events::{changed, Topic};
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::identity::{LinkForm, LinkOutcome, ProcessView};
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
pub async fn identity_cached(core: Core<'_>) -> CmdResult<Vec<ProcessView>> {
    off_main(&core, move |c| c.identity_cached()).await
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
