//! Free text that leaves for a vendor (names, references, message text): what is refused at the
//! field before any request is made.

/// Characters that change how text is displayed without being visible: bidi overrides and
/// isolates (which make `Ana \u{202e}fdp.exe` read as `Ana exe.pdf`), zero-width characters,
/// the BOM and the Arabic letter mark.
pub fn is_invisible_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{061C}'
    )
}

/// Whether `s` holds a control character (NUL, escape, …) or invisible formatting. Line breaks
/// and tabs are allowed only where the field is multi-line (`multiline`).
pub fn has_unsafe_chars(s: &str, multiline: bool) -> bool {
    s.chars().any(|c| {
        if multiline && matches!(c, '\n' | '\r' | '\t') {
            return false;
        }
        c.is_control() || is_invisible_format_char(c)
    })
}

/// The rule key the UI translates ("remove invisible or control characters").
pub const UNSAFE_CHARS_RULE: crate::RuleCode = crate::RuleCode::UnsafeCharacters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_control_and_invisible_characters() {
        for bad in [
            "Ana \u{202e}fdp.exe",
            "zero\u{200b}width",
            "nul\u{0}",
            "esc\u{1b}[31m",
            "bom\u{feff}",
            "isolate\u{2066}x\u{2069}",
        ] {
            assert!(has_unsafe_chars(bad, true), "{bad:?}");
        }
        assert!(has_unsafe_chars("line\nbreak", false));
        for ok in [
            "Ana María Pérez",
            "line\nbreak\ttab",
            "عربي",
            "नमस्ते",
            "😀 ok",
            "Ñandú-12/2026",
        ] {
            assert!(!has_unsafe_chars(ok, true), "{ok:?}");
        }
    }
}
