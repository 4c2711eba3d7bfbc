//! The `server serve` command: starts, prints its address and login, stops cleanly.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn serve_prints_its_address_answers_and_stops_cleanly_on_sigterm() {
    // A database of its own, made and dropped by the harness.
    let app = common::spawn_app().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("PORTAL_DATABASE_URL", common::database_url(app.db_name()))
        .env("PORTAL_LISTEN", "127.0.0.1:0")
        .env("PORTAL_DATA_DIR", data_dir.path())
        .env("PORTAL_LOG", "info")
        .env("PORTAL_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = Instant::now();
    let mut url = None;
    let mut lines = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        if let Some(rest) = line.trim().strip_prefix("The portal is running at ") {
            url = Some(rest.trim().to_owned());
        }
        lines.push(line);
        if url.is_some() && lines.iter().any(|l| l.contains("owner@demo.example")) {
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("no address printed: {lines:#?}"));
    assert!(
        lines.iter().any(|l| l.contains("owner@demo.example")),
        "the demo login is printed"
    );
    let health = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the portal did not stop within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    assert!(
        reqwest::get(format!("{url}/healthz")).await.is_err(),
        "no longer listening"
    );
}
