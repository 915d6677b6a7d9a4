//! `opsdesk-sandbox [--port N] [--time-scale X] [--empty]`: runs the simulator until Ctrl-C and
//! prints its URLs and practice credentials as JSON on the first line of output.

use opsdesk_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut config = SandboxConfig::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--time-scale" => {
                config.time_scale = args.next().and_then(|v| v.parse().ok()).unwrap_or(1.0)
            }
            "--empty" => config.demo_data = false,
            "-h" | "--help" => {
                println!("opsdesk-sandbox [--port N] [--time-scale X] [--empty]");
                return Ok(());
            }
            other => {
                eprintln!("unknown argument: {other}");
                std::process::exit(2);
            }
        }
    }
    let sandbox = Sandbox::start_on(config, port).await?;
    println!(
        "{}",
        serde_json::json!({
            "urls": sandbox.urls(),
            "truora_api_key": opsdesk_sandbox::PRACTICE_TRUORA_KEY,
            "truecaller": sandbox.config().truecaller,
        })
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
