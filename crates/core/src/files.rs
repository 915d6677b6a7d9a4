//! Files OpsDesk writes: names made safe on Windows, macOS and Linux, writes that stay inside the
//! folder they were meant for, readable by the user only, and a saved file's type decided by
//! its content (never by the name a server or a user suggested).

use std::path::{Component, Path, PathBuf};

/// Longest file name stem we produce, in characters. Windows still trips over paths past 260
/// characters in many programs (Explorer, Excel), so names stay short enough to leave room for
/// a deep Downloads folder, a " (12)" counter and the extension.
const MAX_STEM_CHARS: usize = 100;

/// Names Windows reserves for devices, whatever the extension (`CON.txt` opens the console).
const WINDOWS_RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    "CONIN$", "CONOUT$",
];

pub use opsdesk_http::text::is_invisible_format_char;

/// Turns any text (a job title, a name a vendor sent) into a file name stem that is valid and
/// harmless on all three systems: no separators or `..`, no characters Windows forbids, no
/// control or invisible formatting characters, no reserved device name, no trailing dots or
/// spaces, bounded length. Returns `fallback` when nothing usable is left.
pub fn safe_file_name(text: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_STEM_CHARS * 4));
    let mut last_space = false;
    for c in text.chars() {
        let mapped = match c {
            // "Cobranza 12/2026" reads best as "Cobranza 12-2026".
            '/' | '\\' | ':' | '|' => Some('-'),
            '*' | '?' | '"' | '<' | '>' => Some('_'),
            c if c.is_control() || is_invisible_format_char(c) => None,
            c if c.is_whitespace() => Some(' '),
            c => Some(c),
        };
        let Some(m) = mapped else { continue };
        if m == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        out.push(m);
    }
    // Leading dots hide a file on macOS and Linux and make `..`; trailing dots and spaces are
    // silently dropped by Windows, so two names could land on one file.
    let trimmed = out.trim_matches(|c: char| c == '.' || c == ' ' || c == '-');
    let mut name: String = trimmed.chars().take(MAX_STEM_CHARS).collect();
    name = name.trim_end_matches(['.', ' ']).to_string();
    if name.is_empty() {
        return fallback.to_string();
    }
    let base = name.split('.').next().unwrap_or("").trim_end();
    if WINDOWS_RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(base))
    {
        name.insert(0, '_');
    }
    name
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file name would leave the folder")]
    Escapes,
    #[error("the folder must be a full path to an existing folder")]
    NotAFolder,
}

/// `folder/name`, refusing any name that is not one plain component (so nothing can climb out
/// of the folder or point somewhere absolute).
pub fn inside(folder: &Path, name: &str) -> Result<PathBuf, FileError> {
    let mut comps = Path::new(name).components();
    match (comps.next(), comps.next()) {
        (Some(Component::Normal(n)), None) if n == std::ffi::OsStr::new(name) => {}
        _ => return Err(FileError::Escapes),
    }
    if name.contains(['/', '\\', ':']) {
        return Err(FileError::Escapes);
    }
    let p = folder.join(name);
    if p.parent() != Some(folder) {
        return Err(FileError::Escapes);
    }
    Ok(p)
}

/// A path in `folder` named `stem.ext` (made safe), or `stem (2).ext` and so on when taken.
pub fn free_path(folder: &Path, stem: &str, ext: &str, fallback: &str) -> PathBuf {
    let stem = safe_file_name(stem, fallback);
    let ext = safe_file_name(ext, "bin");
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem} ({n}).{ext}")
        };
        // Cannot fail: both parts went through `safe_file_name`.
        let p = inside(folder, &name).unwrap_or_else(|_| folder.join(format!("{fallback}.bin")));
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// A folder the user may choose for downloads: an absolute path to an existing folder, written
/// without `..` (a typed `..\..\Windows` must not be accepted as "the download folder").
pub fn check_folder(text: &str) -> Result<PathBuf, FileError> {
    let p = PathBuf::from(text.trim());
    if !p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(FileError::NotAFolder);
    }
    if !p.is_dir() {
        return Err(FileError::NotAFolder);
    }
    Ok(p)
}

/// Makes a file readable and writable by its owner only. Reports saved from a shared computer
/// hold other people's personal data. On Windows files inherit the folder's permissions (the
/// user's own profile folders are private already).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a new file with owner-only permissions from the start.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// What a saved file really is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Mp4,
    QuickTime,
    Webm,
    Xlsx,
    Ods,
    /// Plain text that looks like a table (commas or semicolons on the first line).
    Csv,
    /// Text that starts as a JSON object or array (a person's data export).
    Json,
    Text,
    /// Anything else: programs, scripts, web pages, archives, unknown formats.
    Other,
}

impl ContentKind {
    /// The extension the file is saved with. `Other` gets `.bin`, which no system runs or
    /// opens with a script host; the original name is kept in the stem for recognition.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Mp4 => "mp4",
            Self::QuickTime => "mov",
            Self::Webm => "webm",
            Self::Xlsx => "xlsx",
            Self::Ods => "ods",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Text => "txt",
            Self::Other => "bin",
        }
    }

    /// Whether "Open" may hand the file to the system's viewer. Only document, image, video
    /// and spreadsheet formats that no system executes.
    pub fn openable(self) -> bool {
        self != Self::Other
    }
}

/// Reads the first bytes of `path` and tells what it is.
pub fn sniff_file(path: &Path) -> ContentKind {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut total = 0;
            loop {
                let k = f.read(&mut head[total..])?;
                if k == 0 || total + k == head.len() {
                    return Ok(total + k);
                }
                total += k;
            }
        })
        .unwrap_or(0);
    sniff(&head[..n])
}

/// Decides the kind from the start of a file (4 KB is plenty for every signature below).
pub fn sniff(head: &[u8]) -> ContentKind {
    if head.starts_with(b"%PDF-") {
        return ContentKind::Pdf;
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return ContentKind::Png;
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return ContentKind::Jpeg;
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return ContentKind::Gif;
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return ContentKind::Webp;
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return if &head[8..10] == b"qt" {
            ContentKind::QuickTime
        } else {
            ContentKind::Mp4
        };
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return ContentKind::Webm;
    }
    if head.starts_with(b"PK\x03\x04") {
        // OpenDocument stores its type uncompressed as the first entry.
        if head
            .windows(46)
            .any(|w| w == b"application/vnd.oasis.opendocument.spreadsheet")
        {
            return ContentKind::Ods;
        }
        // An Excel workbook: its parts live under xl/. A macro workbook (vbaProject) or any
        // other archive is not offered to open.
        let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
        if (has(b"[Content_Types].xml") || has(b"xl/")) && !has(b"vbaProject") {
            return ContentKind::Xlsx;
        }
        return ContentKind::Other;
    }
    if let Some(kind) = sniff_text(head) {
        return kind;
    }
    ContentKind::Other
}

fn sniff_text(head: &[u8]) -> Option<ContentKind> {
    if head.is_empty() || head.contains(&0) {
        return None;
    }
    // The last character may be cut in the middle: judge only what is complete.
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    if text
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || c == '\u{FFFD}')
    {
        return None;
    }
    let lower = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_lowercase();
    // Web pages and scripts (an .hta is a web page that runs with full rights on Windows).
    if lower.starts_with('<')
        || lower.starts_with("#!")
        || lower.contains("<script")
        || lower.contains("<html")
    {
        return None;
    }
    if lower.starts_with('{') || lower.starts_with('[') {
        return Some(ContentKind::Json);
    }
    let first = lower.lines().next().unwrap_or("");
    Some(
        if first.contains(',') || first.contains(';') || first.contains('\t') {
            ContentKind::Csv
        } else {
            ContentKind::Text
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_on_every_system() {
        for (input, expected) in [
            ("Cobranza 12/2026", "Cobranza 12-2026"),
            ("../../x", "x"),
            ("..", "file"),
            ("/etc/passwd", "etc-passwd"),
            ("C:\\Windows\\System32\\evil", "C--Windows-System32-evil"),
            ("con", "_con"),
            ("COM1.report", "_COM1.report"),
            ("LPT9", "_LPT9"),
            ("nul ", "_nul"),
            ("report. . .", "report"),
            ("  spaced   out  ", "spaced out"),
            ("a<b>c:d\"e|f?g*h", "a_b_c-d_e-f_g_h"),
            ("Ana \u{202e}fdp.exe", "Ana fdp.exe"),
            ("zero\u{200b}width\u{feff}", "zerowidth"),
            ("nul\u{0}byte\u{7}", "nulbyte"),
            ("", "file"),
            ("....", "file"),
            ("Pérez Ñandú — informe", "Pérez Ñandú — informe"),
        ] {
            assert_eq!(safe_file_name(input, "file"), expected, "{input:?}");
        }
        let long = "é".repeat(500);
        assert_eq!(safe_file_name(&long, "f").chars().count(), MAX_STEM_CHARS);
    }

    #[test]
    fn writes_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert!(inside(d, "ok.pdf").is_ok());
        for bad in [
            "../x.pdf", "a/b.pdf", "a\\b.pdf", "/abs.pdf", "..", ".", "", "C:x",
        ] {
            assert_eq!(inside(d, bad), Err(FileError::Escapes), "{bad:?}");
        }
        let p = free_path(d, "../../Cobranza 12/2026", "xlsx", "export");
        assert_eq!(p.parent(), Some(d));
        assert_eq!(p.file_name().unwrap(), "Cobranza 12-2026.xlsx");
        std::fs::write(&p, b"x").unwrap();
        let p2 = free_path(d, "../../Cobranza 12/2026", "xlsx", "export");
        assert_eq!(p2.file_name().unwrap(), "Cobranza 12-2026 (2).xlsx");
        let p3 = free_path(d, "x", "exe\\..\\..", "export");
        assert_eq!(p3.parent(), Some(d));
    }

    #[test]
    fn download_folder_must_be_an_existing_absolute_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_folder(&dir.path().display().to_string()).is_ok());
        let with_dots = dir.path().join("..").join(dir.path().file_name().unwrap());
        for bad in [
            "Downloads".to_string(),
            "../../etc".to_string(),
            with_dots.display().to_string(),
            dir.path().join("missing").display().to_string(),
            String::new(),
        ] {
            assert_eq!(check_folder(&bad), Err(FileError::NotAFolder), "{bad:?}");
        }
        let file = dir.path().join("f.txt");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(
            check_folder(&file.display().to_string()),
            Err(FileError::NotAFolder)
        );
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.pdf");
        write_private(&p, b"%PDF-1.4").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let q = dir.path().join("q.pdf");
        std::fs::write(&q, b"x").unwrap();
        make_private(&q).unwrap();
        assert_eq!(
            std::fs::metadata(&q).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn content_decides_the_type() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), ContentKind::Pdf);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), ContentKind::Png);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), ContentKind::Jpeg);
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42...."), ContentKind::Mp4);
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  ...."), ContentKind::QuickTime);
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 1]), ContentKind::Webm);
        assert_eq!(sniff(b"name,phone\nAna,300\n"), ContentKind::Csv);
        assert_eq!(sniff(b"just some words\n"), ContentKind::Text);
        assert_eq!(sniff(b"{\n  \"a\": 1\n}"), ContentKind::Json);
        // Programs, scripts, web pages (an .hta runs with full rights) and archives are inert.
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), ContentKind::Other);
        assert_eq!(sniff(b"\x7fELF\x02\x01"), ContentKind::Other);
        assert_eq!(
            sniff(b"<html><script>new ActiveXObject('WScript.Shell')</script>"),
            ContentKind::Other
        );
        assert_eq!(sniff(b"  <HTA:APPLICATION>"), ContentKind::Other);
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf ~"), ContentKind::Other);
        assert_eq!(
            sniff(b"PK\x03\x04\x14\0\0\0payload.exe"),
            ContentKind::Other
        );
        assert_eq!(
            sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            ContentKind::Other
        );
        assert_eq!(sniff(b""), ContentKind::Other);
        assert!(!ContentKind::Other.openable());
        assert_eq!(ContentKind::Other.extension(), "bin");

        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "x").unwrap();
        let xlsx = wb.save_to_buffer().unwrap();
        assert_eq!(sniff(&xlsx[..xlsx.len().min(4096)]), ContentKind::Xlsx);
    }
}
