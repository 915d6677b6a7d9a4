//! Signed updates: the real updater plugin, in Tauri's mock runtime, against an update server on
//! loopback. A package signed with the publisher's key is accepted; one signed with another key,
//! or not matching its signature, is refused before anything could be installed.

use base64::Engine;
use opsdesk_app::updates::{check, download_verified};
use opsdesk_core::ErrorCode;
use std::io::{Read, Write};
use std::net::TcpListener;
use tauri_plugin_updater::UpdaterExt;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A publisher key pair: the public key as `tauri.conf.json` holds it, and the secret key.
fn publisher() -> (String, minisign::SecretKey) {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    (B64.encode(kp.pk.to_box().unwrap().to_string()), kp.sk)
}

/// The signature the Tauri CLI would write for `data`, naming the version it was built for.
fn sign(sk: &minisign::SecretKey, data: &[u8], version: &str) -> String {
    sign_with_comment(
        sk,
        data,
        &format!("timestamp:1700000000\tfile:opsdesk.AppImage\tversion:{version}"),
    )
}

fn sign_with_comment(sk: &minisign::SecretKey, data: &[u8], trusted: &str) -> String {
    let sig = minisign::sign(None, sk, data, Some(trusted), None).unwrap();
    B64.encode(sig.to_string())
}

fn manifest(base: &str, version: &str, signature: &str) -> String {
    let target = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
    serde_json::json!({
        "version": version,
        "notes": "Faster search",
        "pub_date": "2026-12-01T00:00:00Z",
        "platforms": { target: { "url": format!("{base}/package"), "signature": signature } }
    })
    .to_string()
}

/// An app with the updater plugin, configured like a release build but for loopback over plain
/// HTTP (the test server has no certificate).
fn app_with(pubkey: &str) -> tauri::App<tauri::test::MockRuntime> {
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".into(),
        serde_json::json!({
            "pubkey": pubkey,
            "endpoints": [],
            "requireSignedVersion": true,
            "dangerousInsecureTransportProtocol": true
        }),
    );
    tauri::test::mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(context)
        .unwrap()
}

async fn offered(pubkey: &str, base: &str) -> tauri_plugin_updater::Update {
    let app = app_with(pubkey);
    let updater = app
        .updater_builder()
        .endpoints(vec![format!("{base}/manifest").parse().unwrap()])
        .unwrap()
        .build()
        .unwrap();
    check(&updater)
        .await
        .unwrap()
        .expect("a newer version is on offer")
}

#[tokio::test]
async fn a_package_signed_by_the_publisher_is_accepted() {
    let (pubkey, sk) = publisher();
    let package = b"the new OpsDesk".to_vec();
    let sig = sign(&sk, &package, "9.9.9");
    let base = serve_with_manifest(|b| manifest(b, "9.9.9", &sig), package.clone());
    let update = offered(&pubkey, &base).await;
    assert_eq!(update.version, "9.9.9");
    assert_eq!(update.body.as_deref(), Some("Faster search"));
    assert_eq!(download_verified(&update).await.unwrap(), package);
}

#[tokio::test]
async fn a_package_signed_with_another_key_is_refused() {
    let (pubkey, _) = publisher();
    let (_, stranger) = publisher();
    let package = b"not from the publisher".to_vec();
    let sig = sign(&stranger, &package, "9.9.9");
    let base = serve_with_manifest(|b| manifest(b, "9.9.9", &sig), package);
    let update = offered(&pubkey, &base).await;
    let e = download_verified(&update).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateUnverified, "{e:?}");
}

#[tokio::test]
async fn a_package_changed_after_signing_is_refused() {
    let (pubkey, sk) = publisher();
    let sig = sign(&sk, b"the new OpsDesk", "9.9.9");
    let base = serve_with_manifest(|b| manifest(b, "9.9.9", &sig), b"the new 0psDesk".to_vec());
    let update = offered(&pubkey, &base).await;
    let e = download_verified(&update).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateUnverified, "{e:?}");
}

#[tokio::test]
async fn an_old_release_announced_as_new_is_refused() {
    // The manifest is not signed: a tampered one could pair a new version number with an old
    // (genuinely signed) package. The version inside the signature gives it away.
    let (pubkey, sk) = publisher();
    let package = b"OpsDesk 0.0.9".to_vec();
    let sig = sign(&sk, &package, "0.0.9");
    let base = serve_with_manifest(|b| manifest(b, "9.9.9", &sig), package);
    let update = offered(&pubkey, &base).await;
    let e = download_verified(&update).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateUnverified, "{e:?}");
}

#[tokio::test]
async fn a_signature_that_names_no_version_is_refused() {
    // Older signatures carry no version: accepting them would let any old release be served
    // as the new one (release builds require the version, as this test's app does).
    let (pubkey, sk) = publisher();
    let package = b"OpsDesk".to_vec();
    let sig = sign_with_comment(&sk, &package, "timestamp:1700000000\tfile:opsdesk.AppImage");
    let base = serve_with_manifest(|b| manifest(b, "9.9.9", &sig), package);
    let update = offered(&pubkey, &base).await;
    let e = download_verified(&update).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UpdateUnverified, "{e:?}");
}

/// An update server on loopback: the manifest at `/manifest` (built with the server's own
/// address) and the package at any other path.
fn serve_with_manifest(manifest: impl FnOnce(&str) -> String, package: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let manifest = manifest(&base);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            let (ctype, body): (&str, &[u8]) = if req.starts_with("GET /manifest") {
                ("application/json", manifest.as_bytes())
            } else {
                ("application/octet-stream", &package)
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        }
    });
    base
}
