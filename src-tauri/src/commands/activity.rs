use super::{off_main, CmdResult, Core};
use opsdesk_core::activity::ActivityEntry;

#[tauri::command]
pub async fn list_activity(core: Core<'_>, limit: u32) -> CmdResult<Vec<ActivityEntry>> {
    off_main(&core, move |c| c.activity(limit)).await
}

/// "Save the activity": every entry of this computer, to Excel or CSV.
#[tauri::command]
pub async fn activity_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    format: opsdesk_core::export::Format,
    words: opsdesk_core::export::Words,
    choose_folder: bool,
) -> CmdResult<opsdesk_core::downloads::DownloadedFile> {
    let folder = crate::commands::system::chosen_folder(&app, &core, choose_folder).await?;
    let w = words.clone();
    let bytes = off_main(&core, move |c| c.activity_export_bytes(format, &w)).await?;
    let r = core
        .save_list_export(
            "activity-list",
            bytes,
            &words,
            "activity.export.file_name",
            folder,
        )
        .await;
    crate::events::changed(&app, &[crate::events::Topic::Activity]);
    r
}

/// The start screen: what needs the operator's attention.
#[tauri::command]
pub async fn attention(
    core: Core<'_>,
    today: String,
) -> CmdResult<opsdesk_core::attention::Attention> {
    off_main(&core, move |c| c.attention(&today)).await
}

/// A check's or template's page was opened: it leaves the start screen.
#[tauri::command]
pub async fn attention_seen(
    core: Core<'_>,
    what: opsdesk_core::attention::Seen,
    id: String,
) -> CmdResult<()> {
    off_main(&core, move |c| c.attention_seen(what, &id)).await
}

#[tauri::command]
pub async fn attention_seen_all(core: Core<'_>) -> CmdResult<()> {
    off_main(&core, move |c| c.attention_seen_all()).await
}
