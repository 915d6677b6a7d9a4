//! The local cache: one SQLCipher-encrypted SQLite file in the app data directory, opened through
//! a small r2d2 pool whose every connection is configured in [`configure`].

use opsdesk_http::Secret;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod activity;
pub mod bulk;
pub mod checks;
pub mod downloads;
#[doc(hidden)]
pub mod fixtures;
pub mod identity;
pub mod people;
pub mod recover;
pub mod retention;
pub mod settings;
pub mod truecaller;
pub mod whatsapp;

pub type Pooled = r2d2::PooledConnection<SqliteConnectionManager>;

/// Each connection's page cache, in KiB when negative (SQLite's convention): see `configure`.
pub(crate) const CACHE_SIZE: i64 = -32768;

/// A 2 MiB page cache on one connection for as long as this lives, for work that reads or
/// writes every page once (a cache check, a job's rows written in one go): with the usual size
/// such work would leave 32 MiB of pages nobody reads again in the connection's cache, memory
/// the app then holds until it ends (issue #18). The usual size is put back however the work
/// ends, a panic included; failing to is only slower reads.
pub(crate) struct SmallCache<'a>(&'a Connection);

impl<'a> SmallCache<'a> {
    /// Lowering the size frees the pages cached beyond it at once (SQLite's pcache1).
    pub(crate) fn new(conn: &'a Connection) -> rusqlite::Result<Self> {
        conn.execute_batch("PRAGMA cache_size = -2048")?;
        Ok(SmallCache(conn))
    }
}

impl Drop for SmallCache<'_> {
    fn drop(&mut self) {
        if let Err(e) = self
            .0
            .execute_batch(&format!("PRAGMA cache_size = {CACHE_SIZE}"))
        {
            tracing::warn!(error = %e, "could not restore the page cache size");
        }
    }
}

/// Embedded, numbered migrations. Each runs once, in its own transaction; `PRAGMA user_version`
/// records how many ran. Append only: never edit a migration that has shipped.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("migrations/0001_init.sql")),
    (
        "0002_identity",
        include_str!("migrations/0002_identity.sql"),
    ),
    ("0003_checks", include_str!("migrations/0003_checks.sql")),
    (
        "0004_whatsapp",
        include_str!("migrations/0004_whatsapp.sql"),
    ),
    ("0005_bulk", include_str!("migrations/0005_bulk.sql")),
    (
        "0006_truecaller",
        include_str!("migrations/0006_truecaller.sql"),
    ),
    (
        "0007_tc_labels",
        include_str!("migrations/0007_tc_labels.sql"),
    ),
    (
        "0008_saved_files",
        include_str!("migrations/0008_saved_files.sql"),
    ),
    (
        "0009_due_by_mode",
        include_str!("migrations/0009_due_by_mode.sql"),
    ),
    (
        "0010_checks_list_order",
        include_str!("migrations/0010_checks_list_order.sql"),
    ),
    (
        "0011_bulk_counts",
        include_str!("migrations/0011_bulk_counts.sql"),
    ),
    (
        "0012_identity_inbox",
        include_str!("migrations/0012_identity_inbox.sql"),
    ),
    ("0013_people", include_str!("migrations/0013_people.sql")),
    (
        "0014_erased_records",
        include_str!("migrations/0014_erased_records.sql"),
    ),
    (
        "0015_check_reference",
        include_str!("migrations/0015_check_reference.sql"),
    ),
    (
        "0016_attention",
        include_str!("migrations/0016_attention.sql"),
    ),
    (
        "0017_line_names",
        include_str!("migrations/0017_line_names.sql"),
    ),
];

/// A transaction that will write, begun as a write (`BEGIN IMMEDIATE`). A deferred one that
/// reads first and then writes cannot wait for another writer in WAL mode: SQLite fails it at
/// once with "database is locked" (busy timeout or not), which showed up as list rows failed
/// "for an internal reason" at high pace. Begun as a write it queues behind the busy timeout.
pub fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local cache exists but its key is missing from the keyring")]
    KeyMissing,
    #[error("the local cache cannot be decrypted with the stored key, or is damaged")]
    WrongKey,
    #[error("the local cache was written by a newer OpsDesk (schema {found}, this version knows {known})")]
    TooNew { found: usize, known: usize },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<SqliteConnectionManager>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// A new random 256-bit key, hex-encoded, for a new cache.
pub fn new_key() -> Secret {
    let bytes: [u8; 32] = rand::random();
    Secret::new(hex::encode(bytes))
}

/// Applied to every connection, in this order: the key must come before anything reads the file.
fn configure(conn: &Connection, key_hex: &str) -> rusqlite::Result<()> {
    // A raw 256-bit key (x'…'), so opening skips SQLCipher's slow passphrase derivation.
    conn.execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    // Every page read from disk is decrypted; a larger page cache (32 MiB, SQLite's default is
    // 2 MiB) keeps a 100,000-check cache decrypted in memory so searches stay in milliseconds.
    conn.execute_batch(
        &format!("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = {CACHE_SIZE};"),
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(())
}

/// Whether an error means the file itself is damaged (as opposed to busy, full or misused).
/// SQLCipher reports a page whose authentication fails as "not a database" or "malformed".
pub fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase)
}

/// [`Store::quick_check`] on one connection, through a small page cache (see [`SmallCache`]).
fn quick_check_on(conn: &Connection) -> bool {
    let checked = SmallCache::new(conn)
        .and_then(|_small| conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0)));
    match checked {
        Ok(s) if s == "ok" => true,
        Ok(s) => {
            tracing::error!(problem = %s, "the local cache is damaged");
            false
        }
        Err(e) if is_corruption(&e) => {
            tracing::error!(error = %e, "the local cache is damaged");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not check the local cache");
            true
        }
    }
}

impl Store {
    /// Opens (creating if needed) the cache at `path` with `key`, then runs pending migrations.
    pub fn open(path: &Path, key: &Secret) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let key_hex = key.expose().to_string();
        if key_hex.len() != 64 || !key_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::WrongKey);
        }
        // Check the key on one connection first, so a wrong key is reported at once instead of
        // after the pool's connection timeout.
        {
            let mut conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&conn, &key_hex).map_err(|e| {
                if is_not_a_database(&e) {
                    StoreError::WrongKey
                } else {
                    e.into()
                }
            })?;
            migrate(&mut conn)?;
        }
        let manager =
            SqliteConnectionManager::file(path).with_init(move |c| configure(c, &key_hex));
        let pool = r2d2::Pool::builder()
            .max_size(4)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// `PRAGMA quick_check` over the whole file: every page read (and so authenticated by
    /// SQLCipher) and every b-tree walked, without the slower index cross-checks of
    /// `integrity_check`. Returns false only when the file is found damaged: a check that could
    /// not run (no free connection, the file busy) says nothing about the file.
    pub fn quick_check(&self) -> bool {
        match self.conn() {
            Ok(c) => quick_check_on(&c),
            Err(e) => {
                tracing::warn!(error = %e, "could not check the local cache");
                true
            }
        }
    }

    pub fn conn(&self) -> Result<Pooled, StoreError> {
        Ok(self.pool.get()?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes the cache file and its WAL companions (used by "reset local cache").
    pub fn delete_files(path: &Path) -> std::io::Result<()> {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(PathBuf::from(p)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if done > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            found: done,
            known: MIGRATIONS.len(),
        });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = crate::store::write_tx(conn)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

pub fn migrations_known() -> usize {
    MIGRATIONS.len()
}

// Here rather than in `error`: the cache is the layer below the errors the UI sees, so the
// error module does not need to know it.
impl From<StoreError> for crate::error::AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::error::{AppError, ErrorCode};
        use StoreError::*;
        match e {
            KeyMissing => AppError::new(ErrorCode::StoreKeyMissing, e.to_string()),
            WrongKey | TooNew { .. } => AppError::new(ErrorCode::StoreUnreadable, e.to_string()),
            _ => AppError::internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    /// What SQLite will do for `sql`: the details of its query plan.
    fn plan(c: &Connection, sql: &str) -> String {
        let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = s
            .query_map([0i64, 0, 10], |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(|r| r.unwrap()).collect::<Vec<_>>().join(" | ")
    }

    /// The background follow-ups run every few seconds while the app is open: they must walk
    /// their due index, never scan or sort the whole cache (idle CPU grew with the cache).
    #[test]
    fn follow_ups_read_only_what_is_due() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let c = store.conn().unwrap();
        for (sql, index) in [
            (checks::DUE, "checks_due"),
            (whatsapp::DUE, "wa_outbounds_due"),
        ] {
            let p = plan(&c, sql);
            assert!(p.contains(&format!("USING INDEX {index}")), "{p}");
            assert!(
                !p.contains("TEMP B-TREE"),
                "sorts instead of walking the index: {p}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes of page cache `c` holds now (SQLite's own count; rusqlite has no safe call for it).
    #[allow(unsafe_code)]
    fn cache_used(c: &Connection) -> i32 {
        let (mut now, mut peak) = (0, 0);
        // SAFETY: a live connection's handle, read on the thread that holds it.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                c.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
                &mut now,
                &mut peak,
                0,
            )
        };
        assert_eq!(rc, 0);
        now
    }

    /// The cache check at start reads every page: it must not leave them in memory for the rest
    /// of the session (32 MiB held by the app with 100,000 checks, issue #18), and the
    /// connection it used must read as fast as before afterwards.
    #[test]
    fn a_cache_check_leaves_no_pages_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let key = new_key();
        {
            let store = Store::open(&path, &key).unwrap();
            fixtures::fill_checks(&mut store.conn().unwrap(), 5_000, true, true).unwrap();
        }
        let file = std::fs::metadata(&path).unwrap().len();
        assert!(
            file > 8 << 20,
            "the cache must outgrow 2 MiB by far: {file}"
        );
        // One connection, configured as the pool's are: the one the check runs on.
        let c = Connection::open(&path).unwrap();
        configure(&c, key.expose()).unwrap();
        assert!(quick_check_on(&c));
        let used = cache_used(&c);
        assert!(used < 3 << 20, "{used} bytes of pages left cached");
        let size: i64 = c.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap();
        assert_eq!(size, CACHE_SIZE);
    }

    /// A cache written by the version before the checks list was keyed by creation time and
    /// the job counts were kept: after the upgrade every check is there, newest first (ties in
    /// the order they were cached), with its body, found by name; every job's counts are right.
    #[test]
    fn a_cache_of_the_previous_version_upgrades_with_everything_in_place() {
        let mut c = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..9] {
            c.execute_batch(sql).unwrap();
        }
        c.pragma_update(None, "user_version", 9).unwrap();
        for (id, name, created) in [
            ("CHKOLD", "Ana Rojas", 1_000),
            ("CHKNEW", "Luz Souza", 9_000),
            ("CHKTIE1", "Ana Lima", 5_000),
            ("CHKTIE2", "José Lima", 5_000),
        ] {
            c.execute(
                "INSERT INTO checks (check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice, body)
                 VALUES (?1, 'person', 'CO', 'completed', 1, ?2, '123', ?3, ?3, 0, ?4)",
                rusqlite::params![id, name, created, format!("{{\"check_id\":\"{id}\"}}")],
            )
            .unwrap();
        }
        c.execute_batch(
            "INSERT INTO bulk_jobs (id, kind, title, state, params, practice, created_at_ms) VALUES (1, 'whatsapp', 't', 'paused', '{}', 0, 1);
             INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary) VALUES (1, 2, 'done', '{}', '[]', 'a'), (1, 3, 'pending', '{}', '[]', 'b'), (1, 4, 'pending', '{}', '[]', 'c');",
        )
        .unwrap();
        migrate(&mut c).unwrap();

        let q = |text: &str| checks::CheckQuery {
            text: text.into(),
            limit: 10,
            ..Default::default()
        };
        let ids = |p: checks::CheckPage| p.rows.into_iter().map(|r| r.check_id).collect::<Vec<_>>();
        assert_eq!(
            ids(checks::search(&c, &q(""), false).unwrap()),
            ["CHKNEW", "CHKTIE2", "CHKTIE1", "CHKOLD"]
        );
        assert_eq!(
            ids(checks::search(&c, &q("ana"), false).unwrap()),
            ["CHKTIE1", "CHKOLD"]
        );
        assert!(
            checks::load(&c, "CHKOLD").unwrap().is_some(),
            "the body came along"
        );
        let n = bulk::counts(&c, 1).unwrap();
        assert_eq!((n.total, n.done, n.pending), (3, 1, 2));
    }

    #[test]
    fn creates_migrates_and_reopens_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = new_key();
        let store = Store::open(&path, &key).unwrap();
        {
            let c = store.conn().unwrap();
            assert_eq!(schema_version(&c).unwrap() as usize, migrations_known());
            let mode: String = c
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = c
                .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .unwrap();
            assert_eq!(fk, 1);
            let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
            assert_eq!(sync, 1, "NORMAL");
            c.execute(
                "INSERT INTO settings (key, value) VALUES ('k', '\"v\"')",
                [],
            )
            .unwrap();
        }
        drop(store);
        let store = Store::open(&path, &key).unwrap();
        let v: String = store
            .conn()
            .unwrap()
            .query_row("SELECT value FROM settings WHERE key='k'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, "\"v\"");
    }

    #[test]
    fn the_file_is_encrypted_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let store = Store::open(&path, &new_key()).unwrap();
        store
            .conn()
            .unwrap()
            .execute("INSERT INTO settings (key, value) VALUES ('marker', '\"Maria Fernanda Rojas 1020304050\"')", [])
            .unwrap();
        // Checkpoint so the row is in the main file, not only in the WAL.
        store
            .conn()
            .unwrap()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(store);
        let raw = std::fs::read(&path).unwrap();
        assert!(
            !raw.starts_with(b"SQLite format 3"),
            "a plain SQLite header means no encryption"
        );
        let needle = b"1020304050";
        assert!(!raw.windows(needle.len()).any(|w| w == needle));
        // And a plain SQLite connection cannot read it.
        let plain = Connection::open(&path).unwrap();
        assert!(plain
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .is_err());
    }

    #[test]
    fn a_wrong_key_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        drop(Store::open(&path, &new_key()).unwrap());
        assert!(matches!(
            Store::open(&path, &new_key()),
            Err(StoreError::WrongKey)
        ));
    }

    #[test]
    fn a_cache_from_a_newer_version_is_refused_not_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = new_key();
        let store = Store::open(&path, &key).unwrap();
        store
            .conn()
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        drop(store);
        assert!(matches!(
            Store::open(&path, &key),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn delete_files_removes_the_cache_and_its_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let store = Store::open(&path, &new_key()).unwrap();
        drop(store);
        Store::delete_files(&path).unwrap();
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }
}
