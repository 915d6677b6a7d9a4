//! Fills an OpsDesk profile's cache with synthetic practice checks, for measuring the app at
//! the sizes users reach (`scripts/measure-idle.sh`). The profile must have been opened once
//! (its cache key is then in the OS keyring).
//!
//! `fill_checks DATA_DIR KEYRING_SERVICE COUNT`

use opsdesk_core::store::{fixtures, Store};
use opsdesk_core::vault::{SecretName, Vault};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, service, count] = &args[..] else {
        panic!("usage: fill_checks DATA_DIR KEYRING_SERVICE COUNT");
    };
    let key = Vault::new(service.clone())
        .get(SecretName::DatabaseKey)
        .expect("keyring")
        .expect("open the profile once first: its cache key is not in the keyring");
    let store = Store::open(&std::path::Path::new(dir).join("opsdesk.db"), &key).expect("cache");
    let mut c = store.conn().expect("connection");
    let t = std::time::Instant::now();
    fixtures::fill_checks(&mut c, count.parse().expect("COUNT"), true, false).expect("fill");
    println!(
        "filled {count} checks in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}
