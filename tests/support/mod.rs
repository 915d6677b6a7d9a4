//! Drives the real OpsDesk window over WebDriver. On Linux, WebKitWebDriver (Debian package
//! `webkit2gtk-driver`) launches the app binary itself when `TAURI_WEBVIEW_AUTOMATION=true` is in
//! its environment. Run inside `scripts/headless-session.sh` (a display and an unlocked keyring).

#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Window {
    pub client: Client,
    driver: Child,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts OpsDesk with its data in `profile` and returns a WebDriver session on its window.
pub async fn open_app(profile: &Path) -> Window {
    open_app_with(profile, &[]).await
}

/// The same, with extra environment for the app (it inherits the driver's).
pub async fn open_app_with(profile: &Path, env: &[(&str, &str)]) -> Window {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "end-to-end tests need a display and a keyring: run them through ./opsdesk test (or scripts/headless-session.sh)"
    );
    let port = free_port();
    let driver = Command::new("WebKitWebDriver")
        .arg(format!("--port={port}"))
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        .env("OPSDESK_DATA_DIR", profile)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("WebKitWebDriver is missing: install the webkit2gtk-driver package (./opsdesk test does)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "WebKitWebDriver did not start listening"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "webkitgtk:browserOptions".into(),
        serde_json::json!({ "binary": env!("CARGO_BIN_EXE_opsdesk"), "args": [] }),
    );
    // The same TLS provider choice as the app (two are compiled in; see `tls_provider`).
    opsdesk_http::tls_provider();
    let client = ClientBuilder::rustls()
        .expect("TLS setup")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session with the OpsDesk window");
    Window { client, driver }
}

impl Window {
    /// The app's process (the driver's child), for tests that kill it.
    pub fn app_pid(&self) -> Option<u32> {
        let out = Command::new("pgrep")
            .arg("-P")
            .arg(self.driver.id().to_string())
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_for_within(css, Duration::from_secs(20)).await
    }

    /// For elements that take a while to arrive (what a practice check's end brings).
    pub async fn wait_for_within(
        &self,
        css: &str,
        limit: Duration,
    ) -> fantoccini::elements::Element {
        let found = self
            .client
            .wait()
            .at_most(limit)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(el) => el,
            Err(e) => {
                let shown = self.what_is_shown(css).await;
                panic!("{css} never appeared: {e}\n{shown}")
            }
        }
    }

    /// Waits until the element's visible text equals `expected` (the UI updates asynchronously
    /// after a backend call, so a single read could race it).
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        self.wait_for_text_within(css, expected, Duration::from_secs(20))
            .await
    }

    /// For states that take a while to arrive (a check that completes in the practice sandbox).
    pub async fn wait_for_text_within(&self, css: &str, expected: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        // None until the element has been found and read at least once, so a timeout tells "never
        // there" from "there, with other words".
        let mut last: Option<String> = None;
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = el.text().await {
                    if text.trim() == expected {
                        return;
                    }
                    last = Some(text);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let shown = self.what_is_shown(css).await;
        match last {
            Some(last) => panic!("{css} should read {expected:?}, last read {last:?}\n{shown}"),
            None => panic!("{css} should read {expected:?}, but was never found\n{shown}"),
        }
    }

    /// For a failed wait: where the window is, what its page says, and a screenshot of it, so a
    /// rare failure can be understood from one CI log (`OPSDESK_SCREENSHOTS`, else the temporary
    /// folder). Practice data only: the tests never type real people's details. Each question
    /// has its own time limit: a window that stopped answering is a likely reason for the failed
    /// wait, and the report must not hang the test instead of failing it.
    async fn what_is_shown(&self, css: &str) -> String {
        const LIMIT: Duration = Duration::from_secs(5);
        let url = match tokio::time::timeout(LIMIT, self.client.current_url()).await {
            Ok(Ok(u)) => u.to_string(),
            Ok(Err(e)) => format!("(no address: {e})"),
            Err(_) => "(no address: the window did not answer)".into(),
        };
        let read = self.client.execute(
            "const el = document.querySelector(arguments[0]);
             const main = document.querySelector('main');
             return [el ? el.outerHTML.slice(0, 500) : '(no such element)',
                     (main ? main.innerText : document.body.innerText).slice(0, 2000)];",
            vec![serde_json::json!(css)],
        );
        let page = match tokio::time::timeout(LIMIT, read).await {
            Ok(Ok(v)) => v.to_string(),
            Ok(Err(e)) => format!("(page not readable: {e})"),
            Err(_) => "(page not readable: the window did not answer)".into(),
        };
        let dir = std::env::var_os("OPSDESK_SCREENSHOTS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("opsdesk-e2e-failures"));
        let file = dir.join(format!(
            "failed-wait-{}.png",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        ));
        let saved = match tokio::time::timeout(LIMIT, self.capture()).await {
            Ok(Ok(png)) => std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(&file, png))
                .map(|_| format!("screenshot: {}", file.display()))
                .unwrap_or_else(|e| format!("screenshot not saved: {e}")),
            Ok(Err(e)) => format!("no screenshot: {e}"),
            Err(_) => "no screenshot: the window did not answer".into(),
        };
        format!("window at {url}\nelement and page text: {page}\n{saved}")
    }
}

impl Window {
    /// Opens a screen the way a bookmark or a reload would, and waits until it is drawn and has
    /// stopped loading.
    pub async fn open_screen(&self, path: &str) {
        let mut url = self.client.current_url().await.unwrap();
        url.set_path(path);
        // WebDriver's navigation returns once the new page has loaded.
        self.client.goto(url.as_str()).await.unwrap();
        self.wait_for("main h1").await;
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const settled = () => !document.querySelector('[aria-busy=true]');
                 const tick = () => settled()
                   ? requestAnimationFrame(() => requestAnimationFrame(() => done(true)))
                   : setTimeout(tick, 50);
                 tick();",
                vec![],
            )
            .await
            .unwrap();
    }

    /// Every page a clerk reaches: the screens of [`SCREENS`], then item pages of [`DETAILS`]
    /// found on their lists (each list must offer at least three in Practice mode).
    pub async fn every_page(&self) -> Vec<String> {
        let mut pages: Vec<String> = SCREENS.iter().map(|s| s.to_string()).collect();
        for (list, prefix, how_many) in DETAILS {
            let hrefs = self.detail_links(list, prefix, how_many).await;
            assert!(
                hrefs.len() >= 3,
                "{list} lists its practice items: {hrefs:?}"
            );
            pages.extend(hrefs);
        }
        pages
    }

    /// The first `n` links of a list screen that open one of its items (`/identity/<id>`).
    async fn detail_links(&self, list: &str, prefix: &str, n: usize) -> Vec<String> {
        self.open_screen(list).await;
        // A list of a fresh profile fills once its items are brought in.
        self.wait_for(&format!("main a[href^='{prefix}']")).await;
        let hrefs = self
            .client
            .execute(
                "return [...document.querySelectorAll(`main a[href^='${arguments[0]}']`)]
                   .map(a => a.getAttribute('href')).slice(0, arguments[1]);",
                vec![prefix.into(), n.into()],
            )
            .await
            .unwrap();
        serde_json::from_value(hrefs).unwrap()
    }

    /// Saves what the window shows as `<name>.png` when `OPSDESK_SCREENSHOTS` names a folder
    /// (for people reviewing a change); does nothing otherwise.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("OPSDESK_SCREENSHOTS") else {
            return;
        };
        // Let the last change paint before the capture.
        let _ = self
            .client
            .execute("return await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))", vec![])
            .await;
        // A limit, so a capture that never comes back cannot hang the whole suite.
        if let Ok(Ok(png)) = tokio::time::timeout(Duration::from_secs(10), self.capture()).await {
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(Path::new(&dir).join(format!("{name}.png")), png);
        }
    }

    /// WebDriver's screenshot of the window. WebKit answers it after the page's next paint, and
    /// without compositing layers (what OpsDesk asks for on Linux machines without a GPU, such
    /// as Xvfb and CI) a page that has not changed for a while never paints again: the capture
    /// would wait for ever. So a 1x1 pixel in the bottom corner changes shade every frame until
    /// the capture is back (at most ten seconds), then goes. It is a nearly white pixel at the
    /// window's edge (a dot on a dark screen); nothing a reviewer or a check reads. Each capture
    /// has its own loop (a token), so one ending never stops the next one's.
    pub async fn capture(&self) -> Result<Vec<u8>, fantoccini::error::CmdError> {
        let _ = self
            .client
            .execute(
                "const me = {};
                 window.__opsdeskRepaint?.el.remove();
                 const el = document.createElement('div');
                 el.setAttribute('aria-hidden', 'true');
                 el.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
                 // The root element: the body may not exist yet while a page loads.
                 document.documentElement.appendChild(el);
                 me.el = el;
                 window.__opsdeskRepaint = me;
                 const until = performance.now() + 10000;
                 let n = 0;
                 const step = () => {
                   if (window.__opsdeskRepaint !== me || performance.now() > until) {
                     el.remove();
                     if (window.__opsdeskRepaint === me) window.__opsdeskRepaint = undefined;
                     return;
                   }
                   el.style.background = n++ % 2 ? '#fdfdfd' : '#fefefe';
                   requestAnimationFrame(step);
                 };
                 requestAnimationFrame(step);",
                vec![],
            )
            .await;
        let png = self.client.screenshot().await;
        let _ = self
            .client
            .execute(
                "window.__opsdeskRepaint?.el.remove(); window.__opsdeskRepaint = undefined;",
                vec![],
            )
            .await;
        png
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Starts OpsDesk once on `profile`, so its cache exists and its key is in the keyring, and
/// returns that key (tests then fill or damage the cache as months of work would).
pub async fn first_run_key(profile: &Path) -> opsdesk_http::Secret {
    let w = open_app(profile).await;
    w.wait_for("a[data-nav='/settings']").await;
    w.close().await;
    let service = format!("com.opsdesk.desktop.dev@{}", profile.display());
    opsdesk_core::vault::Vault::new(service)
        .get(opsdesk_core::vault::SecretName::DatabaseKey)
        .unwrap()
        .expect("the first run saved the cache key")
}

impl Window {
    /// WhatsApp → Send to a list.
    pub async fn open_list_send(&self) {
        // The first screen has its status (the sidebar is drawn before it): a click that lands
        // while the app is still starting was once lost in a full run, and the WhatsApp screen
        // never came (issue #18's start-up work made the sidebar appear sooner).
        self.wait_for("main h1").await;
        self.wait_for("a[data-nav='/whatsapp']")
            .await
            .click()
            .await
            .unwrap();
        self.wait_for("[data-testid=wa-nav-bulk]")
            .await
            .click()
            .await
            .unwrap();
    }

    /// Chooses `name` in the list screen's template field once the practice line's templates
    /// have arrived (they come in the background).
    pub async fn choose_list_template(&self, name: &str) {
        let template = self.wait_for("[data-testid=bulk-template]").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while template.select_by_label(name).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the practice templates never arrived"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Window {
    /// The counts of the (first) list job on screen, as the job card carries them.
    pub async fn job_counts(&self) -> serde_json::Value {
        let el = self.wait_for("[data-testid=bulk-job]").await;
        let raw = el.attr("data-counts").await.unwrap().unwrap_or_default();
        serde_json::from_str(&raw).unwrap_or_default()
    }

    /// Waits until the list job on screen reaches `state` (finished, interrupted…).
    pub async fn wait_job_state(&self, state: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(el) = self
                .client
                .find(Locator::Css("[data-testid=bulk-job]"))
                .await
            {
                if el.attr("data-state").await.ok().flatten().as_deref() == Some(state) {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "the job never became {state}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Every screen a clerk reaches from the sidebar and its tabs.
pub const SCREENS: &[&str] = &[
    "/",
    "/checks",
    "/checks/new",
    "/checks/bulk",
    "/checks/continuous",
    "/checks/types",
    "/checks/account",
    "/whatsapp",
    "/whatsapp/new",
    "/whatsapp/send",
    "/whatsapp/bulk",
    "/whatsapp/inbound",
    "/identity",
    "/truecaller",
    "/truecaller/bulk",
    "/truecaller/labels",
    "/truecaller/numbers",
    "/truecaller/callbacks",
    "/people",
    "/activity",
    "/settings",
];

/// Item pages reached from a list, with how many to open: identity processes of every outcome
/// and templates of every status that the practice account holds.
pub const DETAILS: [(&str, &str, usize); 2] = [
    ("/identity", "/identity/", 6),
    ("/whatsapp", "/whatsapp/t/", 6),
];
