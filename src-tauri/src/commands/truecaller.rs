use super::{off_main, CmdResult, Core};
use crate::events::{changed, Topic};
use opsdesk_core::bulk::truecaller::LabelView;
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::truecaller::{
    CallbackView, EventImport, FeatureSetView, ListingView, LogRequest, NumberFilterKind,
    NumbersPageView, OneCallForm,
};
use opsdesk_core::{AppError, ErrorCode};

#[tauri::command]
pub async fn truecaller_push_call(
    app: tauri::AppHandle,
    core: Core<'_>,
    form: OneCallForm,
) -> CmdResult<()> {
    let r = core.truecaller_push_call(&form).await;
    changed(&app, &[Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn truecaller_numbers(
    core: Core<'_>,
    kind: Option<NumberFilterKind>,
    value: String,
    page: u32,
) -> CmdResult<NumbersPageView> {
    core.truecaller_numbers(kind, &value, page).await
}

#[tauri::command]
pub async fn truecaller_feature_sets(core: Core<'_>) -> CmdResult<Vec<FeatureSetView>> {
    core.truecaller_feature_sets().await
}

#[tauri::command]
pub async fn truecaller_listing(
    app: tauri::AppHandle,
    core: Core<'_>,
    feature_set: String,
    numbers: Vec<String>,
    publish: bool,
) -> CmdResult<ListingView> {
    let r = core
        .truecaller_listing(&feature_set, &numbers, publish)
        .await;
    changed(&app, &[Topic::Activity]);
    r
}

/// Picks webhook files (JSON or JSON lines) and imports their events.
#[tauri::command]
pub async fn truecaller_import_events(
    app: tauri::AppHandle,
    core: Core<'_>,
) -> CmdResult<EventImport> {
    use tauri_plugin_dialog::DialogExt;
    let path = {
        #[cfg(debug_assertions)]
        let hook = std::env::var_os("OPSDESK_TEST_PICK_FILE").map(std::path::PathBuf::from);
        #[cfg(not(debug_assertions))]
        let hook: Option<std::path::PathBuf> = None;
        match hook {
            Some(p) => p,
            None => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                app.dialog()
                    .file()
                    .add_filter("JSON", &["json", "jsonl", "txt", "log"])
                    .pick_file(move |f| {
                        let _ = tx.send(f.and_then(|p| p.into_path().ok()));
                    });
                rx.await
                    .ok()
                    .flatten()
                    .ok_or_else(|| AppError::new(ErrorCode::Cancelled, "no file chosen"))?
            }
        }
    };
    let r = core.truecaller_import_events_file(&path);
    changed(&app, &[Topic::Truecaller, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn truecaller_callbacks(core: Core<'_>) -> CmdResult<Vec<CallbackView>> {
    off_main(&core, move |c| c.truecaller_callbacks()).await
}

#[tauri::command]
pub async fn truecaller_callback_done(
    app: tauri::AppHandle,
    core: Core<'_>,
    event_id: String,
    done: bool,
) -> CmdResult<()> {
    off_main(&core, move |c| {
        let r = c.truecaller_callback_done(&event_id, done);
        changed(&app, &[Topic::Truecaller]);
        r
    })
    .await
}

#[tauri::command]
pub async fn truecaller_labels_cached(core: Core<'_>) -> CmdResult<Vec<LabelView>> {
    off_main(&core, move |c| c.truecaller_labels_cached()).await
}

#[tauri::command]
pub async fn truecaller_labels_refresh(
    app: tauri::AppHandle,
    core: Core<'_>,
) -> CmdResult<Vec<LabelView>> {
    let r = core.truecaller_labels_refresh().await;
    changed(&app, &[Topic::Truecaller]);
    r
}

#[tauri::command]
pub async fn truecaller_download_log(
    app: tauri::AppHandle,
    core: Core<'_>,
    request: LogRequest,
    choose_folder: bool,
) -> CmdResult<DownloadedFile> {
    let folder = crate::commands::system::chosen_folder(&app, &core, choose_folder).await?;
    let r = core.truecaller_download_log(&request, folder).await;
    changed(&app, &[Topic::Activity]);
    r
}
