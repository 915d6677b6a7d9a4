//! People and consent: one person planted in every table that can hold people is found,
//! exported and erased everywhere; the do-not-contact list blocks single and list sends; each
//! send links to the consent it relied on.

mod support;

use opsdesk_core::bulk::engine::{BulkReason, RowReason, RowState};
use opsdesk_core::people::{
    ConsentHow, PersonExportFormat, PersonExportLabels, PersonQuery, PersonRecord, PRACTICE_PERSON,
};
use opsdesk_core::store::people::{coverage, Found};
use opsdesk_core::App;
use opsdesk_http::RuleCode;
use opsdesk_truora::whatsapp::rules::SendDraft;
use std::sync::Arc;
use support::Profile;

async fn reminder(app: &App) -> String {
    let line = app.whatsapp_lines().unwrap()[0].clone();
    let list = app.whatsapp_refresh(&line).await.unwrap();
    list.iter()
        .find(|t| t.name == "recordatorio_pago")
        .unwrap()
        .outbound_id
        .clone()
}

/// Whether the record holds something from `table` (a searched table the test does not know
/// fails: say here where its rows appear).
fn found_in(r: &PersonRecord, table: &str) -> bool {
    match table {
        "checks" => !r.checks.is_empty(),
        "identity_inbox" => !r.processes.is_empty(),
        "wa_sends" => !r.sends.is_empty(),
        "consents" => !r.consents.is_empty(),
        "opt_outs" => r.opt_out.is_some(),
        "bulk_rows" => !r.list_rows.is_empty(),
        "tc_events" => !r.callbacks.is_empty(),
        "activity" => !r.activity.is_empty(),
        "downloads" => !r.files.is_empty(),
        other => panic!("{other} is searched for people but this test does not plant one there"),
    }
}

fn tables(app: &App) -> Vec<String> {
    app.with_store_for_tests(|c| {
        let mut s =
            c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let rows = s.query_map([], |r| r.get(0))?;
        rows.collect()
    })
    .unwrap()
}

/// Every text and blob cell of every table, lower-cased, that contains one of `needles`.
fn cells_holding(app: &App, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for t in tables(app) {
        app.with_store_for_tests(|c| {
            let mut s = c.prepare(&format!("SELECT * FROM \"{t}\""))?;
            let cols = s.column_count();
            let mut rows = s.query([])?;
            while let Some(r) = rows.next()? {
                for i in 0..cols {
                    let text = match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                            String::from_utf8_lossy(b).to_lowercase()
                        }
                        _ => continue,
                    };
                    for n in needles {
                        if text.contains(&n.to_lowercase()) {
                            hits.push(format!("{t}: {n}: {text:.160}"));
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    }
    hits
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The practice person, every key written differently from how it was stored.
fn the_person() -> PersonQuery {
    let (cc, _, _, name) = PRACTICE_PERSON;
    PersonQuery {
        country_code: cc.into(),
        phone: "+57 (300) 123-45-67".into(),
        document: "1.020.304.050".into(),
        name: name.to_lowercase().replace('í', "i"),
    }
}

#[tokio::test]
async fn one_person_in_every_table_is_found_exported_and_erased() {
    let p = Profile::new();
    let app = p.open();
    // The practice person: checks and processes from the sandbox, a message, a list row, a
    // consent and a call-back request.
    let suggested = app.people_practice().await.unwrap();
    assert_eq!(suggested.phone, "300-123-4567");
    // A list sent for real, where the file wrote the number its own way.
    let id = reminder(&app).await;
    let (_, national, _, name) = PRACTICE_PERSON;
    let csv = format!(
        "Teléfono;Nombre;Monto;Fecha;Acepta\n3001000001;Otra Persona;$ 1;hoy;sí\n{};{name};$ 2;hoy;sí\n",
        national.replace(' ', "-")
    );
    app.bulk_load_bytes("diciembre.csv", csv.as_bytes())
        .unwrap();
    let job = app
        .whatsapp_bulk_create(&support::wa_mapping(&id), "")
        .unwrap();
    app.set_whatsapp_bulk_rate(1000);
    app.whatsapp_bulk_run(job, |_| {}).await.unwrap();
    // Her check's report, saved.
    let q = the_person();
    let found = app.people_find(&q).unwrap();
    let check = found.record.checks[0].check_id.clone();
    let pdf = app
        .checks_download_pdf(&check, "es", None, "j1", |_| {})
        .await
        .unwrap();
    let pdf_path = app.download_path(pdf.id).unwrap();
    // She asked not to be contacted (typed as a number with its country code).
    app.opt_out_add("", "573001234567").unwrap();

    let view = app.people_find(&q).unwrap();
    assert_eq!(view.phone.as_deref(), Some("+573001234567"));
    let r = &view.record;
    for t in tables(&app) {
        match coverage(&t) {
            None => panic!("table {t} is not in people::COVERAGE: say how a person is found in it"),
            Some(Found::Searched) => assert!(found_in(r, &t), "nothing found in {t}: {r:#?}"),
            Some(_) => {}
        }
    }
    // Her number and ID were given: others who share her name are not her.
    assert!(r.processes.iter().all(|x| x.document == "1020304050"));
    assert!(r.checks.iter().all(|x| x.document == "1020304050"));
    // Every send links to the consent it relied on: ticked by hand, or the file's row.
    assert!(
        r.sends.iter().all(|s| s.consent.is_some()),
        "{:#?}",
        r.sends
    );
    let from_file = r
        .sends
        .iter()
        .filter_map(|s| s.consent.as_ref())
        .find(|c| c.file == "diciembre.csv")
        .expect("the list send's consent");
    assert_eq!(
        (from_file.how, from_file.row_no, from_file.column.as_str()),
        (ConsentHow::FileColumn, Some(3), "Acepta")
    );
    assert!(r.sends.iter().any(|s| s
        .consent
        .as_ref()
        .is_some_and(|c| c.how == ConsentHow::Operator)));
    // Both lists she was a row of, with her cells; not the other person's row.
    assert_eq!(r.list_rows.len(), 2, "{:#?}", r.list_rows);
    assert!(r
        .list_rows
        .iter()
        .all(|row| row.cells.iter().any(|(_, v)| v.contains("300"))));

    // By name alone (no accents, any case) she is found too, and the screen is told so.
    let by_name = app
        .people_find(&PersonQuery {
            name: "maria fernanda ROJAS quintero".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(by_name.by_name_only);
    assert!(by_name.record.checks.iter().any(|c| c.check_id == check));

    // Export: everything found is in the file.
    let out = tempfile::tempdir().unwrap();
    let labels = PersonExportLabels::default();
    let json = app
        .people_export(
            &q,
            PersonExportFormat::Json,
            &labels,
            Some(out.path().into()),
        )
        .await
        .unwrap();
    assert!(json.file_name.ends_with(".json"), "{}", json.file_name);
    let text = std::fs::read_to_string(app.download_path(json.id).unwrap()).unwrap();
    for needle in [
        check.as_str(),
        &r.processes[0].process_id,
        "+573001234567",
        "1020304050",
    ] {
        assert!(text.contains(needle), "the JSON export lacks {needle}");
    }
    // In Spanish, with a translation longer than Excel allows for a sheet's name.
    let spanish = PersonExportLabels {
        words: [
            (
                "people.export.sheet.callbacks",
                "Solicitudes de llamada (Identificador de llamadas)",
            ),
            ("people.col.created", "Fecha"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let xlsx = app
        .people_export(
            &q,
            PersonExportFormat::Xlsx,
            &spanish,
            Some(out.path().into()),
        )
        .await
        .unwrap();
    {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook(app.download_path(xlsx.id).unwrap()).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names.len(), 9, "{names:?}");
        assert!(names.iter().all(|n| n.chars().count() <= 31), "{names:?}");
        let checks = wb.worksheet_range(&names[1]).unwrap();
        assert_eq!(
            checks.get((0, 0)).map(|c| c.to_string()),
            Some("Fecha".into())
        );
        assert_eq!(checks.height(), r.checks.len() + 1);
        // Dates are date cells, not text.
        assert!(matches!(
            checks.get((1, 0)),
            Some(calamine::Data::DateTime(_))
        ));
        let lists = wb.worksheet_range(&names[4]).unwrap();
        assert!(lists
            .rows()
            .skip(1)
            .all(|row| row[3].to_string().contains("300")));
    }

    // A name alone cannot erase: several people can share it.
    let errs = app
        .people_erase(
            &PersonQuery {
                name: name.into(),
                ..Default::default()
            },
            false,
        )
        .unwrap_err();
    assert_eq!(errs[0].rule, Some(RuleCode::EraseNeedsNumberOrId));
    assert!(!app.people_find(&q).unwrap().record.checks.is_empty());

    // Erase: nothing about her is left, only the hash that keeps her off every send.
    let erased = app.people_erase(&q, true).unwrap();
    assert!(erased.checks >= 1 && erased.processes >= 1 && erased.list_rows == 2);
    assert!(erased.kept_opt_out);
    let after = app.people_find(&q).unwrap().record;
    let left = PersonRecord {
        opt_out: None,
        ..after.clone()
    };
    assert!(left.is_empty(), "{left:#?}");
    assert_eq!(after.opt_out.as_ref().map(|o| o.phone.clone()), Some(None));
    // Her name is not a needle here: the practice inbox has other people of the same name
    // (with other IDs), whom an erasure by her number and ID must leave alone.
    let hits = cells_holding(
        &app,
        &["1020304050", "3001234567", "300-123-4567", "300 123 4567"],
    );
    assert!(hits.is_empty(), "{hits:#?}");
    assert!(!pdf_path.exists(), "her saved report is deleted");
    // The data folder (cache, logs) holds none of it in the clear.
    let mut files = Vec::new();
    files_under(p.dir.path(), &mut files);
    for f in files.iter().filter(|f| !f.starts_with(out.path())) {
        let bytes = std::fs::read(f).unwrap();
        let s = String::from_utf8_lossy(&bytes);
        for n in ["1020304050", "3001234567", name] {
            assert!(!s.contains(n), "{} holds {n}", f.display());
        }
    }
    // The refresh from Truora (which keeps its copy) does not bring her back.
    app.checks_import(3).await.unwrap();
    app.identity_sync().await.unwrap();
    let again = app.people_find(&q).unwrap().record;
    assert!(
        again.checks.is_empty() && again.processes.is_empty(),
        "{again:#?}"
    );

    // What was erased is in Activity, as counts.
    let entry = app
        .activity(10)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "people.erased")
        .unwrap();
    assert!(!entry.summary.contains("3001234567") && entry.summary.contains("\"checks\""));
    // The list she was in still adds up.
    let v = app.bulk_job(job).unwrap();
    assert_eq!(v.counts.done, 2);
    let _ = RowState::Done;
}

#[tokio::test]
async fn the_do_not_contact_list_blocks_single_and_list_sends() {
    let p = Profile::new();
    let app = p.open();
    let id = reminder(&app).await;
    app.set_whatsapp_bulk_rate(1000);
    // Typed as at home, with the country chosen beside it.
    app.opt_out_add("+57", "300 100 0003").unwrap();

    let mut draft = SendDraft {
        outbound_id: id.clone(),
        country_code: "+57".into(),
        phone_number: "(300) 100-0003".into(),
        flow_id: "IPF100".into(),
        values: [("name", "Luz"), ("amount", "$900"), ("due_date", "hoy")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        opt_in: true,
        account_id: String::new(),
    };
    let errs = app.whatsapp_send(&draft, false).await.unwrap_err();
    assert_eq!(
        (errs[0].field.as_deref(), errs[0].rule),
        (Some("phone_number"), Some(RuleCode::OptedOut))
    );
    // "Send again anyway" does not get past it either.
    assert!(app.whatsapp_send(&draft, true).await.is_err());
    draft.phone_number = "300 100 0004".into();
    app.whatsapp_send(&draft, false).await.unwrap();

    let mut csv = String::from("Teléfono;Nombre;Monto;Fecha;Acepta\n");
    for i in 0..6 {
        csv.push_str(&format!("300100000{i};Cliente {i};$ 1;hoy;sí\n"));
    }
    app.bulk_load_bytes("lista.csv", csv.as_bytes()).unwrap();
    let m = support::wa_mapping(&id);
    let preview = app.whatsapp_bulk_check(&m).unwrap();
    assert_eq!(preview.invalid, 1);
    assert_eq!(
        preview.problems[0].reasons,
        vec![RowReason::bulk(BulkReason::OptedOut)]
    );
    assert_eq!(preview.problems[0].row_no, 5);
    let job = app.whatsapp_bulk_create(&m, "").unwrap();
    // Row 2 asks to be left alone after the list was checked, before it goes out.
    app.opt_out_add("+57", "3001000000").unwrap();
    let v = app.whatsapp_bulk_run(job, |_| {}).await.unwrap();
    let sb = app.practice_sandbox().await.unwrap();
    let sent: Vec<String> = sb.with_state(|st| {
        st.truora
            .whatsapp
            .sent
            .iter()
            .map(|s| s.e164.clone())
            .collect()
    });
    assert!(
        !sent
            .iter()
            .any(|s| s.ends_with("3001000003") || s.ends_with("3001000000")),
        "{sent:?}"
    );
    // 0004 got the single send already today: skipped too, for another reason.
    assert_eq!(
        (v.counts.done, v.counts.invalid, v.counts.skipped),
        (3, 1, 2)
    );
    let rows = app.bulk_rows(job, &[], 0, 10).unwrap();
    let row2 = rows.iter().find(|r| r.row_no == 2).unwrap();
    assert_eq!(row2.reasons, vec![RowReason::bulk(BulkReason::OptedOut)]);

    // A link to a process by WhatsApp is a message too.
    let list = app.opt_outs().unwrap();
    assert_eq!(list.total, 2);
    // The person agreed again: taken off the list, the send goes.
    let key = list
        .entries
        .iter()
        .find(|e| e.phone.as_deref() == Some("+573001000003"))
        .unwrap()
        .key
        .clone();
    app.opt_out_remove(&key).unwrap();
    draft.phone_number = "300 100 0003".into();
    app.whatsapp_send(&draft, false).await.unwrap();
    let consents = app.consents().unwrap();
    assert!(consents
        .entries
        .iter()
        .any(|c| c.how == ConsentHow::Operator && c.phone == "+573001000003"));
    assert!(consents
        .entries
        .iter()
        .any(|c| c.how == ConsentHow::FileColumn && c.file == "lista.csv" && c.row_no == Some(3)));
}

#[test]
fn opt_outs_come_in_from_a_spreadsheet_or_an_events_export() {
    let p = Profile::new();
    let app: Arc<App> = p.open();
    let csv = p.file(
        "bajas.csv",
        "Nombre,Celular,Fecha\nAna,300 111 2222,2026-11-01\nLuis,+52 55 1234 5678,2026-11-02\nMal,12345678901234567,x\nAna otra vez,3001112222,\n"
            .as_bytes(),
    );
    let r = app.opt_out_import_file(&csv, "+57").unwrap();
    // The date column is not read as numbers; the bad number in the phone column is counted.
    assert_eq!((r.added, r.already, r.unreadable), (2, 1, 1));
    let json = p.file(
        "optouts.jsonl",
        concat!(
            r#"{"event":"opt_out","contact":{"phone_number":"+573009990001"},"at":"2026-11-30"}"#,
            "\n",
            r#"{"event":"opt_out","contact":{"wa_id":"573001112222"}}"#,
            "\n"
        )
        .as_bytes(),
    );
    let r = app.opt_out_import_file(&json, "+57").unwrap();
    assert_eq!((r.added, r.already), (1, 1));
    assert!(app.is_opted_out("+525512345678").unwrap());
    // A Brazilian file: the CPF column reads like mobiles but is not taken for one.
    let br = p.file(
        "descadastro.csv",
        "Nome;CPF;Celular\nAna;52998224725;(11) 98234-5678\n".as_bytes(),
    );
    let r = app.opt_out_import_file(&br, "+55").unwrap();
    assert_eq!((r.added, r.unreadable), (1, 0));
    assert!(!app.is_opted_out("+5552998224725").unwrap());
    // The same line written the old way, without the ninth digit, is blocked too.
    assert!(app.is_opted_out("+551182345678").unwrap());
    assert_eq!(app.opt_outs().unwrap().total, 4);
}

/// An opt-out saved by a version that kept the trunk 0 of a country outside its tables
/// (`+44 07911…`) still blocks the number as it is typed today (`+44 7911…`), once the cache
/// was read again at start; reading again a second time adds nothing.
#[test]
fn opt_outs_saved_the_old_way_still_block_the_number() {
    let p = Profile::new();
    let app: Arc<App> = p.open();
    // Any opt-out: the computer's salt exists from then on.
    app.opt_out_add("+57", "300 111 2222").unwrap();
    let (salt, practice): (String, bool) = app
        .with_store_for_tests(|c| {
            c.query_row(
                "SELECT (SELECT value FROM settings WHERE key = 'people.hash_salt'), practice FROM opt_outs",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap();
    let old = "+4407911123456";
    app.with_store_for_tests(|c| {
        c.execute(
            "INSERT INTO opt_outs (practice, phone_hash, phone, how, file, at_ms) VALUES (?1, ?2, ?3, 'typed', '', 1)",
            rusqlite::params![practice, opsdesk_core::people::hash_with(&salt, old), old],
        )
    })
    .unwrap();
    assert!(!app.is_opted_out("+447911123456").unwrap());
    assert_eq!(app.opt_outs_read_again().unwrap(), 1);
    assert!(app.is_opted_out("+447911123456").unwrap());
    assert_eq!(app.opt_outs_read_again().unwrap(), 0);
}

#[test]
fn a_search_needs_something_to_search_for() {
    let p = Profile::new();
    let app = p.open();
    let errs = app.people_find(&PersonQuery::default()).unwrap_err();
    assert_eq!(errs[0].rule, Some(RuleCode::PersonKeysNeeded));
    let errs = app
        .people_find(&PersonQuery {
            name: "María".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        (errs[0].field.as_deref(), errs[0].rule),
        (Some("name"), Some(RuleCode::FullNameNeeded))
    );
    let errs = app
        .people_find(&PersonQuery {
            phone: "12".into(),
            country_code: "+57".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(errs[0].field.as_deref(), Some("phone"));
}
