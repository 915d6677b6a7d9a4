//! Bulk jobs (issue: import and check 100,000 rows in under 1 s; the engine's own overhead keeps
//! throughput at ≥ 95% of the vendor's limit). Run inside `scripts/headless-session.sh` (the
//! engine part uses the real encrypted store, whose key lives in the keyring):
//! `scripts/headless-session.sh cargo bench -p opsdesk-core --bench bulk`.

use opsdesk_core::bulk::import;
use opsdesk_core::bulk::whatsapp::{rows_of, WaMapping};
use opsdesk_truora::whatsapp::rules::SendableTemplate;
use std::time::Instant;

#[path = "../tests/support/mod.rs"]
mod support;
use support::Profile;

fn csv(n: usize) -> String {
    let mut s = String::with_capacity(n * 60);
    s.push_str("Teléfono;Nombre;Monto;Fecha;Acepta\n");
    for i in 0..n {
        s.push_str(&format!(
            "3{:09};Cliente Número {i};$ {}.000;5 de diciembre;sí\n",
            100_000_000 + i,
            i % 900 + 100
        ));
    }
    s
}

fn mapping() -> WaMapping {
    support::wa_mapping("OTB1")
}

fn import_and_check() {
    let bytes = csv(100_000).into_bytes();
    let t = SendableTemplate {
        status: "APPROVED".into(),
        is_notification: true,
        variables: vec!["name".into(), "amount".into(), "due_date".into()],
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let sheet = import::read("clientes.csv", &bytes).unwrap();
        let rows = rows_of(&sheet, &mapping(), &t).unwrap();
        times.push(start.elapsed());
        assert_eq!(rows.iter().filter(|r| r.payload.is_ok()).count(), 100_000);
    }
    times.sort();
    println!(
        "import + check 100,000 rows ({:.1} MB CSV): best {:?}, median {:?}, worst {:?}",
        bytes.len() as f64 / 1e6,
        times[0],
        times[2],
        times[4]
    );
}

async fn engine_throughput(rate: u32, rows: usize) {
    // The same isolated profile the tests use (its keyring entries are removed at the end).
    let profile = Profile::new();
    let app = profile.open();
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let id = app
        .whatsapp_refresh(&line)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "recordatorio_pago")
        .unwrap()
        .outbound_id;
    app.bulk_load_bytes("c.csv", csv(rows).as_bytes()).unwrap();
    let mut m = mapping();
    m.outbound_id = id;
    let job = app.whatsapp_bulk_create(&m, "bench").unwrap();
    app.set_whatsapp_bulk_rate(rate);
    let start = Instant::now();
    let v = app.whatsapp_bulk_run(job, |_| {}).await.unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(v.counts.done as usize, rows);
    // The limiter lets the first request through at once, so the ideal is (rows - 1) / rate.
    let ideal = (rows - 1) as f64 / rate as f64;
    println!(
        "engine at {rate}/s: {rows} sends in {secs:.2} s = {:.1}/s, {:.1}% of the limit",
        rows as f64 / secs,
        ideal / secs * 100.0
    );
}

fn main() {
    if std::env::var("ONLY_TC").is_err() {
        import_and_check();
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The documented default pace, and a much faster one to show where the engine itself tops out.
    rt.block_on(engine_throughput(
        opsdesk_core::bulk::whatsapp::SENDS_PER_SECOND,
        600,
    ));
    rt.block_on(engine_throughput(100, 3_000));
    let records = std::env::var("TC_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    rt.block_on(truecaller_throughput(4.0, records));
}

/// Truecaller: 100,000 records in batches of 500 against the sandbox, which enforces 60 batches
/// per minute per token in its (scaled) time. The client's pace is scaled the same way.
async fn truecaller_throughput(scale: f64, records: usize) {
    // The same isolated profile the tests use (its keyring entries are removed at the end).
    let profile = Profile::new();
    let app = profile.open();
    let label = app.truecaller_label_list().await.unwrap()[0].id.clone();
    let mut csv = String::from("mobile\n");
    for i in 0..records {
        csv.push_str(&format!("+91 9{:09}\n", 100_000_000 + i));
    }
    app.bulk_load_bytes("c.csv", csv.as_bytes()).unwrap();
    let job = app
        .truecaller_bulk_create(&support::tc_mapping(label, "+91 80 4567 1234", 20), "bench")
        .unwrap();
    app.practice_sandbox().await.unwrap().set_time_scale(scale);
    // 2% under the limit: the sandbox counts a sliding window, and pacing exactly at it makes
    // every few batches arrive a hair early (a 429 and a one-second wait).
    app.set_truecaller_batch_rate((60.0 * scale * 0.98) as u32);
    let start = Instant::now();
    let v = app.truecaller_bulk_run(job, |_| {}).await.unwrap();
    let secs = start.elapsed().as_secs_f64();
    let c = &v.counts;
    assert_eq!((c.done + c.failed) as usize, records, "{c:?}");
    let batches = records.div_ceil(500);
    // The sending rate is read on the sandbox's own clock: when it accepted the first and the
    // last batch (virtual ms). The documented limit is 60 batches per minute per token.
    let times: Vec<i64> = app.practice_sandbox().await.unwrap().with_state(|st| {
        let mut t: Vec<i64> = st
            .truecaller
            .calls
            .batches
            .values()
            .map(|r| r[0].created_ms)
            .collect();
        t.sort();
        t
    });
    let span_min = (times[times.len() - 1] - times[0]) as f64 / 60_000.0;
    let per_min = (batches - 1) as f64 / span_min;
    println!(
        "truecaller: {records} records in {batches} batches, sandbox at x{scale}: accepted at {per_min:.1} batches per \
         minute of sandbox time = {:.1}% of the limit of 60 ({:.0} records/min per token); every record accounted \
         for ({} delivered, {} failed upstream); whole job {secs:.1} s real, including following the last results",
        per_min / 60.0 * 100.0,
        per_min * 500.0,
        c.done,
        c.failed,
    );
}
