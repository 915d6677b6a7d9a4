//! The OpsDesk application, free of Tauri: everything the desktop shell calls lives here and is
//! testable with `cargo test -p opsdesk-core`.

pub mod activity;
pub mod app;
pub mod attention;
pub mod bulk;
pub mod check_config;
pub mod checks;
pub mod clock;
pub mod db;
pub mod diagnostics;
pub mod downloads;
pub mod endpoints;
pub mod error;
pub mod export;
pub mod files;
pub mod identity;
pub mod limits;
pub mod logging;
pub mod people;

pub mod settings;
pub mod store;
pub mod truecaller;
pub mod vault;
pub mod whatsapp;

pub use app::{
    App, AppConfig, AppPaths, AppStatus, ConnectionReport, CredentialsStatus, RecoveryReport,
    Service, StoreHealth,
};
pub use error::{AppError, ErrorCode};
