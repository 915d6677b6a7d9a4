use super::{CmdResult, Core};
use crate::events::{changed, Topic};
use opsdesk_core::AppStatus;
use tauri_plugin_opener::OpenerExt;

#[tauri::command]
pub fn app_status(core: Core<'_>) -> AppStatus {
    core.status()
}

#[tauri::command]
pub fn reset_local_cache(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<AppStatus> {
    core.reset_local_cache()?;
    changed(&app, &[Topic::LocalCache, Topic::Settings, Topic::Activity]);
    Ok(core.status())
}

#[tauri::command]
pub fn diagnostics(core: Core<'_>) -> String {
    core.diagnostics()
}

#[tauri::command]
pub fn open_log_folder(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<()> {
    let dir = core.config().paths.log_dir.display().to_string();
    app.opener().open_path(dir, None::<&str>).map_err(|e| {
        opsdesk_core::AppError::internal(format!("could not open the log folder: {e}"))
    })
}
