//! The local cache's key when the keyring service does not answer at once, locked, or silent.
//! Its own test binary (own process): these open and close several caches, and SQLCipher with
//! OpenSSL was seen to fail a concurrent `PRAGMA key` in crates/core/tests/app.rs once they
//! ran beside its tests (1 run in 6; 0 in 8 before they were added; not understood yet).

mod support;

use opsdesk_core::StoreHealth;
use support::{unreachable, Profile};

/// A keyring service that fails its first call (started by D-Bus on first use, or still
/// starting with the session) costs a moment, not the recovery page; on a start with a cache,
/// and on the very first start, whose new key must be saved.
#[tokio::test]
async fn a_keyring_that_does_not_answer_at_once_is_asked_again() {
    let p = Profile::new();
    p.secrets.fail_next(1);
    let first = p.open_with(unreachable());
    assert_eq!(first.status().store, StoreHealth::Ok, "first start");
    let mut s = first.settings();
    s.retention_days = 30;
    first.save_settings(s.clone()).await.unwrap();
    drop(first);
    p.secrets.fail_next(2);
    let again = p.open_with(unreachable());
    assert_eq!(again.status().store, StoreHealth::Ok, "a later start");
    assert_eq!(again.settings(), s, "the same cache, opened with its key");
}

/// One that keeps failing ends on the recovery page after three calls (about a second), and a
/// locked keyring is asked once: asking it again would ask the user again.
#[test]
fn a_keyring_that_stays_silent_or_locked_is_explained() {
    let p = Profile::new();
    p.secrets.fail_next(100);
    let app = p.open_with(unreachable());
    assert_eq!(p.secrets.calls(), 3, "asked three times while opening");
    assert_eq!(app.status().store, StoreHealth::KeyringUnavailable);
    drop(app);

    let p = Profile::new();
    p.secrets.set_locked(true);
    let app = p.open_with(unreachable());
    assert_eq!(p.secrets.calls(), 1, "a locked keyring is asked once");
    assert_eq!(app.status().store, StoreHealth::KeyringUnavailable);
}
