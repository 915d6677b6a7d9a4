//! Where the live APIs are. Defaults are the vendors' production hosts; each can be overridden by
//! an environment variable (a staging host, a corporate gateway, or a standalone sandbox).
//!
//! An override carries the API keys and people's data to wherever it points, so it is accepted
//! only over https, or over plain http to this computer (a local sandbox or debugging proxy).
//! Anything else is ignored with a warning that names the variable (never the URL, which may
//! carry credentials). Whatever is overridden is listed by [`LiveEndpoints::overridden_hosts`] so
//! the UI can say so in a banner.

use opsdesk_truora::TruoraEndpoints;
use url::{Host, Url};

#[derive(Debug, Clone)]
pub struct LiveEndpoints {
    pub truora: TruoraEndpoints,
    pub truecaller: Url,
}

/// The variables [`LiveEndpoints::from_env`] reads.
pub const SANDBOX_VAR: &str = "OPSDESK_SANDBOX_URL";
pub const OVERRIDE_VARS: [&str; 5] = [
    "OPSDESK_TRUORA_CHECKS_URL",
    "OPSDESK_TRUORA_IDENTITY_URL",
    "OPSDESK_TRUORA_CONNECT_URL",
    "OPSDESK_TRUORA_ACCOUNT_URL",
    "OPSDESK_TRUECALLER_URL",
];

/// Why an override was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideRefusal {
    /// Not a URL, or not http(s).
    Invalid,
    /// Plain http to a host other than this computer.
    Insecure,
}

/// Decides whether one override value may be used: https to any host, or http only to a loopback
/// host (`127.0.0.0/8`, `::1`, `localhost`). Pure, so it is tested without touching the
/// environment.
pub fn parse_override(raw: &str) -> Result<Url, OverrideRefusal> {
    let url = Url::parse(raw.trim()).map_err(|_| OverrideRefusal::Invalid)?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if url.host().as_ref().is_some_and(is_loopback) => Ok(url),
        "http" if url.host().is_some() => Err(OverrideRefusal::Insecure),
        _ => Err(OverrideRefusal::Invalid),
    }
}

/// Only the exact name `localhost` counts among names: `*.localhost` or a public name that happens
/// to resolve to 127.0.0.1 depends on the resolver, which an attacker may control.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl LiveEndpoints {
    pub fn production() -> Self {
        LiveEndpoints {
            truora: TruoraEndpoints::production(),
            truecaller: opsdesk_truecaller::production_base(),
        }
    }

    /// `OPSDESK_SANDBOX_URL=http://127.0.0.1:4010` points every API at a running
    /// `opsdesk-sandbox`; the per-API variables override single hosts. See the module docs for
    /// which URLs are accepted.
    pub fn from_env() -> Self {
        Self::from_vars(|var| std::env::var(var).ok())
    }

    /// [`Self::from_env`] over any source of variables; refused values are logged and skipped.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Self {
        let read = |var: &str| -> Option<Url> {
            let raw = get(var)?;
            match parse_override(&raw) {
                Ok(u) => Some(u),
                Err(OverrideRefusal::Invalid) => {
                    tracing::warn!(var, "ignoring an invalid URL in the environment");
                    None
                }
                Err(OverrideRefusal::Insecure) => {
                    tracing::warn!(
                        var,
                        "ignoring an endpoint override: plain http is accepted only to this \
                         computer (localhost); use https"
                    );
                    None
                }
            }
        };
        let mut e = Self::production();
        if let Some(base) = read(SANDBOX_VAR) {
            let sub = |p: &str| opsdesk_http::join_url(&base, p);
            e.truora = TruoraEndpoints {
                checks: sub("checks"),
                identity: sub("identity"),
                connect: sub("connect"),
                account: sub("account"),
            };
            e.truecaller = sub("truecaller");
        }
        let [checks, identity, connect, account, truecaller] = OVERRIDE_VARS;
        for (var, slot) in [
            (checks, &mut e.truora.checks),
            (identity, &mut e.truora.identity),
            (connect, &mut e.truora.connect),
            (account, &mut e.truora.account),
            (truecaller, &mut e.truecaller),
        ] {
            if let Some(u) = read(var) {
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

    fn all(&self) -> [&Url; 5] {
        [
            &self.truora.checks,
            &self.truora.identity,
            &self.truora.connect,
            &self.truora.account,
            &self.truecaller,
        ]
    }

    /// The distinct `host[:port]` of every endpoint that differs from [`Self::production`], in
    /// endpoint order; empty when every API goes to its vendor. For a banner such as "Talking to
    /// 127.0.0.1:4010 instead of the vendors".
    pub fn overridden_hosts(&self) -> Vec<String> {
        let production = Self::production();
        let mut hosts: Vec<String> = Vec::new();
        for (url, prod) in self.all().into_iter().zip(production.all()) {
            if url == prod {
                continue;
            }
            let host = host_and_port(url);
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        hosts
    }
}

/// `host` or `host:port` (only a non-default port is shown; IPv6 in brackets).
fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn https_anywhere_and_http_only_to_loopback_are_accepted() {
        for ok in [
            "https://staging.checks.truora.com",
            "https://gateway.example.com:8443/truora/",
            "https://10.0.0.5",
            "http://127.0.0.1:4010",
            "http://127.3.4.5/x",
            "http://[::1]:4010/",
            "http://localhost:4010",
            "http://LOCALHOST",
            "  http://127.0.0.1:4010\n",
        ] {
            assert!(parse_override(ok).is_ok(), "{ok} should be accepted");
        }
    }

    #[test]
    fn plain_http_elsewhere_and_junk_are_refused() {
        for insecure in [
            "http://staging.checks.truora.com",
            "http://10.0.0.5:4010",
            "http://192.168.1.20",
            "http://[::ffff:10.0.0.1]",
            "http://[fe80::1]",
            "http://0.0.0.0:4010",
            "http://localhost.evil.example",
            "http://app.localhost",
            "http://127.0.0.1.nip.io",
        ] {
            assert_eq!(
                parse_override(insecure),
                Err(OverrideRefusal::Insecure),
                "{insecure}"
            );
        }
        for invalid in [
            "",
            "127.0.0.1:4010",
            "ftp://127.0.0.1",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://",
            "not a url",
        ] {
            assert_eq!(
                parse_override(invalid),
                Err(OverrideRefusal::Invalid),
                "{invalid}"
            );
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn production_has_no_overridden_hosts() {
        assert!(LiveEndpoints::production().overridden_hosts().is_empty());
        assert!(LiveEndpoints::from_vars(vars(&[]))
            .overridden_hosts()
            .is_empty());
    }

    #[test]
    fn a_sandbox_override_is_one_host() {
        let e = LiveEndpoints::from_vars(vars(&[(SANDBOX_VAR, "http://127.0.0.1:4010")]));
        assert_eq!(e.truora.checks.as_str(), "http://127.0.0.1:4010/checks");
        assert_eq!(e.truecaller.as_str(), "http://127.0.0.1:4010/truecaller");
        assert_eq!(e.overridden_hosts(), ["127.0.0.1:4010"]);
    }

    #[test]
    fn single_overrides_are_listed_once_each_and_refused_ones_ignored() {
        let e = LiveEndpoints::from_vars(vars(&[
            ("OPSDESK_TRUORA_CHECKS_URL", "https://gw.example.com/checks"),
            (
                "OPSDESK_TRUORA_IDENTITY_URL",
                "https://gw.example.com/identity",
            ),
            // Refused: plain http to another machine.
            (
                "OPSDESK_TRUORA_CONNECT_URL",
                "http://gw.example.com/connect",
            ),
            // Refused: not a URL.
            ("OPSDESK_TRUORA_ACCOUNT_URL", "gw.example.com"),
            ("OPSDESK_TRUECALLER_URL", "http://[::1]:9000"),
        ]));
        let prod = LiveEndpoints::production();
        assert_eq!(e.truora.connect, prod.truora.connect);
        assert_eq!(e.truora.account, prod.truora.account);
        assert_eq!(e.truora.checks.as_str(), "https://gw.example.com/checks");
        assert_eq!(e.overridden_hosts(), ["gw.example.com", "[::1]:9000"]);
    }

    #[test]
    fn a_refused_sandbox_leaves_production_and_single_overrides_win() {
        let e = LiveEndpoints::from_vars(vars(&[
            (SANDBOX_VAR, "http://sandbox.example.com:4010"),
            ("OPSDESK_TRUECALLER_URL", "https://tc.example.com:8443"),
        ]));
        assert_eq!(e.truora.checks, LiveEndpoints::production().truora.checks);
        assert_eq!(e.overridden_hosts(), ["tc.example.com:8443"]);

        let e = LiveEndpoints::from_vars(vars(&[
            (SANDBOX_VAR, "http://localhost:4010"),
            ("OPSDESK_TRUECALLER_URL", "https://tc.example.com"),
        ]));
        assert_eq!(e.overridden_hosts(), ["localhost:4010", "tc.example.com"]);
    }

    #[test]
    fn the_production_url_given_explicitly_is_not_an_override() {
        let e = LiveEndpoints::from_vars(vars(&[(
            "OPSDESK_TRUORA_CHECKS_URL",
            "https://api.checks.truora.com/",
        )]));
        assert!(e.overridden_hosts().is_empty());
    }
}
