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
