//! Bulk jobs (issue: import and check 100,000 rows in under 1 s; the engine's own overhead keeps
//! throughput at ≥ 95% of the vendor's limit). Run inside `scripts/headless-session.sh` (the
//! engine part uses the real encrypted store, whose key lives in the keyring):
//! `scripts/headless-session.sh cargo bench -p opsdesk-core --bench bulk`.

use opsdesk_core::bulk::import;
use opsdesk_core::bulk::whatsapp::{rows_of, WaMapping};
use opsdesk_core::{App, AppConfig, AppPaths};
use opsdesk_truora::whatsapp::rules::SendableTemplate;
use std::sync::Arc;
use std::time::Instant;

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
    WaMapping {
        outbound_id: "OTB1".into(),
        phone_column: "Teléfono".into(),
        country_column: String::new(),
        default_country_code: "+57".into(),
        value_columns: [
            ("name", "Nombre"),
            ("amount", "Monto"),
            ("due_date", "Fecha"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
        opt_in_column: "Acepta".into(),
        all_opted_in: false,
        flow_id: String::new(),
    }
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
    let dir = tempfile::tempdir().unwrap();
    let service = format!("com.opsdesk.bench.{}", uuid::Uuid::new_v4());
    let app = Arc::new(
        App::open(AppConfig {
            keyring_service: service.clone(),
            paths: AppPaths {
                data_dir: dir.path().join("data"),
                log_dir: dir.path().join("logs"),
            },
            live: opsdesk_core::endpoints::LiveEndpoints::from_env(),
            version: "bench".into(),
            os_locale: None,
            http: Default::default(),
            default_download_dir: dir.path().join("Downloads"),
        })
        .unwrap(),
    );
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
    let _ = opsdesk_core::vault::Vault::new(service)
        .delete(opsdesk_core::vault::SecretName::DatabaseKey);
}

fn main() {
    import_and_check();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The documented default pace, and a much faster one to show where the engine itself tops out.
    rt.block_on(engine_throughput(
        opsdesk_core::bulk::whatsapp::SENDS_PER_SECOND,
        600,
    ));
    rt.block_on(engine_throughput(100, 3_000));
}
