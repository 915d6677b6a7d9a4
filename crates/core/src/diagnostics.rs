//! The text behind "Copy diagnostics": what support needs, nothing they must not see.

use crate::app::{App, AppStatus, CredentialsStatus};

impl App {
    pub fn diagnostics(&self) -> String {
        let lines = crate::logging::recent_lines(&self.config().paths.log_dir, 200);
        render(&self.status(), &lines)
    }
}

pub fn render(status: &AppStatus, log_lines: &[String]) -> String {
    let mut out = String::new();
    out.push_str("OpsDesk diagnostics\n");
    out.push_str(&format!("version: {}\n", status.version));
    out.push_str(&format!(
        "os: {} {}\n",
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    out.push_str(&format!("practice mode: {}\n", status.practice));
    out.push_str(&format!("local cache: {:?}\n", status.store));
    if let Some(s) = &status.settings {
        out.push_str(&format!(
            "settings: language={:?} theme={:?} retention_days={} practice_mode={:?}\n",
            s.language, s.theme, s.retention_days, s.practice_mode
        ));
    }
    let CredentialsStatus { truora, truecaller } = &status.credentials;
    out.push_str(&format!("truora key saved: {}\n", truora.is_some()));
    out.push_str(&format!(
        "truecaller keys saved: {}\n",
        truecaller.is_some()
    ));
    out.push_str(&format!(
        "\nlast {} log lines (personal data removed):\n",
        log_lines.len()
    ));
    for l in log_lines {
        out.push_str(l);
        out.push('\n');
    }
    // One more pass: nothing above should need it, but this text leaves the machine.
    opsdesk_http::redact::scrub(&out)
}
