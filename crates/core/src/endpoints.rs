//! Where the live APIs are. Defaults are the vendors' production hosts; each can be overridden by
//! an environment variable (a staging host, a corporate gateway, or a standalone sandbox).

use opsdesk_truora::TruoraEndpoints;
use url::Url;

#[derive(Debug, Clone)]
pub struct LiveEndpoints {
    pub truora: TruoraEndpoints,
    pub truecaller: Url,
}

impl LiveEndpoints {
    pub fn production() -> Self {
        LiveEndpoints {
            truora: TruoraEndpoints::production(),
            truecaller: opsdesk_truecaller::production_base(),
        }
    }

    /// `OPSDESK_SANDBOX_URL=http://127.0.0.1:4010` points every API at a running
    /// `opsdesk-sandbox`; the per-API variables override single hosts.
    pub fn from_env() -> Self {
        let mut e = Self::production();
        if let Some(base) = env_url("OPSDESK_SANDBOX_URL") {
            let sub = |p: &str| opsdesk_http::join_url(&base, p);
            e.truora = TruoraEndpoints {
                checks: sub("checks"),
                identity: sub("identity"),
                connect: sub("connect"),
                account: sub("account"),
            };
            e.truecaller = sub("truecaller");
        }
        for (var, slot) in [
            ("OPSDESK_TRUORA_CHECKS_URL", &mut e.truora.checks),
            ("OPSDESK_TRUORA_IDENTITY_URL", &mut e.truora.identity),
            ("OPSDESK_TRUORA_CONNECT_URL", &mut e.truora.connect),
            ("OPSDESK_TRUORA_ACCOUNT_URL", &mut e.truora.account),
            ("OPSDESK_TRUECALLER_URL", &mut e.truecaller),
        ] {
            if let Some(u) = env_url(var) {
                *slot = u;
            }
        }
        e
    }

    pub fn from_sandbox(urls: &opsdesk_sandbox::SandboxUrls) -> Self {
        let p = |s: &str| Url::parse(s).expect("sandbox URLs are valid");
        LiveEndpoints {
            truora: TruoraEndpoints {
                checks: p(&urls.checks),
                identity: p(&urls.identity),
                connect: p(&urls.connect),
                account: p(&urls.account),
            },
            truecaller: p(&urls.truecaller),
        }
    }
}

fn env_url(var: &str) -> Option<Url> {
    let v = std::env::var(var).ok()?;
    match Url::parse(&v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
        _ => {
            tracing::warn!(var, "ignoring an invalid URL in the environment");
            None
        }
    }
}
