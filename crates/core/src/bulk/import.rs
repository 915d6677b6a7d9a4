//! Spreadsheets in: CSV (any of `,` `;` tab `|`, UTF-8, UTF-16 or the Windows-1252 that Excel
//! writes in Latin America) and Excel/OpenDocument files. What comes out is plain text cells under
//! a header row; every way a file can be wrong ends in a clear [`ImportError`], never a panic.
//!
//! Nothing here allocates from what a file *claims* (a sheet's declared size, a repeat count, a
//! string count): files are at most [`MAX_BYTES`], CSV text is read as a stream and checked row
//! by row, `.xlsx` cells are read as a stream and refused as soon as one lies too far out, and
//! the parts of a workbook that calamine builds in one piece (`.xls`, `.ods`, and the shared
//! strings and styles of an `.xlsx`) are measured first by [`guard`], which refuses a file whose
//! reading would cost more than a fixed budget.

use opsdesk_http::RuleCode;
use std::io::{self, Cursor, Read};
use std::path::Path;

/// More rows than this is almost certainly the wrong file (or a whole database export).
pub const MAX_ROWS: usize = 200_000;
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Columns a row may have (the header included). A list has a handful; 200 is generous.
pub const MAX_COLUMNS: usize = 200;
/// Cells kept for a sheet, empty ones inside a row included: 200,000 rows of 20 columns. Each
/// kept cell costs 24 bytes plus its text, so this also bounds what a read can hold.
pub const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// Data rows, each with the spreadsheet row number people see (header = row 1).
    pub rows: Rows,
}

/// The rows of a sheet, their cells' text in one buffer. A `String` per cell cost about 50
/// bytes besides the text (a 6 MB list took 31 MB); here a cell costs 4 bytes besides its text
/// and a row 8, so a list in memory is about the size of its file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    text: String,
    /// Where each cell's text ends in `text`.
    ends: Vec<u32>,
    /// Each row: its number in the spreadsheet and its first cell in `ends`.
    starts: Vec<(u32, u32)>,
}

/// One row's cells.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    rows: &'a Rows,
    /// Its cells: `ends[first..last]`.
    first: usize,
    last: usize,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    pub fn push<'s>(&mut self, row_no: u32, cells: impl IntoIterator<Item = &'s str>) {
        self.starts.push((row_no, self.ends.len() as u32));
        for c in cells {
            self.text.push_str(c);
            self.ends.push(self.text.len() as u32);
        }
    }

    /// Row `i` (0 is the first data row), with its number in the spreadsheet.
    pub fn get(&self, i: usize) -> Option<(u32, Row<'_>)> {
        let (no, first) = *self.starts.get(i)?;
        let last = self
            .starts
            .get(i + 1)
            .map_or(self.ends.len(), |n| n.1 as usize);
        Some((
            no,
            Row {
                rows: self,
                first: first as usize,
                last,
            },
        ))
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, Row<'_>)> {
        (0..self.len()).map(|i| self.get(i).expect("in range"))
    }

    /// Row `i` as owned text (tests).
    pub fn row(&self, i: usize) -> (u32, Vec<String>) {
        let (no, r) = self.get(i).expect("no such row");
        (no, r.to_vec())
    }

    /// Every row as owned text (tests).
    pub fn to_vec(&self) -> Vec<(u32, Vec<String>)> {
        self.iter().map(|(no, r)| (no, r.to_vec())).collect()
    }
}

impl<'a> Row<'a> {
    pub fn len(&self) -> usize {
        self.last - self.first
    }

    pub fn is_empty(&self) -> bool {
        self.first == self.last
    }

    /// Cell `i` as read (untrimmed); none past the row's last cell.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        if i >= self.len() {
            return None;
        }
        let k = self.first + i;
        let start = if k == 0 {
            0
        } else {
            self.rows.ends[k - 1] as usize
        };
        Some(&self.rows.text[start..self.rows.ends[k] as usize])
    }

    pub fn to_vec(&self) -> Vec<String> {
        (0..self.len())
            .map(|i| self.get(i).unwrap_or_default().to_string())
            .collect()
    }
}

impl Sheet {
    pub fn cell<'a>(&'a self, row: &Row<'a>, col: usize) -> &'a str {
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
    /// A row (the header included) with more than [`MAX_COLUMNS`] cells: its row number.
    #[error("row {0} has more than {MAX_COLUMNS} columns")]
    TooManyColumns(u32),
    /// A spreadsheet with something far to the right (often a stray value or a formatted
    /// cell at the sheet's edge): the column letters, e.g. `XFD`.
    #[error("this sheet has cells out to column {0}; save only the columns you need")]
    CellsTooFarRight(String),
    /// More than [`MAX_CELLS`] cells, or a workbook whose parts would take too much memory.
    #[error("the spreadsheet holds more than {MAX_CELLS} cells; save only the rows and columns you need")]
    TooManyCells,
    /// A CSV row with values to the right of the last column name: its row number.
    #[error("row {0} has values to the right of the last column name")]
    ValuesPastHeader(u32),
    /// A spreadsheet file that could not be read (damaged, password-protected, or not really one).
    #[error("the spreadsheet cannot be read: {0}")]
    Unreadable(String),
}

impl ImportError {
    /// The rule key the UI translates.
    pub fn rule(&self) -> RuleCode {
        match self {
            Self::Empty => RuleCode::BulkFileEmpty,
            Self::NoRows => RuleCode::BulkNoRows,
            Self::TooManyRows => RuleCode::BulkTooManyRows,
            Self::TooBig => RuleCode::BulkTooBig,
            Self::TooManyColumns(_) => RuleCode::BulkTooManyColumns,
            Self::CellsTooFarRight(_) => RuleCode::BulkCellsTooFarRight,
            Self::TooManyCells => RuleCode::BulkTooManyCells,
            Self::ValuesPastHeader(_) => RuleCode::BulkValuesPastHeader,
            Self::Unreadable(_) => RuleCode::BulkUnreadable,
        }
    }
}

fn unreadable(e: impl std::fmt::Display) -> ImportError {
    ImportError::Unreadable(e.to_string())
}

fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04")
}

fn is_ole(b: &[u8]) -> bool {
    b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// An OpenDocument package names its type in a first, uncompressed `mimetype` entry.
fn is_ods(b: &[u8]) -> bool {
    if !is_zip(b) || b.len() < 30 {
        return false;
    }
    let name_len = u16::from_le_bytes([b[26], b[27]]) as usize;
    let extra_len = u16::from_le_bytes([b[28], b[29]]) as usize;
    b.get(30..30 + name_len) == Some(&b"mimetype"[..])
        && b.get(30 + name_len + extra_len..)
            .is_some_and(|d| d.starts_with(b"application/vnd.oasis.opendocument.spreadsheet"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Xlsx,
    Ods,
    Xls,
    Text,
}

/// The content decides; the name only when the content cannot (a text file named `.xlsx` is
/// refused as a damaged workbook, as before).
fn kind_of(name: &str, head: &[u8]) -> Kind {
    let lower = name.to_ascii_lowercase();
    if is_ods(head) {
        Kind::Ods
    } else if is_zip(head) {
        Kind::Xlsx
    } else if is_ole(head) {
        Kind::Xls
    } else if lower.ends_with(".xlsx") {
        Kind::Xlsx
    } else if lower.ends_with(".xls") {
        Kind::Xls
    } else if lower.ends_with(".ods") {
        Kind::Ods
    } else {
        Kind::Text
    }
}

/// Reads a file from disk. Its size is checked from the file system before anything is read;
/// CSV text is then read as a stream (never held whole), a workbook once into memory.
pub fn read_path(path: &Path) -> Result<Sheet, ImportError> {
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(ImportError::Unreadable("not a file".into()));
    }
    if meta.len() > MAX_BYTES as u64 {
        return Err(ImportError::TooBig);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut head = [0u8; 512];
    let n = read_full(
        &mut std::fs::File::open(path).map_err(unreadable)?,
        &mut head,
    )
    .map_err(unreadable)?;
    match kind_of(&name, &head[..n]) {
        // Capped too: the file may grow while it is read.
        Kind::Text => read_text(|| std::fs::File::open(path).map(Capped::new)),
        kind => {
            // The file may have grown since `metadata`: never read more than the limit + 1.
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_BYTES as u64 + 1).read_to_end(&mut bytes))
                .map_err(unreadable)?;
            if bytes.len() > MAX_BYTES {
                return Err(ImportError::TooBig);
            }
            if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                return Err(ImportError::Empty);
            }
            read_workbook(kind, &bytes)
        }
    }
}

/// Reads a whole file's bytes (tests and in-memory use; files on disk go through
/// [`read_path`]). `name` only helps tell formats apart when the bytes cannot.
pub fn read(name: &str, bytes: &[u8]) -> Result<Sheet, ImportError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooBig);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    match kind_of(name, bytes) {
        Kind::Text => read_text(|| Ok::<_, io::Error>(bytes)),
        kind => read_workbook(kind, bytes),
    }
}

/// A reader that fails with [`io::ErrorKind::FileTooLarge`] past [`MAX_BYTES`].
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R> Capped<R> {
    fn new(inner: R) -> Self {
        Capped {
            inner,
            left: MAX_BYTES as u64,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(io::Error::from(io::ErrorKind::FileTooLarge)),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

fn io_error(e: io::Error) -> ImportError {
    if e.kind() == io::ErrorKind::FileTooLarge {
        ImportError::TooBig
    } else {
        unreadable(e)
    }
}

/// Fills `buf` as far as the reader allows; the count read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Text in whatever encoding the file came in. Invalid UTF-8 is taken as Windows-1252 (what
/// Excel's "CSV" writes on Spanish and Portuguese Windows), which decodes every byte.
pub fn decode(bytes: &[u8]) -> String {
    decode_owned(bytes.to_vec())
}

/// [`decode`] for bytes the caller no longer needs: valid UTF-8 becomes the string without a
/// copy; other encodings are decoded once and the bytes dropped.
pub fn decode_owned(mut bytes: Vec<u8>) -> String {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
        return String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }
    let enc = if bytes.starts_with(&[0xFF, 0xFE]) {
        encoding_rs::UTF_16LE
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        encoding_rs::UTF_16BE
    } else {
        match String::from_utf8(bytes) {
            Ok(s) => return s,
            Err(e) => bytes = e.into_bytes(),
        }
        encoding_rs::WINDOWS_1252
    };
    let mut decoder = if enc == encoding_rs::WINDOWS_1252 {
        enc.new_decoder_without_bom_handling()
    } else {
        enc.new_decoder_with_bom_removal()
    };
    // Sized from the input: Windows-1252 takes at most 3 bytes for each byte above 0x7F, UTF-16
    // about half its size for Latin text; more is reserved only when needed.
    let estimate = if enc == encoding_rs::WINDOWS_1252 {
        bytes.len() + 2 * bytes.iter().filter(|b| **b >= 0x80).count()
    } else {
        bytes.len() / 2 + bytes.len() / 8 + 16
    };
    let mut out = String::with_capacity(estimate);
    let mut src = &bytes[..];
    loop {
        let (res, read, _) = decoder.decode_to_string(src, &mut out, true);
        src = &src[read..];
        match res {
            encoding_rs::CoderResult::InputEmpty => break,
            encoding_rs::CoderResult::OutputFull => out.reserve_exact(src.len() / 2 + 4096),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV and other delimited text
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    /// UTF-8 after a byte-order mark; invalid sequences become U+FFFD, as before.
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

/// The text encoding, decided the way [`decode`] does (BOM, else UTF-8 if the whole file is
/// valid UTF-8, else Windows-1252), reading the file once in blocks without keeping it.
fn detect_encoding(mut r: impl Read) -> io::Result<Encoding> {
    let mut buf = vec![0u8; 64 * 1024];
    let n = read_full(&mut r, &mut buf)?;
    let head = &buf[..n];
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(Encoding::Utf8Bom);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16Be);
    }
    let mut len = n;
    loop {
        // `buf[..len]` holds what is not checked yet: an incomplete sequence carried from the
        // previous block and the new block.
        let carry = match std::str::from_utf8(&buf[..len]) {
            Ok(_) => 0,
            Err(e) if e.error_len().is_some() => return Ok(Encoding::Windows1252),
            Err(e) => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                len - valid
            }
        };
        let k = read_full(&mut r, &mut buf[carry..])?;
        if k == 0 {
            // A sequence cut off by the end of the file is not UTF-8.
            return Ok(if carry == 0 {
                Encoding::Utf8
            } else {
                Encoding::Windows1252
            });
        }
        len = carry + k;
    }
}

/// UTF-8 out of any of the encodings above, decoded block by block.
struct Decoding<R> {
    inner: R,
    decoder: Option<encoding_rs::Decoder>,
    src: Vec<u8>,
    src_pos: usize,
    src_len: usize,
    eof: bool,
    done: bool,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, enc: Encoding) -> Self {
        let decoder = match enc {
            Encoding::Utf8 => None,
            Encoding::Utf8Bom => Some(encoding_rs::UTF_8.new_decoder_with_bom_removal()),
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_with_bom_removal()),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_with_bom_removal()),
            Encoding::Windows1252 => {
                Some(encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling())
            }
        };
        let block = if decoder.is_some() { 64 * 1024 } else { 0 };
        Decoding {
            inner,
            decoder,
            src: vec![0; block],
            src_pos: 0,
            src_len: 0,
            eof: false,
            done: false,
            out: vec![0; block * 3 + 16],
            out_pos: 0,
            out_len: 0,
        }
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(decoder) = self.decoder.as_mut() else {
            return self.inner.read(buf);
        };
        loop {
            if self.out_pos < self.out_len {
                let n = buf.len().min(self.out_len - self.out_pos);
                buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.src_pos == self.src_len && !self.eof {
                self.src_len = read_full(&mut self.inner, &mut self.src)?;
                self.src_pos = 0;
                self.eof = self.src_len == 0;
            }
            let (res, read, written, _) = decoder.decode_to_utf8(
                &self.src[self.src_pos..self.src_len],
                &mut self.out,
                self.eof,
            );
            self.src_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            if self.eof && res == encoding_rs::CoderResult::InputEmpty {
                self.done = true;
            }
        }
    }
}

/// Counts the fields of each record as the bytes go by, with the same quoting rules as the
/// `csv` crate (a quote is special only at the start of a field, `""` inside quotes is a quote,
/// empty lines are no record), and fails the read as soon as a record has more than
/// [`MAX_COLUMNS`] fields: the CSV reader then never holds a row of a million empty fields.
struct FieldGuard<R> {
    inner: R,
    delimiter: u8,
    state: FieldState,
    fields: usize,
    /// Records seen, which is the row number the CSV reader gives them.
    records: u32,
    /// The row that had too many fields.
    over: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldState {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

impl<R: Read> FieldGuard<R> {
    fn new(inner: R, delimiter: u8) -> Self {
        FieldGuard {
            inner,
            delimiter,
            state: FieldState::StartRecord,
            fields: 0,
            records: 0,
            over: None,
        }
    }

    fn step(&mut self, b: u8) -> bool {
        use FieldState::*;
        let d = self.delimiter;
        let eol = b == b'\n' || b == b'\r';
        if self.state == StartRecord {
            if eol {
                return true;
            }
            self.records = self.records.saturating_add(1);
            self.fields = 1;
            self.state = StartField;
        }
        self.state = match (self.state, b) {
            (StartField, b'"') => InQuoted,
            (StartField | InField | QuoteInQuoted, _) if b == d => {
                self.fields += 1;
                StartField
            }
            (StartField | InField | QuoteInQuoted, _) if eol => StartRecord,
            (StartField | InField, _) => InField,
            (InQuoted, b'"') => QuoteInQuoted,
            (InQuoted, _) => InQuoted,
            (QuoteInQuoted, b'"') => InQuoted,
            (QuoteInQuoted, _) => InField,
            // Turned into `StartField` above.
            (StartRecord, _) => StartField,
        };
        self.fields <= MAX_COLUMNS
    }
}

impl<R: Read> Read for FieldGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.over.is_some() {
            return Err(io::Error::other("too many columns"));
        }
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if !self.step(b) {
                self.over = Some(self.records);
                return Err(io::Error::other("too many columns"));
            }
        }
        Ok(n)
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

/// Reads delimited text from a source that can be opened twice (once to tell its encoding,
/// once to parse); the text is never held whole.
fn read_text<R: Read>(mut open: impl FnMut() -> io::Result<R>) -> Result<Sheet, ImportError> {
    let enc = detect_encoding(open().map_err(io_error)?).map_err(io_error)?;
    let mut decoded = Decoding::new(open().map_err(io_error)?, enc);
    // The separator is guessed from the first lines (up to 1 MB of them).
    let mut prefix = Vec::new();
    (&mut decoded)
        .take(1024 * 1024)
        .read_to_end(&mut prefix)
        .map_err(io_error)?;
    let whole = prefix.len() < 1024 * 1024;
    let sample_end = if whole {
        prefix.len()
    } else {
        prefix
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap_or(prefix.len())
    };
    let delimiter = sniff_delimiter(&String::from_utf8_lossy(&prefix[..sample_end]));
    let guarded = FieldGuard::new(Cursor::new(prefix).chain(decoded), delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(guarded);
    let mut rec = csv::StringRecord::new();
    let mut table = CsvTable::default();
    let mut row: u32 = 0;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                row = row.saturating_add(1);
                table.push(row, &rec)?;
            }
            Err(e) => {
                let too_big = matches!(e.kind(), csv::ErrorKind::Io(io)
                    if io.kind() == io::ErrorKind::FileTooLarge);
                return Err(match rdr.get_ref().over {
                    Some(row) => ImportError::TooManyColumns(row),
                    None if too_big => ImportError::TooBig,
                    None => unreadable(e),
                });
            }
        }
    }
    table.finish()
}

/// Rows of a CSV file as they are read.
///
/// Cells to the right of the header's last column: empty ones (Excel writes `;;;` out to the
/// widest row) are dropped; a value there is refused, naming the row. A value with no column
/// name usually means a separator inside an unquoted value (`Pérez, Ana`), which shifts every
/// cell after it: importing the row would put data under the wrong names without anyone
/// noticing, so the clerk is told which row to look at instead.
#[derive(Default)]
struct CsvTable {
    headers: Option<Vec<String>>,
    rows: Rows,
    cells: usize,
}

impl CsvTable {
    fn push(&mut self, row: u32, rec: &csv::StringRecord) -> Result<(), ImportError> {
        if rec.len() > MAX_COLUMNS {
            return Err(ImportError::TooManyColumns(row));
        }
        let Some(last) = (0..rec.len()).rev().find(|&i| !rec[i].trim().is_empty()) else {
            return Ok(()); // a blank row
        };
        let width = match &self.headers {
            None => {
                self.cells = rec.len();
                self.headers = Some(rec.iter().map(str::to_string).collect());
                return Ok(());
            }
            Some(h) => h.len(),
        };
        if last >= width {
            return Err(ImportError::ValuesPastHeader(row));
        }
        if self.rows.len() >= MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let keep = rec.len().min(width);
        self.cells += keep;
        if self.cells > MAX_CELLS {
            return Err(ImportError::TooManyCells);
        }
        self.rows.push(row, rec.iter().take(keep));
        Ok(())
    }

    fn finish(self) -> Result<Sheet, ImportError> {
        let Some(headers) = self.headers else {
            return Err(ImportError::Empty);
        };
        finish_sheet(headers, self.rows)
    }
}

/// Names blank or repeated headers and checks there is something under them.
fn finish_sheet(raw: Vec<String>, rows: Rows) -> Result<Sheet, ImportError> {
    let mut headers: Vec<String> = Vec::with_capacity(raw.len());
    for (i, h) in raw.iter().enumerate() {
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
    if rows.is_empty() {
        return Err(ImportError::NoRows);
    }
    if rows.len() > MAX_ROWS {
        return Err(ImportError::TooManyRows);
    }
    Ok(Sheet { headers, rows })
}

// ---------------------------------------------------------------------------------------------
// Workbooks
// ---------------------------------------------------------------------------------------------

fn read_workbook(kind: Kind, bytes: &[u8]) -> Result<Sheet, ImportError> {
    guard::check(kind, bytes)?;
    // calamine has had panics on malformed files, fixed one at a time upstream: a panic while
    // reading a workbook means a damaged file, not a crash. (Running out of memory would still
    // abort the process; `guard` is what keeps the reading within its budget.)
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match kind {
        Kind::Xlsx => read_xlsx(bytes),
        Kind::Xls => read_ranges::<calamine::Xls<_>>(bytes),
        Kind::Ods | Kind::Text => read_ranges::<calamine::Ods<_>>(bytes),
    }));
    read.unwrap_or_else(|_| Err(ImportError::Unreadable("the spreadsheet is damaged".into())))
}

/// `.xlsx`: the cells come one by one from the sheet's XML; nothing is sized from the sheet's
/// `<dimension>` (which can claim A1:XFD1048576 for a file of 5 KB).
fn read_xlsx(bytes: &[u8]) -> Result<Sheet, ImportError> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    // The first sheet with anything in it: people often leave an empty "Sheet1" in front.
    for name in wb.sheet_names() {
        let mut cells = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue, // a chart sheet
            Err(e) => return Err(unreadable(e)),
        };
        let mut sink = CellSink::default();
        while let Some(cell) = cells.next_cell().map_err(unreadable)? {
            if matches!(cell.get_value(), calamine::DataRef::Empty) {
                continue; // a formatted but empty cell
            }
            let (row, col) = cell.get_position();
            let value: calamine::Data = cell.get_value().clone().into();
            sink.push(row, col, cell_text(&value))?;
        }
        if !sink.is_empty() {
            return sink.finish();
        }
    }
    Err(ImportError::Empty)
}

/// `.xls` and `.ods`: calamine builds every sheet as a dense range when it opens the file;
/// [`guard`] has already checked what those ranges will cost.
fn read_ranges<'a, R>(bytes: &'a [u8]) -> Result<Sheet, ImportError>
where
    R: calamine::Reader<Cursor<&'a [u8]>>,
    R::Error: std::fmt::Display,
{
    let mut wb = R::new(Cursor::new(bytes)).map_err(unreadable)?;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(unreadable)?;
        let Some((row0, col0)) = range.start() else {
            continue;
        };
        let mut sink = CellSink::default();
        for (r, c, v) in range.used_cells() {
            sink.push(row0 + r as u32, col0 + c as u32, cell_text(v))?;
        }
        if !sink.is_empty() {
            return sink.finish();
        }
    }
    Err(ImportError::Empty)
}

/// The non-empty cells of one sheet, checked as they come, then laid out in rows.
///
/// Like a spreadsheet program, the header spans every column that has a value (blank titles
/// become "Column N"): in a workbook a value under no title is a real column the clerk can see
/// and map. Data rows end at their last value.
#[derive(Default)]
struct CellSink {
    cells: Vec<(u32, u32, String)>,
    min_row: u32,
    max_row: u32,
    min_col: u32,
    max_col: u32,
    unsorted: bool,
}

impl CellSink {
    fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn push(&mut self, row: u32, col: u32, text: String) -> Result<(), ImportError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        match self.cells.last() {
            None => {
                (self.min_row, self.max_row) = (row, row);
                (self.min_col, self.max_col) = (col, col);
            }
            Some(&(r, c, _)) => {
                self.unsorted |= (row, col) <= (r, c);
                self.min_row = self.min_row.min(row);
                self.max_row = self.max_row.max(row);
                self.min_col = self.min_col.min(col);
                self.max_col = self.max_col.max(col);
            }
        }
        if self.max_col - self.min_col >= MAX_COLUMNS as u32 {
            return Err(ImportError::CellsTooFarRight(column_letters(self.max_col)));
        }
        if self.max_row - self.min_row > MAX_ROWS as u32 {
            return Err(ImportError::TooManyRows);
        }
        if self.cells.len() >= MAX_CELLS {
            return Err(ImportError::TooManyCells);
        }
        self.cells.push((row, col, text));
        Ok(())
    }

    fn finish(mut self) -> Result<Sheet, ImportError> {
        if self.unsorted {
            self.cells.sort_by_key(|c| (c.0, c.1));
            self.cells.dedup_by_key(|c| (c.0, c.1));
        }
        let (min_row, min_col) = (self.min_row, self.min_col);
        let width = (self.max_col - min_col + 1) as usize;
        // What the rows will hold, empty cells inside them included.
        let mut kept = width;
        let mut i = 0;
        while i < self.cells.len() {
            let row = self.cells[i].0;
            while i + 1 < self.cells.len() && self.cells[i + 1].0 == row {
                i += 1;
            }
            if row != self.cells[0].0 {
                kept += (self.cells[i].1 - min_col + 1) as usize;
            }
            i += 1;
        }
        if kept > MAX_CELLS {
            return Err(ImportError::TooManyCells);
        }
        let mut cells = self.cells.into_iter().peekable();
        let Some((header_row, col, text)) = cells.next() else {
            return Err(ImportError::Empty);
        };
        let mut header = vec![String::new(); width];
        header[(col - min_col) as usize] = text;
        while let Some((_, col, text)) = cells.next_if(|c| c.0 == header_row) {
            header[(col - min_col) as usize] = text;
        }
        let mut rows = Rows::default();
        while let Some((row, col, text)) = cells.next() {
            let mut line = Vec::new();
            put(&mut line, (col - min_col) as usize, text);
            while let Some((_, col, text)) = cells.next_if(|c| c.0 == row) {
                put(&mut line, (col - min_col) as usize, text);
            }
            rows.push(row - min_row + 1, line.iter().map(String::as_str));
        }
        finish_sheet(header, rows)
    }
}

fn put(line: &mut Vec<String>, i: usize, text: String) {
    if line.len() <= i {
        line.reserve_exact(i + 1 - line.len());
        line.resize(i + 1, String::new());
    }
    line[i] = text;
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`, `16383` → `XFD`.
pub fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
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
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
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

// ---------------------------------------------------------------------------------------------
// What a workbook would cost, measured before calamine opens it
// ---------------------------------------------------------------------------------------------

/// calamine builds parts of a workbook in one piece when it opens it, some sized from numbers
/// inside the file: the shared-strings count of an `.xlsx` (`uniqueCount`, reserved up front),
/// the `DIMENSIONS` record of an `.xls` sheet (reserved up front) and its cells' bounding box
/// (a dense range), the repeat counts of an `.ods` (cells copied that many times, then a dense
/// range). A 5 KB file can claim terabytes. This module reads those numbers first, as calamine
/// would, and refuses the file when building it would cost more than [`guard::BUDGET`].
mod guard {
    use super::{column_letters, ImportError, Kind, MAX_CELLS, MAX_COLUMNS};

    /// Memory calamine may use for the parts it builds in one piece (ranges, repeated cells,
    /// shared strings, styles), on top of the file itself.
    pub(super) const BUDGET: u64 = 256 << 20;
    /// Decompressed size of one part of a zip package: a sheet of [`MAX_CELLS`] cells is
    /// about 200 MB of XML.
    const MAX_PART: u64 = 256 << 20;
    /// Decompressed size of the whole package (each part is decompressed once here, once by
    /// calamine: this bounds the time spent).
    const MAX_TOTAL: u64 = 1 << 30;
    const MAX_ENTRIES: usize = 20_000;
    const MAX_TAG: usize = 4 << 20;
    /// Style records (`xf`, `font`, `fill`, `border`, `numFmt`): Excel allows about 64,000.
    const MAX_STYLE_RECORDS: u64 = 200_000;
    /// Sheets, relationships and defined names.
    const MAX_BOOK_RECORDS: u64 = 100_000;
    /// Cells calamine's ODS reader lets one row hold, and rows one table.
    const ODS_MAX_COLUMNS: u64 = 16_384;
    const ODS_MAX_ROWS: u64 = 1_048_576;
    /// Bytes of one dense-range cell (`Data`) plus its formula (`String`).
    const RANGE_CELL: u64 = 32 + 24;

    fn damaged(what: &str) -> ImportError {
        ImportError::Unreadable(format!("the file is damaged ({what})"))
    }

    pub(super) fn check(kind: Kind, bytes: &[u8]) -> Result<(), ImportError> {
        match kind {
            Kind::Xlsx => zip(bytes, false),
            Kind::Ods => zip(bytes, true),
            Kind::Xls => xls::check(bytes),
            Kind::Text => Ok(()),
        }
    }

    fn u16le(b: &[u8], at: usize) -> Option<usize> {
        Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
    }

    fn u32le(b: &[u8], at: usize) -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            b.get(at..at + 4)?.try_into().ok()?,
        )))
    }

    fn u64le(b: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
    }

    fn find_all<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let mut from = 0;
        std::iter::from_fn(move || {
            while from + needle.len() <= hay.len() {
                let at = from + hay[from..].iter().position(|&b| b == needle[0])?;
                from = at + 1;
                if hay.get(at..at + needle.len()) == Some(needle) {
                    return Some(at);
                }
            }
            None
        })
    }

    /// One central-directory entry: where its local header is, how its data is stored.
    struct Entry {
        local: u64,
        method: usize,
        flags: usize,
        compressed: u64,
    }

    fn central_entry(b: &[u8], at: usize) -> Option<Entry> {
        let flags = u16le(b, at + 8)?;
        let method = u16le(b, at + 10)?;
        let mut compressed = u32le(b, at + 20)?;
        let uncompressed = u32le(b, at + 24)?;
        let name_len = u16le(b, at + 28)?;
        let extra_len = u16le(b, at + 30)?;
        let mut local = u32le(b, at + 42)?;
        let extra_at = at + 46 + name_len;
        let extra = b.get(extra_at..extra_at + extra_len)?;
        // ZIP64: the real values follow in the 0x0001 extra field, in this order.
        let mut i = 0;
        while i + 4 <= extra.len() {
            let id = u16le(extra, i)?;
            let len = u16le(extra, i + 2)?;
            let field = extra.get(i + 4..i + 4 + len)?;
            if id == 1 {
                let mut j = 0;
                if uncompressed == 0xFFFF_FFFF {
                    j += 8;
                }
                if compressed == 0xFFFF_FFFF {
                    compressed = u64le(field, j)?;
                    j += 8;
                }
                if local == 0xFFFF_FFFF {
                    local = u64le(field, j)?;
                }
            }
            i += 4 + len;
        }
        Some(Entry {
            local,
            method,
            flags,
            compressed,
        })
    }

    /// Every part the zip reader could hand to calamine is decompressed and scanned: each
    /// central-directory entry found anywhere in the file, at each archive offset an
    /// end-of-directory record allows (the zip reader accepts data in front of the archive).
    fn zip(b: &[u8], ods: bool) -> Result<(), ImportError> {
        let entries: Vec<Entry> = find_all(b, b"PK\x01\x02")
            .filter_map(|at| central_entry(b, at))
            .take(MAX_ENTRIES + 1)
            .collect();
        if entries.len() > MAX_ENTRIES {
            return Err(ImportError::TooManyCells);
        }
        let mut offsets = vec![0u64];
        for at in find_all(b, b"PK\x05\x06") {
            let (Some(size), Some(start)) = (u32le(b, at + 12), u32le(b, at + 16)) else {
                continue;
            };
            if let Some(off) = (at as u64)
                .checked_sub(size)
                .and_then(|s| s.checked_sub(start))
            {
                offsets.push(off);
            }
        }
        for at in find_all(b, b"PK\x06\x06") {
            let (Some(size), Some(start)) = (u64le(b, at + 40), u64le(b, at + 48)) else {
                continue;
            };
            if let Some(off) = (at as u64)
                .checked_sub(size)
                .and_then(|s| s.checked_sub(start))
            {
                offsets.push(off);
            }
        }
        offsets.sort_unstable();
        offsets.dedup();
        if offsets.len() > 16 {
            return Err(damaged("several archive directories"));
        }
        let mut parts: Vec<(usize, usize, u64)> = Vec::new();
        for e in &entries {
            if e.flags & 1 != 0 {
                continue; // encrypted: the zip reader refuses it without a password
            }
            for off in &offsets {
                let Some(at) = e
                    .local
                    .checked_add(*off)
                    .and_then(|a| usize::try_from(a).ok())
                else {
                    continue;
                };
                if b.get(at..at + 4) != Some(b"PK\x03\x04") {
                    continue;
                }
                let (Some(n), Some(x)) = (u16le(b, at + 26), u16le(b, at + 28)) else {
                    continue;
                };
                parts.push((at + 30 + n + x, e.method, e.compressed));
            }
        }
        parts.sort_unstable();
        parts.dedup();
        let mut tally = Tally::default();
        for (start, method, compressed) in parts {
            let Some(data) = b.get(start..) else {
                continue;
            };
            let mut scan = Scanner::new(&mut tally, ods);
            match method {
                0 => {
                    let end = usize::try_from(compressed).unwrap_or(usize::MAX);
                    scan.feed(&data[..end.min(data.len())])?;
                }
                8 => {
                    // Decompressed a piece at a time (flate2 stops at the stream's final block),
                    // so a part is measured without ever being held whole.
                    use std::io::Read;
                    let mut dec = flate2::read::DeflateDecoder::new(data);
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = dec.read(&mut buf).map_err(|_| damaged("compressed data"))?;
                        if n == 0 {
                            break;
                        }
                        scan.feed(&buf[..n])?;
                    }
                }
                _ => continue, // a method the zip reader cannot decompress either
            }
            scan.finish()?;
        }
        Ok(())
    }

    /// Counts over every part of one package.
    #[derive(Default)]
    struct Tally {
        total: u64,
        shared_strings: u64,
        style_records: u64,
        book_records: u64,
        /// `.ods`: memory of the ranges and repeated cells so far.
        ods_cost: u64,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Text,
        Tag,
        Comment,
        CData,
        Instruction,
        Declaration,
    }

    /// Reads the XML of one part as it is decompressed: tags only, with quotes, comments,
    /// CDATA and declarations skipped the way an XML reader skips them.
    struct Scanner<'t> {
        tally: &'t mut Tally,
        ods: bool,
        state: State,
        tag: Vec<u8>,
        quote: u8,
        /// Bytes of a comment/CDATA/instruction terminator matched so far; `[` depth in a
        /// declaration.
        matched: usize,
        offset: u64,
        table: OdsTable,
    }

    impl<'t> Scanner<'t> {
        fn new(tally: &'t mut Tally, ods: bool) -> Self {
            Scanner {
                tally,
                ods,
                state: State::Text,
                tag: Vec::new(),
                quote: 0,
                matched: 0,
                offset: 0,
                table: OdsTable::default(),
            }
        }

        fn feed(&mut self, mut data: &[u8]) -> Result<(), ImportError> {
            let len = data.len() as u64;
            self.tally.total += len;
            if self.offset + len > MAX_PART || self.tally.total > MAX_TOTAL {
                return Err(ImportError::TooManyCells);
            }
            while !data.is_empty() {
                if self.state == State::Text {
                    match data.iter().position(|&b| b == b'<') {
                        Some(i) => {
                            self.offset += i as u64 + 1;
                            data = &data[i + 1..];
                            self.state = State::Tag;
                            self.tag.clear();
                            self.quote = 0;
                        }
                        None => {
                            self.offset += data.len() as u64;
                            return Ok(());
                        }
                    }
                    continue;
                }
                // Inside a tag, runs of ordinary bytes are copied at once; the bytes that
                // matter (`>`, quotes, the first few that tell a comment from a tag) go one by
                // one through `byte`.
                if self.state == State::Tag
                    && (self.tag.len() >= 8 || self.tag.first().is_some_and(|&b| b != b'!'))
                {
                    let quote = self.quote;
                    let end_tag = self.tag[0] == b'/';
                    let run = data
                        .iter()
                        .position(|&b| {
                            if quote != 0 {
                                b == quote
                            } else {
                                b == b'>' || (!end_tag && (b == b'"' || b == b'\''))
                            }
                        })
                        .unwrap_or(data.len());
                    if run > 0 {
                        self.tag.extend_from_slice(&data[..run]);
                        if self.tag.len() > MAX_TAG {
                            return Err(damaged("an XML tag too long"));
                        }
                        self.offset += run as u64;
                        data = &data[run..];
                        continue;
                    }
                }
                let b = data[0];
                data = &data[1..];
                self.offset += 1;
                self.byte(b)?;
            }
            Ok(())
        }

        fn byte(&mut self, b: u8) -> Result<(), ImportError> {
            match self.state {
                State::Text => {}
                State::Tag => {
                    if self.quote != 0 {
                        if b == self.quote {
                            self.quote = 0;
                        }
                    } else if b == b'>' {
                        self.state = State::Text;
                        return self.tag_done();
                    } else if (b == b'"' || b == b'\'') && self.tag.first() != Some(&b'/') {
                        self.quote = b;
                    }
                    self.tag.push(b);
                    if self.tag.len() > MAX_TAG {
                        return Err(damaged("an XML tag too long"));
                    }
                    match &self.tag[..] {
                        b"!--" => self.special(State::Comment),
                        b"![CDATA[" => self.special(State::CData),
                        [b'?'] => self.special(State::Instruction),
                        t if t.first() == Some(&b'!')
                            && !b"!--".starts_with(t)
                            && !b"![CDATA[".starts_with(t) =>
                        {
                            self.special(State::Declaration)
                        }
                        _ => {}
                    }
                }
                State::Comment => self.until(b, b"-->"),
                State::CData => self.until(b, b"]]>"),
                State::Instruction => self.until(b, b"?>"),
                State::Declaration => {
                    // `<!DOCTYPE x [ <!ENTITY ...> ]>`: ends at a `>` outside brackets/quotes.
                    if self.quote != 0 {
                        if b == self.quote {
                            self.quote = 0;
                        }
                    } else if b == b'"' || b == b'\'' {
                        self.quote = b;
                    } else if b == b'[' {
                        self.matched += 1;
                    } else if b == b']' {
                        self.matched = self.matched.saturating_sub(1);
                    } else if b == b'>' && self.matched == 0 {
                        self.state = State::Text;
                    }
                }
            }
            Ok(())
        }

        fn special(&mut self, state: State) {
            self.state = state;
            self.matched = 0;
            self.quote = 0;
        }

        fn until(&mut self, b: u8, end: &[u8]) {
            if b == end[self.matched] {
                self.matched += 1;
                if self.matched == end.len() {
                    self.state = State::Text;
                }
            } else if b == end[0] {
                // `--->` still ends a comment, `]]]>` a CDATA section.
                if !(self.matched == 2 && end[1] == end[0]) {
                    self.matched = 1;
                }
            } else {
                self.matched = 0;
            }
        }

        fn tag_done(&mut self) -> Result<(), ImportError> {
            let tag = std::mem::take(&mut self.tag);
            let result = if let Some(end) = tag.strip_prefix(b"/") {
                let name = end.split(|b| b.is_ascii_whitespace()).next().unwrap_or(end);
                self.end(name)
            } else {
                let closed = tag.last() == Some(&b'/');
                let body = if closed {
                    &tag[..tag.len() - 1]
                } else {
                    &tag[..]
                };
                let name_len = body
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(body.len());
                let (name, attrs) = body.split_at(name_len);
                self.start(name, attrs, closed).and_then(|()| {
                    if closed {
                        self.end(name)
                    } else {
                        Ok(())
                    }
                })
            };
            self.tag = tag;
            result
        }

        fn start(&mut self, name: &[u8], attrs: &[u8], closed: bool) -> Result<(), ImportError> {
            let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
            let t = &mut *self.tally;
            match local {
                b"si" => {
                    t.shared_strings += 1;
                    if t.shared_strings > MAX_CELLS as u64 {
                        return Err(ImportError::TooManyCells);
                    }
                }
                b"sst" => {
                    // calamine reserves room for `uniqueCount` strings before reading one.
                    if let Some(v) = attr(attrs, b"uniqueCount") {
                        let v = v.strip_prefix(b"+").unwrap_or(v);
                        let digits = v
                            .iter()
                            .position(|&b| b != b'0')
                            .map_or(&v[..0], |i| &v[i..]);
                        if digits.iter().all(u8::is_ascii_digit)
                            && (digits.len() > 9 || number(digits) > MAX_CELLS as u64)
                        {
                            return Err(ImportError::TooManyCells);
                        }
                    }
                }
                b"xf" | b"font" | b"fill" | b"border" | b"numFmt" => {
                    t.style_records += 1;
                    if t.style_records > MAX_STYLE_RECORDS {
                        return Err(ImportError::TooManyCells);
                    }
                }
                b"sheet" | b"Relationship" | b"definedName" => {
                    t.book_records += 1;
                    if t.book_records > MAX_BOOK_RECORDS {
                        return Err(ImportError::TooManyCells);
                    }
                }
                _ => {}
            }
            if self.ods {
                match name {
                    b"table:table" => self.table = OdsTable::default(),
                    b"table:table-row" => {
                        let repeats = attr(attrs, b"table:number-rows-repeated")
                            .and_then(unescaped_number)
                            .unwrap_or(1);
                        self.table.row_start(repeats);
                    }
                    b"table:table-cell" | b"table:covered-table-cell" => {
                        let repeats = attr(attrs, b"table:number-columns-repeated")
                            .and_then(|v| std::str::from_utf8(v).ok()?.parse::<u64>().ok())
                            .unwrap_or(1);
                        let has = |k: &[u8]| attr(attrs, k).is_some();
                        let value = has(b"office:value")
                            || has(b"office:string-value")
                            || has(b"office:date-value")
                            || has(b"office:time-value")
                            || has(b"office:boolean-value")
                            || has(b"table:formula")
                            || attr(attrs, b"office:value-type") == Some(b"string")
                            || attr(attrs, b"calcext:value-type") == Some(b"error");
                        // Text in attributes is copied for every repeat, like the content.
                        let inline: u64 = [
                            &b"office:string-value"[..],
                            b"office:date-value",
                            b"office:time-value",
                            b"table:formula",
                        ]
                        .iter()
                        .filter_map(|k| attr(attrs, k))
                        .map(|v| v.len() as u64)
                        .sum();
                        self.table.cell_start(repeats, value, inline, self.offset);
                        if !closed {
                            return Ok(());
                        }
                    }
                    b"text:s" => {
                        let spaces = attr(attrs, b"text:c")
                            .and_then(unescaped_number)
                            .unwrap_or(1);
                        self.table.text_spaces(spaces);
                    }
                    _ => {}
                }
            }
            Ok(())
        }

        fn end(&mut self, name: &[u8]) -> Result<(), ImportError> {
            if !self.ods {
                return Ok(());
            }
            match name {
                b"table:table-cell" | b"table:covered-table-cell" => {
                    let cost = self.table.cell_end(self.offset);
                    self.charge(cost, false)
                }
                b"table:table-row" => {
                    let pushed = self.table.row_end();
                    self.charge(pushed.saturating_mul(RANGE_CELL), false)
                }
                b"table:table" => self.charge(0, true),
                _ => Ok(()),
            }
        }

        /// Adds memory for `.ods`: `bytes` spent for good and, when a table closes, its dense
        /// range. The table being read counts with its range so far.
        fn charge(&mut self, bytes: u64, close_table: bool) -> Result<(), ImportError> {
            let t = &mut *self.tally;
            let range = self.table.area().saturating_mul(RANGE_CELL);
            t.ods_cost = t.ods_cost.saturating_add(bytes);
            let total = t.ods_cost.saturating_add(range);
            let width = self.table.width();
            let col_max = self.table.col_max;
            if close_table {
                t.ods_cost = total;
                self.table = OdsTable::default();
            }
            if total > BUDGET {
                return Err(if width > MAX_COLUMNS as u64 {
                    ImportError::CellsTooFarRight(column_letters(
                        col_max.min(u32::MAX.into()) as u32
                    ))
                } else {
                    ImportError::TooManyCells
                });
            }
            Ok(())
        }

        fn finish(mut self) -> Result<(), ImportError> {
            if self.ods {
                // A table left open at the end still becomes a range.
                self.charge(0, true)?;
            }
            Ok(())
        }
    }

    /// One `.ods` table as calamine's reader builds it: each row's cells are pushed (repeats
    /// expanded, at most 16,384 per row; empty cells only when a later cell follows), then the
    /// rows between the first and last with a value are laid out in a dense range whose rows
    /// are repeated as often as the file says.
    #[derive(Default)]
    struct OdsTable {
        rows_total: u64,
        cum: u64,
        first: Option<u64>,
        last_end: u64,
        col_min: u64,
        col_max: u64,
        in_row: bool,
        row_repeats: u64,
        pushed: u64,
        pending: u64,
        row_min: Option<u64>,
        row_max: u64,
        /// The cell being read: where its content starts, how often it is copied, its text
        /// in attributes and `<text:s>` spaces.
        cell: Option<(u64, u64, u64)>,
    }

    impl OdsTable {
        fn row_start(&mut self, repeats: u64) {
            let capped = repeats.min(ODS_MAX_ROWS.saturating_sub(self.rows_total));
            self.rows_total += capped;
            self.in_row = true;
            self.row_repeats = capped;
            self.pushed = 0;
            self.pending = 0;
            self.row_min = None;
            self.row_max = 0;
            self.cell = None;
        }

        fn cell_start(&mut self, repeats: u64, value: bool, inline: u64, offset: u64) {
            if !self.in_row {
                return;
            }
            let empties = self.pending.min(ODS_MAX_COLUMNS - self.pushed);
            self.pushed += empties;
            self.pending = 0;
            let capped = repeats.min(ODS_MAX_COLUMNS - self.pushed);
            if value {
                if capped > 0 {
                    self.row_min = Some(self.row_min.unwrap_or(self.pushed).min(self.pushed));
                    self.row_max = self.row_max.max(self.pushed + capped - 1);
                }
                self.pushed += capped;
                self.cell = Some((offset, capped, inline));
            } else {
                self.pending = capped;
                self.cell = None;
            }
        }

        fn text_spaces(&mut self, n: u64) {
            if let Some(cell) = &mut self.cell {
                cell.2 = cell.2.saturating_add(n);
            }
        }

        /// Bytes of text copied for the cell just closed.
        fn cell_end(&mut self, offset: u64) -> u64 {
            match self.cell.take() {
                Some((start, copies, text)) => offset
                    .saturating_sub(start)
                    .saturating_add(text)
                    .saturating_mul(copies),
                None => 0,
            }
        }

        /// Cells pushed for the row just closed.
        fn row_end(&mut self) -> u64 {
            if !self.in_row {
                return 0;
            }
            self.in_row = false;
            self.cell = None;
            if let Some(min) = self.row_min {
                if self.first.is_none() {
                    self.first = Some(self.cum);
                    self.col_min = min;
                }
                self.last_end = self.cum + self.row_repeats;
                self.col_min = self.col_min.min(min);
                self.col_max = self.col_max.max(self.row_max);
            }
            self.cum += self.row_repeats;
            self.pushed
        }

        fn width(&self) -> u64 {
            if self.first.is_some() {
                self.col_max - self.col_min + 1
            } else {
                0
            }
        }

        fn area(&self) -> u64 {
            match self.first {
                Some(first) => (self.last_end - first).saturating_mul(self.width()),
                None => 0,
            }
        }
    }

    /// The raw value of an attribute of a tag's attribute text.
    fn attr<'a>(attrs: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
        let mut i = 0;
        while i < attrs.len() {
            while i < attrs.len() && attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            let k0 = i;
            while i < attrs.len() && attrs[i] != b'=' && !attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            let k = &attrs[k0..i];
            while i < attrs.len() && attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            if attrs.get(i) != Some(&b'=') {
                return None;
            }
            i += 1;
            while i < attrs.len() && attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            let q = *attrs.get(i)?;
            if q != b'"' && q != b'\'' {
                return None;
            }
            let v0 = i + 1;
            let v1 = v0 + attrs[v0..].iter().position(|&b| b == q)?;
            if k == key {
                return Some(&attrs[v0..v1]);
            }
            i = v1 + 1;
        }
        None
    }

    fn number(digits: &[u8]) -> u64 {
        digits.iter().fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        })
    }

    /// An attribute read as calamine reads it after unescaping (`&#49;` is `1`).
    fn unescaped_number(v: &[u8]) -> Option<u64> {
        let mut s = String::new();
        let mut i = 0;
        while i < v.len() {
            if v[i] == b'&' {
                let end = i + v[i..].iter().position(|&b| b == b';')?;
                let entity = std::str::from_utf8(&v[i + 1..end]).ok()?;
                let c = if let Some(hex) = entity.strip_prefix("#x") {
                    char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                } else if let Some(dec) = entity.strip_prefix('#') {
                    char::from_u32(dec.parse().ok()?)?
                } else {
                    match entity {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => return None,
                    }
                };
                s.push(c);
                i = end + 1;
            } else {
                s.push(v[i] as char);
                i += 1;
            }
        }
        s.parse().ok()
    }

    /// `.xls`: an OLE compound file holding a `Workbook` stream of BIFF records. The stream is
    /// found as calamine finds it (but refusing anything irregular, such as a sector chain that
    /// loops, which would make calamine read forever), then each sheet's records are walked as
    /// calamine walks them to know the ranges it will build.
    mod xls {
        use super::{column_letters, damaged, u16le, u32le, u64le, ImportError, BUDGET};
        use super::{MAX_COLUMNS, RANGE_CELL};

        const END_OF_CHAIN: u64 = 0xFFFF_FFFE;
        /// A record may be followed by this many CONTINUE records (calamine keeps a list of
        /// them and takes them off its front one by one); a real shared-string table of 64 MB
        /// needs about 8,000.
        const MAX_CONTINUES: usize = 16_384;
        /// Bytes of one cell while calamine collects a sheet (`Cell<Data>`).
        const LOOSE_CELL: u64 = 40;

        pub(in super::super) fn check(b: &[u8]) -> Result<(), ImportError> {
            let stream = workbook_stream(b)?;
            sheets(&stream)
        }

        struct Cfb<'a> {
            b: &'a [u8],
            size: usize,
            max_id: usize,
        }

        impl<'a> Cfb<'a> {
            /// A whole sector, or an error when it is not all inside the file.
            fn sector(&self, id: u64) -> Result<&'a [u8], ImportError> {
                let id = usize::try_from(id).map_err(|_| damaged("sector"))?;
                if id > self.max_id {
                    return Err(damaged("sector"));
                }
                let start = (id + 1) * self.size;
                self.b
                    .get(start..start + self.size)
                    .ok_or_else(|| damaged("sector"))
            }

            /// A chain of sectors as calamine follows it, up to `len` bytes; a chain longer
            /// than the file has sectors loops.
            fn chain(
                &self,
                mut id: u64,
                table: &[u64],
                len: usize,
                sector: &dyn Fn(u64) -> Result<&'a [u8], ImportError>,
                max_steps: usize,
            ) -> Result<Vec<u8>, ImportError> {
                let mut out = Vec::new();
                let mut steps = 0;
                while id != END_OF_CHAIN {
                    steps += 1;
                    if steps > max_steps {
                        return Err(damaged("a sector chain that loops"));
                    }
                    let s = sector(id)?;
                    let take = s.len().min(len - out.len());
                    out.extend_from_slice(&s[..take]);
                    if out.len() >= len {
                        break;
                    }
                    id = *table
                        .get(usize::try_from(id).unwrap_or(usize::MAX))
                        .ok_or_else(|| damaged("sector table"))?;
                }
                Ok(out)
            }
        }

        fn u32s(b: &[u8]) -> impl Iterator<Item = u64> + '_ {
            b.chunks_exact(4)
                .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        }

        fn workbook_stream(b: &[u8]) -> Result<Vec<u8>, ImportError> {
            let bad = || damaged("compound file");
            let version = u16le(b, 26).ok_or_else(bad)?;
            let size = match u16le(b, 30).ok_or_else(bad)? {
                9 => 512,
                12 => 4096,
                _ => return Err(bad()),
            };
            if u16le(b, 32) != Some(6) || b.len() < size {
                return Err(bad());
            }
            let cfb = Cfb {
                b,
                size,
                max_id: b.len() / size,
            };
            let sector = |id| cfb.sector(id);
            let max_steps = cfb.max_id + 1;
            // The sector allocation table, listed by the header and a chain of DIFAT sectors.
            let mut difat: Vec<u64> = u32s(&b[76..512]).collect();
            let mut id = u32le(b, 68).ok_or_else(bad)?;
            let mut steps = 0;
            while id < 0xFFFF_FFFA {
                steps += 1;
                if steps > max_steps {
                    return Err(bad());
                }
                difat.extend(u32s(cfb.sector(id)?));
                id = difat.pop().ok_or_else(bad)?;
            }
            let fat_sectors: Vec<u64> = difat.into_iter().filter(|&s| s < 0xFFFF_FFFC).collect();
            if fat_sectors.len() > max_steps {
                return Err(bad());
            }
            let mut fat = Vec::new();
            for s in fat_sectors {
                fat.extend(u32s(cfb.sector(s)?));
            }
            let dirs_raw = cfb.chain(
                u32le(b, 48).ok_or_else(bad)?,
                &fat,
                usize::MAX,
                &sector,
                max_steps,
            )?;
            struct Dir {
                name: String,
                start: u64,
                len: usize,
            }
            let dirs: Vec<Dir> = dirs_raw
                .chunks_exact(128)
                .map(|d| {
                    let mut name = encoding_rs::UTF_16LE.decode(&d[..64]).0.into_owned();
                    if let Some(nul) = name.as_bytes().iter().position(|&c| c == 0) {
                        name.truncate(nul);
                    }
                    let len = if size == 512 {
                        u32le(d, 120).unwrap_or(0)
                    } else {
                        u64le(d, 120).unwrap_or(0)
                    };
                    Dir {
                        name,
                        start: u32le(d, 116).unwrap_or(0),
                        len: usize::try_from(len).unwrap_or(usize::MAX),
                    }
                })
                .collect();
            let Some(root) = dirs.first() else {
                return Err(bad());
            };
            if version != 3 && root.start == END_OF_CHAIN {
                return Err(bad());
            }
            let mini_fat_len = u32le(b, 64).ok_or_else(bad)? as usize;
            let (mini_fat, mini) = if mini_fat_len > 0 {
                let mini = cfb.chain(root.start, &fat, root.len, &sector, max_steps)?;
                let mini_fat_raw = cfb.chain(
                    u32le(b, 60).ok_or_else(bad)?,
                    &fat,
                    mini_fat_len.saturating_mul(size),
                    &sector,
                    max_steps,
                )?;
                (u32s(&mini_fat_raw).collect::<Vec<_>>(), mini)
            } else {
                (Vec::new(), Vec::new())
            };
            let dir = ["Workbook", "Book"]
                .iter()
                .find_map(|n| {
                    dirs.iter()
                        .find(|d| d.name.as_bytes().eq_ignore_ascii_case(n.as_bytes()))
                })
                .ok_or_else(|| damaged("no workbook stream"))?;
            if dir.len < 4096 {
                // Short streams live in 64-byte sectors of the mini stream.
                let max_mini = cfb.max_id.saturating_mul(8);
                let mut out = Vec::new();
                let mut id = dir.start;
                let mut steps = 0;
                while id != END_OF_CHAIN {
                    steps += 1;
                    if steps > mini.len() / 64 + 1 {
                        return Err(damaged("a sector chain that loops"));
                    }
                    let at = usize::try_from(id).map_err(|_| bad())?;
                    if at > max_mini {
                        return Err(bad());
                    }
                    let s = mini.get(at * 64..at * 64 + 64).ok_or_else(bad)?;
                    let take = s.len().min(dir.len - out.len());
                    out.extend_from_slice(&s[..take]);
                    if out.len() >= dir.len {
                        break;
                    }
                    id = *mini_fat.get(at).ok_or_else(bad)?;
                }
                Ok(out)
            } else {
                cfb.chain(dir.start, &fat, dir.len, &sector, max_steps)
            }
        }

        /// BIFF records as calamine's reader splits them: type, data, and the CONTINUE records
        /// that follow (skipped here). `None` after an error, where calamine stops reading.
        fn records(mut s: &[u8]) -> impl Iterator<Item = Result<(usize, &[u8]), ImportError>> {
            std::iter::from_fn(move || {
                if s.is_empty() {
                    return None;
                }
                let (Some(typ), Some(len)) = (u16le(s, 0), u16le(s, 2)) else {
                    s = &[];
                    return Some(Err(damaged("record")));
                };
                let Some(data) = s.get(4..4 + len) else {
                    s = &[];
                    return Some(Err(damaged("record")));
                };
                s = &s[4 + len..];
                let mut continues = 0;
                while s.len() > 4 && u16le(s, 0) == Some(0x003C) {
                    let l = u16le(s, 2).unwrap_or(0);
                    if s.len() < l + 4 {
                        s = &[];
                        return Some(Err(damaged("record")));
                    }
                    s = &s[l + 4..];
                    continues += 1;
                    if continues > MAX_CONTINUES {
                        s = &[];
                        return Some(Err(ImportError::TooManyCells));
                    }
                }
                Some(Ok((typ, data)))
            })
        }

        /// A bounding box of cell positions.
        #[derive(Default)]
        struct Bounds {
            any: bool,
            rows: (u64, u64),
            cols: (u64, u64),
        }

        impl Bounds {
            fn add(&mut self, row: u64, col: u64) {
                if self.any {
                    self.rows = (self.rows.0.min(row), self.rows.1.max(row));
                    self.cols = (self.cols.0.min(col), self.cols.1.max(col));
                } else {
                    (self.any, self.rows, self.cols) = (true, (row, row), (col, col));
                }
            }

            fn width(&self) -> u64 {
                if self.any {
                    self.cols.1 - self.cols.0 + 1
                } else {
                    0
                }
            }

            fn area(&self) -> u64 {
                if self.any {
                    (self.rows.1 - self.rows.0 + 1).saturating_mul(self.width())
                } else {
                    0
                }
            }
        }

        fn sheets(stream: &[u8]) -> Result<(), ImportError> {
            let mut positions = Vec::new();
            for rec in records(stream) {
                let (typ, data) = match rec {
                    Ok(r) => r,
                    Err(ImportError::TooManyCells) => return Err(ImportError::TooManyCells),
                    Err(_) => return Ok(()), // calamine stops here with an error
                };
                match typ {
                    // FilePass: a password-protected file, which calamine refuses.
                    0x002F if u16le(data, 0).is_some_and(|v| v != 0) => return Ok(()),
                    0x0085 if data.len() >= 6 => positions.push(u32le(data, 0).unwrap_or(0)),
                    0x000A => break,
                    _ => {}
                }
            }
            let mut spent: u64 = 0;
            let mut cost_at = std::collections::HashMap::new();
            for pos in positions {
                let pos = usize::try_from(pos).unwrap_or(usize::MAX);
                let Some(sheet) = stream.get(pos..) else {
                    return Err(damaged("sheet position"));
                };
                let (cost, stop) = match cost_at.get(&pos) {
                    Some(&c) => c,
                    None => {
                        let c = sheet_cost(sheet)?;
                        cost_at.insert(pos, c);
                        c
                    }
                };
                spent = spent.saturating_add(cost);
                if spent > BUDGET {
                    return Err(ImportError::TooManyCells);
                }
                if stop {
                    break;
                }
            }
            Ok(())
        }

        /// What calamine allocates for one sheet, and whether it stops with an error there.
        /// A record calamine might refuse or might read (it differs between its debug and
        /// release builds) is counted as read.
        fn sheet_cost(s: &[u8]) -> Result<(u64, bool), ImportError> {
            let mut values = Bounds::default();
            let mut formulas = Bounds::default();
            let (mut cells, mut formula_bytes, mut reserved) = (0u64, 0u64, 0u64);
            let mut formula_at = (0u64, 0u64);
            let (mut depth, mut seen_bof, mut stop) = (0usize, false, false);
            for rec in records(s) {
                let (typ, data) = match rec {
                    Ok(r) => r,
                    Err(ImportError::TooManyCells) => return Err(ImportError::TooManyCells),
                    Err(_) => {
                        stop = true;
                        break;
                    }
                };
                if depth > 0 {
                    match typ {
                        0x0809 => depth += 1,
                        0x000A => depth -= 1,
                        _ => {}
                    }
                    continue;
                }
                let pos = (u16le(data, 0), u16le(data, 2));
                let pos = match pos {
                    (Some(r), Some(c)) => Some((r as u64, c as u64)),
                    _ => None,
                };
                match (typ, pos) {
                    (0x0809, _) => {
                        if seen_bof {
                            depth += 1;
                        } else {
                            seen_bof = true;
                        }
                    }
                    // DIMENSIONS: calamine reserves rows × columns cells from it (in 32-bit
                    // arithmetic that wraps when the record is inconsistent).
                    (0x0200, _) => {
                        let (rf, rl, mut cf, cl) = match data.len() {
                            10 => (
                                u16le(data, 0).unwrap_or(0) as u32,
                                u16le(data, 2).unwrap_or(0) as u32,
                                u16le(data, 4).unwrap_or(0) as u32,
                                u16le(data, 6).unwrap_or(0) as u32,
                            ),
                            14 | 16 => (
                                u32le(data, 0).unwrap_or(0) as u32,
                                u32le(data, 4).unwrap_or(0) as u32,
                                u16le(data, 8).unwrap_or(0) as u32,
                                u16le(data, 10).unwrap_or(0) as u32,
                            ),
                            _ => continue,
                        };
                        if cf > 0xFF || cl < cf {
                            cf = 0;
                        }
                        let (start, end) = if rl >= 1 && cl >= 1 {
                            ((rf, cf), (rl - 1, cl - 1))
                        } else {
                            ((rf, cf), (rf, cf))
                        };
                        let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
                        let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
                        let claimed = rows.saturating_mul(cols);
                        reserved = reserved.max(cells.saturating_add(claimed));
                    }
                    (0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD, Some((r, c))) => {
                        values.add(r, c);
                        cells += 1;
                    }
                    (0x0207, _) => {
                        values.add(formula_at.0, formula_at.1);
                        cells += 1;
                    }
                    // MulRk: a run of numbers from one column on.
                    (0x00BD, Some((r, first))) if data.len() >= 6 => {
                        let n = (data.len() as u64 - 6) / 6;
                        if n > 0 {
                            values.add(r, first);
                            values.add(r, first + n - 1);
                            cells += n;
                        }
                    }
                    (0x0006, Some(at)) => {
                        formula_at = at;
                        values.add(at.0, at.1);
                        formulas.add(at.0, at.1);
                        cells += 2;
                        // The formula's text: a few characters for each byte of its tokens.
                        formula_bytes += 8 * data.len() as u64;
                    }
                    (0x000A, _) => break,
                    _ => {}
                }
            }
            let width = values.width().max(formulas.width());
            let cost = reserved
                .max(cells)
                .saturating_mul(LOOSE_CELL)
                .saturating_add(formula_bytes)
                .saturating_add(values.area().saturating_mul(32))
                .saturating_add(formulas.area().saturating_mul(RANGE_CELL - 32));
            if cost > BUDGET && width > MAX_COLUMNS as u64 {
                let right = values.cols.1.max(formulas.cols.1);
                return Err(ImportError::CellsTooFarRight(column_letters(right as u32)));
            }
            Ok((cost, stop))
        }
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
            s.rows.to_vec(),
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
        assert_eq!(s.rows.row(0).1[1], "Pérez, Ana");
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
        assert_eq!(s.rows.row(0).1, ["1", "2"]);
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
            s.rows.row(0),
            (2, vec!["3001234567".to_string(), "Ana".to_string()])
        );
        // A formula comes in as its last computed value, never as its code.
        assert_eq!(s.rows.len(), 2);
        assert!(!s.rows.row(1).1[0].starts_with('='), "{:?}", s.rows.row(1));
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
            Err(ImportError::TooManyColumns(1))
        );
    }

    #[test]
    fn every_row_is_held_to_the_column_limit_and_to_the_header() {
        let wide = vec!["1"; MAX_COLUMNS + 1].join(";");
        // Blank lines are no rows: the row number is the one the rest of the import uses.
        let text = format!("a;b\n\n1;2\n\r\n{wide}\n");
        assert_eq!(
            read("x.csv", text.as_bytes()),
            Err(ImportError::TooManyColumns(3))
        );
        // Separators inside quotes are not columns.
        let quoted = format!("a,b\n\"{}\",2\n", vec![","; 500].concat());
        assert_eq!(read("x.csv", quoted.as_bytes()).unwrap().rows.len(), 1);
        // Empty cells past the header (Excel's trailing `;;;`) are dropped ...
        let s = read("x.csv", b"a;b\n1;2;;;\n").unwrap();
        assert_eq!(s.rows.row(0).1, ["1", "2"]);
        // ... a value there is a shifted row: refused, naming it.
        assert_eq!(
            read("x.csv", b"a,b\n1,2\n3,P\xc3\xa9rez, Ana\n"),
            Err(ImportError::ValuesPastHeader(3))
        );
    }

    #[test]
    fn a_file_that_grows_past_the_limit_while_read_is_too_big() {
        let growing = || Ok(Capped::new(io::repeat(b'a').take(MAX_BYTES as u64 + 10)));
        assert_eq!(read_text(growing), Err(ImportError::TooBig));
    }

    #[test]
    fn column_letters_as_spreadsheets_write_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(199), "GR");
        assert_eq!(column_letters(16383), "XFD");
    }

    #[test]
    fn decoding_keeps_every_encoding_and_valid_utf8_as_is() {
        assert_eq!(decode_owned(b"a\xe9".to_vec()), "aé");
        assert_eq!(decode_owned("añ".as_bytes().to_vec()), "añ");
        assert_eq!(decode_owned(b"\xEF\xBB\xBFx".to_vec()), "x");
        assert_eq!(decode_owned(vec![0xFF, 0xFE, b'h', 0, b'i', 0]), "hi");
        assert_eq!(decode_owned(vec![0xFE, 0xFF, 0, b'h', 0, b'i']), "hi");
        // A long Windows-1252 text decodes whole, whatever the first estimate.
        let mut long = vec![0x80u8; 300_000];
        long.extend(b"end");
        let s = decode_owned(long);
        assert!(s.starts_with('€') && s.ends_with("end"));
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
        fn ole_headers_with_junk_never_panic(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096)) {
            let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
            bytes.extend(tail);
            let _ = read("f.xls", &bytes);
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
