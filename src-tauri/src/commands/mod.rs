//! One module per domain. A command is a call into `opsdesk_core::App` and, after a write, a
//! `changed` event: nothing else.

pub mod activity;
pub mod bulk;
pub mod checks;
pub mod identity;
pub mod people;
pub mod settings;
pub mod system;
pub mod truecaller;
pub mod whatsapp;

pub type Core<'a> = tauri::State<'a, std::sync::Arc<opsdesk_core::App>>;
pub type CmdResult<T> = Result<T, opsdesk_core::AppError>;

/// Turns true once the cache is open and `Core` is managed. The window starts loading before
/// that (start-up time, issue #18); the page's first call, `app_status`, waits on it, and every
/// other call comes from a screen shown after that answer.
pub struct Opening(pub tokio::sync::watch::Receiver<bool>);

/// Runs cache work off the main thread. A synchronous command runs on it, and the window
/// freezes while a search over a large cache or a list check of 200,000 rows runs.
pub async fn off_main<T: Send + 'static>(
    core: &Core<'_>,
    f: impl FnOnce(&opsdesk_core::App) -> CmdResult<T> + Send + 'static,
) -> CmdResult<T> {
    let core = core.inner().clone();
    tauri::async_runtime::spawn_blocking(move || f(&core))
        .await
        .map_err(|e| opsdesk_core::AppError::internal(format!("a background task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Command names are written in the shell's handler list and in the UI's one door
    /// (`ui/src/lib/ipc.ts`); a name in one and not the other is a button that fails at run time.
    #[test]
    fn every_registered_command_is_in_the_ui_door_and_back() {
        let shell = include_str!("../lib.rs");
        let start = shell.find("generate_handler![").expect("handler list");
        let end = start + shell[start..].find("])").expect("end of handler list");
        let registered: BTreeSet<&str> = shell[start + "generate_handler![".len()..end]
            .split(',')
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| s.rsplit("::").next().unwrap())
            .collect();

        let ipc = include_str!("../../../ui/src/lib/ipc.ts");
        let mut called = BTreeSet::new();
        for part in ipc
            .split("invoke(")
            .skip(1)
            .chain(ipc.split("invoke<").skip(1))
        {
            let part = part.trim_start_matches(|c: char| c != '\'' && c != '"' && c != '(');
            let part = part.trim_start_matches('(');
            if let Some(rest) = part.strip_prefix('\'') {
                if let Some(name) = rest.split('\'').next() {
                    called.insert(name);
                }
            }
        }
        assert!(registered.len() > 50, "{registered:?}");
        let missing_in_ui: Vec<_> = registered.difference(&called).collect();
        let missing_in_shell: Vec<_> = called.difference(&registered).collect();
        assert!(
            missing_in_ui.is_empty() && missing_in_shell.is_empty(),
            "registered but never called from ipc.ts: {missing_in_ui:?}; called but not registered: {missing_in_shell:?}"
        );
    }

    /// A synchronous command runs on the main thread, which also paints the window and answers
    /// every other call: only the few that touch neither the cache, the keyring nor a file may
    /// be synchronous (the rest are `async` and use `off_main`). A new synchronous command fails
    /// here until it is made async or shown to be instant.
    #[test]
    fn only_instant_commands_run_on_the_main_thread() {
        // Each is a flag, a memory read or pure validation, and why.
        const INSTANT: &[&str] = &[
            "bulk_pause",           // sets a flag the engine reads
            "cancel_job",           // sets a download's cancel flag
            "checks_form_fields",   // the form for a country: constants
            "checks_bulk_fields",   // the same constants, for a file's columns
            "whatsapp_check_draft", // validates a template being typed: pure
            "open_log_folder",      // hands a path to the system's file manager
            "ui_ready",             // one log line (the log writer does not block)
        ];
        let mut sync = Vec::new();
        for src in [
            include_str!("activity.rs"),
            include_str!("bulk.rs"),
            include_str!("checks.rs"),
            include_str!("identity.rs"),
            include_str!("people.rs"),
            include_str!("settings.rs"),
            include_str!("system.rs"),
            include_str!("truecaller.rs"),
            include_str!("whatsapp.rs"),
            include_str!("../updates.rs"),
        ] {
            for part in src.split("#[tauri::command]").skip(1) {
                if let Some(rest) = part.trim_start().strip_prefix("pub fn ") {
                    sync.push(rest.split('(').next().unwrap().to_string());
                }
            }
        }
        let unexpected: Vec<_> = sync
            .iter()
            .filter(|n| !INSTANT.contains(&n.as_str()))
            .collect();
        assert!(
            unexpected.is_empty(),
            "synchronous commands that can wait on the cache, the keyring or a file: {unexpected:?}"
        );
        assert_eq!(sync.len(), INSTANT.len(), "{sync:?}");
    }

    /// Every command answers in one shape, `CmdResult<T>`: several field problems travel inside
    /// the one error (`AppError::problems`), so the UI reads every failure the same way.
    #[test]
    fn every_command_fails_with_one_error_shape() {
        for (name, src) in [
            ("activity", include_str!("activity.rs")),
            ("bulk", include_str!("bulk.rs")),
            ("checks", include_str!("checks.rs")),
            ("identity", include_str!("identity.rs")),
            ("settings", include_str!("settings.rs")),
            ("system", include_str!("system.rs")),
            ("truecaller", include_str!("truecaller.rs")),
            ("whatsapp", include_str!("whatsapp.rs")),
        ] {
            assert!(
                !src.contains("Vec<AppError>"),
                "{name}.rs returns a list of errors: convert it with AppError::from"
            );
        }
    }
}
