use super::{off_main, CmdResult, Core};
use opsdesk_core::activity::ActivityEntry;

#[tauri::command]
pub async fn list_activity(core: Core<'_>, limit: u32) -> CmdResult<Vec<ActivityEntry>> {
    off_main(&core, move |c| c.activity(limit)).await
}
