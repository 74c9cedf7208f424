//! File sharing against Prosody's own `http_file_share` over HTTPS with
//! the test CA: XEP-0363 upload, the OOB message with Kontalk's hints,
//! pending files, downloads into the download folder, auto-files, name
//! clashes, cancelling and resuming.

mod support;

use std::{path::PathBuf, time::Duration};

use balcony::core::{
    bridge::{Command, Event},
    files::{FileAttachment, FileState, TransferError, TransferId},
    message::{ChatKind, StoredMessage},
    remote_control::RcOptions,
};
use support::{
    accounts::{online, Online},
    peer::Peer,
    prosody::{free_port, uploads_config, uploads_config_via, Prosody, DOMAIN, UPLOAD_DOMAIN},
    proxy::CuttableProxy,
};
use xmpp_parsers::jid::BareJid;

const LIMIT: u64 = 25 * 1024 * 1024;

fn jid(user: &str) -> BareJid {
    format!("{user}@{DOMAIN}").parse().expect("jid")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("files")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `len` bytes that are not all the same, so a wrong offset shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

struct Setup {
    server: Prosody,
    juliet: Online,
    romeo: Online,
    downloads: PathBuf,
}

async fn setup(name: &str, config: &str) -> Setup {
    let server = Prosody::start_with(&[], config);
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server.befriend("juliet", "romeo");
    let juliet = online(&server, &format!("{name}-juliet"), "juliet", "pw-j").await;
    let romeo = online(&server, &format!("{name}-romeo"), "romeo", "pw-r").await;
    let downloads = scratch(&format!("{name}-downloads"));
    romeo.send(Command::SetDownloadDirectory {
        path: Some(downloads.clone()),
    });
    // Plain file sharing (OMEMO's, on by default between two Balcony
    // accounts, is tested in omemo_files).
    for (who, peer) in [(&juliet, "romeo"), (&romeo, "juliet")] {
        who.send(Command::SetConversationEncryption {
            jid: who.jid.clone(),
            peer: jid(peer),
            enabled: false,
        });
    }
    Setup {
        server,
        juliet,
        romeo,
        downloads,
    }
}

/// [`setup`] with the file service's addresses going through a relay that
/// a test can stall and cut.
async fn relayed(name: &str) -> (Setup, CuttableProxy) {
    let relay_port = free_port();
    let s = setup(name, &uploads_config_via(LIMIT, Some(relay_port))).await;
    let relay = CuttableProxy::start_on(
        &format!("127.0.0.1:{relay_port}"),
        format!("127.0.0.1:{}", s.server.https_port),
    )
    .await;
    (s, relay)
}

fn send_file(from: &Online, to: &str, path: &std::path::Path, transfer: u64) {
    from.send(Command::SendFile {
        jid: from.jid.clone(),
        to: jid(to),
        kind: ChatKind::Chat,
        path: path.to_owned(),
        transfer,
    });
}

/// Waits for the upload to finish; the message it stored.
async fn uploaded(from: &Online, transfer: u64) -> StoredMessage {
    let mut stored = None;
    loop {
        let ev = from
            .expect(|ev| match ev {
                Event::MessagesAdded { messages, .. } => Some(Ok(messages[0].clone())),
                Event::UploadDone { transfer: t, .. } if *t == transfer => Some(Err(())),
                Event::TransferFailed {
                    transfer: t, error, ..
                } if *t == TransferId::Upload(transfer) => {
                    panic!("upload failed: {error}")
                }
                _ => None,
            })
            .await;
        match ev {
            Ok(m) => stored = Some(m),
            Err(()) => return stored.expect("the message came before UploadDone"),
        }
    }
}

/// Waits for a message with a file to arrive.
async fn received_file(to: &Online) -> (i64, FileAttachment) {
    to.expect(|ev| match ev {
        Event::MessagesAdded { messages, .. } => messages
            .iter()
            .filter(|m| !m.message.outgoing)
            .find_map(|m| m.file.clone().map(|f| (m.id, f))),
        _ => None,
    })
    .await
}

/// Waits for the file of `message` to be downloaded; where it went.
async fn downloaded(to: &Online, message: i64) -> PathBuf {
    to.expect(|ev| match ev {
        Event::FileChanged { message: m, file, .. } if *m == message => match file.state {
            FileState::Downloaded => file.path.clone(),
            state => panic!("download ended {state:?}"),
        },
        Event::TransferFailed { transfer, error, .. } if *transfer == TransferId::Download(message) => {
            panic!("download failed: {error}")
        }
        _ => None,
    })
    .await
}

/// Files `http_file_share` holds.
fn stored_uploads(server: &Prosody) -> usize {
    let host = UPLOAD_DOMAIN.replace('.', "%2e");
    let dir = server.dir().join("data").join(host).join("http_file_share");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_file_and_20_mb_reach_the_other_account_byte_for_byte() {
    let s = setup("files-roundtrip", &uploads_config(LIMIT)).await;
    let dir = scratch("files-roundtrip-src");
    let small = dir.join("notes for romeo.txt");
    std::fs::write(&small, "Wherefore art thou?\n").expect("write");
    let big = dir.join("big.bin");
    let big_bytes = pattern(20 * 1024 * 1024);
    std::fs::write(&big, &big_bytes).expect("write");

    for (transfer, path) in [(1, &small), (2, &big)] {
        send_file(&s.juliet, "romeo", path, transfer);
        let sent = uploaded(&s.juliet, transfer).await;
        let file = sent.file.clone().expect("the sent message has its file");
        assert_eq!(file.state, FileState::Sent);
        assert_eq!(file.path.as_ref(), Some(path));
        assert_eq!(sent.message.body, file.url, "the URL is the body");
        assert!(file.url.starts_with("https://127.0.0.1:"), "{}", file.url);

        let (id, offered) = received_file(&s.romeo).await;
        assert_eq!(offered.state, FileState::Offered, "pending until accepted");
        assert_eq!(offered.url, file.url);
        let len = std::fs::metadata(path).expect("meta").len();
        assert_eq!(offered.size, Some(len), "the size comes from the hint");
        let pending = s.romeo.store().pending_files(&s.romeo.jid, 10).expect("pending");
        assert!(pending.iter().any(|p| p.message == id), "listed as pending");

        s.romeo.send(Command::DownloadFile {
            jid: s.romeo.jid.clone(),
            message: id,
        });
        let got = downloaded(&s.romeo, id).await;
        assert!(got.starts_with(&s.downloads), "{got:?}");
        assert_eq!(
            std::fs::read(&got).expect("read"),
            std::fs::read(path).expect("read"),
            "byte for byte"
        );
        let name = path.file_name().expect("name");
        assert_eq!(got.file_name(), Some(name), "named as sent");
    }
    assert_eq!(
        s.romeo
            .store()
            .pending_files(&s.romeo.jid, 10)
            .expect("pending")
            .len(),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oob_element_carries_kontalks_three_hints() {
    let server = Prosody::start_with(&[], &uploads_config(LIMIT));
    server.register("juliet", "pw-j");
    server.register("nurse", "pw-n");
    server.befriend("juliet", "nurse");
    let juliet = online(&server, "files-hints-juliet", "juliet", "pw-j").await;
    let mut nurse = Peer::online(&server, "nurse", "pw-n").await;
    let dir = scratch("files-hints");
    let photo = dir.join("balcony.png");
    std::fs::write(&photo, pattern(3000)).expect("write");
    send_file(&juliet, "nurse", &photo, 7);
    let message = nurse
        .message_where(|m| m.payloads.iter().any(|p| p.is("x", "jabber:x:oob")))
        .await;
    let x = message
        .payloads
        .iter()
        .find(|p| p.is("x", "jabber:x:oob"))
        .expect("oob");
    let url = x.get_child("url", "jabber:x:oob").expect("url");
    assert_eq!(url.attr("type"), Some("image/png"));
    assert_eq!(url.attr("length"), Some("3000"));
    assert_eq!(url.attr("encrypted"), Some("false"));
    let body = message.get_best_body_cloned(vec![]).expect("body").1;
    assert_eq!(url.text(), body, "the URL is also the body");
    // A plain OOB URL without hints is a file too, named from the URL.
    let mut plain =
        xmpp_parsers::message::Message::chat(Some(xmpp_parsers::jid::Jid::from(juliet.jid.clone())))
            .with_body(Default::default(), "https://example.org/d/report.pdf".into());
    plain.payloads.push(
        xmpp_parsers::minidom::Element::builder("x", "jabber:x:oob")
            .append(
                xmpp_parsers::minidom::Element::builder("url", "jabber:x:oob")
                    .append("https://example.org/d/report.pdf")
                    .build(),
            )
            .build(),
    );
    nurse.send(plain).await;
    let (_, file) = received_file(&juliet).await;
    assert_eq!(file.name, "report.pdf");
    assert_eq!((file.size, file.mime.as_deref()), (None, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_file_is_refused_before_uploading() {
    let s = setup("files-oversized", &uploads_config(LIMIT)).await;
    let dir = scratch("files-oversized-src");
    let huge = dir.join("huge.bin");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(LIMIT + 1))
        .expect("sparse file");
    send_file(&s.juliet, "romeo", &huge, 3);
    let error = s
        .juliet
        .expect(|ev| match ev {
            Event::TransferFailed { transfer, error, .. } if *transfer == TransferId::Upload(3) => {
                Some(error.clone())
            }
            Event::MessagesAdded { .. } => panic!("nothing may be sent"),
            _ => None,
        })
        .await;
    assert_eq!(
        error,
        TransferError::TooLarge {
            size: LIMIT + 1,
            limit: LIMIT
        }
    );
    assert_eq!(stored_uploads(&s.server), 0, "nothing reached the server");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_upload_sends_nothing_and_stores_nothing() {
    let (s, relay) = relayed("files-cancel").await;
    let dir = scratch("files-cancel-src");
    let big = dir.join("big.bin");
    std::fs::write(&big, pattern(20 * 1024 * 1024)).expect("write");
    // The link stalls once the upload is under way.
    relay.stall_after(2 * 1024 * 1024);
    send_file(&s.juliet, "romeo", &big, 4);
    s.juliet
        .expect(|ev| match ev {
            Event::TransferProgress { transfer, done, .. }
                if *transfer == TransferId::Upload(4) && *done > 0 =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.juliet.send(Command::CancelTransfer {
        jid: s.juliet.jid.clone(),
        transfer: TransferId::Upload(4),
    });
    s.juliet
        .expect(|ev| match ev {
            Event::TransferFailed { transfer, error, .. } if *transfer == TransferId::Upload(4) => {
                assert_eq!(*error, TransferError::Cancelled);
                Some(())
            }
            Event::MessagesAdded { .. } | Event::UploadDone { .. } => {
                panic!("a cancelled upload sent {ev:?}")
            }
            _ => None,
        })
        .await;
    relay.cut();
    relay.black_hole(false);
    let later = support::events::drain_for(&s.romeo.events, Duration::from_secs(2)).await;
    assert!(
        !later.iter().any(|e| matches!(e, Event::MessagesAdded { .. })),
        "romeo got nothing"
    );
    assert_eq!(stored_uploads(&s.server), 0, "the server kept no file");
    assert!(s.juliet.store().outbox(&s.juliet.jid).expect("outbox").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_files_downloads_at_once_and_a_name_clash_gets_a_new_name() {
    let s = setup("files-auto", &uploads_config(LIMIT)).await;
    let dir = scratch("files-auto-src");
    let letter = dir.join("letter.txt");
    std::fs::write(&letter, "Parting is such sweet sorrow").expect("write");
    // Something of that name is in Downloads already.
    std::fs::write(s.downloads.join("letter.txt"), "older letter").expect("write");
    s.romeo.send(Command::SetRemoteControl {
        enabled: true,
        options: RcOptions {
            auto_files: true,
            ..RcOptions::default()
        },
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    send_file(&s.juliet, "romeo", &letter, 5);
    let (id, _) = received_file(&s.romeo).await;
    let got = downloaded(&s.romeo, id).await;
    assert_eq!(got, s.downloads.join("letter (1).txt"), "never overwritten");
    assert_eq!(
        std::fs::read_to_string(s.downloads.join("letter.txt")).expect("read"),
        "older letter"
    );
    assert_eq!(
        std::fs::read_to_string(&got).expect("read"),
        "Parting is such sweet sorrow"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_cut_short_is_resumed_and_completes() {
    let (s, relay) = relayed("files-resume").await;
    let dir = scratch("files-resume-src");
    let big = dir.join("album.bin");
    let bytes = pattern(20 * 1024 * 1024);
    std::fs::write(&big, &bytes).expect("write");
    send_file(&s.juliet, "romeo", &big, 6);
    uploaded(&s.juliet, 6).await;
    let (id, _) = received_file(&s.romeo).await;
    // The link stalls 5 MB into the download, then breaks.
    relay.stall_after(5 * 1024 * 1024);
    s.romeo.send(Command::DownloadFile {
        jid: s.romeo.jid.clone(),
        message: id,
    });
    s.romeo
        .expect(|ev| match ev {
            Event::TransferProgress { transfer, .. } if *transfer == TransferId::Download(id) => Some(()),
            _ => None,
        })
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    relay.cut();
    relay.black_hole(false);
    s.romeo
        .expect(|ev| match ev {
            Event::FileChanged { message, file, .. } if *message == id => {
                assert_eq!(file.state, FileState::Failed);
                None
            }
            Event::TransferFailed { transfer, error, .. } if *transfer == TransferId::Download(id) => {
                Some(error.clone())
            }
            _ => None,
        })
        .await;
    let part = std::fs::read_dir(&s.downloads)
        .expect("dir")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .expect("what arrived is kept");
    let kept = part.metadata().expect("meta").len();
    assert!(kept >= 1024 * 1024 && kept < bytes.len() as u64, "{kept}");
    let before = relay.bytes_to_clients();
    // Still pending (failed), so remote control's accept-files lists it.
    assert_eq!(
        s.romeo
            .store()
            .pending_files(&s.romeo.jid, 10)
            .expect("pending")
            .len(),
        1
    );
    s.romeo.send(Command::DownloadFile {
        jid: s.romeo.jid.clone(),
        message: id,
    });
    let got = downloaded(&s.romeo, id).await;
    assert_eq!(std::fs::read(&got).expect("read"), bytes, "resumed byte for byte");
    let second = relay.bytes_to_clients() - before;
    let rest = bytes.len() as u64 - kept;
    assert!(
        second < rest + 512 * 1024,
        "only the rest was fetched again: {second} bytes for {rest} missing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_size_other_than_the_hint_and_a_download_over_the_limit_are_refused() {
    use balcony::core::{
        files::http::{Destination, HttpClient},
        xmpp::connection::tls::AccountTls,
    };
    let server = Prosody::start_with(&[], &uploads_config(LIMIT));
    server.register("juliet", "pw-j");
    server.register("nurse", "pw-n");
    server.befriend("juliet", "nurse");
    let juliet = online(&server, "files-mismatch-juliet", "juliet", "pw-j").await;
    let downloads = scratch("files-mismatch-downloads");
    juliet.send(Command::SetDownloadDirectory {
        path: Some(downloads.clone()),
    });
    // Juliet shares a real 1 MB file with herself to get its address...
    let src = scratch("files-mismatch-src").join("ring.bin");
    std::fs::write(&src, pattern(1024 * 1024)).expect("write");
    send_file(&juliet, "nurse", &src, 9);
    let sent = uploaded(&juliet, 9).await;
    let url = sent.file.expect("file").url;
    // ...which the nurse then offers claiming another size.
    let mut nurse = Peer::online(&server, "nurse", "pw-n").await;
    let mut offer =
        xmpp_parsers::message::Message::chat(Some(xmpp_parsers::jid::Jid::from(juliet.jid.clone())))
            .with_body(Default::default(), url.clone());
    offer.payloads.push(
        format!("<x xmlns='jabber:x:oob'><url length='999' type='application/octet-stream'>{url}</url></x>")
            .parse()
            .expect("xml"),
    );
    nurse.send(offer).await;
    let (id, file) = received_file(&juliet).await;
    assert_eq!(file.size, Some(999));
    juliet.send(Command::DownloadFile {
        jid: juliet.jid.clone(),
        message: id,
    });
    let error = juliet
        .expect(|ev| match ev {
            Event::TransferFailed { transfer, error, .. } if *transfer == TransferId::Download(id) => {
                Some(error.clone())
            }
            Event::FileChanged { file, .. } if file.state == FileState::Downloaded => {
                panic!("kept a file of the wrong size")
            }
            _ => None,
        })
        .await;
    assert_eq!(
        error,
        TransferError::SizeMismatch {
            hinted: 999,
            actual: 1024 * 1024
        }
    );
    assert_eq!(
        std::fs::read_dir(&downloads).expect("dir").count(),
        0,
        "nothing kept"
    );

    // Over the limit a download is refused, before anything is written.
    let client =
        HttpClient::new(&AccountTls::new(Some(&server.ca_pem), vec![]).expect("tls")).expect("client");
    let part = downloads.join(".ring.part");
    let refused = client
        .download(
            &url,
            Destination {
                dir: &downloads,
                name: "ring.bin",
                part: &part,
            },
            None,
            64 * 1024,
            std::sync::Arc::new(|_, _| {}),
        )
        .await;
    assert_eq!(refused, Err(TransferError::OverLimit(64 * 1024)));
    assert!(!part.exists() && !downloads.join("ring.bin").exists());
}
