// The smallest Tauri app: a window, a static page, and one command the page calls once painted
// so the start-up time is measured the way OpsDesk's is (`ui_ready`), with the same breakdown:
// until the page began loading, until its script ran, until the frame after it was painted.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

#[tauri::command]
fn ui_ready(page_origin_epoch_ms: f64, script_ms: f64, painted_ms: f64) {
    let started = STARTED.get().expect("set in main");
    let start_epoch_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        - started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "first screen shown ms={} page_ms={} script_ms={} paint_ms={}",
        started.elapsed().as_millis(),
        (page_origin_epoch_ms - start_epoch_ms).round(),
        script_ms.round(),
        (painted_ms - script_ms).round()
    );
}

fn main() {
    STARTED.get_or_init(std::time::Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(tauri::generate_context!())
        .expect("error while running the minimal app");
}
