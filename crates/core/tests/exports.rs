//! Lists out to Excel and CSV: what is exported reads back (with OpsDesk's own importer) as the
//! same values the screen shows, in the screen's order, filtered as the screen was.

mod support;

use opsdesk_core::bulk::import;
use opsdesk_core::export::{Format, Words};
use opsdesk_core::store::checks::{CheckQuery, CheckRow};
use opsdesk_core::store::fixtures;
use opsdesk_core::App;
use support::Profile;

fn spanish() -> Words {
    Words {
        lang: "es".into(),
        words: [
            ("checks.export.created", "Fecha"),
            ("checks.export.name", "Nombre"),
            ("checks.export.document", "Documento"),
            ("checks.export.score", "Puntaje (0 a 10)"),
            ("checks.export.check_id", "ID en Truora"),
            ("status.completed", "Terminada"),
            ("country.CO", "Colombia"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    }
}

/// Every row the screen would list for `q`, page after page.
fn screen_rows(app: &App, q: &CheckQuery) -> Vec<CheckRow> {
    let mut q = CheckQuery {
        limit: 500,
        ..q.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = app.checks_search(&q).unwrap();
        out.extend(page.rows);
        match page.next {
            Some(n) => q.after = Some(n),
            None => return out,
        }
    }
}

fn local_minute(ms: i64, format: &str) -> String {
    let offset = chrono::Local::now().offset().local_minus_utc() as i64;
    chrono::DateTime::from_timestamp(ms / 1000 + offset, 0)
        .unwrap()
        .format(format)
        .to_string()
}

/// `date`: how the file reads back a date cell (day first in a Spanish CSV).
fn assert_same(sheet: &import::Sheet, rows: &[CheckRow], decimal: char, date: &str) {
    assert_eq!(sheet.rows.len(), rows.len());
    for ((_, cells), r) in sheet.rows.iter().zip(rows) {
        assert_eq!(sheet.cell(&cells, 0), local_minute(r.created_ms, date));
        assert_eq!(sheet.cell(&cells, 1), r.subject);
        assert_eq!(sheet.cell(&cells, 2), r.document);
        assert_eq!(sheet.cell(&cells, 7), r.check_id);
        let score = sheet.cell(&cells, 6);
        if r.score < 0.0 {
            assert_eq!(score, "");
        } else {
            let read: f64 = score.replace(decimal, ".").parse().unwrap();
            assert!(
                (read - r.score * 10.0).abs() < 0.051,
                "{read} vs {}",
                r.score
            );
        }
    }
}

#[test]
fn the_checks_list_exports_as_filtered_and_reads_back_the_same() {
    let p = Profile::new();
    let app = p.open();
    {
        let store = app.store().unwrap();
        let mut c = store.conn().unwrap();
        // Practice mode (no keys): the list shows practice checks.
        fixtures::fill_checks(&mut c, 1_234, true, false).unwrap();
    }
    let all = CheckQuery::default();
    let rows = screen_rows(&app, &all);
    assert_eq!(rows.len(), 1_234);

    // CSV in Spanish: `;` between cells and decimal commas, as Spanish Excel reads them.
    let csv = app
        .checks_export_bytes(&all, Format::Csv, &spanish())
        .unwrap();
    assert!(
        csv.starts_with("\u{feff}".as_bytes()),
        "a BOM, so Excel reads UTF-8"
    );
    let sheet = import::read("verificaciones.csv", &csv).unwrap();
    assert_eq!(
        &sheet.headers[..3],
        ["Fecha", "Nombre", "Documento"].map(String::from)
    );
    assert_eq!(sheet.headers[6], "Puntaje (0 a 10)");
    // Dates day first, as the app and Spanish Excel write them.
    assert_same(&sheet, &rows, ',', "%d/%m/%Y %H:%M");

    // Excel, filtered as the screen was: only finished checks, in the screen's order.
    let done = CheckQuery {
        status: Some("completed".into()),
        ..Default::default()
    };
    let finished = screen_rows(&app, &done);
    assert!(!finished.is_empty() && finished.len() < rows.len());
    let xlsx = app
        .checks_export_bytes(&done, Format::Xlsx, &spanish())
        .unwrap();
    let sheet = import::read("verificaciones.xlsx", &xlsx).unwrap();
    assert_same(&sheet, &finished, '.', "%Y-%m-%d %H:%M");
    assert!(sheet
        .rows
        .iter()
        .all(|(_, cells)| sheet.cell(&cells, 5) == "Terminada"));

    // Saved as every other file: in the download folder, recognised as a spreadsheet.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let f = rt
        .block_on(app.save_list_export(
            "checks-list",
            xlsx,
            &spanish(),
            "checks.export.file_name",
            None,
        ))
        .unwrap();
    assert!(f.file_name.ends_with(".xlsx"), "{}", f.file_name);
}

#[tokio::test]
async fn the_identity_inbox_and_the_activity_export_as_the_screens_show_them() {
    use opsdesk_core::store::identity::{ProcessQuery, ProcessRow};
    let p = Profile::new();
    let app = p.open();
    app.identity_sync().await.unwrap();
    let flows = app.identity_flows().unwrap();
    app.identity_name_flow(&flows[0].flow_id, "Conductores nuevos")
        .unwrap();
    let q = ProcessQuery {
        outcome: Some("failure".into()),
        ..Default::default()
    };
    let mut screen: Vec<ProcessRow> = Vec::new();
    let mut page_q = ProcessQuery {
        limit: 500,
        ..q.clone()
    };
    loop {
        let page = app.identity_search(&page_q).unwrap();
        screen.extend(page.rows);
        match page.next {
            Some(n) => page_q.after = Some(n),
            None => break,
        }
    }
    assert!(screen.len() > 10);
    let words = Words {
        lang: "pt-BR".into(),
        words: [("identity.outcome.failure", "Não verificado")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let csv = app.identity_export_bytes(&q, Format::Csv, &words).unwrap();
    let sheet = import::read("identidade.csv", &csv).unwrap();
    assert_eq!(sheet.rows.len(), screen.len());
    for ((_, cells), r) in sheet.rows.iter().zip(&screen) {
        assert_eq!(
            sheet.cell(&cells, 0),
            local_minute(r.created_ms, "%d/%m/%Y %H:%M")
        );
        assert_eq!(sheet.cell(&cells, 1), r.name);
        assert_eq!(sheet.cell(&cells, 2), r.document);
        assert_eq!(sheet.cell(&cells, 4), "Não verificado");
        assert_eq!(sheet.cell(&cells, 6), r.process_id);
        // Flows by the name the team gave them.
        if r.flow_id == flows[0].flow_id {
            assert_eq!(sheet.cell(&cells, 5), "Conductores nuevos");
        }
    }

    // Activity: every entry, newest first, in words.
    for i in 0..1_234 {
        app.record(
            "checks",
            "checks.created",
            opsdesk_core::activity::Outcome::Ok,
            &format!("CHK{i}"),
        );
    }
    let words = Words {
        lang: "en".into(),
        words: [("action.checks.created", "Background check created")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let xlsx = app.activity_export_bytes(Format::Xlsx, &words).unwrap();
    let sheet = import::read("activity.xlsx", &xlsx).unwrap();
    let created: Vec<_> = sheet
        .rows
        .iter()
        .filter(|(_, cells)| sheet.cell(cells, 1) == "Background check created")
        .map(|(_, cells)| sheet.cell(&cells, 3).to_string())
        .collect();
    assert_eq!(created.len(), 1_234);
    assert_eq!(created[0], "CHK1233", "newest first");
}

#[tokio::test]
async fn a_jobs_rows_and_the_template_list_read_back_as_the_screens_show_them() {
    use opsdesk_core::bulk::engine::{ExportLabels, RowReason, RowState};
    let p = Profile::new();
    let app = p.open();
    let headers = ["Teléfono", "Nombre", "Monto", "Fecha", "Acepta"];
    let id = app
        .bulk_create(
            "whatsapp",
            "cobros.csv",
            &serde_json::json!({ "headers": headers }),
            support::list_rows(120),
        )
        .unwrap();
    app.bulk_run(id, std::sync::Arc::new(support::Instantly), |_| {})
        .await
        .unwrap();
    let labels = ExportLabels {
        result: "Resultado".into(),
        reason: "Motivo".into(),
        file_suffix: String::new(),
        states: [
            (RowState::Done, "Enviado".to_string()),
            (RowState::Invalid, "Problema en el archivo".to_string()),
        ]
        .into(),
        reasons: vec![(
            RowReason::rule("phone_number", opsdesk_http::RuleCode::NotAPhone),
            "Número: no es un celular".into(),
        )],
    };
    let mut words = spanish();
    for (k, v) in [
        ("bulk.col_result", "Resultado"),
        ("bulk.col_reason", "Motivo"),
        ("bulk.col_reference", "Referencia"),
        ("bulk.col_updated", "Último cambio"),
    ] {
        words.words.insert(k.into(), v.into());
    }
    for format in [Format::Xlsx, Format::Csv] {
        let bytes = app
            .bulk_rows_export_bytes(id, format, &words, &labels)
            .unwrap();
        let name = if format == Format::Csv {
            "f.csv"
        } else {
            "f.xlsx"
        };
        let sheet = import::read(name, &bytes).unwrap();
        assert_eq!(
            sheet.headers,
            [
                "Teléfono",
                "Nombre",
                "Monto",
                "Fecha",
                "Acepta",
                "Resultado",
                "Motivo",
                "Referencia",
                "Último cambio"
            ]
        );
        // Every row, in the file's order, with the cells it came with.
        assert_eq!(sheet.rows.len(), 120);
        let source = support::list_rows(120);
        for ((no, cells), orig) in sheet.rows.iter().zip(&source) {
            assert_eq!(no, orig.row_no);
            for (i, v) in orig.source.iter().enumerate() {
                assert_eq!(sheet.cell(&cells, i), v, "row {no} column {i}");
            }
            if orig.payload.is_ok() {
                assert_eq!(sheet.cell(&cells, 5), "Enviado");
                assert_eq!(sheet.cell(&cells, 7), format!("MSG{no}"));
                assert_eq!(sheet.cell(&cells, 8).len(), 16, "a date and time");
            } else {
                assert_eq!(sheet.cell(&cells, 5), "Problema en el archivo");
                assert_eq!(sheet.cell(&cells, 6), "Número: no es un celular");
                assert_eq!(sheet.cell(&cells, 7), "");
            }
        }
    }

    // The template list of the practice line, as listed.
    let line = opsdesk_sandbox::PRACTICE_WABA_LINE;
    let listed = app.whatsapp_refresh(line).await.unwrap();
    let mut words = spanish();
    words
        .words
        .insert("wa.status_approved".into(), "Aprobada".into());
    let bytes = app
        .whatsapp_templates_export_bytes(line, Some("approved"), Format::Xlsx, &words)
        .unwrap();
    let sheet = import::read("t.xlsx", &bytes).unwrap();
    let approved: Vec<_> = listed
        .iter()
        .filter(|t| t.status == opsdesk_core::whatsapp::TemplateStatus::Approved)
        .collect();
    assert!(!approved.is_empty());
    assert_eq!(sheet.rows.len(), approved.len());
    for ((_, cells), t) in sheet.rows.iter().zip(&approved) {
        assert_eq!(sheet.cell(&cells, 0), t.name);
        assert_eq!(sheet.cell(&cells, 4), "Aprobada");
        assert_eq!(sheet.cell(&cells, 8), t.body.trim());
        assert_eq!(
            sheet.cell(&cells, 9),
            local_minute(t.checked_at_ms, "%Y-%m-%d %H:%M")
        );
        assert_eq!(sheet.cell(&cells, 10), t.outbound_id);
    }
}
