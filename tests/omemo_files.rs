//! Encrypted files (XEP-0454) between Balcony and an independent OMEMO
//! implementation (python-omemo over slixmpp, `tests/omemo_peer/peer.py`)
//! through Prosody's own `http_file_share`: both ways, in both OMEMO
//! versions, byte for byte; the server holds only ciphertext; an address
//! with a wrong key downloads nothing.

mod support;

use std::{path::PathBuf, time::Duration};

use balcony::core::{
    bridge::{Command, Event},
    files::{FileAttachment, FileState, TransferError, TransferId},
    message::{ChatKind, MessageEncryption},
};
use serde_json::json;
use sha2::{Digest, Sha256};
use support::{
    accounts::{online, Online},
    omemo_peer::{OmemoPeer, PeerOptions},
    prosody::{uploads_config, Prosody, UPLOAD_DOMAIN},
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(30);

fn jid(user: &str) -> BareJid {
    format!("{user}@balcony.test").parse().expect("jid")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("omemo-files")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Bytes that differ file to file.
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + usize::from(seed) * 7 + i / 253) % 256) as u8)
        .collect()
}

/// Waits for an incoming message sharing a file; its row id, file and
/// encryption.
async fn received_file(account: &Online) -> (i64, FileAttachment, MessageEncryption) {
    account
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .filter(|m| !m.message.outgoing)
                .find_map(|m| m.file.clone().map(|f| (m.id, f, m.message.encryption))),
            _ => None,
        })
        .await
}

/// Downloads the file of `message`; where it went, or why not.
async fn download(account: &Online, message: i64) -> Result<PathBuf, TransferError> {
    account.send(Command::DownloadFile {
        jid: account.jid.clone(),
        message,
    });
    account
        .expect(|ev| match ev {
            Event::FileChanged { message: m, file, .. }
                if *m == message && file.state == FileState::Downloaded =>
            {
                file.path.clone().map(Ok)
            }
            Event::TransferFailed { transfer, error, .. } if *transfer == TransferId::Download(message) => {
                Some(Err(error.clone()))
            }
            _ => None,
        })
        .await
}

/// Every file `http_file_share` holds, read.
fn stored_uploads(server: &Prosody) -> Vec<Vec<u8>> {
    let host = UPLOAD_DOMAIN.replace('.', "%2e");
    let dir = server.dir().join("data").join(host).join("http_file_share");
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn encrypted_files_go_both_ways_with_python_omemo_in_each_version() {
    let server = Prosody::start_with(&[], &uploads_config(8 * 1024 * 1024));
    server.register("juliet", "pw-j");
    let juliet = online(&server, "omemo-files-juliet", "juliet", "pw-j").await;
    let downloads = scratch("downloads");
    juliet.send(Command::SetDownloadDirectory {
        path: Some(downloads.clone()),
    });
    let sources = scratch("sources");
    for (transfer, (seed, version, versions)) in (1u64..).zip([
        (1u8, "omemo2", &["legacy", "omemo2"][..]),
        (2, "legacy", &["legacy"][..]),
    ]) {
        let user = format!("romeo_{version}");
        server.register(&user, "pw-r");
        let mut romeo = OmemoPeer::start(
            &server,
            &user,
            "pw-r",
            &format!("files-{user}"),
            PeerOptions {
                versions,
                ..Default::default()
            },
        );

        // python -> Balcony: offered, downloaded and opened.
        let theirs = content(seed, 300 * 1024 + usize::from(seed));
        let their_path = sources.join(format!("from-{version}.bin"));
        std::fs::write(&their_path, &theirs).expect("write");
        romeo.command(json!({
            "cmd": "send_file", "to": "juliet@balcony.test",
            "path": their_path.to_string_lossy(), "version": version
        }));
        let sent = romeo.expect("sent_file", |_| true, WAIT);
        let (id, file, encryption) = received_file(&juliet).await;
        assert_eq!(encryption, MessageEncryption::Omemo);
        assert!(file.url.starts_with("aesgcm://"), "{}", file.url);
        assert_eq!(file.url, sent["url"].as_str().expect("url"));
        assert_eq!(file.name, format!("from-{version}.bin"));
        assert_eq!(file.state, FileState::Offered, "pending until accepted");
        let got = download(&juliet, id).await.expect("downloaded");
        assert!(got.starts_with(&downloads), "{got:?}");
        assert_eq!(
            std::fs::read(&got).expect("read"),
            theirs,
            "byte for byte ({version})"
        );

        // Balcony -> python, in the version romeo speaks.
        juliet.send(Command::SetConversationEncryption {
            jid: juliet.jid.clone(),
            peer: jid(&user),
            enabled: true,
        });
        let ours = content(seed + 10, 200 * 1024);
        let our_path = sources.join(format!("to-{version}.bin"));
        std::fs::write(&our_path, &ours).expect("write");
        juliet.send(Command::SendFile {
            jid: juliet.jid.clone(),
            to: jid(&user),
            kind: ChatKind::Chat,
            path: our_path.clone(),
            transfer,
        });
        let message = romeo.expect(
            "message",
            |v| v["body"].as_str().is_some_and(|b| b.starts_with("aesgcm://")),
            WAIT,
        );
        assert_eq!(message["version"], version, "{message}");
        let out = sources.join(format!("fetched-{version}.bin"));
        romeo.command(json!({"cmd": "fetch_file", "url": message["body"], "path": out.to_string_lossy()}));
        let fetched = romeo.expect("fetched_file", |_| true, WAIT);
        assert_eq!(fetched["sha256"], sha256(&ours), "byte for byte ({version})");
        assert_eq!(std::fs::read(&out).expect("read"), ours);
        // Our own message row shows the file as sent, encrypted.
        let stored = juliet
            .store()
            .recent_messages(&juliet.jid, &jid(&user), 10)
            .expect("messages");
        let row = stored
            .iter()
            .find(|m| m.message.outgoing && m.file.is_some())
            .expect("our file message");
        assert_eq!(row.message.encryption, MessageEncryption::Omemo);
        assert_eq!(row.file.as_ref().map(|f| f.state), Some(FileState::Sent));

        // An address whose key is wrong: nothing is written.
        let url = message["body"].as_str().expect("url").to_owned();
        let last = url.chars().last().expect("key");
        let wrong = format!("{}{}", &url[..url.len() - 1], if last == '0' { '1' } else { '0' });
        romeo.send("juliet@balcony.test", &wrong, version);
        let (id, _, _) = received_file(&juliet).await;
        let before = std::fs::read_dir(&downloads).expect("dir").count();
        assert_eq!(download(&juliet, id).await, Err(TransferError::Tampered));
        assert_eq!(
            std::fs::read_dir(&downloads).expect("dir").count(),
            before,
            "nothing left behind"
        );
    }
    // The server only ever held ciphertext.
    let held = stored_uploads(&server);
    assert_eq!(held.len(), 4, "two files each way");
    for plain in [content(1, 300 * 1024 + 1), content(11, 200 * 1024)] {
        assert!(
            !held
                .iter()
                .any(|h| h.windows(64).any(|w| w == &plain[1000..1064])),
            "plaintext on the server"
        );
    }
}
