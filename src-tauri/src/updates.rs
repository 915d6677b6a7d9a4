//! "Check for updates" in Settings: the signed-update flow of tauri-plugin-updater. The update
//! server and the publisher's public key come from `plugins.updater` in `tauri.conf.json`,
//! which release builds fill in (README, "Signed updates"); a copy built without them says that
//! updates are not set up. Every package is checked against the publisher's signature before it
//! is installed (the plugin refuses to install otherwise), and nothing is installed while a list
//! is sending or a file is downloading: installing restarts the app.

use opsdesk_core::{AppError, ErrorCode};
use serde::Serialize;
use tauri_plugin_updater::{Error as UpdaterError, Update, Updater};
use ts_rs::TS;

/// What "Check for updates" found.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct UpdateCheck {
    /// False when this copy was built without an update server or key.
    pub configured: bool,
    pub current_version: String,
    /// The newer version on offer, if any.
    pub available: Option<AvailableUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AvailableUpdate {
    pub version: String,
    /// The publisher's notes, as written (shown as text, never as HTML).
    pub notes: Option<String>,
}

/// How an updater failure reads to the user.
pub fn error_of(e: UpdaterError) -> AppError {
    use UpdaterError as E;
    match e {
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::MissingSignedVersion
        | E::SignedVersionMismatch { .. } => {
            tracing::warn!(error = %e, "an update failed its signature check");
            AppError::new(ErrorCode::UpdateUnverified, e.to_string())
        }
        E::Reqwest(_) | E::Network(_) => AppError::new(ErrorCode::NoNetwork, e.to_string()),
        other => AppError::new(ErrorCode::UnexpectedResponse, other.to_string()),
    }
}

/// Asks the update server whether a newer version exists.
pub async fn check(updater: &Updater) -> Result<Option<Update>, AppError> {
    updater.check().await.map_err(error_of)
}

/// Downloads an update's package and checks its signature: the bytes come back only if the
/// publisher signed exactly them (and, when the signature names one, this version).
pub async fn download_verified(update: &Update) -> Result<Vec<u8>, AppError> {
    update.download(|_, _| {}, || {}).await.map_err(error_of)
}

#[cfg(desktop)]
pub mod commands {
    use super::*;
    use crate::commands::{CmdResult, Core};
    use tauri_plugin_updater::UpdaterExt;

    fn updater(app: &tauri::AppHandle) -> Result<Option<Updater>, AppError> {
        match app.updater() {
            Ok(u) => Ok(Some(u)),
            // No server configured: not an error, just a copy without updates.
            Err(UpdaterError::EmptyEndpoints) => Ok(None),
            Err(e) => Err(error_of(e)),
        }
    }

    fn configured(app: &tauri::AppHandle) -> bool {
        app.config()
            .plugins
            .0
            .get("updater")
            .and_then(|u| u.get("pubkey"))
            .and_then(|k| k.as_str())
            .is_some_and(|k| !k.trim().is_empty())
    }

    #[tauri::command]
    pub async fn update_check(app: tauri::AppHandle) -> CmdResult<UpdateCheck> {
        let current_version = app.package_info().version.to_string();
        let updater = match updater(&app)? {
            Some(u) if configured(&app) => u,
            _ => {
                return Ok(UpdateCheck {
                    configured: false,
                    current_version,
                    available: None,
                })
            }
        };
        let available = check(&updater).await?.map(|u| AvailableUpdate {
            version: u.version.clone(),
            notes: u.body.clone(),
        });
        Ok(UpdateCheck {
            configured: true,
            current_version,
            available,
        })
    }

    /// Downloads, verifies and installs the update, then restarts. Refused while a list is
    /// sending or a file is downloading.
    #[tauri::command]
    pub async fn update_install(app: tauri::AppHandle, core: Core<'_>) -> CmdResult<()> {
        core.ensure_idle()?;
        let core = core.inner().clone();
        let Some(updater) = updater(&app)?.filter(|_| configured(&app)) else {
            return Err(AppError::new(
                ErrorCode::NotConfigured,
                "updates are not set up",
            ));
        };
        let Some(update) = check(&updater).await? else {
            return Err(AppError::new(ErrorCode::NotFound, "no update on offer"));
        };
        let bytes = download_verified(&update).await?;
        // From here no list or download starts: the install ends in a restart.
        core.begin_update()?;
        tracing::info!(version = %update.version, "installing an update");
        // On Windows the installer ends this process itself: the clean exit is marked first.
        core.mark_clean_exit();
        // Installing can wait on the system (a password prompt on Linux): off the async workers.
        let installed = tokio::task::spawn_blocking(move || update.install(bytes))
            .await
            .map_err(|e| AppError::internal(format!("the installer task failed: {e}")))
            .and_then(|r| r.map_err(error_of));
        if let Err(e) = installed {
            core.end_update();
            core.mark_running();
            return Err(e);
        }
        app.restart();
    }
}
