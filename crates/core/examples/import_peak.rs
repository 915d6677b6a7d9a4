//! Peak memory of reading a large list or webhook file through the app's own code.
//!
//! ```text
//! cargo run --release -p opsdesk-core --example import_peak -- csv [FILE]
//! cargo run --release -p opsdesk-core --example import_peak -- csv-wide [FILE]
//! cargo run --release -p opsdesk-core --example import_peak -- webhook-parse [FILE]
//! scripts/headless-session.sh cargo run --release -p opsdesk-core --example import_peak -- webhook [FILE]
//! ```
//!
//! Without FILE a file just under the 64 MB limit is generated in a temporary folder (written
//! as a stream, so generating it adds nothing to the peak):
//!
//! - `csv`: a customer list of 199,000 rows and 10 columns (addresses, notes), read with
//!   `import::read_path` as the bulk screens do;
//! - `csv-wide`: the shape of a hostile file, 2 column names and 160 values a row;
//! - `webhook`: Call Me Back events as JSON lines, imported into the encrypted store with
//!   `App::truecaller_import_events_file` (needs the OS keyring, hence the session script);
//! - `webhook-parse`: the same file read and parsed as that import does, without the store.
//! - `wa-job`: a WhatsApp list of 100,000 rows (6.2 MB) taken through the list screen's steps
//!   in the practice account: read, checked (the preview) and made a job in the encrypted
//!   cache, as `bulk_choose_file`, `whatsapp_bulk_check` and `whatsapp_bulk_create` do.
//!
//! One input per run, since the figure is the process's peak. The peak resident size (VmHWM)
//! is printed at the end; `/usr/bin/time -v` reports the same as "Maximum resident set size".

use opsdesk_core::bulk::import;

#[path = "../tests/support/mod.rs"]
mod support;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const TARGET: u64 = 63 * 1024 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("csv");
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = match args.get(1) {
        Some(p) => PathBuf::from(p),
        None => generate(mode, dir.path()),
    };
    let size = std::fs::metadata(&path).expect("input file").len();
    let before = peak_kb();
    let started = Instant::now();
    let outcome = match mode {
        "csv" | "csv-wide" => match import::read_path(&path) {
            Ok(s) => format!("{} rows × {} columns", s.rows.len(), s.headers.len()),
            Err(e) => format!("refused: {} ({e})", e.rule()),
        },
        "webhook-parse" => {
            let bytes = std::fs::read(&path).expect("read");
            let text = import::decode_owned(bytes);
            let (events, unreadable) = opsdesk_core::truecaller::parse_events(&text);
            let with_id = events
                .iter()
                .filter(|e| e["event_id"].as_str().is_some())
                .count();
            format!("{with_id} events, {unreadable} unreadable")
        }
        "webhook" => webhook(&path),
        "wa-job" => wa_job(&path),
        other => panic!("unknown mode {other}: csv, csv-wide, webhook, webhook-parse, wa-job"),
    };
    let elapsed = started.elapsed();
    let peak = peak_kb();
    println!("input       {:.1} MB ({})", mb(size), path.display());
    println!("outcome     {outcome}");
    println!("time        {:.2} s", elapsed.as_secs_f64());
    println!("peak before {:.1} MB", before as f64 / 1024.0);
    println!(
        "peak RSS    {:.1} MB = {:.2}× the input",
        peak as f64 / 1024.0,
        peak as f64 * 1024.0 / size as f64
    );
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The process's peak resident size so far, in KiB (Linux).
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn generate(mode: &str, dir: &Path) -> PathBuf {
    let path = dir.join(match mode {
        "webhook" | "webhook-parse" => "events.jsonl",
        "wa-job" => "clientes.csv",
        _ => "lista.csv",
    });
    let mut w = BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut written = 0u64;
    let mut line = String::new();
    let mut i = 0u64;
    match mode {
        "csv" => {
            let header =
                "telefono;nombre;documento;correo;ciudad;direccion;monto;vence;estado;nota\n";
            w.write_all(header.as_bytes()).unwrap();
            let cities = [
                "Bogotá",
                "Medellín",
                "São Paulo",
                "Ciudad de México",
                "Lima",
            ];
            while i < 199_000 {
                line.clear();
                use std::fmt::Write as _;
                let _ = writeln!(
                    line,
                    "+57 300 {:07};María José Pérez Gómez {i};CC {:010};cliente{i}@ejemplo.com.co;{};\
                     Calle {} # {}-{} apartamento {} torre {};{}.{:02};2026-{:02}-{:02};pendiente;\
                     Cliente contactado por teléfono, solicita acuerdo de pago en {} cuotas, \
                     llamar después de las 3 pm, referencia {:012}, observación {}",
                    i,
                    i * 7919,
                    cities[(i % 5) as usize],
                    i % 200,
                    i % 90,
                    i % 70,
                    i % 900,
                    i % 12,
                    100_000 + i * 37 % 9_000_000,
                    i % 100,
                    1 + i % 12,
                    1 + i % 28,
                    2 + i % 10,
                    i * 104_729,
                    "x".repeat((i % 40) as usize),
                );
                w.write_all(line.as_bytes()).unwrap();
                i += 1;
            }
        }
        "wa-job" => {
            w.write_all(b"Tel\xc3\xa9fono;Nombre;Monto;Fecha;Acepta\n")
                .unwrap();
            while i < 100_000 {
                line.clear();
                use std::fmt::Write as _;
                let _ = writeln!(
                    line,
                    "3{:09};Cliente N\u{fa}mero {i};$ {}.000;5 de diciembre;s\u{ed}",
                    100_000_000 + i,
                    i % 900 + 100
                );
                w.write_all(line.as_bytes()).unwrap();
                i += 1;
            }
        }
        "csv-wide" => {
            w.write_all(b"telefono;nombre\n").unwrap();
            let row = format!("{}\n", vec!["3001234567"; 160].join(";"));
            while written < TARGET {
                w.write_all(row.as_bytes()).unwrap();
                written += row.len() as u64;
            }
        }
        _ => {
            while written < TARGET {
                line.clear();
                use std::fmt::Write as _;
                let _ = writeln!(
                    line,
                    r#"{{"event_id":"evt-{i:012}","client_account_id":"acc-7781","event_type":"cmb","created_at":"{}","cmb_payload":{{"business_number":"+918045671234","feature_set":"Cobranza","client_number":"9198765{:05}","requested_at":"{}","requested_date":"2026-11-23","requested_slot":"Lunes 9-12","preferred_from_time":"1700003600","preferred_to_time":"1700007200","is_interested":true,"alternate_number":"919876500000","cmb_config_name":"principal"}}}}"#,
                    1_700_000_000 + i,
                    i % 100_000,
                    1_700_000_000 + i,
                );
                w.write_all(line.as_bytes()).unwrap();
                written += line.len() as u64;
                i += 1;
            }
        }
    }
    w.flush().unwrap();
    path
}

/// The real import into a throwaway profile (its keys in memory, gone with it).
fn webhook(path: &Path) -> String {
    let profile = support::Profile::new();
    let app = profile.open();
    match app.truecaller_import_events_file(path) {
        Ok(r) => format!(
            "{} added, {} repeated, {} unreadable",
            r.added, r.duplicates, r.unreadable
        ),
        Err(e) => format!("refused: {e:?}"),
    }
}

/// The list screen's three steps in a throwaway practice profile: read, check, make the job.
fn wa_job(path: &Path) -> String {
    let profile = support::Profile::new();
    let app = profile.open();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let id = rt
        .block_on(app.whatsapp_refresh(&line))
        .unwrap()
        .into_iter()
        .find(|t| t.name == "recordatorio_pago")
        .unwrap()
        .outbound_id;
    let m = support::wa_mapping(&id);
    let start = peak_kb();
    let t = Instant::now();
    app.bulk_load_file(path).unwrap();
    let read = (t.elapsed(), peak_kb());
    let t = Instant::now();
    let preview = app.whatsapp_bulk_check(&m).unwrap();
    let check = (t.elapsed(), peak_kb());
    let t = Instant::now();
    let job = app.whatsapp_bulk_create(&m, "peak").unwrap();
    let create = (t.elapsed(), peak_kb());
    let v = app.bulk_job(job).unwrap();
    assert_eq!(v.counts.pending, preview.valid);
    let step = |(d, kb): (std::time::Duration, u64)| {
        format!(
            "{:.2} s, peak {:.0} MB",
            d.as_secs_f64(),
            kb as f64 / 1024.0
        )
    };
    format!(
        "{} rows, {} valid; app open {:.0} MB; read {}; check {}; job {}",
        preview.total,
        preview.valid,
        start as f64 / 1024.0,
        step(read),
        step(check),
        step(create)
    )
}
