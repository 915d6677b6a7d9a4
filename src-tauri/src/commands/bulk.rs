use super::{off_main, CmdResult, Core};
use crate::commands::system::chosen_folder;
use crate::events::{changed, Topic};
use opsdesk_core::bulk::checks::CkMapping;
use opsdesk_core::bulk::engine::{ExportLabels, JobState, JobView, RowState, RowView};
use opsdesk_core::bulk::truecaller::{LabelView, TcMapping};
use opsdesk_core::bulk::whatsapp::{SheetInfo, WaMapping, WaPreview};
use opsdesk_core::checks::{CheckSubject, FormField};
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::{AppError, ErrorCode};
use std::sync::Arc;
use tauri::Manager;

/// The native file picker for spreadsheets; closing it cancels.
#[tauri::command]
pub async fn bulk_choose_file(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<SheetInfo> {
    use tauri_plugin_dialog::DialogExt;
    // End-to-end tests cannot click through a native dialog; development builds let them name
    // the file instead.
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os("OPSDESK_TEST_PICK_FILE") {
        let path = std::path::PathBuf::from(path);
        return off_main(&core, move |c| c.bulk_load_file(&path)).await;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("CSV / Excel", &["csv", "txt", "xlsx", "xls", "ods"])
        .pick_file(move |f| {
            let _ = tx.send(f.and_then(|p| p.into_path().ok()));
        });
    let path = rx
        .await
        .ok()
        .flatten()
        .ok_or_else(|| AppError::new(ErrorCode::Cancelled, "no file chosen"))?;
    // Reading 100,000 rows takes a moment.
    off_main(&core, move |c| c.bulk_load_file(&path)).await
}

#[tauri::command]
pub async fn whatsapp_bulk_check(core: Core<'_>, mapping: WaMapping) -> CmdResult<WaPreview> {
    off_main(&core, move |c| c.whatsapp_bulk_check(&mapping)).await
}

#[tauri::command]
pub async fn whatsapp_bulk_create(
    app: tauri::AppHandle,
    core: Core<'_>,
    mapping: WaMapping,
    title: String,
) -> CmdResult<JobView> {
    let job = off_main(&core, move |c| {
        let id = c.whatsapp_bulk_create(&mapping, &title)?;
        c.bulk_job(id)
    })
    .await?;
    changed(&app, &[Topic::Bulk, Topic::Activity]);
    Ok(job)
}

#[tauri::command]
pub async fn bulk_jobs(core: Core<'_>, kind: String) -> CmdResult<Vec<JobView>> {
    off_main(&core, move |c| c.bulk_jobs(&kind)).await
}

#[tauri::command]
pub async fn bulk_job(core: Core<'_>, id: i64) -> CmdResult<JobView> {
    off_main(&core, move |c| c.bulk_job(id)).await
}

#[tauri::command]
pub async fn bulk_rows(
    core: Core<'_>,
    id: i64,
    states: Vec<RowState>,
    after_row: u32,
    limit: u32,
) -> CmdResult<Vec<RowView>> {
    off_main(&core, move |c| {
        c.bulk_rows(id, &states, after_row, limit.min(1000))
    })
    .await
}

/// Starts (or continues) a job in the background; progress arrives as `changed` events, in
/// the task bar, and as a notification when it ends while the window is not in front.
#[tauri::command]
pub async fn bulk_start(app: tauri::AppHandle, core: Core<'_>, id: i64) -> CmdResult<JobView> {
    let (running, job) =
        off_main(&core, move |c| Ok((c.bulk_is_running(id), c.bulk_job(id)?))).await?;
    if running {
        return Ok(job);
    }
    let core: Arc<opsdesk_core::App> = core.inner().clone();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut last = std::time::Instant::now();
        let window = handle.get_webview_window("main");
        let on_progress = |v: &JobView| {
            if last.elapsed() >= std::time::Duration::from_millis(250) {
                last = std::time::Instant::now();
                changed(&handle, &[Topic::Bulk]);
                if let Some(w) = &window {
                    let settled = v.counts.total - v.counts.pending - v.counts.in_flight;
                    let pct = (settled as u64 * 100) / (v.counts.total.max(1) as u64);
                    let _ = w.set_progress_bar(tauri::window::ProgressBarState {
                        status: Some(tauri::window::ProgressBarStatus::Normal),
                        progress: Some(pct),
                    });
                }
            }
        };
        let result = core.bulk_run_job(id, on_progress).await;
        if let Some(w) = &window {
            let _ = w.set_progress_bar(tauri::window::ProgressBarState {
                status: Some(tauri::window::ProgressBarStatus::None),
                progress: None,
            });
        }
        changed(&handle, &[Topic::Bulk, Topic::Activity]);
        match result {
            Ok(v) if matches!(v.state, JobState::Finished) => {
                let focused = window
                    .as_ref()
                    .and_then(|w| w.is_focused().ok())
                    .unwrap_or(false);
                if !focused {
                    crate::notifications::job_finished(&handle, core.settings().language, &v);
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, job = id, "bulk job stopped with an error"),
        }
    });
    Ok(JobView {
        state: JobState::Running,
        ..job
    })
}

#[tauri::command]
pub fn bulk_pause(core: Core<'_>, id: i64) -> bool {
    core.bulk_pause(id)
}

#[tauri::command]
pub async fn bulk_cancel(app: tauri::AppHandle, core: Core<'_>, id: i64) -> CmdResult<()> {
    off_main(&core, move |c| {
        let r = c.bulk_cancel(id);
        changed(&app, &[Topic::Bulk]);
        r
    })
    .await
}

/// `resend`: the operator checked and wants the uncertain rows sent again; otherwise they are
/// left as not sent.
#[tauri::command]
pub async fn bulk_resolve_uncertain(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: i64,
    resend: bool,
) -> CmdResult<JobView> {
    off_main(&core, move |c| {
        let r = c.bulk_resolve_uncertain(id, resend);
        changed(&app, &[Topic::Bulk]);
        r
    })
    .await
}

#[tauri::command]
pub async fn bulk_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: i64,
    labels: ExportLabels,
    choose_folder: bool,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let r = core.bulk_export(id, &labels, folder).await;
    changed(&app, &[Topic::Activity]);
    r
}

#[tauri::command]
pub async fn truecaller_bulk_check(core: Core<'_>, mapping: TcMapping) -> CmdResult<WaPreview> {
    off_main(&core, move |c| c.truecaller_bulk_check(&mapping)).await
}

#[tauri::command]
pub async fn truecaller_bulk_create(
    app: tauri::AppHandle,
    core: Core<'_>,
    mapping: TcMapping,
    title: String,
) -> CmdResult<JobView> {
    let job = off_main(&core, move |c| {
        let id = c.truecaller_bulk_create(&mapping, &title)?;
        c.bulk_job(id)
    })
    .await?;
    changed(&app, &[Topic::Bulk, Topic::Activity]);
    Ok(job)
}

/// Every row of a job (not only those that did not go out) as Excel or CSV, named after the
/// job.
#[tauri::command]
pub async fn bulk_rows_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: i64,
    format: opsdesk_core::export::Format,
    words: opsdesk_core::export::Words,
    labels: ExportLabels,
    choose_folder: bool,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let w = words.clone();
    // A job of 200,000 rows takes a few seconds: off the main thread.
    let bytes = off_main(&core, move |c| {
        c.bulk_rows_export_bytes(id, format, &w, &labels)
    })
    .await?;
    let r = core.save_bulk_rows_export(id, bytes, &words, folder).await;
    changed(&app, &[Topic::Activity]);
    r
}

/// The check inputs a file may map: for one country, or (`None`) for a file whose rows say
/// their own country.
#[tauri::command]
pub fn checks_bulk_fields(
    core: Core<'_>,
    subject: CheckSubject,
    country: Option<String>,
) -> Vec<FormField> {
    core.checks_bulk_fields(subject, country.as_deref())
}

#[tauri::command]
pub async fn checks_bulk_check(core: Core<'_>, mapping: CkMapping) -> CmdResult<WaPreview> {
    off_main(&core, move |c| c.checks_bulk_check(&mapping)).await
}

#[tauri::command]
pub async fn checks_bulk_create(
    app: tauri::AppHandle,
    core: Core<'_>,
    mapping: CkMapping,
    title: String,
) -> CmdResult<JobView> {
    let job = off_main(&core, move |c| {
        let id = c.checks_bulk_create(&mapping, &title)?;
        c.bulk_job(id)
    })
    .await?;
    changed(&app, &[Topic::Bulk, Topic::Activity]);
    Ok(job)
}

/// The account's caller-ID labels, for the pickers.
#[tauri::command]
pub async fn truecaller_labels(core: Core<'_>) -> CmdResult<Vec<LabelView>> {
    core.truecaller_label_list().await
}
