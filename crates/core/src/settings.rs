use opsdesk_http::RuleCode;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Language {
    #[serde(rename = "es")]
    Es,
    #[serde(rename = "pt-BR")]
    PtBr,
    #[serde(rename = "en")]
    En,
}

impl Language {
    /// First-run default from an OS locale such as `es-CO`, `pt_BR.UTF-8` or `en-IN`. Any
    /// Portuguese gets Brazilian Portuguese; anything we do not speak gets English.
    pub fn from_locale(locale: Option<&str>) -> Language {
        let l = locale.unwrap_or("en").to_ascii_lowercase();
        if l.starts_with("es") {
            Language::Es
        } else if l.starts_with("pt") {
            Language::PtBr
        } else {
            Language::En
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Theme {
    Light,
    Dark,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Settings {
    pub language: Language,
    pub theme: Theme,
    /// Cached personal data older than this many days is deleted.
    pub retention_days: u32,
    /// `None`: Practice mode whenever no credentials are saved. `Some(x)`: the user's choice.
    pub practice_mode: Option<bool>,
    /// Folder for downloaded reports and recordings; `None`: the system's Downloads folder.
    pub download_dir: Option<String>,
}

pub const RETENTION_MIN: u32 = 1;
pub const RETENTION_MAX: u32 = 3650;

impl Settings {
    pub fn defaults(os_locale: Option<&str>) -> Settings {
        Settings {
            language: Language::from_locale(os_locale),
            theme: Theme::System,
            retention_days: 90,
            practice_mode: None,
            download_dir: None,
        }
    }

    pub fn validate(&self) -> Result<(), AppError> {
        if !(RETENTION_MIN..=RETENTION_MAX).contains(&self.retention_days) {
            return Err(AppError::validation(
                "retention_days",
                RuleCode::OutOfRange,
                format!("retention must be between {RETENTION_MIN} and {RETENTION_MAX} days"),
            ));
        }
        // Only a folder the user picked: a full path to a folder that exists, without `..`.
        if let Some(d) = self
            .download_dir
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            if crate::files::check_folder(d).is_err() {
                return Err(AppError::validation(
                    "download_dir",
                    RuleCode::NotAFolder,
                    "choose an existing folder",
                ));
            }
        }
        Ok(())
    }

    /// Stored values override the defaults one by one, so a setting added in a later version
    /// simply takes its default.
    pub fn load(conn: &Connection, os_locale: Option<&str>) -> rusqlite::Result<Settings> {
        let mut s = Settings::defaults(os_locale);
        let get = |k: &str| crate::store::settings::get(conn, k);
        if let Some(v) = get("language")?.and_then(|v| serde_json::from_str(&v).ok()) {
            s.language = v;
        }
        if let Some(v) = get("theme")?.and_then(|v| serde_json::from_str(&v).ok()) {
            s.theme = v;
        }
        if let Some(v) = get("retention_days")?.and_then(|v| serde_json::from_str(&v).ok()) {
            s.retention_days = v;
        }
        if let Some(v) = get("practice_mode")?.and_then(|v| serde_json::from_str(&v).ok()) {
            s.practice_mode = v;
        }
        if let Some(v) = get("download_dir")?.and_then(|v| serde_json::from_str(&v).ok()) {
            s.download_dir = v;
        }
        Ok(s)
    }

    pub fn save(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        let tx = crate::store::write_tx(conn)?;
        for (k, v) in [
            ("language", serde_json::to_string(&self.language)),
            ("theme", serde_json::to_string(&self.theme)),
            (
                "retention_days",
                serde_json::to_string(&self.retention_days),
            ),
            ("practice_mode", serde_json::to_string(&self.practice_mode)),
            ("download_dir", serde_json::to_string(&self.download_dir)),
        ] {
            let v = v.expect("settings serialise");
            crate::store::settings::put(&tx, k, &v)?;
        }
        tx.commit()
    }
}

/// The operating system's preferred locale, for the first-run language.
pub fn os_locale() -> Option<String> {
    sys_locale::get_locale()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_run_language_follows_the_os() {
        assert_eq!(Language::from_locale(Some("es-CO")), Language::Es);
        assert_eq!(Language::from_locale(Some("es_MX.UTF-8")), Language::Es);
        assert_eq!(Language::from_locale(Some("pt-BR")), Language::PtBr);
        assert_eq!(Language::from_locale(Some("pt_PT")), Language::PtBr);
        assert_eq!(Language::from_locale(Some("hi-IN")), Language::En);
        assert_eq!(Language::from_locale(None), Language::En);
    }

    #[test]
    fn retention_must_be_in_range() {
        let mut s = Settings::defaults(None);
        s.retention_days = 0;
        let e = s.validate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("retention_days"));
        s.retention_days = RETENTION_MAX;
        assert!(s.validate().is_ok());
        s.retention_days = RETENTION_MAX + 1;
        assert!(s.validate().is_err());
    }

    #[test]
    fn download_folder_must_be_one_the_user_picked() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::defaults(None);
        s.download_dir = Some(dir.path().display().to_string());
        assert!(s.validate().is_ok());
        for bad in ["..", "../../etc", "Downloads", "/no/such/folder/anywhere"] {
            s.download_dir = Some(bad.into());
            let e = s.validate().unwrap_err();
            assert_eq!(e.field.as_deref(), Some("download_dir"), "{bad}");
            assert_eq!(e.rule, Some(RuleCode::NotAFolder));
        }
        s.download_dir = None;
        assert!(s.validate().is_ok());
    }

    #[test]
    fn wire_names_match_the_ui() {
        assert_eq!(serde_json::to_string(&Language::PtBr).unwrap(), "\"pt-BR\"");
        assert_eq!(serde_json::to_string(&Theme::System).unwrap(), "\"system\"");
    }
}
