use super::{off_main, CmdResult, Core};
use crate::commands::system::chosen_folder;
use crate::events::{changed, Topic};
use opsdesk_core::checks::{
    CheckPage, CheckQuery, CheckSubject, CheckView, CreateOutcome, DetailsPage, FormField,
    ImportProgress, NewCheckForm,
};
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::AppError;
use opsdesk_http::DownloadProgress;
use tauri::ipc::Channel;

#[tauri::command]
pub fn checks_form_fields(
    core: Core<'_>,
    subject: CheckSubject,
    country: String,
) -> Vec<FormField> {
    core.checks_form_fields(subject, &country)
}

/// Every field problem comes back at once (inside the error) so each input shows its own
/// message.
#[tauri::command]
pub async fn checks_create(
    app: tauri::AppHandle,
    core: Core<'_>,
    form: NewCheckForm,
) -> CmdResult<CreateOutcome> {
    let out = core.checks_create(&form).await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    out.map_err(AppError::from)
}

#[tauri::command]
pub async fn checks_search(core: Core<'_>, query: CheckQuery) -> CmdResult<CheckPage> {
    off_main(&core, move |c| c.checks_search(&query)).await
}

#[tauri::command]
pub async fn checks_get(core: Core<'_>, id: String) -> CmdResult<CheckView> {
    off_main(&core, move |c| c.checks_get(&id)).await
}

#[tauri::command]
pub async fn checks_refresh(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: String,
) -> CmdResult<CheckView> {
    let v = core.checks_refresh(&id).await;
    changed(&app, &[Topic::Checks]);
    v
}

/// Every check of the account, page after page, with progress; `cancel_job(job_id)` stops it
/// and keeps what came.
#[tauri::command]
pub async fn checks_import(
    app: tauri::AppHandle,
    core: Core<'_>,
    job_id: String,
    on_progress: Channel<ImportProgress>,
) -> CmdResult<ImportProgress> {
    let cancel = core.jobs.start(&job_id);
    let r = core
        .checks_import_pages(None, Some(&cancel), |p| {
            let _ = on_progress.send(p.clone());
        })
        .await;
    core.jobs.finish(&job_id);
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn checks_details(
    core: Core<'_>,
    id: String,
    lang: String,
    cursor: Option<String>,
) -> CmdResult<DetailsPage> {
    core.checks_details(&id, &lang, cursor).await
}

#[tauri::command]
pub async fn checks_delete(app: tauri::AppHandle, core: Core<'_>, id: String) -> CmdResult<()> {
    let r = core.checks_delete(&id).await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn checks_download_pdf(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: String,
    lang: String,
    job_id: String,
    choose_folder: bool,
    on_progress: Channel<DownloadProgress>,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let r = core
        .checks_download_pdf(&id, &lang, folder, &job_id, |p| {
            let _ = on_progress.send(p);
        })
        .await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r
}

use opsdesk_core::check_config::{
    AccountCheckSettings, ContinuousRunView, ContinuousView, CustomTypeForm,
};

#[tauri::command]
pub async fn checks_custom_types(core: Core<'_>) -> CmdResult<Vec<CustomTypeForm>> {
    core.checks_custom_types().await
}

#[tauri::command]
pub async fn checks_save_custom_type(
    app: tauri::AppHandle,
    core: Core<'_>,
    form: CustomTypeForm,
) -> CmdResult<()> {
    let r = core.checks_save_custom_type(&form).await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn checks_delete_custom_type(
    app: tauri::AppHandle,
    core: Core<'_>,
    name: String,
    country: String,
) -> CmdResult<()> {
    let r = core.checks_delete_custom_type(&name, &country).await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn checks_account_settings(core: Core<'_>) -> CmdResult<Option<AccountCheckSettings>> {
    off_main(&core, move |c| Ok(c.checks_account_settings())).await
}

#[tauri::command]
pub async fn checks_save_account_settings(
    app: tauri::AppHandle,
    core: Core<'_>,
    settings: AccountCheckSettings,
) -> CmdResult<()> {
    let r = core.checks_save_account_settings(&settings).await;
    changed(&app, &[Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn checks_make_continuous(
    app: tauri::AppHandle,
    core: Core<'_>,
    check_id: String,
    frequency: String,
    end_date: String,
) -> CmdResult<ContinuousView> {
    let r = core
        .checks_make_continuous(&check_id, &frequency, &end_date)
        .await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn checks_continuous(core: Core<'_>) -> CmdResult<Vec<ContinuousView>> {
    core.checks_continuous().await
}

#[tauri::command]
pub async fn checks_continuous_set_enabled(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: String,
    enabled: bool,
) -> CmdResult<ContinuousView> {
    let r = core.checks_continuous_set_enabled(&id, enabled).await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn checks_continuous_change(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: String,
    frequency: String,
    end_date: String,
) -> CmdResult<ContinuousView> {
    let r = core
        .checks_continuous_change(&id, &frequency, &end_date)
        .await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn checks_continuous_history(
    core: Core<'_>,
    id: String,
) -> CmdResult<Vec<ContinuousRunView>> {
    core.checks_continuous_history(&id).await
}

#[tauri::command]
pub async fn checks_extras(
    core: Core<'_>,
    id: String,
) -> CmdResult<opsdesk_core::checks::CheckExtras> {
    core.checks_extras(&id).await
}

#[tauri::command]
pub async fn checks_download_attachment(
    app: tauri::AppHandle,
    core: Core<'_>,
    id: String,
    index: u32,
    job_id: String,
    on_progress: Channel<DownloadProgress>,
) -> CmdResult<DownloadedFile> {
    let r = core
        .checks_download_attachment(&id, index, &job_id, |p| {
            let _ = on_progress.send(p);
        })
        .await;
    changed(&app, &[Topic::Checks, Topic::Activity]);
    r
}

/// "Save this list": the checks list as filtered on screen, to Excel or CSV, in the download
/// folder (or one chosen when `choose_folder`).
#[tauri::command]
pub async fn checks_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    query: CheckQuery,
    format: opsdesk_core::export::Format,
    words: opsdesk_core::export::Words,
    choose_folder: bool,
) -> CmdResult<opsdesk_core::downloads::DownloadedFile> {
    let folder = crate::commands::system::chosen_folder(&app, &core, choose_folder).await?;
    let w = words.clone();
    // 100,000 rows take a couple of seconds: off the main thread.
    let bytes = off_main(&core, move |c| c.checks_export_bytes(&query, format, &w)).await?;
    let r = core
        .save_list_export(
            "checks-list",
            bytes,
            &words,
            "checks.export.file_name",
            folder,
        )
        .await;
    changed(&app, &[Topic::Activity]);
    r
}
