use crate::error::ApiError;
use std::time::Duration;
use url::Url;

/// How every vendor client talks HTTP. Defaults suit a desktop on office Wi-Fi.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// Longest silence while reading a response; a large PDF may take long in total but never
    /// stalls for this long.
    pub read_timeout: Duration,
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            user_agent: format!(
                "OpsDesk/{} ({}; {})",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
        }
    }
}

/// One `reqwest::Client` per API. Redirects are not followed automatically: the only redirects
/// these APIs send are file downloads, and [`crate::download_file`] follows them itself so it can
/// drop credentials when the file lives on another host. The system proxy is honoured.
/// Chooses the process's TLS provider once. Two are compiled in (reqwest's aws-lc-rs, and ring,
/// which the update plugin brings); with both present rustls refuses to pick one by itself and
/// any TLS client built without an explicit provider panics. Called before any client is built;
/// calling it again does nothing.
pub fn tls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

pub fn build_client(cfg: &HttpConfig) -> Result<reqwest::Client, ApiError> {
    tls_provider();
    reqwest::Client::builder()
        .connect_timeout(cfg.connect_timeout)
        .read_timeout(cfg.read_timeout)
        .user_agent(cfg.user_agent.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ApiError::from_transport(&e))
}

/// Appends a relative API path to a base URL that may itself carry a path prefix
/// (`http://127.0.0.1:4000/checks` + `v1/checks` → `http://127.0.0.1:4000/checks/v1/checks`).
pub fn join_url(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    {
        let mut segs = u.path_segments_mut().expect("base URLs are http(s)");
        segs.pop_if_empty();
        for s in path.trim_start_matches('/').split('/') {
            segs.push(s);
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_prefix_and_escapes_segments() {
        let b = Url::parse("http://127.0.0.1:4000/checks/").unwrap();
        assert_eq!(
            join_url(&b, "v1/checks").as_str(),
            "http://127.0.0.1:4000/checks/v1/checks"
        );
        let b = Url::parse("https://api.checks.truora.com").unwrap();
        assert_eq!(
            join_url(&b, "/v1/checks/CHK 1").as_str(),
            "https://api.checks.truora.com/v1/checks/CHK%201"
        );
    }
}
