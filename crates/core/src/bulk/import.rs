//! Spreadsheets in: CSV (any of `,` `;` tab `|`, UTF-8, UTF-16 or the Windows-1252 that Excel
//! writes in Latin America) and Excel/OpenDocument files. What comes out is plain text cells under
//! a header row; every way a file can be wrong ends in a clear [`ImportError`], never a panic.

use std::io::Cursor;

/// More rows than this is almost certainly the wrong file (or a whole database export).
pub const MAX_ROWS: usize = 200_000;
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
const MAX_COLUMNS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// Data rows, each with the spreadsheet row number people see (header = row 1).
    pub rows: Vec<(u32, Vec<String>)>,
}

impl Sheet {
    pub fn cell<'a>(&'a self, row: &'a [String], col: usize) -> &'a str {
        row.get(col).map(|s| s.trim()).unwrap_or("")
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header row but no data rows")]
    NoRows,
    #[error("more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("the file is larger than 64 MB")]
    TooBig,
    #[error("more than {MAX_COLUMNS} columns")]
    TooManyColumns,
    /// A spreadsheet file that could not be read (damaged, password-protected, or not really one).
    #[error("the spreadsheet cannot be read: {0}")]
    Unreadable(String),
}

impl ImportError {
    /// The rule key the UI translates.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Empty => "bulk_file_empty",
            Self::NoRows => "bulk_no_rows",
            Self::TooManyRows => "bulk_too_many_rows",
            Self::TooBig => "bulk_too_big",
            Self::TooManyColumns => "bulk_too_many_columns",
            Self::Unreadable(_) => "bulk_unreadable",
        }
    }
}

fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04")
}

fn is_ole(b: &[u8]) -> bool {
    b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Reads a whole file's bytes. `name` only helps tell formats apart when the bytes cannot.
pub fn read(name: &str, bytes: &[u8]) -> Result<Sheet, ImportError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooBig);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let lower = name.to_ascii_lowercase();
    let grid = if is_zip(bytes)
        || is_ole(bytes)
        || lower.ends_with(".xlsx")
        || lower.ends_with(".xls")
        || lower.ends_with(".ods")
    {
        read_workbook(bytes)?
    } else {
        read_csv(&decode(bytes))?
    };
    shape(grid)
}

/// Text in whatever encoding the file came in. Invalid UTF-8 is taken as Windows-1252 (what
/// Excel's "CSV" writes on Spanish and Portuguese Windows), which decodes every byte.
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let enc = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        return enc.decode_with_bom_removal(bytes).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// The separator that splits the first lines most consistently.
fn sniff_delimiter(text: &str) -> u8 {
    let sample: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = sample
            .iter()
            .map(|l| l.bytes().filter(|&b| b == d).count())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        // Prefer separators that appear the same number of times on each line.
        let consistent = counts.iter().filter(|&&c| c == first).count();
        let score = if first == 0 {
            0
        } else {
            consistent * 1000 + first
        };
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Unreadable(e.to_string()))?;
        if grid.len() > MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        grid.push(rec.iter().map(str::to_string).collect());
    }
    Ok(grid)
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let names = wb.sheet_names().to_vec();
    // The first sheet with anything in it: people often leave an empty "Sheet1" in front.
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| ImportError::Unreadable(e.to_string()))?;
        if range.is_empty() {
            continue;
        }
        if range.height() > MAX_ROWS + 1 {
            return Err(ImportError::TooManyRows);
        }
        return Ok(range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect());
    }
    Err(ImportError::Empty)
}

/// A cell as the person sees it: whole numbers without ".0" (phone numbers are often stored as
/// numbers), dates as year-month-day, formula errors as empty.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| {
                if t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M").to_string()
                }
            })
            .unwrap_or_default(),
        Data::Error(_) | Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Finds the header row (the first non-empty one), names blank or repeated headers, and keeps
/// only rows with something in them.
fn shape(grid: Vec<Vec<String>>) -> Result<Sheet, ImportError> {
    let mut rows = grid
        .into_iter()
        .enumerate()
        .map(|(i, r)| ((i + 1) as u32, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = rows.next() else {
        return Err(ImportError::Empty);
    };
    if header.len() > MAX_COLUMNS {
        return Err(ImportError::TooManyColumns);
    }
    let mut headers: Vec<String> = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let mut name = h.trim().trim_start_matches('\u{feff}').to_string();
        if name.is_empty() {
            name = format!("Column {}", i + 1);
        }
        let base = name.clone();
        let mut n = 2;
        while headers.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        headers.push(name);
    }
    let rows: Vec<(u32, Vec<String>)> = rows.collect();
    if rows.is_empty() {
        return Err(ImportError::NoRows);
    }
    if rows.len() > MAX_ROWS {
        return Err(ImportError::TooManyRows);
    }
    Ok(Sheet { headers, rows })
}

/// Cells written back to a spreadsheet must not run as formulas when someone opens the file
/// (CSV/formula injection): text starting like a formula gets a leading apostrophe.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolon_csv_from_excel_in_windows_1252() {
        // "Teléfono;Nombre\n3001234567;José\n" as Excel on Spanish Windows writes it.
        let mut bytes = b"Tel\xe9fono;Nombre\r\n3001234567;Jos\xe9\r\n\r\n".to_vec();
        bytes.extend_from_slice(b";\r\n");
        let s = read("clientes.csv", &bytes).unwrap();
        assert_eq!(s.headers, ["Teléfono", "Nombre"]);
        assert_eq!(
            s.rows,
            vec![(2, vec!["3001234567".to_string(), "José".to_string()])]
        );
    }

    #[test]
    fn reads_utf8_with_bom_and_quoted_commas_and_names_blank_headers() {
        let s = read(
            "x.csv",
            "\u{feff}phone,,phone\n\"+57 300\",\"Pérez, Ana\",1\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(s.headers, ["phone", "Column 2", "phone (2)"]);
        assert_eq!(s.rows[0].1[1], "Pérez, Ana");
    }

    #[test]
    fn reads_utf16_and_tab_separated() {
        let text = "a\tb\n1\t2\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let s = read("x.txt", &bytes).unwrap();
        assert_eq!(s.headers, ["a", "b"]);
        assert_eq!(s.rows[0].1, ["1", "2"]);
    }

    #[test]
    fn reads_an_xlsx_written_by_a_spreadsheet_program() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet(); // an empty first sheet, as people leave them
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "phone").unwrap();
        ws.write_string(0, 1, "name").unwrap();
        ws.write_number(1, 0, 3001234567.0).unwrap();
        ws.write_string(1, 1, "Ana").unwrap();
        ws.write_formula(2, 0, "=1+1").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let s = read("list.xlsx", &bytes).unwrap();
        assert_eq!(s.headers, ["phone", "name"]);
        assert_eq!(
            s.rows[0],
            (2, vec!["3001234567".to_string(), "Ana".to_string()])
        );
        // A formula comes in as its last computed value, never as its code.
        assert_eq!(s.rows.len(), 2);
        assert!(!s.rows[1].1[0].starts_with('='), "{:?}", s.rows[1]);
    }

    #[test]
    fn clear_errors_for_empty_headerless_and_broken_files() {
        assert_eq!(read("x.csv", b""), Err(ImportError::Empty));
        assert_eq!(read("x.csv", b"  \n\n"), Err(ImportError::Empty));
        assert_eq!(read("x.csv", b"phone,name\n"), Err(ImportError::NoRows));
        assert!(matches!(
            read("x.xlsx", b"PK\x03\x04garbage"),
            Err(ImportError::Unreadable(_))
        ));
        let wide = (0..=MAX_COLUMNS)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            read("x.csv", format!("{wide}\n1\n").as_bytes()),
            Err(ImportError::TooManyColumns)
        );
    }

    #[test]
    fn exported_cells_never_run_as_formulas() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+573001234567"), "'+573001234567");
        assert_eq!(safe_cell("Ana"), "Ana");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096), xlsx in proptest::prelude::any::<bool>()) {
            let _ = read(if xlsx { "f.xlsx" } else { "f.csv" }, &bytes);
        }

        #[test]
        fn zip_headers_with_junk_never_panic(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            let _ = read("f.xlsx", &bytes);
        }

        #[test]
        fn any_text_table_keeps_every_non_empty_row(cells in proptest::collection::vec(proptest::collection::vec("[a-zA-Z0-9 ñé=+\"-]{0,12}", 3), 1..40)) {
            let text: String = std::iter::once("a,b,c".to_string())
                .chain(cells.iter().map(|r| r.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",")))
                .collect::<Vec<_>>()
                .join("\n");
            match read("f.csv", text.as_bytes()) {
                Ok(s) => {
                    let expected = cells.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count();
                    proptest::prop_assert_eq!(s.rows.len(), expected);
                }
                Err(e) => proptest::prop_assert_eq!(e, ImportError::NoRows),
            }
        }
    }
}
