//! The one event the backend emits after a write, so every open screen refetches what changed.

use serde::Serialize;
use tauri::{AppHandle, Emitter};
use ts_rs::TS;

pub const CHANGED: &str = "changed";

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Topic {
    Settings,
    Credentials,
    Activity,
    LocalCache,
    Identity,
    Checks,
    Whatsapp,
    Bulk,
    Truecaller,
    /// The do-not-contact list and the consent register.
    People,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Changed {
    pub topics: Vec<Topic>,
}

pub fn changed(app: &AppHandle, topics: &[Topic]) {
    if let Err(e) = app.emit(
        CHANGED,
        Changed {
            topics: topics.to_vec(),
        },
    ) {
        tracing::warn!(error = %e, "could not emit change event");
    }
}
