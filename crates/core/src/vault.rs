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
    #[error("the system keyring is not available ({0})")]
    Unavailable(String),
}

/// Entries are stored under the service name `service` (the app identifier, with a `.dev` suffix
/// for development builds), so a development build never reads or overwrites release keys.
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
}

impl Vault {
    pub fn new(service: impl Into<String>) -> Self {
        Vault {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: SecretName) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, name.account())
            .map_err(|e| VaultError::Unavailable(describe(&e)))
    }

    /// A missing entry is `None`, not an error.
    pub fn get(&self, name: SecretName) -> Result<Option<Secret>, VaultError> {
        match self.entry(name)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(VaultError::Unavailable(describe(&e))),
        }
    }

    pub fn set(&self, name: SecretName, value: &str) -> Result<(), VaultError> {
        self.entry(name)?
            .set_password(value)
            .map_err(|e| VaultError::Unavailable(describe(&e)))
    }

    pub fn delete(&self, name: SecretName) -> Result<(), VaultError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(VaultError::Unavailable(describe(&e))),
        }
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
