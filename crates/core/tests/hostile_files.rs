//! Files whose names or contents come from outside: a job title that climbs folders, an
//! attachment that is really a program, a folder setting that is not a folder. Everything lands
//! inside the chosen folder, readable by the user only, and nothing executable is ever opened.

mod support;

use opsdesk_core::bulk::engine::{ExportLabels, NewRow, RowReason};
use opsdesk_core::ErrorCode;
use support::Profile;

#[tokio::test]
async fn an_attachment_that_is_a_program_is_saved_inert_and_never_opened() {
    let p = Profile::new();
    let app = p.open(); // Practice mode: no keys saved
    let created = app
        .checks_create(&support::person_check_co("1098765431", "1990-12-31", true))
        .await
        .unwrap();
    let id = created.check.row.check_id.clone();
    let sb = app.practice_sandbox().await.unwrap();
    sb.age_check(&id, 600_000);
    sb.set_faults(opsdesk_sandbox::Faults {
        hostile_attachments: true,
        ..Default::default()
    });
    let extras = app.checks_extras(&id).await.unwrap();
    let names: Vec<_> = extras.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["certificate.pdf", "factura.exe", "informe.hta"]);

    let mut saved = Vec::new();
    for a in &extras.attachments {
        saved.push(
            app.checks_download_attachment(&id, a.index, "att", |_| {})
                .await
                .unwrap(),
        );
    }
    // The real PDF keeps its type and can be opened.
    assert!(saved[0].file_name.ends_with(".pdf") && saved[0].openable);
    assert!(app.download_to_open(saved[0].id, false).is_ok());
    for f in &saved[1..] {
        assert!(f.file_name.ends_with(".bin"), "{}", f.file_name);
        assert!(!f.file_name.contains(".exe") && !f.file_name.contains(".hta"));
        assert!(!f.openable);
        let e = app.download_to_open(f.id, false).unwrap_err();
        assert_eq!(e.rule.map(|r| r.as_str()), Some("unsafe_file"));
        // Showing it in its folder is still possible.
        assert!(app.download_to_open(f.id, true).is_ok());
    }
    #[cfg(unix)]
    for f in &saved {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.download_path(f.id).unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "{} is readable by its owner only",
            f.file_name
        );
    }
    sb.set_faults(Default::default());
}

#[tokio::test]
async fn an_export_named_after_a_hostile_title_stays_in_the_download_folder() {
    let p = Profile::new();
    let app = p.open();
    let downloads = p.dir.path().join("Downloads");
    for (title, expected) in [
        ("../../x", "x - not sent.xlsx"),
        ("/etc/cron.d/evil", "etc-cron.d-evil - not sent.xlsx"),
        ("Cobranza 12/2026", "Cobranza 12-2026 - not sent.xlsx"),
        ("CON", "CON - not sent.xlsx"),
    ] {
        let rows = vec![NewRow {
            row_no: 2,
            payload: Err(vec![RowReason::rule(
                "phone_number",
                opsdesk_http::RuleCode::Required,
            )]),
            summary: "row 2".into(),
            // A cell longer than Excel allows, and a phone that must come back as it went.
            source: vec!["+57 315 000 0000".into(), "x".repeat(40_000)],
        }];
        let id = app
            .bulk_create(
                "test",
                title,
                &serde_json::json!({ "headers": ["phone", "notes"] }),
                rows,
            )
            .unwrap();
        let f = app
            .bulk_export(id, &ExportLabels::default(), None)
            .await
            .unwrap();
        assert_eq!(f.file_name, expected, "{title}");
        let path = app.download_path(f.id).unwrap();
        assert_eq!(path.parent().unwrap(), downloads, "{title}");

        // What is exported re-imports with the same values (no apostrophe before the phone).
        let bytes = std::fs::read(&path).unwrap();
        let sheet = opsdesk_core::bulk::import::read(&f.file_name, &bytes).unwrap();
        assert_eq!(sheet.rows.row(0).1[0], "+57 315 000 0000");
        let notes = &sheet.rows.row(0).1[1];
        assert_eq!(notes.chars().count(), 32_767, "cut to what Excel allows");
        assert!(notes.ends_with("[…]"));
    }
    assert_eq!(
        std::fs::read_dir(p.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".xlsx"))
            .count(),
        0,
        "nothing written above the download folder"
    );
}

#[tokio::test]
async fn the_download_folder_setting_only_takes_an_existing_folder() {
    let p = Profile::new();
    let app = p.open();
    let mut s = app.settings();
    for bad in ["..", "../../etc", "relative/folder", "/no/such/folder"] {
        s.download_dir = Some(bad.into());
        let e = app.save_settings(s.clone()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(e.field.as_deref(), Some("download_dir"), "{bad}");
    }
    let chosen = p.dir.path().join("Reportes");
    std::fs::create_dir_all(&chosen).unwrap();
    s.download_dir = Some(chosen.display().to_string());
    app.save_settings(s).await.unwrap();
    assert_eq!(app.download_dir(), chosen);
}

#[test]
fn a_program_saved_by_an_earlier_version_is_not_opened_either() {
    // Before content decided the type, an attachment kept the server's name: factura.exe.
    let p = Profile::new();
    let app = p.open();
    let path = p.file(
        "CHK1-factura.exe",
        b"MZ\x90\x00\x03 This program cannot be run in DOS mode.",
    );
    let id = app
        .with_store_for_tests(|c| {
            c.execute(
                "INSERT INTO downloads (subject_id, kind, path, bytes, at_ms) VALUES ('CHK1', 'attachment', ?1, 40, 1)",
                [path.display().to_string()],
            )?;
            Ok(c.last_insert_rowid())
        })
        .unwrap();
    let e = app.download_to_open(id, false).unwrap_err();
    assert_eq!(e.rule.map(|r| r.as_str()), Some("unsafe_file"));
    assert!(
        app.download_to_open(id, true).is_ok(),
        "shown in its folder"
    );
}
