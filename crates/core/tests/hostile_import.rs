//! Hostile spreadsheets and webhook files, generated here (no binaries in the repository): each
//! must end in a plain error with the rule key people see, never a panic, an abort or a read
//! that claims gigabytes, and nothing may be half-imported.
//!
//! The tests that import webhook events into the store need the OS keyring: run them inside
//! `scripts/headless-session.sh` like the other App tests.

mod support;

use opsdesk_core::bulk::import::{self, ImportError, MAX_BYTES, MAX_CELLS, MAX_COLUMNS};
use opsdesk_core::truecaller::{parse_events, MAX_EVENTS};
use opsdesk_core::App;
use opsdesk_http::RuleCode;
use support::Profile;

// ---- building files -------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A raw DEFLATE stream of `data`, made by flate2 through the PNG encoder (a one-row image:
/// the stream decompresses to a 0 filter byte followed by `data`). Returns the stream and what
/// it decompresses to.
fn deflate(data: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut file = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut file, data.len() as u32, 1);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_filter(png::Filter::NoFilter);
        enc.set_deflate_compression(png::DeflateCompression::Level(6));
        enc.write_header().unwrap().write_image_data(data).unwrap();
    }
    let mut zlib = Vec::new();
    let mut at = 8;
    while at + 8 <= file.len() {
        let len = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
        if &file[at + 4..at + 8] == b"IDAT" {
            zlib.extend_from_slice(&file[at + 8..at + 8 + len]);
        }
        at += 12 + len;
    }
    let mut plain = vec![0u8];
    plain.extend_from_slice(data);
    (zlib[2..zlib.len() - 4].to_vec(), plain)
}

enum Part<'a> {
    Stored(&'a [u8]),
    /// Compressed with DEFLATE (the content gets a leading 0 byte, see [`deflate`]).
    Deflated(&'a [u8]),
}

/// A zip package, written the way every spreadsheet program writes one.
fn zip(parts: &[(&str, Part)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, part) in parts {
        let (method, data, plain) = match part {
            Part::Stored(d) => (0u16, d.to_vec(), d.to_vec()),
            Part::Deflated(d) => {
                let (raw, plain) = deflate(d);
                (8u16, raw, plain)
            }
        };
        let offset = out.len() as u32;
        let mut fixed = Vec::new();
        fixed.extend_from_slice(&20u16.to_le_bytes()); // version needed
        fixed.extend_from_slice(&0u16.to_le_bytes()); // flags
        fixed.extend_from_slice(&method.to_le_bytes());
        fixed.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        fixed.extend_from_slice(&crc32(&plain).to_le_bytes());
        fixed.extend_from_slice(&(data.len() as u32).to_le_bytes());
        fixed.extend_from_slice(&(plain.len() as u32).to_le_bytes());
        fixed.extend_from_slice(&(name.len() as u16).to_le_bytes());
        fixed.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&fixed);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&fixed);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&[0; 4]); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (cd_at, cd_len) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const NS: &str = "http://schemas.openxmlformats.org";

/// A minimal `.xlsx` with the given shared-strings and sheet XML.
fn xlsx(shared_strings: Part, sheet: &str) -> Vec<u8> {
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="Lista" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}/spreadsheetml/2006/main">{sheet}</worksheet>"#
    );
    zip(&[
        ("[Content_Types].xml", Part::Stored(types.as_bytes())),
        ("_rels/.rels", Part::Stored(rels.as_bytes())),
        ("xl/workbook.xml", Part::Stored(workbook.as_bytes())),
        (
            "xl/_rels/workbook.xml.rels",
            Part::Stored(workbook_rels.as_bytes()),
        ),
        ("xl/sharedStrings.xml", shared_strings),
        ("xl/worksheets/sheet1.xml", Part::Stored(sheet.as_bytes())),
    ])
}

fn shared_strings(unique_count: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}/spreadsheetml/2006/main" count="2" uniqueCount="{unique_count}"><si><t>phone</t></si><si><t>name</t></si></sst>"#
    )
}

const PLAIN_SHEET: &str = r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>3001234567</v></c><c r="B2" t="inlineStr"><is><t>Ana</t></is></c></row></sheetData>"#;

/// A minimal `.ods` whose single table has the given rows.
fn ods(rows: &str) -> Vec<u8> {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Lista">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip(&[
        (
            "mimetype",
            Part::Stored(b"application/vnd.oasis.opendocument.spreadsheet"),
        ),
        ("META-INF/manifest.xml", Part::Stored(manifest.as_bytes())),
        ("content.xml", Part::Stored(content.as_bytes())),
    ])
}

fn ods_text(s: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
    )
}

const ODS_HEADER_AND_ROW: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>phone</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>name</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="float" office:value="3001234567"/><table:table-cell office:value-type="string"><text:p>Ana</text:p></table:table-cell></table:table-row>"#;

fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

fn bof(kind: u16) -> Vec<u8> {
    let mut d = vec![0x00, 0x06];
    d.extend_from_slice(&kind.to_le_bytes());
    d.extend_from_slice(&[0; 12]);
    biff(0x0809, &d)
}

fn label(row: u16, col: u16, s: &str) -> Vec<u8> {
    let mut d = [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat();
    d.extend_from_slice(&(s.len() as u16).to_le_bytes());
    d.push(0);
    d.extend_from_slice(s.as_bytes());
    biff(0x0204, &d)
}

fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat();
    d.extend_from_slice(&v.to_le_bytes());
    biff(0x0203, &d)
}

fn dimensions(first_row: u32, rows_end: u32, first_col: u16, cols_end: u16) -> Vec<u8> {
    let mut d = first_row.to_le_bytes().to_vec();
    d.extend_from_slice(&rows_end.to_le_bytes());
    d.extend_from_slice(&first_col.to_le_bytes());
    d.extend_from_slice(&cols_end.to_le_bytes());
    d.extend_from_slice(&[0, 0]);
    biff(0x0200, &d)
}

/// A BIFF8 `Workbook` stream with one sheet made of `records` (between its BOF and EOF).
fn workbook_stream(records: &[Vec<u8>]) -> Vec<u8> {
    let name = b"Lista";
    let sheet_entry = |pos: u32| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend_from_slice(&[0, 0, name.len() as u8, 0]);
        d.extend_from_slice(name);
        biff(0x0085, &d)
    };
    let globals_len = bof(0x0005).len() + sheet_entry(0).len() + biff(0x000A, &[]).len();
    let mut s = bof(0x0005);
    s.extend(sheet_entry(globals_len as u32));
    s.extend(biff(0x000A, &[]));
    s.extend(bof(0x0010));
    for r in records {
        s.extend_from_slice(r);
    }
    s.extend(biff(0x000A, &[]));
    // Past the mini-stream cutoff, so the stream lives in ordinary sectors.
    s.resize(s.len().max(4096), 0);
    s
}

/// An OLE compound file (version 3, 512-byte sectors) holding `stream` as "Workbook".
/// `loop_directory` makes the directory's sector chain point at itself.
fn cfb(stream: &[u8], loop_directory: bool) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    let n = stream.len().div_ceil(512);
    let mut h = vec![0u8; 512];
    h[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    h[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    h[26..28].copy_from_slice(&3u16.to_le_bytes());
    h[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    h[30..32].copy_from_slice(&9u16.to_le_bytes());
    h[32..34].copy_from_slice(&6u16.to_le_bytes());
    h[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
    h[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
    h[56..60].copy_from_slice(&4096u32.to_le_bytes());
    h[60..64].copy_from_slice(&END.to_le_bytes()); // no mini FAT
    h[68..72].copy_from_slice(&END.to_le_bytes()); // no DIFAT sectors
    for i in 0..109 {
        let v = if i == 0 { 0 } else { FREE };
        h[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    let mut fat = vec![FREE; 128];
    fat[0] = 0xFFFF_FFFD;
    fat[1] = if loop_directory { 1 } else { END };
    for i in 0..n {
        fat[2 + i] = if i + 1 == n { END } else { (3 + i) as u32 };
    }
    let mut dir = vec![0u8; 512];
    let entry = |dir: &mut Vec<u8>, at: usize, name: &str, typ: u8, start: u32, size: u32| {
        let e = &mut dir[at * 128..at * 128 + 128];
        for (i, u) in name.encode_utf16().enumerate() {
            e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&(((name.len() + 1) * 2) as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..80].fill(0xFF); // no siblings, no child
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
    };
    entry(&mut dir, 0, "Root Entry", 5, END, 0);
    dir[76..80].copy_from_slice(&1u32.to_le_bytes()); // root's child: the workbook
    entry(&mut dir, 1, "Workbook", 2, 2, stream.len() as u32);
    for at in 2..4 {
        dir[at * 128 + 68..at * 128 + 80].fill(0xFF);
    }
    let mut out = h;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(dir);
    out.extend_from_slice(stream);
    out.resize(512 + 512 * (2 + n), 0);
    out
}

fn xls(records: &[Vec<u8>]) -> Vec<u8> {
    cfb(&workbook_stream(records), false)
}

fn xlsx_writer(cells: &[(u32, u16, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for &(r, c, v) in cells {
        ws.write_string(r, c, v).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// Reads the bytes through a real file, as the app does.
fn read_as_file(name: &str, bytes: &[u8]) -> Result<import::Sheet, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    import::read_path(&path)
}

fn assert_refused(result: Result<import::Sheet, ImportError>, expected: ImportError, rule: &str) {
    let e = result.expect_err("the file must be refused");
    assert_eq!(e, expected);
    assert_eq!(e.rule().as_str(), rule);
}

// ---- spreadsheets ---------------------------------------------------------------------------

#[test]
fn a_sparse_xlsx_with_a_cell_at_the_sheets_last_corner_is_refused_naming_the_column() {
    for far_row in [1_048_575, 150_000] {
        let bytes = xlsx_writer(&[(0, 0, "phone"), (far_row, 16_383, "x")]);
        assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
        assert_refused(
            read_as_file("lista.xlsx", &bytes),
            ImportError::CellsTooFarRight("XFD".into()),
            "bulk_cells_too_far_right",
        );
    }
    // Far down in column A: more rows than a list may have.
    let bytes = xlsx_writer(&[(0, 0, "phone"), (1_048_575, 0, "x")]);
    assert_refused(
        read_as_file("lista.xlsx", &bytes),
        ImportError::TooManyRows,
        "bulk_too_many_rows",
    );
    // Formatted but empty cells far out are no reason to refuse.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "phone").unwrap();
    ws.write_string(1, 0, "3001234567").unwrap();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    ws.write_blank(1_048_575, 16_383, &bold).unwrap();
    let s = read_as_file("lista.xlsx", &wb.save_to_buffer().unwrap()).unwrap();
    assert_eq!((s.headers.len(), s.rows.len()), (1, 1));
}

#[test]
fn a_hand_made_xlsx_reads_and_its_shared_string_claim_is_checked_first() {
    // The package the hostile variants are built from is one calamine reads.
    let ok = xlsx(Part::Stored(shared_strings("2").as_bytes()), PLAIN_SHEET);
    let s = import::read("l.xlsx", &ok).unwrap();
    assert_eq!(s.headers, ["phone", "name"]);
    assert_eq!(
        s.rows.to_vec(),
        vec![(2, vec!["3001234567".to_string(), "Ana".to_string()])]
    );
    // calamine reserves `uniqueCount` strings when it opens the file: 10^15 × 24 bytes would
    // abort the process. Stored or compressed, the claim is seen before calamine is called.
    let claim = shared_strings("1000000000000000");
    for part in [
        Part::Stored(claim.as_bytes()),
        Part::Deflated(claim.as_bytes()),
    ] {
        assert_refused(
            read_as_file("l.xlsx", &xlsx(part, PLAIN_SHEET)),
            ImportError::TooManyCells,
            "bulk_too_many_cells",
        );
    }
    // Hidden behind a comment containing a quote, it is still found.
    let hidden = format!(
        r#"<!-- a "quote --><x a=">">{}"#,
        shared_strings("99999999999")
    );
    assert_refused(
        import::read(
            "l.xlsx",
            &xlsx(Part::Stored(hidden.as_bytes()), PLAIN_SHEET),
        ),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
}

#[test]
fn an_xlsx_whose_compressed_part_is_damaged_is_unreadable_not_trusted() {
    let mut bytes = xlsx(Part::Deflated(shared_strings("2").as_bytes()), PLAIN_SHEET);
    // Break the DEFLATE stream of the shared strings in its first bytes.
    let name = b"xl/sharedStrings.xml";
    let at = (0..bytes.len())
        .find(|&p| bytes[p..].starts_with(b"PK\x03\x04") && bytes[p + 30..].starts_with(name))
        .unwrap()
        + 30
        + name.len();
    bytes[at] = 0xFF;
    bytes[at + 1] = 0xFF;
    let e = import::read("l.xlsx", &bytes).unwrap_err();
    assert_eq!(e.rule(), RuleCode::BulkUnreadable);
}

#[test]
fn a_sparse_ods_is_refused_before_calamine_builds_its_range() {
    let ok = import::read("l.ods", &ods(ODS_HEADER_AND_ROW)).unwrap();
    assert_eq!(ok.headers, ["phone", "name"]);
    assert_eq!(ok.rows.row(0).1, ["3001234567", "Ana"]);
    // A1, a million empty rows, then a value in the sheet's last column: calamine would lay
    // out a range of 1,048,576 × 16,384 cells (it stops at 100 million, 3.2 GB).
    let sparse = format!(
        r#"<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16383"/>{}</table:table-row>"#,
        ods_text("phone"),
        ods_text("x")
    );
    let bytes = ods(&sparse);
    assert!(bytes.len() < 5_000);
    assert_refused(
        read_as_file("l.ods", &bytes),
        ImportError::CellsTooFarRight("XFD".into()),
        "bulk_cells_too_far_right",
    );
    // A value in column KO of the first row only: cheap to build, refused when read.
    let wide = format!(
        r#"<table:table-row>{}<table:table-cell table:number-columns-repeated="299"/>{}</table:table-row>{}"#,
        ods_text("phone"),
        ods_text("x"),
        ODS_HEADER_AND_ROW
    );
    assert_refused(
        import::read("l.ods", &ods(&wide)),
        ImportError::CellsTooFarRight("KO".into()),
        "bulk_cells_too_far_right",
    );
}

#[test]
fn ods_repeat_counts_cannot_make_calamine_copy_cells_without_end() {
    // 100 numbers repeated down a million rows: 100 million cells from 200 bytes.
    let narrow = format!(
        r#"{ODS_HEADER_AND_ROW}<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row>"#
    );
    assert_refused(
        import::read("l.ods", &ods(&narrow)),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
    // One cell's text copied 16,384 times per row, in many rows.
    let text = "y".repeat(10_000);
    let row = format!(
        r#"<table:table-row><table:table-cell table:number-columns-repeated="150" office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row>"#
    );
    assert_refused(
        import::read("l.ods", &ods(&row.repeat(200))),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
    // A run of spaces claimed in one attribute (written out by calamine one by one).
    let spaces = format!(
        r#"{ODS_HEADER_AND_ROW}<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="1000000000"/>b</text:p></table:table-cell></table:table-row>"#
    );
    assert_refused(
        import::read("l.ods", &ods(&spaces)),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
    // The same written with character references, as calamine unescapes them.
    let escaped = narrow.replace("1000000", "1&#48;&#48;&#48;&#48;&#48;&#48;");
    assert_refused(
        import::read("l.ods", &ods(&escaped)),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
}

#[test]
fn a_sparse_or_lying_xls_never_reaches_an_allocation_it_claims() {
    let header_and_row = [
        label(0, 0, "phone"),
        label(0, 1, "name"),
        number(1, 0, 3001234567.0),
        label(1, 1, "Ana"),
    ];
    let ok = import::read("l.xls", &xls(&header_and_row)).unwrap();
    assert_eq!(ok.headers, ["phone", "name"]);
    assert_eq!(ok.rows.row(0).1, ["3001234567", "Ana"]);
    // A1 and a cell 60,000 rows down in column KO: a dense range of 18 million cells.
    let mut sparse = header_and_row.to_vec();
    sparse.push(number(60_000, 300, 1.0));
    assert_refused(
        read_as_file("l.xls", &xls(&sparse)),
        ImportError::CellsTooFarRight("KO".into()),
        "bulk_cells_too_far_right",
    );
    // Column XFD (the record's column is 16 bits; Excel stops at IV) in the first row only.
    let mut far = header_and_row.to_vec();
    far.push(number(0, 16_383, 1.0));
    assert_refused(
        import::read("l.xls", &xls(&far)),
        ImportError::CellsTooFarRight("XFD".into()),
        "bulk_cells_too_far_right",
    );
    // DIMENSIONS claiming 4 billion rows × 256 columns, which calamine reserves up front.
    let mut lying = vec![dimensions(0, u32::MAX, 0, 256)];
    lying.extend(header_and_row.iter().cloned());
    assert_refused(
        import::read("l.xls", &xls(&lying)),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
    // First row after the last one: calamine's arithmetic wraps around.
    let mut inverted = vec![dimensions(5, 2, 0, 2)];
    inverted.extend(header_and_row.iter().cloned());
    assert!(import::read("l.xls", &xls(&inverted)).is_err());
    // A directory chain that points at itself: calamine would read it forever.
    let looping = cfb(&workbook_stream(&header_and_row), true);
    let e = import::read("l.xls", &looping).unwrap_err();
    assert_eq!(e.rule(), RuleCode::BulkUnreadable);
}

#[test]
fn a_wide_csv_is_refused_at_its_first_row_without_holding_it() {
    // 2 column names, 160 values a row: the values have no column, the row is named.
    let row = vec!["5"; 160].join(",");
    let mut text = String::from("phone,name\n");
    for _ in 0..2_000 {
        text.push_str(&row);
        text.push('\n');
    }
    assert_refused(
        read_as_file("wide.csv", text.as_bytes()),
        ImportError::ValuesPastHeader(2),
        "bulk_values_past_header",
    );
    // More cells in a row than any list has, even quoted ones after.
    let mut text = String::from("a,b\n1,2\n");
    text.push_str(&vec![""; MAX_COLUMNS + 5].join(","));
    text.push_str("\n\"x\",\"y\"\n");
    assert_refused(
        read_as_file("wide.csv", text.as_bytes()),
        ImportError::TooManyColumns(3),
        "bulk_too_many_columns",
    );
    // One line of 20 million separators: refused after 200 of them, never held.
    let line = ",".repeat(20_000_000);
    assert_refused(
        read_as_file("wide.csv", format!("a,b\n{line}\n").as_bytes()),
        ImportError::TooManyColumns(2),
        "bulk_too_many_columns",
    );
    // Empty cells past the header are what Excel writes: accepted, and not kept.
    let mut text = String::from("phone;name;;;;\n");
    for i in 0..100 {
        text.push_str(&format!("30012345{i:02};Ana;;;;;;;;;;\n"));
    }
    let s = read_as_file("ok.csv", text.as_bytes()).unwrap();
    assert_eq!(s.rows.len(), 100);
    assert!(s.rows.iter().all(|(_, r)| r.len() <= s.headers.len()));
}

#[test]
fn the_cell_total_is_capped() {
    // 30 columns × 140,000 rows = 4.2 million cells, under the row limit.
    let header = (0..30)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let row = vec!["1"; 30].join(",");
    let mut text = header + "\n";
    for _ in 0..(MAX_CELLS / 30 + 10) {
        text.push_str(&row);
        text.push('\n');
    }
    assert_refused(
        import::read("many.csv", text.as_bytes()),
        ImportError::TooManyCells,
        "bulk_too_many_cells",
    );
}

#[test]
fn a_file_over_64_mb_is_refused_from_its_size_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["big.csv", "big.xlsx"] {
        let path = dir.path().join(name);
        // Sparse: takes no disk and would take seconds to read.
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_BYTES as u64 + 1).unwrap();
        let started = std::time::Instant::now();
        assert_refused(
            import::read_path(&path),
            ImportError::TooBig,
            "bulk_too_big",
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
    }
    // Exactly at the limit is read (and then found to be empty).
    let path = dir.path().join("edge.csv");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(MAX_BYTES as u64)
        .unwrap();
    assert_ne!(import::read_path(&path), Err(ImportError::TooBig));
}

// ---- webhook files --------------------------------------------------------------------------

fn event(id: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","event_type":"cmb","created_at":"1700000000","cmb_payload":{{"client_number":"919876500000"}}}}"#
    )
}

fn stored_events(app: &App) -> i64 {
    app.with_store_for_tests(|c| c.query_row("SELECT count(*) FROM tc_events", [], |r| r.get(0)))
        .expect("the store needs the OS keyring: run inside scripts/headless-session.sh")
}

fn too_many_events() -> String {
    let mut many = String::new();
    for i in 0..=MAX_EVENTS {
        many.push_str(&event(&format!("e{i}")));
        many.push('\n');
    }
    many
}

/// Both refusals come before the store is touched (no keyring needed).
#[test]
fn a_webhook_file_over_64_mb_or_with_too_many_events_is_refused() {
    let p = Profile::new();
    let app = p.open();
    let big = p.dir.path().join("big.jsonl");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 1)
        .unwrap();
    let e = app.truecaller_import_events_file(&big).unwrap_err();
    assert_eq!(e.rule.map(|r| r.as_str()), Some("bulk_too_big"));
    let path = p.file("many.jsonl", too_many_events().as_bytes());
    let e = app.truecaller_import_events_file(&path).unwrap_err();
    assert_eq!(e.rule.map(|r| r.as_str()), Some("tc_too_many_events"));
}

/// Needs the store, so the OS keyring: run inside `scripts/headless-session.sh`.
#[test]
fn nothing_is_half_imported_and_huge_or_malformed_lines_are_counted_as_unreadable() {
    let p = Profile::new();
    let app = p.open();
    let path = p.file("many.jsonl", too_many_events().as_bytes());
    let e = app.truecaller_import_events_file(&path).unwrap_err();
    assert_eq!(e.rule.map(|r| r.as_str()), Some("tc_too_many_events"));
    assert_eq!(stored_events(&app), 0, "nothing half-imported");

    let huge = format!(
        r#"{{"event_id":"huge","pad":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let deep = "[".repeat(100_000);
    let file = [
        event("e1"),
        huge,
        "{\"event_id\": ".to_string(),
        "[1, 2]".to_string(),
        deep,
        "\u{0}\u{1}binary".to_string(),
        event("e2"),
        event("e1"),
    ]
    .join("\n");
    let path = p.file("events.jsonl", file.as_bytes());
    let r = app.truecaller_import_events_file(&path).unwrap();
    assert_eq!((r.added, r.duplicates, r.unreadable), (2, 1, 5));
    assert_eq!(stored_events(&app), 2);
}

#[test]
fn events_are_found_without_building_the_whole_file() {
    // JSON lines: long and malformed lines are unreadable, never parsed into values.
    let long = format!(r#"{{"event_id":"x","pad":"{}"}}"#, "y".repeat(1024 * 1024));
    let text = format!("{}\n{long}\nnope\n\n{}\n", event("a"), event("b"));
    let (events, bad) = parse_events(&text);
    assert_eq!((events.len(), bad), (2, 2));
    let ids: Vec<String> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "b"]);

    // An array, element by element; strings holding brackets and commas do not split it.
    let array = format!(
        r#" [ {}, {{"event_id":"c","note":"a, ] [ {{ \" }}"}}, 5, "s", {long} ] "#,
        event("a")
    );
    let (events, bad) = parse_events(&array);
    assert_eq!((events.len(), bad), (2, 3));
    assert_eq!(events.iter().nth(1).unwrap()["note"], "a, ] [ { \" }");

    // More than the cap: nothing is given (nothing half-imported), also from an array.
    let many: Vec<String> = (0..=MAX_EVENTS).map(|i| event(&format!("e{i}"))).collect();
    let array = format!("[{}]", many.join(","));
    let (events, _) = parse_events(&array);
    assert!(events.too_many() && events.is_empty());
    let lines = many.join("\n");
    let (events, _) = parse_events(&lines);
    assert!(events.too_many() && events.is_empty());
    let lines = many[..MAX_EVENTS].join("\n");
    let (events, _) = parse_events(&lines);
    assert!(!events.too_many() && events.len() == MAX_EVENTS);
}
