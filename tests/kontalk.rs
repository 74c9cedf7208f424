//! Kontalk's extensions against Prosody: the public key in subscription
//! requests (checked against GnuPG's own fingerprint of a key it made),
//! the upload service used when the server has no XEP-0363, and the push
//! capability (a Prosody module of ours plays Kontalk's server side).

mod support;

use balcony::core::{
    bridge::{Command, Event},
    files::{FileState, TransferError},
    message::ChatKind,
    xmpp::modules::{
        kontalk_pubkey::{self, KeyCheck},
        kontalk_push::PushProvider,
        x0092_version::UploadOffer,
    },
};
use support::{
    accounts::online,
    gnupg::gnupg_key,
    peer::Peer,
    prosody::{kontalk_config, uploads_config, Prosody},
};
use xmpp_parsers::{
    jid::Jid,
    presence::{Presence, Type as PresenceType},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_requests_key_is_checked_against_its_fingerprint() {
    let server = Prosody::start();
    server.register("juliet", "pw");
    let juliet = online(&server, "kontalk-key", "juliet", "pw").await;
    let (key, fingerprint) = gnupg_key("tybalt");
    assert_eq!(fingerprint.len(), 40);
    let to = Jid::from(juliet.jid.clone());
    // Each request from someone new (a server forwards one per requester
    // while it is pending).
    let request = |user: &'static str, pubkey: Option<xmpp_parsers::minidom::Element>| {
        let (server, to, juliet) = (&server, to.clone(), &juliet);
        async move {
            server.register(user, "pw");
            let mut peer = Peer::online(server, user, "pw").await;
            let mut p = Presence::new(PresenceType::Subscribe).with_to(to);
            p.payloads.extend(pubkey);
            peer.send(p).await;
            let from: xmpp_parsers::jid::BareJid = format!("{user}@balcony.test").parse().expect("jid");
            juliet
                .expect(|ev| match ev {
                    Event::SubscriptionRequest { from: f, key, .. } if *f == from => Some(key.clone()),
                    _ => None,
                })
                .await
        }
    };

    // The key GnuPG made, with GnuPG's fingerprint: verified.
    assert_eq!(
        request("tybalt", Some(kontalk_pubkey::element(&key, &fingerprint))).await,
        Some(KeyCheck::Verified(fingerprint.clone()))
    );
    // The same key claiming another fingerprint: not trusted.
    let forged = "0123456789ABCDEF0123456789ABCDEF01234567";
    assert_eq!(
        request("paris", Some(kontalk_pubkey::element(&key, forged))).await,
        Some(KeyCheck::Mismatch {
            claimed: forged.into(),
            actual: fingerprint.clone()
        })
    );
    // A key block that is not a key: malformed, not trusted.
    let bad = "<pubkey xmlns='urn:xmpp:pubkey:2'><key>bm90IGEga2V5</key><print>AB</print></pubkey>"
        .parse()
        .expect("xml");
    assert!(matches!(
        request("mercutio", Some(bad)).await,
        Some(KeyCheck::Malformed(_))
    ));
    // Without a key, nothing is said about one.
    assert_eq!(request("benvolio", None).await, None);
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("kontalk")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn without_http_upload_files_go_through_kontalks_upload_service() {
    let server = Prosody::start_with(&["balcony_kontalk"], &kontalk_config());
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    server.befriend("juliet", "romeo");
    let juliet = online(&server, "kontalk-upload-juliet", "juliet", "pw").await;
    let romeo = online(&server, "kontalk-upload-romeo", "romeo", "pw").await;
    let downloads = scratch("kontalk-downloads");
    romeo.send(Command::SetDownloadDirectory {
        path: Some(downloads.clone()),
    });
    let info = juliet.server_info().await;
    assert_eq!(info.upload, Some(UploadOffer::Kontalk));

    let song = scratch("kontalk-src").join("ballad for juliet.ogg");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&song, &bytes).expect("write");
    let send = |encrypted: bool, transfer: u64| {
        // Chosen for the conversation, so that it does not depend on
        // whether romeo's encryption devices are known yet.
        juliet.send(Command::SetConversationEncryption {
            jid: juliet.jid.clone(),
            peer: romeo.jid.clone(),
            enabled: encrypted,
        });
        juliet.send(Command::SendFile {
            jid: juliet.jid.clone(),
            to: romeo.jid.clone(),
            kind: ChatKind::Chat,
            path: song.clone(),
            transfer,
        });
    };
    // Encrypted, it needs XEP-0363, which this server lacks: the error
    // says that the server takes files only unencrypted.
    send(true, 1);
    let error = juliet
        .expect(|ev| match ev {
            Event::UploadDone { transfer: 1, .. } => panic!("an encrypted file went to Kontalk's box"),
            Event::TransferFailed { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await;
    assert_eq!(error, TransferError::OnlyUnencryptedUpload);
    // Unencrypted, it goes through Kontalk's upload service.
    send(false, 2);
    juliet
        .expect(|ev| match ev {
            Event::UploadDone { transfer: 2, .. } => Some(()),
            Event::TransferFailed { error, .. } => panic!("upload failed: {error}"),
            _ => None,
        })
        .await;
    assert!(
        server
            .log()
            .contains("balcony-kontalk: stored 300000 bytes as ballad for juliet.ogg"),
        "the box got the file, named"
    );
    let (id, file) = romeo
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| !m.message.outgoing)
                .and_then(|m| m.file.clone().map(|f| (m.id, f))),
            _ => None,
        })
        .await;
    assert!(file.url.contains("/kontalk_box/f/"), "{}", file.url);
    assert_eq!(file.name, "ballad for juliet.ogg");
    assert_eq!(file.size, Some(300_000));
    assert_eq!(file.mime.as_deref(), Some("audio/ogg"));
    romeo.send(Command::DownloadFile {
        jid: romeo.jid.clone(),
        message: id,
    });
    let path = romeo
        .expect(|ev| match ev {
            Event::FileChanged { file, .. } if file.state == FileState::Downloaded => file.path.clone(),
            Event::TransferFailed { error, .. } => panic!("download failed: {error}"),
            _ => None,
        })
        .await;
    assert_eq!(std::fs::read(path).expect("read"), bytes, "byte for byte");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_push_providers_and_the_upload_limit_are_in_the_server_info() {
    let kontalk = Prosody::start_with(&["balcony_kontalk"], &kontalk_config());
    kontalk.register("juliet", "pw");
    let juliet = online(&kontalk, "kontalk-push", "juliet", "pw").await;
    let info = juliet.server_info().await;
    assert_eq!(
        info.push,
        Some(vec![PushProvider {
            jid: "gcm.push.kontalk.net".into(),
            name: Some("Google Cloud Messaging push notifications".into()),
            node: Some("SENDER-ID".into()),
        }])
    );
    // A plain Prosody with http_file_share: no push, XEP-0363 with its limit.
    let plain = Prosody::start_with(&[], &uploads_config(5 * 1024 * 1024));
    plain.register("romeo", "pw");
    let romeo = online(&plain, "kontalk-no-push", "romeo", "pw").await;
    let info = romeo.server_info().await;
    assert_eq!(info.push, None);
    assert_eq!(
        info.upload,
        Some(UploadOffer::HttpUpload {
            max_size: Some(5 * 1024 * 1024)
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kontalk_registration_asks_for_the_code_it_sent_and_explains_errors() {
    use balcony::core::{
        account::TlsMode,
        xmpp::modules::x0077_registration::{Answers, RegistrationError, RegistrationForm},
    };
    let server = Prosody::start_with(&["balcony_kontalk_register"], "");
    let worker = support::accounts::autoconnect_worker(support::profiles::fresh("kontalk-register"));
    let events = worker.events();
    let cfg = support::accounts::config(
        "benvolio",
        &server.c2s_addr(),
        TlsMode::StartTls,
        Some(&server.ca_pem),
    );
    let jid = cfg.jid.clone();
    let wait = std::time::Duration::from_secs(15);
    let next_form = || {
        support::events::wait_for(&events, wait, |ev| match ev {
            Event::RegistrationForm { form, .. } => Some(form.clone()),
            Event::RegistrationFailed { error, .. } => panic!("no form: {error}"),
            _ => None,
        })
    };
    let failure = || {
        support::events::wait_for(&events, wait, |ev| match ev {
            Event::RegistrationFailed { error, .. } => Some(error.clone()),
            Event::RegistrationForm { .. } | Event::Registered { .. } => panic!("{ev:?} instead of an error"),
            _ => None,
        })
    };
    worker.send(Command::StartRegistration { config: cfg });
    let form: RegistrationForm = next_form().await.0;
    assert!(form.is_data_form());
    let vars: Vec<&str> = form.fields.iter().map(|f| f.var.as_str()).collect();
    assert_eq!(vars, ["username", "password", "phone", "force"]);
    let rendered = form.to_form();
    assert_eq!(
        rendered.field("force").map(|f| f.kind),
        Some(balcony::core::forms::FieldKind::Boolean),
        "force is a boolean the forms renderer shows as a switch"
    );
    let answers = |values: &[(&str, &str)]| Answers {
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        password: Some("sycamore-grove".into()),
    };
    let submit = |a: Answers| Command::SubmitRegistration {
        jid: jid.clone(),
        answers: a,
    };

    // A malformed number is the server's words.
    worker.send(submit(answers(&[("username", "benvolio"), ("phone", "12345")])));
    assert_eq!(
        failure().await.0,
        RegistrationError::Refused("Not a valid phone number".into())
    );
    // A good one: the server sends a code and asks for it in a second form.
    worker.send(submit(answers(&[
        ("username", "benvolio"),
        ("phone", "+390451234567"),
        ("force", "0"),
    ])));
    let code_form = next_form().await.0;
    assert!(code_form.is_data_form());
    assert_eq!(
        code_form.to_form().form_type(),
        Some("http://kontalk.org/protocol/register#code"),
        "the code form's type"
    );
    assert_eq!(
        code_form
            .fields
            .iter()
            .map(|f| f.var.as_str())
            .collect::<Vec<_>>(),
        ["code"]
    );
    let code = server.kontalk_code("+390451234567");
    // A wrong code is explained and may be corrected.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    worker.send(submit(Answers {
        values: [("code".to_owned(), wrong.to_owned())].into(),
        password: None,
    }));
    assert_eq!(
        failure().await.0,
        RegistrationError::Refused("The verification code is wrong".into())
    );
    worker.send(submit(Answers {
        values: [("code".to_owned(), code)].into(),
        password: None,
    }));
    support::events::wait_for(&events, wait, |ev| match ev {
        Event::Registered { jid: j } if *j == jid => Some(()),
        Event::RegistrationFailed { error, .. } => panic!("registration failed: {error}"),
        _ => None,
    })
    .await;
    let benvolio = Peer::login(&server, "benvolio", "sycamore-grove").await;
    assert_eq!(benvolio.jid.to_bare(), jid);
    worker.shutdown();
}
