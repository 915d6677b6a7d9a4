//! The one door to the local cache. Every use case and the jobs engine reach SQLite through a
//! [`Db`]; it turns a damaged page into the recovery page (instead of an error on every screen)
//! and a full disk into its own error code. Cloning shares the same cache.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::store::{self, Store, StoreError};

/// Whether the local cache could be opened, and if not, why (the UI offers a reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StoreHealth {
    Ok,
    /// The file exists but the keyring no longer has its key.
    KeyMissing,
    /// Wrong key or damaged file.
    Unreadable,
    /// Written by a newer OpsDesk.
    TooNew,
    KeyringUnavailable,
    Failed,
    /// The file opened but parts of it are damaged (a disk or power failure): what can still be
    /// read can be carried into a fresh cache.
    Damaged,
}

/// The cache slot: the open store, or why there is none.
pub(crate) type Slot = Arc<RwLock<Result<Store, StoreHealth>>>;

#[derive(Clone)]
pub struct Db {
    /// Shared (not only owned) so that long-lived callbacks, such as the Truecaller token log,
    /// reach whatever cache is current instead of keeping an old one open: on Windows an open
    /// connection stops "Recover" and "Start fresh" from replacing the file.
    slot: Slot,
    /// Set when the cache turned out to be damaged: at start (a quick check in the background)
    /// or at run time (any query that meets a damaged page). Every screen then shows the
    /// recovery page instead of errors.
    damaged: Arc<AtomicBool>,
}

impl Db {
    pub(crate) fn new(store: Result<Store, StoreHealth>) -> Db {
        Db {
            slot: Arc::new(RwLock::new(store)),
            damaged: Arc::new(AtomicBool::new(false)),
        }
    }

    pub(crate) fn slot(&self) -> &Slot {
        &self.slot
    }

    pub fn store(&self) -> Result<Store, AppError> {
        if self.is_damaged() {
            return Err(health_error(StoreHealth::Damaged));
        }
        match &*self.slot.read().unwrap() {
            Ok(s) => Ok(s.clone()),
            Err(h) => Err(health_error(*h)),
        }
    }

    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, AppError> {
        self.with_conn_or(|c| f(c).map_err(ConnError::Sql))
    }

    /// The same, for work that can also fail for a reason of its own (a row check while the
    /// rows are written): that error comes back as it is.
    pub(crate) fn with_conn_or<T>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, ConnError>,
    ) -> Result<T, AppError> {
        let store = self.store()?;
        let mut conn = store.conn()?;
        f(&mut conn).map_err(|e| match e {
            ConnError::App(a) => a,
            ConnError::Sql(e) => self.sql_error(e),
        })
    }

    fn sql_error(&self, e: rusqlite::Error) -> AppError {
        if store::is_corruption(&e) {
            tracing::error!(error = %e, "the local cache is damaged");
            self.set_damaged(true);
            return health_error(StoreHealth::Damaged);
        }
        if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull)
        {
            return AppError::new(ErrorCode::DiskFull, "the disk is full");
        }
        AppError::from(StoreError::from(e))
    }

    pub(crate) fn set_damaged(&self, damaged: bool) {
        self.damaged.store(damaged, Ordering::SeqCst);
    }

    pub(crate) fn is_damaged(&self) -> bool {
        self.damaged.load(Ordering::SeqCst)
    }

    pub fn health(&self) -> StoreHealth {
        if self.is_damaged() {
            return StoreHealth::Damaged;
        }
        match &*self.slot.read().unwrap() {
            Ok(_) => StoreHealth::Ok,
            Err(h) => *h,
        }
    }
}

/// What work on a connection can fail with: SQLite, or a reason of the work's own.
pub(crate) enum ConnError {
    Sql(rusqlite::Error),
    App(AppError),
}

impl From<rusqlite::Error> for ConnError {
    fn from(e: rusqlite::Error) -> Self {
        ConnError::Sql(e)
    }
}

pub(crate) fn health_error(h: StoreHealth) -> AppError {
    match h {
        StoreHealth::KeyMissing => {
            AppError::new(ErrorCode::StoreKeyMissing, "the local cache key is missing")
        }
        StoreHealth::KeyringUnavailable => AppError::new(
            ErrorCode::KeyringUnavailable,
            "the system keyring is not available",
        ),
        StoreHealth::Unreadable | StoreHealth::TooNew | StoreHealth::Damaged => {
            AppError::new(ErrorCode::StoreUnreadable, "the local cache cannot be read")
        }
        StoreHealth::Failed | StoreHealth::Ok => {
            AppError::internal("the local cache could not be opened")
        }
    }
}
