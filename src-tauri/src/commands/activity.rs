use super::{CmdResult, Core};
use opsdesk_core::activity::ActivityEntry;

#[tauri::command]
pub fn list_activity(core: Core<'_>, limit: u32) -> CmdResult<Vec<ActivityEntry>> {
    core.activity(limit)
}
