//! Credentials in the operating system's keyring (Keychain, Windows Credential Manager, Secret
//! Service). Nothing secret is ever written anywhere else.

use opsdesk_http::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretName {
    TruoraApiKey,
    TruecallerKeyId,
    TruecallerApiKey,
    TruecallerClientAccountId,
    /// The random key that encrypts the local SQLite cache.
    DatabaseKey,
}

impl SecretName {
    fn account(self) -> &'static str {
        match self {
            SecretName::TruoraApiKey => "truora-api-key",
            SecretName::TruecallerKeyId => "truecaller-key-id",
            SecretName::TruecallerApiKey => "truecaller-api-key",
            SecretName::TruecallerClientAccountId => "truecaller-client-account-id",
            SecretName::DatabaseKey => "local-cache-key",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Locked, refused by the user, or missing: asking again would only ask the user again.
    #[error("the system keyring is not available ({0})")]
    Unavailable(String),
    /// The keyring service did not answer (a D-Bus or platform failure): often a moment's
    /// trouble, such as a Secret Service being started on first use, so worth asking again.
    #[error("the system keyring did not answer ({0})")]
    NoAnswer(String),
}

impl VaultError {
    /// Worth asking again after a moment: the service failed, not the user or the lock.
    pub fn is_transient(&self) -> bool {
        matches!(self, VaultError::NoAnswer(_))
    }
}

/// Where secrets are kept. The app uses the operating system's keyring ([`OsKeyring`]); tests use
/// [`MemoryStore`], so `cargo test` needs no D-Bus session, keychain prompt or credential manager
/// (only the tests about the real keyring do, and they say so).
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// A missing entry is `None`, not an error.
    fn get(&self, service: &str, account: &str) -> Result<Option<String>, VaultError>;
    fn set(&self, service: &str, account: &str, value: &str) -> Result<(), VaultError>;
    /// Deleting a missing entry succeeds.
    fn delete(&self, service: &str, account: &str) -> Result<(), VaultError>;
}

/// Keychain, Windows Credential Manager or Secret Service, through the keyring crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(service: &str, account: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(service, account).map_err(|e| failure(&e))
    }
}

/// A keyring error as the app tells it apart: a platform failure (the service did not answer)
/// may pass; anything else is the keyring's answer. Not on macOS: there the keyring crate
/// reports a user's "Deny" or "Cancel" on the Keychain prompt (errSecAuthFailed,
/// errSecUserCanceled) as a platform failure too, and asking again would prompt again.
fn failure(e: &keyring::Error) -> VaultError {
    match e {
        keyring::Error::PlatformFailure(_) if !cfg!(target_os = "macos") => {
            VaultError::NoAnswer(describe(e))
        }
        _ => VaultError::Unavailable(describe(e)),
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, service: &str, account: &str) -> Result<Option<String>, VaultError> {
        match Self::entry(service, account)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(failure(&e)),
        }
    }

    fn set(&self, service: &str, account: &str, value: &str) -> Result<(), VaultError> {
        Self::entry(service, account)?
            .set_password(value)
            .map_err(|e| failure(&e))
    }

    fn delete(&self, service: &str, account: &str) -> Result<(), VaultError> {
        match Self::entry(service, account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(failure(&e)),
        }
    }
}

/// Secrets in memory, for tests: shared by every `Vault` and `App` given the same store, so a test
/// can reopen an app and find its keys (the keyring crate's own mock forgets between entries).
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: std::sync::Mutex<std::collections::HashMap<(String, String), String>>,
    /// When set, every call fails as a locked keyring would.
    locked: std::sync::atomic::AtomicBool,
    /// This many calls from now fail as a keyring service that did not answer.
    no_answer: std::sync::atomic::AtomicU32,
    /// Calls made, answered or not.
    calls: std::sync::atomic::AtomicU32,
}

impl MemoryStore {
    /// Makes every call fail as a locked or missing keyring does (or work again).
    pub fn set_locked(&self, locked: bool) {
        self.locked
            .store(locked, std::sync::atomic::Ordering::SeqCst);
    }

    /// Makes the next `n` calls fail as a keyring service that did not answer.
    pub fn fail_next(&self, n: u32) {
        self.no_answer.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many calls this store has had.
    pub fn calls(&self) -> u32 {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), VaultError> {
        use std::sync::atomic::Ordering::SeqCst;
        self.calls.fetch_add(1, SeqCst);
        if self
            .no_answer
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(VaultError::NoAnswer("no answer from the service".into()));
        }
        if self.locked.load(SeqCst) {
            return Err(VaultError::Unavailable(
                "the password store is locked".into(),
            ));
        }
        Ok(())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, service: &str, account: &str) -> Result<Option<String>, VaultError> {
        self.check()?;
        let map = self.entries.lock().unwrap();
        Ok(map.get(&(service.into(), account.into())).cloned())
    }

    fn set(&self, service: &str, account: &str, value: &str) -> Result<(), VaultError> {
        self.check()?;
        let mut map = self.entries.lock().unwrap();
        map.insert((service.into(), account.into()), value.into());
        Ok(())
    }

    fn delete(&self, service: &str, account: &str) -> Result<(), VaultError> {
        self.check()?;
        self.entries
            .lock()
            .unwrap()
            .remove(&(service.to_string(), account.to_string()));
        Ok(())
    }
}

/// Entries are stored under the service name `service` (the app identifier, with a `.dev` suffix
/// for development builds), so a development build never reads or overwrites release keys.
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
    store: std::sync::Arc<dyn SecretStore>,
}

impl Vault {
    /// The OS keyring.
    pub fn new(service: impl Into<String>) -> Self {
        Self::with_store(service, std::sync::Arc::new(OsKeyring))
    }

    pub fn with_store(service: impl Into<String>, store: std::sync::Arc<dyn SecretStore>) -> Self {
        Vault {
            service: service.into(),
            store,
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// A missing entry is `None`, not an error.
    pub fn get(&self, name: SecretName) -> Result<Option<Secret>, VaultError> {
        Ok(self
            .store
            .get(&self.service, name.account())?
            .map(Secret::new))
    }

    pub fn set(&self, name: SecretName, value: &str) -> Result<(), VaultError> {
        self.store.set(&self.service, name.account(), value)
    }

    pub fn delete(&self, name: SecretName) -> Result<(), VaultError> {
        self.store.delete(&self.service, name.account())
    }
}

/// keyring's errors can embed the attribute values they failed on; keep only the variant.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(_) => "platform failure".into(),
        keyring::Error::NoStorageAccess(_) => {
            "no access to the password store (is it locked?)".into()
        }
        keyring::Error::NoEntry => "no entry".into(),
        keyring::Error::BadEncoding(_) => "stored value is not text".into(),
        keyring::Error::TooLong(..) => "value too long".into(),
        keyring::Error::Invalid(..) => "invalid entry attributes".into(),
        keyring::Error::Ambiguous(_) => "several entries match".into(),
        _ => "unknown keyring error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_store_keeps_entries_per_service_and_can_be_locked() {
        let store = std::sync::Arc::new(MemoryStore::default());
        let a = Vault::with_store("app", store.clone());
        let dev = Vault::with_store("app.dev", store.clone());
        assert!(a.get(SecretName::TruoraApiKey).unwrap().is_none());
        a.set(SecretName::TruoraApiKey, "k1").unwrap();
        assert_eq!(
            a.get(SecretName::TruoraApiKey).unwrap().unwrap().expose(),
            "k1"
        );
        assert!(
            dev.get(SecretName::TruoraApiKey).unwrap().is_none(),
            "dev never reads release keys"
        );
        // Another vault on the same store sees it: an app reopened in a test finds its keys.
        let again = Vault::with_store("app", store.clone());
        assert!(again.get(SecretName::TruoraApiKey).unwrap().is_some());
        store.set_locked(true);
        assert!(a.get(SecretName::TruoraApiKey).is_err());
        store.set_locked(false);
        a.delete(SecretName::TruoraApiKey).unwrap();
        a.delete(SecretName::TruoraApiKey).unwrap();
        assert!(a.get(SecretName::TruoraApiKey).unwrap().is_none());
    }
}
