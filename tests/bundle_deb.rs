//! The Linux installer as a user gets it: `./opsdesk bundle` builds the `.deb`, this test
//! unpacks it into a scratch root (what `dpkg -i` would put in `/`), starts the installed
//! binary on the virtual display and waits for its window. Ignored in the everyday run (it needs
//! the release build); `./opsdesk bundle` runs it with `OPSDESK_DEB` set.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[ignore = "needs the .deb from ./opsdesk bundle (OPSDESK_DEB) and a display"]
fn the_installed_deb_opens_its_window() {
    let deb = PathBuf::from(std::env::var("OPSDESK_DEB").expect("OPSDESK_DEB names the .deb"));
    let root = tempfile::tempdir().unwrap();
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .expect("dpkg-deb");
    assert!(status.success(), "the .deb unpacks");
    let bin = root.path().join("usr").join("bin").join("opsdesk");
    assert!(bin.exists(), "the package installs usr/bin/opsdesk");
    let desktop = root
        .path()
        .join("usr")
        .join("share")
        .join("applications")
        .join("OpsDesk.desktop");
    let entry = std::fs::read_to_string(&desktop).expect("a menu entry");
    assert!(entry.contains("Exec=opsdesk"), "{entry}");

    let profile = tempfile::tempdir().unwrap();
    let mut app = Command::new(&bin)
        .env("OPSDESK_DATA_DIR", profile.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the installed binary starts");
    // The window is there when the X server lists a window by that name (xwininfo, from
    // x11-utils, which the setup script installs with the virtual display).
    let started = Instant::now();
    let found = loop {
        let out = Command::new("xwininfo")
            .args(["-root", "-tree"])
            .output()
            .expect("xwininfo");
        if String::from_utf8_lossy(&out.stdout).contains("\"OpsDesk\"") {
            break true;
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        if let Ok(Some(code)) = app.try_wait() {
            panic!("the installed app exited before showing a window: {code}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = app.kill();
    let _ = app.wait();
    assert!(found, "the installed app showed its window within 30 s");
}
