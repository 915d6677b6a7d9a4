//! "Bring in checks from Truora" reads the whole account, page after page, past the 50 pages it
//! used to stop at, says how far it has got, and can be stopped keeping what came. (Its own test
//! binary: it points Practice mode at its own sandbox through the environment.)

mod support;

use opsdesk_sandbox::truora::checks::{CheckRecord, Plan};
use opsdesk_sandbox::{Sandbox, SandboxConfig};
use support::Profile;

const ACCOUNT: usize = 1_500;

async fn big_account() -> Sandbox {
    let sb = Sandbox::start(SandboxConfig {
        demo_data: false,
        ..Default::default()
    })
    .await
    .unwrap();
    sb.with_state(|st| {
        for i in 0..ACCOUNT {
            st.truora.checks.push(CheckRecord {
                check_id: format!("CHK{i:032}"),
                kind: "person".into(),
                country: "CO".into(),
                inputs: [("national_id".to_string(), format!("{}", 1_050_000_000 + i))].into(),
                created_ms: 1_700_000_000_000 - i as i64 * 60_000,
                plan: Plan::Complete,
                deleted: false,
            });
        }
    });
    sb
}

#[tokio::test]
async fn the_whole_account_comes_in_with_progress_and_a_stop_keeps_what_came() {
    let sb = big_account().await;
    std::env::set_var("OPSDESK_PRACTICE_SANDBOX", sb.base_url());
    let p = Profile::new();
    let app = p.open();

    // Stopped after 30 pages: those stay.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut heard = Vec::new();
    let out = app
        .checks_import_pages(None, Some(&stop), |p| {
            heard.push(p.checks);
            if p.pages == 30 {
                stop.cancel();
            }
        })
        .await
        .unwrap();
    assert!(out.cancelled);
    assert_eq!(out.pages, 30);
    assert_eq!(heard.len(), 30, "progress after every page");
    assert!(heard.windows(2).all(|w| w[0] < w[1]));
    let cached = |app: &opsdesk_core::App| {
        let q = opsdesk_core::checks::CheckQuery {
            limit: 500,
            ..Default::default()
        };
        let mut n = 0;
        let mut q = q;
        loop {
            let page = app.checks_search(&q).unwrap();
            n += page.rows.len();
            match page.next {
                Some(next) => q.after = Some(next),
                None => return n,
            }
        }
    };
    assert_eq!(cached(&app), out.checks as usize);

    // Again, to the end: every check of the account, well past 50 pages.
    let out = app.checks_import_pages(None, None, |_| {}).await.unwrap();
    assert!(!out.cancelled);
    assert!(out.pages > 50, "{} pages", out.pages);
    assert_eq!(out.checks as usize, ACCOUNT);
    assert_eq!(cached(&app), ACCOUNT);
}
