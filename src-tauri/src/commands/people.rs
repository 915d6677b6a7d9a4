//! People and consent: find a person, answer a data request (export, erase), the
//! do-not-contact list and the consent register.

use super::{off_main, CmdResult, Core};
use crate::commands::system::chosen_folder;
use crate::events::{changed, Topic};
use opsdesk_core::downloads::DownloadedFile;
use opsdesk_core::people::{
    ConsentList, Erased, OptOutAdded, OptOutImport, OptOutList, PersonExportFormat,
    PersonExportLabels, PersonQuery, PersonView,
};
use opsdesk_core::{AppError, ErrorCode};

/// Everything this computer holds about a person. Validation problems come back as a list so
/// every field can show its message at once.
#[tauri::command]
pub async fn people_find(core: Core<'_>, query: PersonQuery) -> CmdResult<PersonView> {
    off_main(&core, move |c| {
        c.people_find(&query).map_err(AppError::from)
    })
    .await
}

/// `choose_folder`: ask where to save (a native dialog); otherwise the download folder.
#[tauri::command]
pub async fn people_export(
    app: tauri::AppHandle,
    core: Core<'_>,
    query: PersonQuery,
    format: PersonExportFormat,
    labels: PersonExportLabels,
    choose_folder: bool,
) -> CmdResult<DownloadedFile> {
    let folder = chosen_folder(&app, &core, choose_folder).await?;
    let r = core.people_export(&query, format, &labels, folder).await;
    changed(&app, &[Topic::Activity]);
    r.map_err(AppError::from)
}

#[tauri::command]
pub async fn people_erase(
    app: tauri::AppHandle,
    core: Core<'_>,
    query: PersonQuery,
    opt_out: bool,
) -> CmdResult<Erased> {
    let r = off_main(&core, move |c| {
        c.people_erase(&query, opt_out).map_err(AppError::from)
    })
    .await;
    changed(
        &app,
        &[
            Topic::People,
            Topic::Activity,
            Topic::Checks,
            Topic::Identity,
            Topic::Whatsapp,
            Topic::Bulk,
            Topic::Truecaller,
        ],
    );
    r
}

/// Practice mode: brings in the practice person and returns who to search for.
#[tauri::command]
pub async fn people_practice(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<PersonQuery> {
    let r = core.people_practice().await;
    changed(
        &app,
        &[
            Topic::Activity,
            Topic::Checks,
            Topic::Identity,
            Topic::Truecaller,
        ],
    );
    r
}

#[tauri::command]
pub async fn opt_outs(core: Core<'_>) -> CmdResult<OptOutList> {
    off_main(&core, move |c| c.opt_outs()).await
}

#[tauri::command]
pub async fn opt_out_add(
    app: tauri::AppHandle,
    core: Core<'_>,
    country_code: String,
    phone: String,
) -> CmdResult<OptOutAdded> {
    let r = off_main(&core, move |c| {
        c.opt_out_add(&country_code, &phone).map_err(AppError::from)
    })
    .await;
    changed(&app, &[Topic::People, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn opt_out_remove(app: tauri::AppHandle, core: Core<'_>, key: String) -> CmdResult<()> {
    let r = off_main(&core, move |c| c.opt_out_remove(&key)).await;
    changed(&app, &[Topic::People, Topic::Activity]);
    r
}

/// The native file picker for a list of numbers (spreadsheet or events export); closing it
/// cancels.
#[tauri::command]
pub async fn opt_out_import(
    app: tauri::AppHandle,
    core: Core<'_>,
    country_code: String,
) -> CmdResult<OptOutImport> {
    use tauri_plugin_dialog::DialogExt;
    // End-to-end tests cannot click through a native dialog; development builds let them name
    // the file instead.
    #[cfg(debug_assertions)]
    let picked = std::env::var_os("OPSDESK_TEST_PICK_FILE").map(std::path::PathBuf::from);
    #[cfg(not(debug_assertions))]
    let picked: Option<std::path::PathBuf> = None;
    let path = match picked {
        Some(p) => p,
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .add_filter(
                    "CSV / Excel / JSON",
                    &["csv", "txt", "xlsx", "xls", "ods", "json", "jsonl"],
                )
                .pick_file(move |f| {
                    let _ = tx.send(f.and_then(|p| p.into_path().ok()));
                });
            rx.await
                .ok()
                .flatten()
                .ok_or_else(|| AppError::new(ErrorCode::Cancelled, "no file chosen"))?
        }
    };
    let r = off_main(&core, move |c| c.opt_out_import_file(&path, &country_code)).await;
    changed(&app, &[Topic::People, Topic::Activity]);
    r
}

#[tauri::command]
pub async fn consents(core: Core<'_>) -> CmdResult<ConsentList> {
    off_main(&core, move |c| c.consents()).await
}
