use std::fmt;

/// A credential held in memory. It never prints itself (`Debug`/`Display` show a placeholder) and
/// deliberately has no `Serialize`, so it cannot end up in an IPC reply, a log line or a crash dump
/// by accident. Read it only where a request header is built, through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Last characters for "key ending in …" hints. Short secrets reveal nothing.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "••••".to_string();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("••••{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is released.
        // SAFETY: zero bytes are valid UTF-8, so the String stays well-formed.
        unsafe {
            for b in self.0.as_bytes_mut() {
                std::ptr::write_volatile(b, 0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("eyJhbGciOiJIUzI1NiJ9.secret-value");
        assert!(!format!("{s:?}").contains("secret-value"));
        assert!(!format!("{s}").contains("secret-value"));
        assert_eq!(s.expose(), "eyJhbGciOiJIUzI1NiJ9.secret-value");
    }

    #[test]
    fn hint_shows_only_the_last_four_of_long_keys() {
        assert_eq!(Secret::new("abcdefghijklmnop").hint(), "••••mnop");
        assert_eq!(Secret::new("short").hint(), "••••");
    }
}
