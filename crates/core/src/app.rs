//! The application's use cases. The Tauri shell holds one [`App`] and calls its methods; each
//! returns a typed value or an [`AppError`].

use opsdesk_http::RuleCode;
use opsdesk_http::{build_client, HttpConfig, Secret};
use opsdesk_sandbox::{Sandbox, SandboxConfig};
use opsdesk_truecaller::{TokenBudget, TokenManager, TruecallerClient};
use opsdesk_truora::TruoraClient;
use serde::Serialize;
use std::path::PathBuf;
use ts_rs::TS;

use crate::activity::{self, ActivityEntry, Outcome};
use crate::endpoints::LiveEndpoints;
use crate::error::{AppError, ErrorCode};
use crate::settings::Settings;
use crate::store::{self, Store, StoreError};
use crate::vault::{SecretName, Vault};

pub const DB_FILE: &str = "opsdesk.db";

#[derive(Debug, Clone)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Keyring service name: the app identifier (`.dev` suffixed in development builds).
    pub keyring_service: String,
    pub paths: AppPaths,
    pub live: LiveEndpoints,
    pub version: String,
    pub os_locale: Option<String>,
    pub http: HttpConfig,
    /// Where files are saved unless the user picked another folder in Settings.
    pub default_download_dir: PathBuf,
    /// Where keys live: the OS keyring in the app, memory in tests.
    pub secrets: std::sync::Arc<dyn crate::vault::SecretStore>,
    /// What "now" is: the system clock in the app; tests may set it.
    pub clock: std::sync::Arc<dyn crate::clock::Clock>,
}

/// Long-running operations the UI may cancel, by the ID the UI gave them.
#[derive(Default)]
pub struct Jobs {
    running:
        std::sync::Mutex<std::collections::HashMap<String, tokio_util::sync::CancellationToken>>,
}

impl Jobs {
    pub fn start(&self, id: &str) -> tokio_util::sync::CancellationToken {
        let token = tokio_util::sync::CancellationToken::new();
        self.running
            .lock()
            .unwrap()
            .insert(id.to_string(), token.clone());
        token
    }

    pub fn finish(&self, id: &str) {
        self.running.lock().unwrap().remove(id);
    }

    /// Whether any cancellable operation (a download) is running.
    pub fn any_running(&self) -> bool {
        !self.running.lock().unwrap().is_empty()
    }

    /// Returns whether a job with that ID was running.
    pub fn cancel(&self, id: &str) -> bool {
        match self.running.lock().unwrap().remove(id) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }
}

pub use crate::db::StoreHealth;
use crate::db::{health_error, Db};

/// What "Recover" saved and carried over.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RecoveryReport {
    /// Where the copy of the damaged file was put, untouched.
    pub copy_folder: String,
    pub tables: Vec<store::recover::TableRecovery>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TruecallerHint {
    pub key_id_hint: String,
    pub client_account_hint: String,
}

/// What is saved, as hints only: saved keys are never sent back to the UI.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CredentialsStatus {
    pub truora: Option<String>,
    pub truecaller: Option<TruecallerHint>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub version: String,
    pub store: StoreHealth,
    /// Practice mode in effect: every API call goes to the built-in sandbox.
    pub practice: bool,
    pub settings: Option<Settings>,
    pub credentials: CredentialsStatus,
    pub data_dir: String,
    pub log_dir: String,
    /// Where downloads go (the setting, or the system Downloads folder).
    pub download_dir: String,
    /// Hosts that replace the vendors' own for live work (set by environment variables, e.g. a
    /// company gateway). Every screen names them while any is in effect.
    pub endpoint_overrides: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Service {
    Truora,
    Truecaller,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConnectionReport {
    pub service: Service,
    /// The key works for everything tried.
    pub ok: bool,
    /// Why not: the first product's problem (or the key's, when nothing could be tried).
    pub error: Option<AppError>,
    #[ts(type = "number")]
    pub checked_at_ms: i64,
    /// Truora: each product the key is used for, tried on its own (one key may be allowed
    /// checks but not WhatsApp). Empty for Truecaller.
    pub products: Vec<ProductReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Product {
    Checks,
    Identity,
    Whatsapp,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProductReport {
    pub product: Product,
    /// `None`: not tried (WhatsApp needs a line, and none was added yet).
    pub ok: Option<bool>,
    pub error: Option<AppError>,
}

pub struct App {
    cfg: AppConfig,
    vault: Vault,
    http: reqwest::Client,
    /// The local cache, shared with the jobs engine.
    db: Db,
    practice_sandbox: tokio::sync::OnceCell<Sandbox>,
    /// The live Truecaller client, kept between calls so its token (10 per 30 minutes) is
    /// reused, whichever mode is in effect. Reset whenever the keys change.
    live_truecaller: tokio::sync::Mutex<Option<TruecallerClient>>,
    /// One refresh of the identity inbox at a time (the background one and the button).
    pub(crate) identity_sync_lock: tokio::sync::Mutex<()>,
    practice_truecaller: tokio::sync::OnceCell<TruecallerClient>,
    pub jobs: Jobs,
    pub(crate) bulk: crate::bulk::engine::Engine,
    /// Which keys are saved, remembered: the OS keyring is slow (a D-Bus round trip per entry)
    /// and Practice mode is decided from it on every call. Cleared whenever keys change.
    creds_cache: std::sync::Mutex<Option<CredentialsStatus>>,
    /// An update is being installed (it ends in a restart): no list or download may start.
    updating: std::sync::atomic::AtomicBool,
}

impl App {
    /// Never fails: a cache that cannot be opened is reported through [`App::status`] so the UI
    /// can explain it and offer a reset.
    pub fn open(cfg: AppConfig) -> Result<App, AppError> {
        let vault = Vault::with_store(cfg.keyring_service.clone(), cfg.secrets.clone());
        let http = build_client(&cfg.http)?;
        let store = open_store(&cfg, &vault);
        if let Err(h) = &store {
            tracing::warn!(health = ?h, "local cache not available");
        }
        let db = Db::new(store);
        let bulk = crate::bulk::engine::Engine::new(db.clone(), cfg.clock.clone());
        Ok(App {
            cfg,
            vault,
            http,
            db,
            practice_sandbox: tokio::sync::OnceCell::new(),
            live_truecaller: tokio::sync::Mutex::new(None),
            identity_sync_lock: tokio::sync::Mutex::new(()),
            practice_truecaller: tokio::sync::OnceCell::new(),
            jobs: Jobs::default(),
            bulk,
            creds_cache: std::sync::Mutex::new(None),
            updating: Default::default(),
        })
        .inspect(|app| app.purge_expired())
    }

    pub(crate) fn http_client(&self) -> reqwest::Client {
        self.http.clone()
    }

    pub fn config(&self) -> &AppConfig {
        &self.cfg
    }

    pub fn store(&self) -> Result<Store, AppError> {
        self.db.store()
    }

    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, AppError> {
        self.db.with_conn(f)
    }

    /// The time on the clock the App was opened with.
    pub(crate) fn now_ms(&self) -> i64 {
        self.cfg.clock.now_ms()
    }

    /// Tests only: a query through the same door every use case goes through.
    #[doc(hidden)]
    pub fn with_store_for_tests<T>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, AppError> {
        self.with_conn(f)
    }

    fn set_damaged(&self, damaged: bool) {
        self.db.set_damaged(damaged);
    }

    /// Checks the whole cache now and returns the resulting health. The shell runs it once
    /// beside the window at start: every page is read and authenticated, which takes a moment
    /// on a large cache (see the cache_health benchmark); a damaged page met meanwhile is caught
    /// by the run-time check in `with_conn`.
    pub fn check_store_now(&self) -> StoreHealth {
        let store = self.db.slot().read().unwrap().as_ref().ok().cloned();
        if let Some(s) = store {
            let started = std::time::Instant::now();
            let ok = s.quick_check();
            tracing::info!(
                ok,
                ms = started.elapsed().as_millis() as u64,
                "cache quick check"
            );
            if !ok {
                self.set_damaged(true);
            }
        }
        self.store_health()
    }

    /// Whether the full check is worth its cost at this start: it reads and authenticates every
    /// page (about 2 s for 100,000 checks, a 173 MB cache, on a 2-core machine: see the
    /// cache_health benchmark), so it runs after an exit that was not clean (a crash, a power
    /// cut, a killed process: when damage happens) and otherwise once a week. Damage met in
    /// between is caught page by page in `with_conn`. Marks this run as started.
    pub fn full_check_due(&self) -> bool {
        let marker = self.running_marker();
        let unclean = marker.exists();
        if let Err(e) = std::fs::write(&marker, b"") {
            tracing::debug!(error = %e, "could not mark the run as started");
        }
        let last: Option<i64> = self
            .with_conn(|c| store::settings::get(c, "cache_checked_at_ms"))
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok());
        let stale = last.is_none_or(|t| self.now_ms() - t > 7 * 86_400_000);
        unclean || stale
    }

    /// The run ended normally: the next start can skip the full check, unless damage was found
    /// and not yet recovered (then the next start looks again).
    pub fn mark_clean_exit(&self) {
        if self.store_health() == StoreHealth::Ok {
            let _ = std::fs::remove_file(self.running_marker());
        }
    }

    fn running_marker(&self) -> PathBuf {
        self.cfg.paths.data_dir.join(format!("{DB_FILE}.running"))
    }

    /// Runs the full check and remembers when it passed (see [`App::full_check_due`]).
    pub fn full_check(&self) -> StoreHealth {
        let h = self.check_store_now();
        if h == StoreHealth::Ok {
            let now = self.now_ms().to_string();
            let _ = self.with_conn(|c| store::settings::put(c, "cache_checked_at_ms", &now));
        }
        h
    }

    /// "Try again" on the recovery page: opens the cache again (the keyring may have been
    /// unlocked meanwhile, or the disk reconnected) and checks it, without a restart.
    #[tracing::instrument(skip(self))]
    pub fn retry_store(&self) -> StoreHealth {
        {
            let mut guard = self.db.slot().write().unwrap();
            *guard = Err(StoreHealth::Failed); // closes every connection first
            *guard = open_store(&self.cfg, &self.vault);
            self.set_damaged(false);
        }
        // The keyring may have become readable: ask it again.
        self.forget_credentials();
        let h = self.check_store_now();
        tracing::info!(health = ?h, "local cache opened again");
        h
    }

    /// Saves a copy of the damaged cache, then carries every row that can still be read (list
    /// jobs and their rows first) into a fresh cache that replaces it. Nothing is deleted before
    /// the copy exists.
    #[tracing::instrument(skip(self))]
    pub fn recover_local_cache(&self) -> Result<RecoveryReport, AppError> {
        // Only a cache that is damaged or cannot be opened: a second click after a recovery must
        // not copy the fresh cache over the saved damaged one.
        if self.store_health() == StoreHealth::Ok {
            return Err(AppError::new(
                ErrorCode::Validation,
                "the local cache is not damaged",
            ));
        }
        let mut guard = self.db.slot().write().unwrap();
        *guard = Err(StoreHealth::Failed); // drops the pool, closing every connection
        let dir = &self.cfg.paths.data_dir;
        let path = dir.join(DB_FILE);
        let copy_dir = dir.join("damaged");
        let stamp = chrono::Local::now().format("%Y-%m-%d %H-%M-%S");
        let mut copy = copy_dir.join(format!("opsdesk {stamp}.db"));
        let mut n = 2;
        while copy.exists() {
            copy = copy_dir.join(format!("opsdesk {stamp} ({n}).db"));
            n += 1;
        }
        let io = |what: &str, e: std::io::Error| {
            AppError::internal(format!("could not {what} before recovering: {e}"))
        };
        std::fs::create_dir_all(&copy_dir).map_err(|e| io("create the folder", e))?;
        for suffix in ["", "-wal", "-shm"] {
            let mut from = path.as_os_str().to_owned();
            from.push(suffix);
            let mut to = copy.as_os_str().to_owned();
            to.push(suffix);
            match std::fs::copy(&from, &to) {
                Ok(_) => {
                    let _ = crate::files::make_private(std::path::Path::new(&to));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("save a copy", e)),
            }
        }
        let key = self.vault.get(SecretName::DatabaseKey)?;
        let fresh = dir.join(format!("{DB_FILE}.recovering"));
        Store::delete_files(&fresh).map_err(|e| io("clear space", e))?;
        let tables = match &key {
            Some(k) if copy.exists() => match store::recover::carry_over(&copy, k, &fresh) {
                Ok(t) => t,
                Err(e) => {
                    // The fresh cache could not be written (a full disk): keep the original
                    // where it is, untouched, and say so.
                    let _ = Store::delete_files(&fresh);
                    *guard = open_store(&self.cfg, &self.vault);
                    return Err(AppError::from(e));
                }
            },
            _ => Vec::new(),
        };
        Store::delete_files(&path).map_err(|e| io("remove the damaged file", e))?;
        if fresh.exists() {
            std::fs::rename(&fresh, &path).map_err(|e| io("put the new cache in place", e))?;
        }
        *guard = open_store(&self.cfg, &self.vault);
        self.set_damaged(false);
        drop(guard);
        let carried: u64 = tables.iter().map(|t| t.rows).sum();
        tracing::info!(rows = carried, "local cache recovered");
        self.record(
            "settings",
            "cache.recovered",
            Outcome::Ok,
            &carried.to_string(),
        );
        Ok(RecoveryReport {
            copy_folder: copy_dir.display().to_string(),
            tables,
        })
    }

    pub fn store_health(&self) -> StoreHealth {
        self.db.health()
    }

    /// Deletes the local cache and its key and starts an empty one. Saved API keys stay.
    #[tracing::instrument(skip(self))]
    pub fn reset_local_cache(&self) -> Result<(), AppError> {
        let mut guard = self.db.slot().write().unwrap();
        *guard = Err(StoreHealth::Failed); // drops the pool, closing every connection
        let path = self.cfg.paths.data_dir.join(DB_FILE);
        Store::delete_files(&path)
            .map_err(|e| AppError::internal(format!("could not delete the cache: {e}")))?;
        self.vault.delete(SecretName::DatabaseKey)?;
        *guard = open_store(&self.cfg, &self.vault);
        self.set_damaged(false);
        match &*guard {
            Ok(_) => {
                tracing::info!("local cache reset");
                Ok(())
            }
            Err(h) => Err(health_error(*h)),
        }
    }

    pub fn settings(&self) -> Settings {
        self.with_conn(|c| Settings::load(c, self.cfg.os_locale.as_deref()))
            .unwrap_or_else(|_| Settings::defaults(self.cfg.os_locale.as_deref()))
    }

    #[tracing::instrument(skip(self, s))]
    pub async fn save_settings(&self, s: Settings) -> Result<Settings, AppError> {
        s.validate()?;
        self.with_conn(|c| s.save(c))?;
        self.record("settings", "settings.saved", Outcome::Ok, "");
        self.purge_expired();
        Ok(s)
    }

    pub fn credentials(&self) -> Result<CredentialsStatus, AppError> {
        if let Some(c) = self.creds_cache.lock().unwrap().clone() {
            return Ok(c);
        }
        let c = self.read_credentials()?;
        *self.creds_cache.lock().unwrap() = Some(c.clone());
        Ok(c)
    }

    fn forget_credentials(&self) {
        *self.creds_cache.lock().unwrap() = None;
    }

    fn read_credentials(&self) -> Result<CredentialsStatus, AppError> {
        let truora = self.vault.get(SecretName::TruoraApiKey)?.map(|k| k.hint());
        let truecaller = match (
            self.vault.get(SecretName::TruecallerKeyId)?,
            self.vault.get(SecretName::TruecallerApiKey)?,
            self.vault.get(SecretName::TruecallerClientAccountId)?,
        ) {
            (Some(id), Some(_), Some(acct)) => Some(TruecallerHint {
                key_id_hint: id.hint(),
                client_account_hint: acct.hint(),
            }),
            _ => None,
        };
        Ok(CredentialsStatus { truora, truecaller })
    }

    fn practice_in_effect(settings: &Settings, creds: &CredentialsStatus) -> bool {
        settings
            .practice_mode
            .unwrap_or(creds.truora.is_none() && creds.truecaller.is_none())
    }

    /// The folder of this profile's data (the cache, and files being worked on).
    pub(crate) fn data_dir(&self) -> &std::path::Path {
        &self.cfg.paths.data_dir
    }

    pub fn is_practice(&self) -> bool {
        let settings = self.settings();
        if let Some(p) = settings.practice_mode {
            return p;
        }
        let creds = self.credentials().unwrap_or(CredentialsStatus {
            truora: None,
            truecaller: None,
        });
        Self::practice_in_effect(&settings, &creds)
    }

    pub fn status(&self) -> AppStatus {
        let store = self.store_health();
        let settings = (store == StoreHealth::Ok).then(|| self.settings());
        let credentials = self.credentials().unwrap_or(CredentialsStatus {
            truora: None,
            truecaller: None,
        });
        let practice = Self::practice_in_effect(
            settings
                .as_ref()
                .unwrap_or(&Settings::defaults(self.cfg.os_locale.as_deref())),
            &credentials,
        );
        AppStatus {
            version: self.cfg.version.clone(),
            store,
            practice,
            settings,
            credentials,
            data_dir: self.cfg.paths.data_dir.display().to_string(),
            log_dir: self.cfg.paths.log_dir.display().to_string(),
            download_dir: self.download_dir().display().to_string(),
            endpoint_overrides: self.cfg.live.overridden_hosts(),
        }
    }

    /// Saving the first keys does not silently leave Practice mode: the user switches to live
    /// work deliberately, so nothing real is sent by surprise.
    fn pin_practice_before_first_keys(&self) -> Result<(), AppError> {
        let mut s = self.settings();
        if s.practice_mode.is_none() && self.is_practice() {
            s.practice_mode = Some(true);
            self.with_conn(|c| s.save(c))?;
        }
        Ok(())
    }

    #[tracing::instrument(skip(self, key))]
    pub fn save_truora_key(&self, key: &str) -> Result<CredentialsStatus, AppError> {
        let key = key.trim();
        validate_truora_key(key)?;
        self.pin_practice_before_first_keys()?;
        self.vault.set(SecretName::TruoraApiKey, key)?;
        self.forget_credentials();
        self.record("settings", "credentials.truora_saved", Outcome::Ok, "");
        self.credentials()
    }

    #[tracing::instrument(skip_all)]
    pub async fn save_truecaller_keys(
        &self,
        key_id: &str,
        api_key: &str,
        client_account_id: &str,
    ) -> Result<CredentialsStatus, AppError> {
        let (key_id, api_key, client_account_id) =
            (key_id.trim(), api_key.trim(), client_account_id.trim());
        // Every field's problem at once, not one per Save.
        let problems: Vec<AppError> = [
            ("truecaller_key_id", key_id),
            ("truecaller_api_key", api_key),
            ("truecaller_client_account_id", client_account_id),
        ]
        .into_iter()
        .filter_map(|(field, value)| validate_uuid(field, value).err())
        .collect();
        if !problems.is_empty() {
            return Err(AppError::from(problems));
        }
        self.pin_practice_before_first_keys()?;
        self.vault.set(SecretName::TruecallerKeyId, key_id)?;
        self.vault.set(SecretName::TruecallerApiKey, api_key)?;
        self.vault
            .set(SecretName::TruecallerClientAccountId, client_account_id)?;
        self.forget_credentials();
        *self.live_truecaller.lock().await = None;
        self.record("settings", "credentials.truecaller_saved", Outcome::Ok, "");
        self.credentials()
    }

    pub async fn remove_credentials(
        &self,
        service: Service,
    ) -> Result<CredentialsStatus, AppError> {
        // Forgotten first: a failure halfway must not leave a stale answer behind.
        self.forget_credentials();
        match service {
            Service::Truora => self.vault.delete(SecretName::TruoraApiKey)?,
            Service::Truecaller => {
                for n in [
                    SecretName::TruecallerKeyId,
                    SecretName::TruecallerApiKey,
                    SecretName::TruecallerClientAccountId,
                ] {
                    self.vault.delete(n)?;
                }
                *self.live_truecaller.lock().await = None;
            }
        }
        self.record(
            "settings",
            "credentials.removed",
            Outcome::Ok,
            service_name(service),
        );
        self.forget_credentials();
        self.credentials()
    }

    /// Whether Practice mode's sandbox has been started (background work that would be its only
    /// user waits for something else to start it).
    pub fn practice_sandbox_running(&self) -> bool {
        self.practice_sandbox.initialized()
    }

    /// The in-process sandbox behind Practice mode, started on first use.
    pub async fn practice_sandbox(&self) -> Result<&Sandbox, AppError> {
        self.practice_sandbox
            .get_or_try_init(|| async {
                let sb = Sandbox::start(SandboxConfig::default())
                    .await
                    .map_err(|e| {
                        AppError::internal(format!("could not start Practice mode: {e}"))
                    })?;
                tracing::info!(url = %sb.base_url(), "practice sandbox started");
                Ok(sb)
            })
            .await
    }

    /// Where Practice mode's APIs are: the in-process sandbox, or one already running at
    /// `OPSDESK_PRACTICE_SANDBOX` (end-to-end tests that kill the app mid-job need a sandbox
    /// that outlives it, to count what it received).
    async fn practice_urls(&self) -> Result<opsdesk_sandbox::SandboxUrls, AppError> {
        // Same rule as the live overrides: https, or plain http only to this computer.
        if let Some(base) = std::env::var("OPSDESK_PRACTICE_SANDBOX")
            .ok()
            .filter(|b| crate::endpoints::parse_override(b).is_ok())
        {
            let url = format!("{}/_sandbox/info", base.trim_end_matches('/'));
            let unreachable =
                |e: reqwest::Error| AppError::internal(format!("practice sandbox at {base}: {e}"));
            let info: serde_json::Value = self
                .http
                .get(url)
                .send()
                .await
                .map_err(unreachable)?
                .json()
                .await
                .map_err(unreachable)?;
            return serde_json::from_value(info["urls"].clone())
                .map_err(|e| AppError::internal(format!("practice sandbox answer: {e}")));
        }
        Ok(self.practice_sandbox().await?.urls())
    }

    /// The Truora client for the mode in effect.
    pub async fn truora(&self) -> Result<TruoraClient, AppError> {
        if self.is_practice() {
            let ep = LiveEndpoints::from_sandbox(&self.practice_urls().await?);
            return Ok(TruoraClient::new(
                self.http.clone(),
                Secret::new(opsdesk_sandbox::PRACTICE_TRUORA_KEY),
                ep.truora,
            ));
        }
        self.live_truora()
    }

    fn live_truora(&self) -> Result<TruoraClient, AppError> {
        let key = self
            .vault
            .get(SecretName::TruoraApiKey)?
            .ok_or_else(|| AppError::new(ErrorCode::NotConfigured, "no Truora API key saved"))?;
        Ok(TruoraClient::new(
            self.http.clone(),
            key,
            self.cfg.live.truora.clone(),
        ))
    }

    /// The Truecaller client for the mode in effect.
    pub async fn truecaller(&self) -> Result<TruecallerClient, AppError> {
        if !self.is_practice() {
            return self.live_truecaller().await;
        }
        let urls = self.practice_urls().await?;
        let client = self
            .practice_truecaller
            .get_or_init(|| async {
                let acct = SandboxConfig::default().truecaller;
                let base = LiveEndpoints::from_sandbox(&urls).truecaller;
                let tokens = TokenManager::new(
                    self.http.clone(),
                    base.clone(),
                    acct.client_account_id.clone(),
                    Secret::new(acct.key_id.clone()),
                    Secret::new(acct.api_key.clone()),
                    TokenBudget::default(),
                );
                let tokens = self.remember_mints(tokens, true);
                TruecallerClient::new(self.http.clone(), base, tokens)
            })
            .await;
        Ok(client.clone())
    }

    /// Feeds the token manager the mints of the last half hour from disk and records new ones.
    fn remember_mints(&self, tokens: TokenManager, practice: bool) -> TokenManager {
        let Ok(store) = self.store() else {
            return tokens;
        };
        let since = self.now_ms() - 30 * 60_000;
        let earlier: Vec<i64> = store
            .conn()
            .ok()
            .and_then(|c| store::truecaller::token_mints(&c, since, practice).ok())
            .unwrap_or_default();
        drop(store);
        let slot = self.db.slot().clone();
        let log: opsdesk_truecaller::MintLog = std::sync::Arc::new(move |at: i64| {
            let current = slot.read().unwrap().as_ref().ok().cloned();
            if let Some(c) = current.and_then(|s| s.conn().ok()) {
                let _ = store::truecaller::add_token_mint(&c, at, practice);
            }
        });
        tokens.with_mint_history(&earlier, log)
    }

    async fn live_truecaller(&self) -> Result<TruecallerClient, AppError> {
        let mut slot = self.live_truecaller.lock().await;
        if let Some(c) = &*slot {
            return Ok(c.clone());
        }
        let missing = || AppError::new(ErrorCode::NotConfigured, "no Truecaller keys saved");
        let key_id = self
            .vault
            .get(SecretName::TruecallerKeyId)?
            .ok_or_else(missing)?;
        let api_key = self
            .vault
            .get(SecretName::TruecallerApiKey)?
            .ok_or_else(missing)?;
        let account = self
            .vault
            .get(SecretName::TruecallerClientAccountId)?
            .ok_or_else(missing)?;
        let base = self.cfg.live.truecaller.clone();
        let tokens = TokenManager::new(
            self.http.clone(),
            base.clone(),
            account.expose().to_string(),
            key_id,
            api_key,
            TokenBudget::default(),
        );
        let tokens = self.remember_mints(tokens, false);
        let client = TruecallerClient::new(self.http.clone(), base, tokens);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Tests the *saved live* credentials against the live endpoints, whatever the mode: the
    /// point is to know whether real work will go through.
    #[tracing::instrument(skip(self))]
    pub async fn test_connection(&self, service: Service) -> ConnectionReport {
        let mut products = Vec::new();
        let result: Result<(), AppError> = match service {
            Service::Truora => match self.live_truora() {
                Ok(c) => {
                    products = self.test_truora_products(&c).await;
                    // The key works if every product tried works; the first failure says why.
                    match products.iter().find_map(|p| p.error.clone()) {
                        Some(e) => Err(e),
                        None => Ok(()),
                    }
                }
                Err(e) => Err(e),
            },
            Service::Truecaller => match self.live_truecaller().await {
                Ok(c) => c.verify().await.map_err(Into::into),
                Err(e) => Err(e),
            },
        };
        let (ok, error) = match result {
            Ok(()) => (true, None),
            Err(e) => {
                tracing::warn!(service = service_name(service), error = %e, "connection test failed");
                (false, Some(e))
            }
        };
        // The service only: the error's code is in the log; the Activity list is for people.
        self.record(
            "settings",
            "connection.tested",
            if ok { Outcome::Ok } else { Outcome::Failed },
            service_name(service),
        );
        ConnectionReport {
            service,
            ok,
            error,
            checked_at_ms: self.now_ms(),
            products,
        }
    }

    /// One read per Truora product, at once: the checks list, the identity process list and the
    /// templates of the first WhatsApp line added (none added: WhatsApp is not tried).
    async fn test_truora_products(&self, c: &TruoraClient) -> Vec<ProductReport> {
        let line = self
            .with_conn(|conn| store::whatsapp::lines(conn, false))
            .ok()
            .and_then(|l| l.into_iter().next());
        let (checks, identity, whatsapp) =
            tokio::join!(c.verify_key(), c.list_processes(None), async {
                match &line {
                    Some(l) => Some(c.list_outbounds(l).await),
                    None => None,
                }
            });
        let report = |product, r: Option<Result<(), opsdesk_http::ApiError>>| ProductReport {
            product,
            ok: r.as_ref().map(Result::is_ok),
            error: r.and_then(Result::err).map(AppError::from),
        };
        vec![
            report(Product::Checks, Some(checks)),
            report(Product::Identity, Some(identity.map(|_| ()))),
            report(Product::Whatsapp, whatsapp.map(|r| r.map(|_| ()))),
        ]
    }

    pub fn activity(&self, limit: u32) -> Result<Vec<ActivityEntry>, AppError> {
        self.with_conn(|c| activity::list(c, limit.clamp(1, 1000)))
    }

    /// Records an operator action. Failing to record must not fail the action itself.
    pub fn record(&self, area: &str, action: &str, outcome: Outcome, summary: &str) {
        let practice = self.is_practice();
        if let Err(e) = self.with_conn(|c| {
            activity::record(c, self.now_ms(), area, action, outcome, summary, practice)
        }) {
            tracing::warn!(error = %e, "could not record activity");
        }
    }

    /// Deletes cached personal data older than the retention setting. Runs at start and
    /// whenever settings change; a failure is logged, never fatal.
    pub fn purge_expired(&self) {
        if self.store_health() != StoreHealth::Ok {
            return;
        }
        let cutoff = self.retention_cutoff_ms();
        self.purge_damaged_copies(cutoff);
        match self.with_conn(|c| store::retention::purge(c, cutoff)) {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "purged cached personal data past retention"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired data"),
        }
    }

    /// Tests only: makes the cache refuse to grow past its current size plus `pages`, the way
    /// a full disk does (SQLite answers "database or disk is full"). Applied to every pooled
    /// connection by holding all of them at once.
    #[doc(hidden)]
    pub fn simulate_full_disk(&self, pages: i64) -> Result<(), AppError> {
        let store = self.store()?;
        let conns: Vec<_> = (0..4).filter_map(|_| store.conn().ok()).collect();
        for c in &conns {
            let now: i64 = c
                .query_row("PRAGMA page_count", [], |r| r.get(0))
                .map_err(|e| AppError::from(StoreError::from(e)))?;
            c.query_row(
                &format!("PRAGMA max_page_count = {}", now + pages),
                [],
                |_| Ok(()),
            )
            .map_err(|e| AppError::from(StoreError::from(e)))?;
        }
        Ok(())
    }

    /// Copies of damaged caches kept by "Recover" hold personal data too: gone with retention.
    fn purge_damaged_copies(&self, cutoff_ms: i64) {
        let dir = self.cfg.paths.data_dir.join("damaged");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|d| (d.as_millis() as i64) < cutoff_ms);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Anything older than this (milliseconds since the epoch) is past retention.
    pub fn retention_cutoff_ms(&self) -> i64 {
        self.now_ms() - self.settings().retention_days as i64 * 86_400_000
    }

    pub fn download_dir(&self) -> PathBuf {
        // A stored folder that is no longer valid (removed, or saved by an older version that
        // accepted any text) falls back to the system's Downloads folder.
        self.settings()
            .download_dir
            .and_then(|d| crate::files::check_folder(&d).ok())
            .unwrap_or_else(|| self.cfg.default_download_dir.clone())
    }
}

fn service_name(s: Service) -> &'static str {
    match s {
        Service::Truora => "truora",
        Service::Truecaller => "truecaller",
    }
}

/// Waits before asking a keyring that did not answer again, at most about a second in all.
/// A Secret Service started by D-Bus on first use, or one still starting with the desktop
/// session OpsDesk starts in, can fail the first call; a cache key asked for once and refused
/// sent the user to the recovery page. (A first start in CI once ended there and the next run
/// did not repeat it; the error of a failed save was not logged then, it is now.) A locked or
/// refused keyring is not asked again: that would ask the user again.
const KEYRING_RETRY_WAITS: [std::time::Duration; 2] = [
    std::time::Duration::from_millis(200),
    std::time::Duration::from_millis(800),
];

/// `call` on the keyring, asked again after the waits above while it does not answer.
fn keyring_call<T>(
    what: &str,
    mut call: impl FnMut() -> Result<T, crate::vault::VaultError>,
) -> Result<T, StoreHealth> {
    let mut waits = KEYRING_RETRY_WAITS.iter();
    loop {
        let e = match call() {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        match waits.next().filter(|_| e.is_transient()) {
            Some(wait) => {
                tracing::warn!(error = %e, what, "keyring did not answer; asking again");
                std::thread::sleep(*wait);
            }
            None => {
                tracing::error!(error = %e, what, "keyring unavailable");
                return Err(StoreHealth::KeyringUnavailable);
            }
        }
    }
}

fn open_store(cfg: &AppConfig, vault: &Vault) -> Result<Store, StoreHealth> {
    let path = cfg.paths.data_dir.join(DB_FILE);
    let key = keyring_call("read the cache key", || vault.get(SecretName::DatabaseKey))?;
    let key = match key {
        Some(k) => k,
        None if path.exists() => return Err(StoreHealth::KeyMissing),
        None => {
            let k = store::new_key();
            keyring_call("save a new cache key", || {
                vault.set(SecretName::DatabaseKey, k.expose())
            })?;
            k
        }
    };
    Store::open(&path, &key).map_err(|e| {
        tracing::error!(error = %e, "could not open the local cache");
        match e {
            StoreError::WrongKey => StoreHealth::Unreadable,
            StoreError::TooNew { .. } => StoreHealth::TooNew,
            StoreError::KeyMissing => StoreHealth::KeyMissing,
            _ => StoreHealth::Failed,
        }
    })
}

/// Truora keys are JWTs (catalogue §1.1): three base64url parts separated by dots.
pub fn validate_truora_key(key: &str) -> Result<(), AppError> {
    if key.is_empty() {
        return Err(AppError::validation(
            "truora_api_key",
            RuleCode::Required,
            "enter the Truora API key",
        ));
    }
    let parts: Vec<&str> = key.split('.').collect();
    let b64url = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    if key.len() > 8192
        || parts.len() != 3
        || !b64url(parts[0])
        || !b64url(parts[1])
        || !key.starts_with("eyJ")
    {
        return Err(AppError::validation(
            "truora_api_key",
            RuleCode::NotATruoraKey,
            "this does not look like a Truora API key (it starts with eyJ and has two dots)",
        ));
    }
    Ok(())
}

/// Truecaller key IDs, secrets and client account IDs are UUIDs (catalogue §5.1).
pub fn validate_uuid(field: &str, value: &str) -> Result<(), AppError> {
    if value.is_empty() {
        return Err(AppError::validation(
            field,
            RuleCode::Required,
            "this field is required",
        ));
    }
    if uuid::Uuid::try_parse(value).is_err() {
        return Err(AppError::validation(
            field,
            RuleCode::NotAUuid,
            "expected an ID like 0f8fad5b-d9cb-469f-a165-70867728950e",
        ));
    }
    Ok(())
}

impl App {
    /// Refuses work that must not start while a list is sending or a file is downloading
    /// (installing an update restarts the app: rows would be left "may have arrived" and the
    /// download lost).
    pub fn ensure_idle(&self) -> Result<(), AppError> {
        if self.is_updating() || self.bulk.any_running() || self.jobs.any_running() {
            return Err(AppError::new(
                ErrorCode::Busy,
                "a list is sending or a file is downloading",
            ));
        }
        Ok(())
    }

    /// Starts installing an update: refused unless idle, and from then on no list or download
    /// starts (they would be cut by the restart) until [`App::end_update`] (a failed install).
    pub fn begin_update(&self) -> Result<(), AppError> {
        self.ensure_idle()?;
        if self
            .updating
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Err(AppError::new(
                ErrorCode::Busy,
                "an update is being installed",
            ));
        }
        // A list that started between the check and the flag: give way to it.
        if self.bulk.any_running() || self.jobs.any_running() {
            self.end_update();
            return Err(AppError::new(
                ErrorCode::Busy,
                "a list is sending or a file is downloading",
            ));
        }
        Ok(())
    }

    pub fn end_update(&self) {
        self.updating
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn is_updating(&self) -> bool {
        self.updating.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Marks this run as started again (after a failed update cleared the mark): an unclean
    /// exit from here on gets the full cache check at the next start.
    pub fn mark_running(&self) {
        let _ = std::fs::write(self.running_marker(), b"");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truora_keys_must_look_like_jwts() {
        assert!(validate_truora_key(opsdesk_sandbox::PRACTICE_TRUORA_KEY).is_ok());
        for (bad, rule) in [
            ("", "required"),
            ("abc", "not_a_truora_key"),
            ("eyJ.x", "not_a_truora_key"),
            ("eyJa b.c.d", "not_a_truora_key"),
        ] {
            let e = validate_truora_key(bad).unwrap_err();
            assert_eq!(e.rule.map(|r| r.as_str()), Some(rule), "{bad}");
            assert_eq!(e.field.as_deref(), Some("truora_api_key"));
        }
    }

    #[test]
    fn truecaller_ids_must_be_uuids() {
        assert!(validate_uuid("f", opsdesk_sandbox::PRACTICE_TC_KEY_ID).is_ok());
        assert_eq!(
            validate_uuid("f", "").unwrap_err().rule,
            Some(RuleCode::Required)
        );
        assert_eq!(
            validate_uuid("f", "12345")
                .unwrap_err()
                .rule
                .map(|r| r.as_str()),
            Some("not_a_uuid")
        );
    }
}
