use super::{off_main, CmdResult, Core};
use crate::events::{changed, Topic};
use opsdesk_core::{AppError, AppStatus};
use tauri::Manager;
use tauri_plugin_opener::OpenerExt;

#[tauri::command]
pub async fn app_status(
    app: tauri::AppHandle,
    opening: tauri::State<'_, super::Opening>,
) -> CmdResult<AppStatus> {
    let mut ready = opening.0.clone();
    ready
        .wait_for(|open| *open)
        .await
        .map_err(|_| AppError::internal("the app is closing"))?;
    let core = app.state::<std::sync::Arc<opsdesk_core::App>>();
    off_main(&core, move |c| Ok(c.status())).await
}

/// Where the page's start-up time went, in milliseconds since the page began loading.
#[derive(serde::Deserialize, Debug)]
pub struct StartupMarks {
    page_origin_epoch_ms: f64,
    script_ms: f64,
    status_asked_ms: f64,
    status_back_ms: f64,
    painted_ms: f64,
}

/// The first screen has its status and has been painted: logs how long after the process
/// started (once), the start-up figure `scripts/measure-startup.sh` reads, and where the time
/// went: until the page began loading, until its script ran, the status call, the paint.
#[tauri::command]
pub fn ui_ready(marks: StartupMarks) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !DONE.swap(true, std::sync::atomic::Ordering::SeqCst) {
        let Some(started) = crate::STARTED.get() else {
            return;
        };
        let ms = started.elapsed().as_millis();
        // The process start on the wall clock, to place the page's own clock against it.
        let start_epoch_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
            - started.elapsed().as_secs_f64() * 1000.0;
        let page_ms = (marks.page_origin_epoch_ms - start_epoch_ms).round() as i64;
        tracing::info!(
            ms,
            page_ms,
            script_ms = marks.script_ms.round() as i64,
            status_call_ms = (marks.status_back_ms - marks.status_asked_ms).round() as i64,
            paint_ms = (marks.painted_ms - marks.status_back_ms).round() as i64,
            "first screen shown"
        );
    }
}

#[tauri::command]
pub async fn reset_local_cache(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<AppStatus> {
    off_main(&core, move |c| {
        c.reset_local_cache()?;
        changed(&app, &[Topic::LocalCache, Topic::Settings, Topic::Activity]);
        Ok(c.status())
    })
    .await
}

/// "Try again" on the recovery page: opens and checks the cache again without a restart.
#[tauri::command]
pub async fn retry_local_cache(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<AppStatus> {
    let core = core.inner().clone();
    // Reads the whole file: off the main thread.
    let status = tauri::async_runtime::spawn_blocking(move || {
        core.retry_store();
        core.status()
    })
    .await
    .map_err(|e| opsdesk_core::AppError::internal(e.to_string()))?;
    changed(&app, &[Topic::LocalCache, Topic::Settings, Topic::Activity]);
    Ok(status)
}

/// Saves a copy of the damaged cache and carries what can be read into a fresh one.
#[tauri::command]
pub async fn recover_local_cache(
    app: tauri::AppHandle,
    core: Core<'_>,
) -> CmdResult<opsdesk_core::RecoveryReport> {
    let core = core.inner().clone();
    let report = tauri::async_runtime::spawn_blocking(move || core.recover_local_cache())
        .await
        .map_err(|e| opsdesk_core::AppError::internal(e.to_string()))??;
    changed(&app, &[Topic::LocalCache, Topic::Settings, Topic::Activity]);
    Ok(report)
}

/// The files OpsDesk saved that are still on disk (Settings lists them).
#[tauri::command]
pub async fn saved_files(core: Core<'_>) -> CmdResult<Vec<opsdesk_core::downloads::SavedFile>> {
    off_main(&core, move |c| c.saved_files()).await
}

/// Deletes the saved files older than the retention period.
#[tauri::command]
pub async fn delete_saved_files_past_retention(
    app: tauri::AppHandle,
    core: Core<'_>,
) -> CmdResult<usize> {
    off_main(&core, move |c| {
        let n = c.delete_saved_files_past_retention()?;
        changed(&app, &[Topic::Settings, Topic::Activity]);
        Ok(n)
    })
    .await
}

#[tauri::command]
pub async fn diagnostics(core: Core<'_>) -> CmdResult<String> {
    off_main(&core, move |c| Ok(c.diagnostics())).await
}

#[tauri::command]
pub fn open_log_folder(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<()> {
    let dir = core.config().paths.log_dir.display().to_string();
    app.opener().open_path(dir, None::<&str>).map_err(|e| {
        opsdesk_core::AppError::internal(format!("could not open the log folder: {e}"))
    })
}

#[tauri::command]
pub fn cancel_job(core: Core<'_>, job_id: String) -> bool {
    core.jobs.cancel(&job_id)
}

/// Opens a saved file with the system's viewer, or shows it in its folder.
#[tauri::command]
pub async fn open_download(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: i64,
    reveal: bool,
) -> CmdResult<()> {
    off_main(&core, move |c| {
        // A file saved inert (not a document, image, video or spreadsheet) is only ever shown in
        // its folder: the backend refuses to open it whatever the UI asks.
        let path = c.download_to_open(id, reveal)?;
        let result = if reveal {
            app.opener().reveal_item_in_dir(&path)
        } else {
            app.opener()
                .open_path(path.display().to_string(), None::<&str>)
        };
        result
            .map_err(|e| opsdesk_core::AppError::internal(format!("could not open the file: {e}")))
    })
    .await
}

/// Lets the user pick the default download folder; returns the settings as saved.
#[tauri::command]
pub async fn choose_download_dir(
    app: tauri::AppHandle,
    core: Core<'_>,
) -> CmdResult<Option<opsdesk_core::settings::Settings>> {
    let Some(folder) = pick_folder(&app, core.download_dir()).await else {
        return Ok(None);
    };
    let mut s = core.settings();
    s.download_dir = Some(folder.display().to_string());
    let saved = core.save_settings(s).await?;
    changed(&app, &[Topic::Settings]);
    Ok(Some(saved))
}

/// The native folder picker, without blocking the async runtime.
pub async fn pick_folder(
    app: &tauri::AppHandle,
    start: std::path::PathBuf,
) -> Option<std::path::PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_directory(start)
        .pick_folder(move |f| {
            let _ = tx.send(f.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// Where a download goes: asked with the native dialog when the user ticked "ask where to save"
/// (closing the dialog cancels), otherwise the download folder setting (`None`).
pub async fn chosen_folder(
    app: &tauri::AppHandle,
    core: &opsdesk_core::App,
    ask: bool,
) -> Result<Option<std::path::PathBuf>, opsdesk_core::AppError> {
    if !ask {
        return Ok(None);
    }
    match pick_folder(app, core.download_dir()).await {
        Some(f) => Ok(Some(f)),
        None => Err(opsdesk_core::AppError::new(
            opsdesk_core::ErrorCode::Cancelled,
            "no folder chosen",
        )),
    }
}
