//! One module per domain. A command is a call into `opsdesk_core::App` and, after a write, a
//! `changed` event: nothing else.

pub mod activity;
pub mod bulk;
pub mod checks;
pub mod identity;
pub mod settings;
pub mod system;
pub mod truecaller;
pub mod whatsapp;

pub type Core<'a> = tauri::State<'a, std::sync::Arc<opsdesk_core::App>>;
pub type CmdResult<T> = Result<T, opsdesk_core::AppError>;
