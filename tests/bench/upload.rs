//! `make bench`: upload and download of a 100 MB file over loopback HTTPS.
//!
//! Download: from Prosody's own http_file_share, by Balcony's worker (a
//! file another account sent, OMEMO-encrypted as files are by default,
//! streamed and decrypted into the download folder) against `curl` GETting
//! the same encrypted bytes. Upload: Balcony's HTTP client (the streamed PUT
//! of an upload slot, over the account's TLS configuration) against `curl`
//! PUTting to the same URL of a sink that takes bodies at socket speed
//! (`tests/support/http_sink.rs`); Prosody's http_file_share writes
//! streamed uploads at about 5 MB/s, which would measure Prosody. The
//! whole upload through Prosody (slot and PUT, by the worker) is printed
//! beside it. Runs alternate; medians of 3 are compared. Budget: at least
//! 80 % of curl's rate.

#[path = "../support/mod.rs"]
mod support;

use std::{
    path::{Path, PathBuf},
    process::Command as Process,
    sync::Arc,
    time::{Duration, Instant},
};

use balcony::core::{
    bridge::{Command, Event},
    files::http::{HttpClient, PutSlot},
    message::ChatKind,
    xmpp::connection::tls::AccountTls,
};
use support::{
    accounts::online,
    events::wait_for,
    http_sink::HttpSink,
    prosody::{uploads_config, Prosody},
};

const SIZE: u64 = 100 * 1024 * 1024;
const RUNS: usize = 3;
const SHARE: f64 = 0.8;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Writes `text` to `name` in the bench's folder; its path.
fn dir_file(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn mb_per_s(seconds: f64) -> f64 {
    SIZE as f64 / (1024.0 * 1024.0) / seconds
}

/// Runs curl with `args`; the seconds it reports for the transfer.
fn curl(ca: &Path, args: &[&str]) -> f64 {
    let out = Process::new("curl")
        .args(["--silent", "--show-error", "--fail", "--cacert"])
        .arg(ca)
        .args(["--output", "/dev/null", "--write-out", "%{time_total}"])
        .args(args)
        .output()
        .expect("curl (run `make test` for the dependencies)");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("seconds")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let server = Prosody::start_with(&[], &uploads_config(SIZE * 2));
    let sink = HttpSink::start().await;
    let sink_ca = dir_file("sink-ca.pem", &sink.ca_pem);
    let client = HttpClient::new(&AccountTls::new(Some(&sink.ca_pem), vec![]).expect("tls")).expect("client");
    let slot = PutSlot {
        url: sink.url.clone(),
        headers: vec![("Authorization".into(), "Bearer bench".into())],
    };
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    server.befriend("juliet", "romeo");
    let juliet = online(&server, "bench-upload-juliet", "juliet", "pw").await;
    let romeo = online(&server, "bench-upload-romeo", "romeo", "pw").await;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-upload");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("downloads")).expect("dir");
    romeo.send(Command::SetDownloadDirectory {
        path: Some(dir.join("downloads")),
    });
    let file = dir.join("hundred.bin");
    let bytes: Vec<u8> = (0..SIZE).map(|i| (i % 253) as u8).collect();
    std::fs::write(&file, &bytes).expect("write");
    drop(bytes);
    let ca = server.ca_path();
    let wait = Duration::from_secs(120);
    let (mut ours_up, mut curl_up, mut ours_down, mut curl_down) = (vec![], vec![], vec![], vec![]);
    let mut through_prosody = vec![];
    for run in 0..RUNS {
        // Upload: Balcony's client, then curl, to the same sink URL.
        let start = Instant::now();
        client
            .upload(
                &slot,
                &file,
                SIZE,
                "application/octet-stream",
                Arc::new(|_, _| {}),
            )
            .await
            .expect("upload to the sink");
        ours_up.push(start.elapsed().as_secs_f64());
        curl_up.push(curl(
            &sink_ca,
            &[
                "--upload-file",
                &file.display().to_string(),
                "-H",
                "Content-Type: application/octet-stream",
                "-H",
                "Authorization: Bearer bench",
                &sink.url,
            ],
        ));

        // Balcony: upload, then the other account downloads.
        let start = Instant::now();
        juliet.send(Command::SendFile {
            jid: juliet.jid.clone(),
            to: romeo.jid.clone(),
            kind: ChatKind::Chat,
            path: file.clone(),
            transfer: run as u64,
        });
        wait_for(&juliet.events, wait, |ev| match ev {
            Event::UploadDone { .. } => Some(()),
            Event::TransferFailed { error, .. } => panic!("upload failed: {error}"),
            _ => None,
        })
        .await;
        through_prosody.push(start.elapsed().as_secs_f64());
        let (message, url) = wait_for(&romeo.events, wait, |ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find_map(|m| m.file.as_ref().map(|f| (m.id, f.url.clone()))),
            _ => None,
        })
        .await
        .0;
        let start = Instant::now();
        romeo.send(Command::DownloadFile {
            jid: romeo.jid.clone(),
            message,
        });
        let path = wait_for(&romeo.events, wait, support::events::downloaded_path)
            .await
            .0;
        ours_down.push(start.elapsed().as_secs_f64());
        assert_eq!(std::fs::metadata(&path).expect("downloaded").len(), SIZE);
        let _ = std::fs::remove_file(&path);

        // curl: GET the same bytes. Files go OMEMO-encrypted by default
        // (XEP-0454, `aesgcm://…#key`): curl fetches the encrypted file
        // from its https:// address, and Balcony's figure includes the
        // decryption.
        let https = match url.strip_prefix("aesgcm://") {
            Some(rest) => format!("https://{}", rest.split('#').next().unwrap_or(rest)),
            None => url.to_string(),
        };
        curl_down.push(curl(&ca, &[https.as_str()]));
    }
    let prosody = mb_per_s(median(through_prosody));
    let lines = [
        (
            "upload",
            ours_up,
            curl_up,
            format!("a PUT to an HTTPS sink; the whole upload through Prosody's http_file_share, slot included: {prosody:.1} MB/s"),
        ),
        (
            "download",
            ours_down,
            curl_down,
            "a GET from Prosody's http_file_share into the download folder, decrypted (files go OMEMO-encrypted by default; curl GETs the same encrypted bytes)".to_owned(),
        ),
    ];
    for (name, ours, theirs, what) in lines {
        let (ours, theirs) = (mb_per_s(median(ours)), mb_per_s(median(theirs)));
        let budget = theirs * SHARE;
        let verdict = if ours >= budget { "ok" } else { "over" };
        println!(
            "bench: {name} {ours:.1} MB/s budget >= {budget:.1} {verdict} (80 % of curl's {theirs:.1} MB/s on the same URL; 100 MB over loopback HTTPS, {what}; median of {RUNS})"
        );
    }
}
