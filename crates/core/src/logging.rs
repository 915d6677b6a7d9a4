//! tracing to daily files in the OS log directory, old files pruned, every line scrubbed of
//! secrets and personal data before it reaches disk or the terminal.

use opsdesk_http::redact::scrub;
use std::io::Write;
use std::path::{Path, PathBuf};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub const LOG_PREFIX: &str = "opsdesk";
pub const LOG_SUFFIX: &str = "log";
pub const KEEP_DAYS: usize = 14;

/// Keeps the background log writer alive; drop it last so buffered lines are flushed.
pub struct LogGuard {
    _file: tracing_appender::non_blocking::WorkerGuard,
}

/// A writer that passes everything through [`scrub`]. fmt writes one event per call, so a
/// phone number is never split across two writes.
pub struct ScrubWriter<W: Write>(pub W);

impl<W: Write> Write for ScrubWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

pub fn init(log_dir: &Path) -> std::io::Result<LogGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .filename_suffix(LOG_SUFFIX)
        .max_log_files(KEEP_DAYS)
        .build(log_dir)
        .map_err(std::io::Error::other)?;
    let (file, guard) = tracing_appender::non_blocking(ScrubWriter(appender));
    let filter = EnvFilter::try_from_env("OPSDESK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,opsdesk=debug"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_target(true)
                .with_writer(file),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(|| ScrubWriter(std::io::stderr())),
        )
        .try_init();
    install_panic_hook();
    Ok(LogGuard { _file: guard })
}

/// Crash output goes to the log, scrubbed like everything else.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %scrub(&info.to_string()), "OpsDesk crashed");
        default(info);
    }));
}

/// The newest log files, newest last.
fn log_files(log_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(log_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(LOG_PREFIX) && n.ends_with(LOG_SUFFIX))
        })
        .collect();
    // Names carry the date (opsdesk.2026-11-22.log), so lexical order is chronological.
    files.sort();
    files
}

/// The last `n` log lines across files, scrubbed again (older files may predate a redaction rule).
pub fn recent_lines(log_dir: &Path, n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in log_files(log_dir).iter().rev() {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut lines: Vec<String> = text.lines().rev().take(n - out.len()).map(scrub).collect();
        lines.reverse();
        lines.extend(out);
        out = lines;
        if out.len() >= n {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_writer_masks_personal_data_before_it_is_written() {
        let mut w = ScrubWriter(Vec::new());
        writeln!(
            w,
            "sending to +573001234567 with Truora-API-Key: abcdefghijkl"
        )
        .unwrap();
        let out = String::from_utf8(w.0).unwrap();
        assert!(!out.contains("3001234567"));
        assert!(!out.contains("abcdefghijkl"));
    }

    #[test]
    fn recent_lines_reads_across_days_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("opsdesk.2026-11-20.log"), "a\nb\n").unwrap();
        std::fs::write(
            dir.path().join("opsdesk.2026-11-21.log"),
            "c\nd phone 3001234567\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("other.txt"), "zzz\n").unwrap();
        let lines = recent_lines(dir.path(), 3);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "b");
        assert_eq!(lines[1], "c");
        assert!(lines[2].starts_with("d phone [number"));
    }
}
