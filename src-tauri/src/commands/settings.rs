use super::{off_main, CmdResult, Core};
use crate::events::{changed, Topic};
use opsdesk_core::settings::Settings;
use opsdesk_core::{ConnectionReport, CredentialsStatus, Service};

#[tauri::command]
pub async fn save_settings(
    app: tauri::AppHandle,
    core: Core<'_>,
    settings: Settings,
) -> CmdResult<Settings> {
    let saved = core.save_settings(settings).await?;
    changed(&app, &[Topic::Settings, Topic::Activity]);
    Ok(saved)
}

#[tauri::command]
pub async fn save_truora_key(
    app: tauri::AppHandle,
    core: Core<'_>,
    key: String,
) -> CmdResult<CredentialsStatus> {
    off_main(&core, move |c| {
        let status = c.save_truora_key(&key)?;
        changed(
            &app,
            &[Topic::Credentials, Topic::Settings, Topic::Activity],
        );
        Ok(status)
    })
    .await
}

#[tauri::command]
pub async fn save_truecaller_keys(
    app: tauri::AppHandle,
    core: Core<'_>,
    key_id: String,
    api_key: String,
    client_account_id: String,
) -> CmdResult<CredentialsStatus> {
    let status = core
        .save_truecaller_keys(&key_id, &api_key, &client_account_id)
        .await?;
    changed(
        &app,
        &[Topic::Credentials, Topic::Settings, Topic::Activity],
    );
    Ok(status)
}

#[tauri::command]
pub async fn remove_credentials(
    app: tauri::AppHandle,
    core: Core<'_>,
    service: Service,
) -> CmdResult<CredentialsStatus> {
    let status = core.remove_credentials(service).await?;
    changed(&app, &[Topic::Credentials, Topic::Activity]);
    Ok(status)
}

#[tauri::command]
pub async fn test_connection(
    app: tauri::AppHandle,
    core: Core<'_>,
    service: Service,
) -> CmdResult<ConnectionReport> {
    let report = core.test_connection(service).await;
    changed(&app, &[Topic::Activity]);
    Ok(report)
}
