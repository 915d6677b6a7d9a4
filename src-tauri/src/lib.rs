//! The desktop shell: window, plugins, and thin commands that call `opsdesk_core::App`.

mod commands;
mod events;
mod notifications;
pub mod updates;

use opsdesk_core::{App, AppConfig, AppPaths};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::Manager;

/// Points the app at an isolated profile (data, logs, keyring entries). The end-to-end tests
/// use it so they never touch a real installation.
const PROFILE_ENV: &str = "OPSDESK_DATA_DIR";

/// When the process started, for the start-up figure the first screen logs (`ui_ready`).
pub(crate) static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// The WebKitGTK settings (each set to "1") with which OpsDesk paints on Linux without a GPU
/// (`paint_on_cpu_without_gpu`); public so the end-to-end tests can start the app that way on
/// any machine.
pub const PAINTING_WITHOUT_GPU: [&str; 2] = [
    "WEBKIT_SKIA_ENABLE_CPU_RENDERING",
    "WEBKIT_DISABLE_COMPOSITING_MODE",
];

/// Linux without a usable GPU (a virtual machine, a remote desktop, CI's Xvfb): WebKitGTK still
/// paints through OpenGL, which Mesa then emulates on the processor (llvmpipe), and that is
/// slower than WebKit's own processor painter. Measured here (issue #18), the first screen took
/// 220–270 ms to paint the first way and 90–110 ms the second. So when no GPU render node can be
/// opened, WebKit is asked for its processor painter before any window (and the web process,
/// which inherits the environment) exists.
///
/// It is also asked to paint the page straight into the window rather than as compositing
/// layers: without a GPU those layers are kept as tiles and put together by the same emulated
/// OpenGL. Measured here (README, issue #18): the web process idle 167 → 111 MB, and with
/// 100,000 cached checks scrolled 218 → 143 MB. (WebKit's WebDriver then waits for a paint
/// before a screenshot, which a page unchanged for a while never makes: the end-to-end harness
/// makes one, see `capture` in `tests/support/mod.rs`.)
///
/// A value the user set themselves is left alone.
#[cfg(target_os = "linux")]
fn paint_on_cpu_without_gpu() {
    if !usable_render_node(Path::new("/dev/dri")) {
        for var in PAINTING_WITHOUT_GPU {
            if std::env::var_os(var).is_none() {
                // Still one thread: nothing else reads the environment yet.
                std::env::set_var(var, "1");
            }
        }
    }
}

/// Whether DIR (the kernel's `/dev/dri`) has a GPU render node this user may open. Without one,
/// Mesa falls back to its software renderer whatever the hardware.
#[cfg(target_os = "linux")]
fn usable_render_node(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name().to_string_lossy().starts_with("renderD")
                && std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(e.path())
                    .is_ok()
        })
    })
}

pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    // Release builds never let a WebDriver take over the window: the variable that allows it
    // (read when the webview is created) is removed before anything starts. The end-to-end
    // tests drive debug builds.
    #[cfg(not(debug_assertions))]
    std::env::remove_var("TAURI_WEBVIEW_AUTOMATION");
    #[cfg(target_os = "linux")]
    paint_on_cpu_without_gpu();
    opsdesk_http::tls_provider();
    let isolated_profile = std::env::var_os(PROFILE_ENV).map(PathBuf::from);
    let mut builder = tauri::Builder::default();
    // A second launch focuses the running window instead of opening another copy on the same
    // cache. An isolated profile is a separate installation as far as this is concerned.
    if isolated_profile.is_none() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }));
    }
    builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        // macOS delivers Cmd+C / Cmd+V / Cmd+Z to text fields through the Edit menu: the default
        // application menu (app, Edit, View, Window) must stay on. It is the default; said here
        // so nobody turns it off by accident when adding a menu.
        .enable_macos_default_menu(true)
        .setup(move |app| {
            let identifier = app.config().identifier.clone();
            let (paths, keyring_service) =
                resolve_profile(app.handle(), &identifier, isolated_profile.clone())?;
            let guard = opsdesk_core::logging::init(&paths.log_dir)?;
            app.manage(LogGuardState(std::sync::Mutex::new(Some(guard))));
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                practice_default = true,
                "OpsDesk starting"
            );
            let cfg = AppConfig {
                keyring_service,
                paths,
                live: opsdesk_core::endpoints::LiveEndpoints::from_env(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                os_locale: sys_locale(),
                http: opsdesk_http::HttpConfig::default(),
                default_download_dir: download_dir(app.handle(), isolated_profile.as_deref()),
                secrets: Arc::new(opsdesk_core::vault::OsKeyring),
                clock: Arc::new(opsdesk_core::clock::SystemClock),
            };
            // The cache is opened beside the page, not before it: the webview only starts
            // loading once this hook returns, and opening (a keyring read over D-Bus, the
            // migrations of a new cache, recovering interrupted jobs) would add its time to
            // every start (issue #18). Commands wait for it through `Opening`.
            let (ready_tx, ready_rx) = tokio::sync::watch::channel(false);
            app.manage(commands::Opening(ready_rx));
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("open-cache".into())
                .spawn(move || open_core(handle, cfg, ready_tx))?;
            tracing::info!(
                ms = STARTED.get().map_or(0, |s| s.elapsed().as_millis() as u64),
                "window set up"
            );
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::system::app_status,
            commands::system::ui_ready,
            commands::system::reset_local_cache,
            commands::system::retry_local_cache,
            commands::system::recover_local_cache,
            commands::system::saved_files,
            commands::system::delete_saved_files_past_retention,
            commands::system::diagnostics,
            updates::commands::update_check,
            updates::commands::update_install,
            commands::system::open_log_folder,
            commands::settings::save_settings,
            commands::settings::save_truora_key,
            commands::settings::save_truecaller_keys,
            commands::settings::remove_credentials,
            commands::settings::test_connection,
            commands::activity::list_activity,
            commands::activity::attention,
            commands::activity::attention_seen,
            commands::activity::attention_seen_all,
            commands::system::cancel_job,
            commands::system::open_download,
            commands::system::choose_download_dir,
            commands::checks::checks_form_fields,
            commands::checks::checks_create,
            commands::checks::checks_search,
            commands::checks::checks_get,
            commands::checks::checks_refresh,
            commands::checks::checks_import,
            commands::checks::checks_details,
            commands::checks::checks_delete,
            commands::checks::checks_download_pdf,
            commands::checks::checks_custom_types,
            commands::checks::checks_extras,
            commands::checks::checks_download_attachment,
            commands::checks::checks_save_custom_type,
            commands::checks::checks_delete_custom_type,
            commands::checks::checks_account_settings,
            commands::checks::checks_save_account_settings,
            commands::checks::checks_make_continuous,
            commands::checks::checks_continuous,
            commands::checks::checks_continuous_set_enabled,
            commands::checks::checks_continuous_change,
            commands::checks::checks_continuous_history,
            commands::identity::identity_lookup,
            commands::identity::identity_get,
            commands::identity::identity_search,
            commands::identity::identity_inbox_visit,
            commands::identity::identity_sync_state,
            commands::identity::identity_sync,
            commands::identity::identity_delete,
            commands::identity::identity_resend_link,
            commands::identity::identity_flows,
            commands::identity::identity_name_flow,
            commands::identity::identity_download,
            commands::identity::identity_send_link,
            commands::checks::checks_export,
            commands::identity::identity_export,
            commands::activity::activity_export,
            commands::people::people_find,
            commands::people::people_export,
            commands::people::people_erase,
            commands::people::people_practice,
            commands::people::opt_outs,
            commands::people::opt_out_add,
            commands::people::opt_out_remove,
            commands::people::opt_out_import,
            commands::people::consents,
            commands::whatsapp::whatsapp_lines,
            commands::whatsapp::whatsapp_add_line,
            commands::whatsapp::whatsapp_line_names,
            commands::whatsapp::whatsapp_name_line,
            commands::whatsapp::whatsapp_remove_line,
            commands::whatsapp::whatsapp_cached,
            commands::whatsapp::whatsapp_refresh,
            commands::whatsapp::whatsapp_template,
            commands::whatsapp::whatsapp_reload,
            commands::whatsapp::whatsapp_check_draft,
            commands::whatsapp::whatsapp_create,
            commands::whatsapp::whatsapp_delete,
            commands::whatsapp::whatsapp_send,
            commands::whatsapp::whatsapp_create_inbound,
            commands::whatsapp::whatsapp_save_qr,
            commands::bulk::bulk_choose_file,
            commands::bulk::whatsapp_bulk_check,
            commands::bulk::whatsapp_bulk_create,
            commands::bulk::bulk_jobs,
            commands::bulk::bulk_job,
            commands::bulk::bulk_rows,
            commands::bulk::bulk_start,
            commands::bulk::bulk_pause,
            commands::bulk::bulk_cancel,
            commands::bulk::bulk_resolve_uncertain,
            commands::bulk::bulk_export,
            commands::bulk::truecaller_bulk_check,
            commands::bulk::truecaller_bulk_create,
            commands::bulk::checks_bulk_fields,
            commands::bulk::bulk_rows_export,
            commands::whatsapp::whatsapp_templates_export,
            commands::bulk::checks_bulk_check,
            commands::bulk::checks_bulk_create,
            commands::bulk::truecaller_labels,
            commands::truecaller::truecaller_push_call,
            commands::truecaller::truecaller_numbers,
            commands::truecaller::truecaller_feature_sets,
            commands::truecaller::truecaller_listing,
            commands::truecaller::truecaller_import_events,
            commands::truecaller::truecaller_callbacks,
            commands::truecaller::truecaller_callback_done,
            commands::truecaller::truecaller_labels_cached,
            commands::truecaller::truecaller_labels_refresh,
            commands::truecaller::truecaller_download_log,
        ])
        .build(tauri::generate_context!())
        .expect("error while starting OpsDesk")
        .run(|app, event| {
            // A normal exit: the next start can skip the full cache check.
            if let tauri::RunEvent::Exit = event {
                if let Some(core) = app.try_state::<Arc<App>>() {
                    core.mark_clean_exit();
                }
            }
        });
}

/// Opens the cache and starts the background work, then lets the waiting commands in.
fn open_core(handle: tauri::AppHandle, cfg: AppConfig, ready: tokio::sync::watch::Sender<bool>) {
    let lang = opsdesk_core::settings::Language::from_locale(cfg.os_locale.as_deref());
    let log_dir = cfg.paths.log_dir.clone();
    // Debug builds only: lets a test see the message below (nothing else makes opening fail).
    #[cfg(debug_assertions)]
    let fail = std::env::var_os("OPSDESK_TEST_FAIL_OPEN").is_some();
    #[cfg(not(debug_assertions))]
    let fail = false;
    // A panic is caught too: this thread dying would leave the window waiting for ever.
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if fail {
            panic!("OPSDESK_TEST_FAIL_OPEN is set");
        }
        App::open(cfg)
    }));
    let core = match opened {
        Ok(Ok(core)) => Arc::new(core),
        failed => {
            // Only the HTTP client can fail here (a damaged cache is a state the screens
            // show); without it nothing works. The screens never open, so a native message
            // says so, in the computer's language, before the app closes (a panic was
            // already logged by the crash hook).
            if let Ok(Err(e)) = &failed {
                tracing::error!(error = %e, "OpsDesk could not start");
            }
            use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
            let (title, text) = notifications::could_not_start(lang, &log_dir);
            handle
                .dialog()
                .message(text)
                .title(title)
                .kind(MessageDialogKind::Error)
                .blocking_show();
            handle.exit(1);
            return;
        }
    };
    handle.manage(core.clone());
    // The crash test sends 10,000 rows against the sandbox faster than real life.
    #[cfg(debug_assertions)]
    if let Some(rate) = std::env::var("OPSDESK_TEST_WA_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
    {
        core.set_whatsapp_bulk_rate(rate);
    }
    #[cfg(debug_assertions)]
    if let Some(rate) = std::env::var("OPSDESK_TEST_CHECKS_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
    {
        core.set_checks_bulk_rate(rate);
    }
    // Jobs that were sending when the app last stopped wait for one click to go on;
    // rows caught mid-send are marked uncertain, never re-sent on their own.
    match core.bulk_recover() {
        Ok(ids) if !ids.is_empty() => {
            tracing::info!(jobs = ids.len(), "bulk jobs interrupted by the last exit")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not check bulk jobs"),
    }
    match core.opt_outs_read_again() {
        Ok(n) if n > 0 => {
            tracing::info!(entries = n, "opt-outs saved by an older version read again")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the older opt-outs again"),
    }
    check_cache(handle.clone(), core.clone());
    follow_unfinished_checks(handle.clone(), core.clone());
    follow_templates_in_review(handle.clone(), core.clone());
    refresh_identity_inbox(handle.clone(), core);
    // Receivers gone means the app is closing: nobody is left to tell.
    let _ = ready.send(true);
}

struct LogGuardState(#[allow(dead_code)] std::sync::Mutex<Option<opsdesk_core::logging::LogGuard>>);

/// Reads the whole cache once, beside the window (it takes a moment on a large cache), and
/// switches every screen to the recovery page if part of it is damaged. Also purges what is past
/// retention every hour, for an app that stays open for days.
fn check_cache(handle: tauri::AppHandle, core: Arc<App>) {
    let c = core.clone();
    let h = handle.clone();
    tauri::async_runtime::spawn_blocking(move || {
        if c.full_check_due() && c.full_check() != opsdesk_core::StoreHealth::Ok {
            events::changed(&h, &[events::Topic::LocalCache]);
        }
    });
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        tick.tick().await; // the first tick is immediate; App::open purged already
        loop {
            tick.tick().await;
            let c = core.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || c.purge_expired()).await;
        }
    });
}

/// Follows unfinished checks in the background (each with its own backoff, stored on disk) and
/// tells the screens when one changed status.
fn follow_unfinished_checks(handle: tauri::AppHandle, core: Arc<App>) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if core.store_health() != opsdesk_core::StoreHealth::Ok {
                continue;
            }
            match core.checks_poll_due(20).await {
                Ok(0) => {}
                Ok(_) => events::changed(&handle, &[events::Topic::Checks]),
                Err(e) => tracing::debug!(error = %e, "check follow-up skipped"),
            }
        }
    });
}

/// Follows WhatsApp templates in Meta's review and tells the operator, with an OS
/// notification, when one is approved or rejected (each verdict once).
fn follow_templates_in_review(handle: tauri::AppHandle, core: Arc<App>) {
    use tauri_plugin_notification::NotificationExt;
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if core.store_health() != opsdesk_core::StoreHealth::Ok {
                continue;
            }
            let verdicts = match core.whatsapp_poll_due(20).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::debug!(error = %e, "template follow-up skipped");
                    continue;
                }
            };
            if verdicts.is_empty() {
                continue;
            }
            events::changed(&handle, &[events::Topic::Whatsapp]);
            let lang = core.settings().language;
            for v in verdicts {
                let (title, body) = notifications::template_verdict(lang, &v);
                if let Err(e) = handle
                    .notification()
                    .builder()
                    .title(title)
                    .body(body)
                    .show()
                {
                    tracing::debug!(error = %e, "notification not shown");
                }
            }
        }
    });
}

/// Keeps the identity inbox current: shortly after start, then every few minutes (Truora gives
/// no push for new processes). Without a Truora key, or offline, it waits for the next turn
/// quietly: the inbox shows when it was last brought up to date.
fn refresh_identity_inbox(handle: tauri::AppHandle, core: Arc<App>) {
    tauri::async_runtime::spawn(async move {
        // After the first screen, so start-up does not wait on the network.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(180));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if core.store_health() != opsdesk_core::StoreHealth::Ok {
                continue;
            }
            // Practice mode's account lives in the built-in sandbox: not started for this alone
            // (it costs memory at idle); the inbox refreshes itself when opened.
            if core.is_practice() && !core.practice_sandbox_running() {
                continue;
            }
            match core.identity_sync().await {
                Ok(s) if s.new > 0 || s.changed > 0 => {
                    events::changed(&handle, &[events::Topic::Identity])
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "identity inbox refresh skipped"),
            }
        }
    });
}

/// The system Downloads folder, or one inside an isolated profile (tests must not write into the
/// real user's folder).
fn download_dir(app: &tauri::AppHandle, isolated: Option<&Path>) -> PathBuf {
    match isolated {
        Some(dir) => dir.join("Downloads"),
        None => app
            .path()
            .download_dir()
            .or_else(|_| app.path().home_dir())
            .unwrap_or_else(|_| PathBuf::from(".")),
    }
}

fn sys_locale() -> Option<String> {
    opsdesk_core::settings::os_locale()
}

/// Data and log folders, and the keyring service name. Development builds get their own
/// (`<identifier>.dev`) so testing never reads or overwrites a real installation's cache or keys.
fn resolve_profile(
    app: &tauri::AppHandle,
    identifier: &str,
    isolated: Option<PathBuf>,
) -> Result<(AppPaths, String), Box<dyn std::error::Error>> {
    let dev_id = format!("{identifier}.dev");
    let id = if cfg!(debug_assertions) {
        dev_id.as_str()
    } else {
        identifier
    };
    if let Some(dir) = isolated {
        let service = format!("{id}@{}", dir.display());
        return Ok((
            AppPaths {
                log_dir: dir.join("logs"),
                data_dir: dir,
            },
            service,
        ));
    }
    let data_dir = swap_identifier(&app.path().app_data_dir()?, identifier, id);
    let log_dir = swap_identifier(&app.path().app_log_dir()?, identifier, id);
    Ok((AppPaths { data_dir, log_dir }, id.to_string()))
}

fn swap_identifier(path: &Path, from: &str, to: &str) -> PathBuf {
    path.components()
        .map(|c| {
            if c.as_os_str() == from {
                std::ffi::OsStr::new(to).to_owned()
            } else {
                c.as_os_str().to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_builds_use_their_own_folders() {
        let p = Path::new("/home/ana/.local/share/com.opsdesk.desktop/logs");
        assert_eq!(
            swap_identifier(p, "com.opsdesk.desktop", "com.opsdesk.desktop.dev"),
            PathBuf::from("/home/ana/.local/share/com.opsdesk.desktop.dev/logs")
        );
    }

    /// A machine without a GPU render node paints with WebKit's processor painter; one with a
    /// node the user may open keeps the GPU.
    #[cfg(target_os = "linux")]
    #[test]
    fn only_an_openable_render_node_counts_as_a_gpu() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!usable_render_node(&dir.path().join("missing")));
        assert!(!usable_render_node(dir.path()), "an empty /dev/dri");
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        assert!(
            !usable_render_node(dir.path()),
            "a display node is not a render node"
        );
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert!(usable_render_node(dir.path()));
    }
}
