//! The Activity log: what OpsDesk did, in plain words, without personal data beyond a summary.
//! Its rows live in the cache (`store::activity`); use cases write through `App::record`.

pub use crate::store::activity::{list, purge_before, record, ActivityEntry, Outcome};
