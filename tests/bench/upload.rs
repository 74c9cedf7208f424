//! `make bench`: upload and download of a 100 MB file over loopback to
//! Prosody's own http_file_share (HTTPS, the test CA), by Balcony's worker
//! (XEP-0363 slot, streamed PUT; streamed GET into the download folder),
//! against `curl` on a slot of the same service (PUT) and the same URL
//! (GET), in the same run. Runs alternate; medians of 3 are compared.
//! Budget: at least 80 % of curl's rate.

#[path = "../support/mod.rs"]
mod support;

use std::{
    path::{Path, PathBuf},
    process::Command as Process,
    time::{Duration, Instant},
};

use balcony::core::{
    bridge::{Command, Event},
    files::{FileState, TransferId},
    message::ChatKind,
};
use support::{
    accounts::online,
    events::wait_for,
    peer::Peer,
    prosody::{uploads_config, Prosody, UPLOAD_DOMAIN},
};
use xmpp_parsers::{
    http_upload::{SlotRequest, SlotResult},
    jid::Jid,
};

const SIZE: u64 = 100 * 1024 * 1024;
const RUNS: usize = 3;
const SHARE: f64 = 0.8;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
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
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    server.register("curl", "pw");
    server.befriend("juliet", "romeo");
    let juliet = online(&server, "bench-upload-juliet", "juliet", "pw").await;
    let romeo = online(&server, "bench-upload-romeo", "romeo", "pw").await;
    let mut slots = Peer::online(&server, "curl", "pw").await;
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
    for run in 0..RUNS {
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
        ours_up.push(start.elapsed().as_secs_f64());
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
        let path = wait_for(&romeo.events, wait, |ev| match ev {
            Event::FileChanged { file, .. } if file.state == FileState::Downloaded => file.path.clone(),
            Event::TransferFailed {
                transfer: TransferId::Download(_),
                error,
                ..
            } => panic!("download failed: {error}"),
            _ => None,
        })
        .await
        .0;
        ours_down.push(start.elapsed().as_secs_f64());
        assert_eq!(std::fs::metadata(&path).expect("downloaded").len(), SIZE);
        let _ = std::fs::remove_file(&path);

        // curl: a slot of the same service, PUT; then GET the same URL.
        let request = SlotRequest {
            filename: format!("curl-{run}.bin"),
            size: SIZE,
            content_type: Some("application/octet-stream".into()),
        };
        let slot = slots
            .get(&Jid::new(UPLOAD_DOMAIN).expect("jid"), request.into())
            .await
            .expect("a slot")
            .expect("payload");
        let slot = SlotResult::try_from(slot).expect("slot");
        let mut args: Vec<String> = vec![
            "--upload-file".into(),
            file.display().to_string(),
            "-H".into(),
            "Content-Type: application/octet-stream".into(),
        ];
        for h in &slot.put.headers {
            args.push("-H".into());
            args.push(format!("{}: {}", h.name.as_str(), h.value));
        }
        args.push(slot.put.url.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        curl_up.push(curl(&ca, &args));
        curl_down.push(curl(&ca, &[url.as_str()]));
    }
    for (name, ours, theirs) in [("upload", ours_up, curl_up), ("download", ours_down, curl_down)] {
        let (ours, theirs) = (mb_per_s(median(ours)), mb_per_s(median(theirs)));
        let budget = theirs * SHARE;
        let verdict = if ours >= budget { "ok" } else { "over" };
        println!(
            "bench: {name} {ours:.1} MB/s budget >= {budget:.1} {verdict} (80 % of curl's {theirs:.1} MB/s on the same service; 100 MB over loopback HTTPS to Prosody's http_file_share, median of {RUNS})"
        );
    }
}
