//! Shared HTTP plumbing for every vendor client: one way to build a client, one typed error that
//! understands both Truora's and Truecaller's error bodies, retries with jittered backoff, a
//! client-side rate limiter, the 202-poll-then-follow-302 downloader, and log redaction.

pub mod client;
pub mod download;
pub mod error;
pub mod phone;
pub mod ratelimit;
pub mod redact;
pub mod retry;
pub mod rule;
pub mod secret;
pub mod text;

pub use client::{build_client, join_url, tls_provider, HttpConfig};
pub use download::{download_file, DownloadOptions, DownloadProgress};
pub use error::{ApiError, ErrorKind, VendorError};
pub use ratelimit::RateLimit;
pub use retry::{execute, ApiResponse, Idempotency, RetryPolicy};
pub use rule::RuleCode;
pub use secret::Secret;
