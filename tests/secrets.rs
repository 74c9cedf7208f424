//! Secrets never leave the process: a whole session logged at trace level
//! (login, a message, a room with a password, a command with a private
//! field) leaves none of them in the log or in any file of the profile,
//! SQLite's `-wal` and `-shm` included; and every Debug output that can
//! reach a log shows no secret and no message text.

mod support;

use std::{
    io::Write,
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use balcony::core::{
    account::TlsMode,
    bridge::{Command, Event},
    credentials::{Password, PasswordStorage},
    forms::{Field, FieldKind, Form, FormKind},
    message::{ChatKind, Correction, DeliveryState, NewMessage},
    rooms::Bookmark,
    xmpp::{
        modules::x0050_command_client::CommandStep,
        modules::x0050_commands::{Action, CommandPayload, Status},
        modules::x0077_registration::Answers,
    },
};
use support::{
    accounts::{config, wait_online},
    profiles::fresh as profile,
    prosody::{Prosody, DOMAIN, MUC_DOMAIN},
};
use tokio::sync::oneshot;
use xmpp_parsers::jid::{BareJid, Jid};

const PASSWORD: &str = "Juliet-S3cret-Passw0rd";
const ROOM_PASSWORD: &str = "R00m-Passw0rd-Capulet";
const PRIVATE_VALUE: &str = "Priv4te-Field-Value-Benvolio";
const BODY: &str = "Body-Text-That-Stays-Out-Of-Logs";
const ADD_USER: &str = "http://jabber.org/protocol/admin#add-user";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("profile dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_session_at_trace_level_leaves_no_secret_in_logs_or_profile() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_env_filter(balcony::core::logging::filter(Some("trace")))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let server = Prosody::start_with(&[], &format!("admins = {{ \"juliet@{DOMAIN}\" }}"));
    server.register("juliet", PASSWORD);
    server.register("romeo", "pw-r");
    let profile = profile("secrets-session");
    let worker = balcony::core::worker::spawn(
        profile.clone(),
        balcony::core::worker::WorkerOptions {
            autoconnect: true,
            ..Default::default()
        },
    )
    .expect("worker");
    let events = worker.events();
    let cfg = config(
        "juliet",
        &server.c2s_addr(),
        TlsMode::StartTls,
        Some(&server.ca_pem),
    );
    let jid = cfg.jid.clone();
    // Not remembered: the profile must not hold it anywhere.
    worker.send(Command::AddAccount {
        config: cfg,
        password: Password::new(PASSWORD),
        storage: PasswordStorage::None,
    });
    wait_online(&events).await;
    let wait = Duration::from_secs(20);

    // A message.
    let romeo: BareJid = format!("romeo@{DOMAIN}").parse().expect("jid");
    worker.send(Command::SendMessage {
        jid: jid.clone(),
        to: romeo.clone(),
        body: BODY.into(),
    });
    support::events::wait_for(&events, wait, |e| {
        matches!(
            e,
            Event::MessageStateChanged {
                state: DeliveryState::Acked,
                ..
            }
        )
        .then_some(())
    })
    .await;

    // A room with a password.
    let room: BareJid = format!("capulet@{MUC_DOMAIN}").parse().expect("room");
    worker.send(Command::JoinRoom {
        jid: jid.clone(),
        room: room.clone(),
        nick: Some("juliet".into()),
        password: Some(ROOM_PASSWORD.into()),
    });
    support::events::wait_for(&events, wait, |e| {
        matches!(e, Event::RoomJoined { .. }).then_some(())
    })
    .await;

    // A command with a private field: Prosody's "Add User".
    let run = |sessionid: Option<String>, action: Action, form: Option<&Form>| {
        let (reply, rx) = oneshot::channel();
        worker.send(Command::RunCommand {
            jid: jid.clone(),
            entity: Jid::new(DOMAIN).expect("domain"),
            step: CommandStep {
                node: ADD_USER.into(),
                sessionid,
                action,
                form: form.map(Form::submission),
            },
            reply,
        });
        rx
    };
    let first = run(None, Action::Execute, None)
        .await
        .expect("answer")
        .expect("stage 1");
    let mut form = first.form().expect("a form").expect("valid");
    form.set_values("accountjid", vec![format!("benvolio@{DOMAIN}")]);
    form.set_values("password", vec![PRIVATE_VALUE.into()]);
    form.set_values("password-verify", vec![PRIVATE_VALUE.into()]);
    let done = run(first.sessionid.clone(), Action::Complete, Some(&form))
        .await
        .expect("answer")
        .expect("stage 2");
    assert_eq!(done.status, Some(Status::Completed));

    // The profile while the worker runs (the WAL and shared memory files
    // exist then) and after it stopped (checkpointed into the database).
    let running = profile_files(profile.dir());
    assert!(
        running.iter().any(|f| f.to_string_lossy().ends_with("-wal")),
        "{running:#?}"
    );
    assert!(
        running.iter().any(|f| f.to_string_lossy().ends_with("-shm")),
        "{running:#?}"
    );
    assert_no_secret_in(&running);
    worker.shutdown();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_no_secret_in(&profile_files(profile.dir()));

    let captured = log.0.lock().expect("log").clone();
    // The log is real: it has the session's trace lines.
    assert!(contains(&captured, "TRACE"), "nothing at trace level was logged");
    assert!(contains(&captured, "authenticated"), "no login in the log");
    let text = String::from_utf8_lossy(&captured);
    for secret in [PASSWORD, ROOM_PASSWORD, PRIVATE_VALUE, BODY] {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(secret)).collect();
        assert!(lines.is_empty(), "{secret} is in the log: {lines:#?}");
    }
}

fn profile_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    files
}

fn assert_no_secret_in(files: &[std::path::PathBuf]) {
    for file in files {
        let Ok(bytes) = std::fs::read(file) else { continue };
        for secret in [PASSWORD, ROOM_PASSWORD, PRIVATE_VALUE] {
            assert!(!contains(&bytes, secret), "{secret} is in {}", file.display());
        }
    }
}

#[test]
fn debug_output_shows_no_secret_and_no_message_text() {
    let jid: BareJid = "juliet@balcony.test".parse().expect("jid");
    let room: BareJid = "capulet@conference.balcony.test".parse().expect("room");
    let mut form = Form::new(FormKind::Submit);
    let mut private = Field::new("password", FieldKind::TextPrivate);
    private.values = vec![PRIVATE_VALUE.into()];
    form.fields.push(private.clone());
    let submission = form.submission();
    let step = CommandStep {
        node: ADD_USER.into(),
        sessionid: Some("s1".into()),
        action: Action::Complete,
        form: Some(submission.clone()),
    };
    let message = NewMessage {
        peer: room.clone(),
        kind: ChatKind::Chat,
        outgoing: true,
        sender: "juliet".into(),
        body: BODY.into(),
        origin_id: None,
        stanza_id: None,
        timestamp_ms: 0,
        state: DeliveryState::Pending,
        encryption: Default::default(),
    };
    let correction = Correction {
        peer: room.clone(),
        outgoing: true,
        replaces: "x".into(),
        body: BODY.into(),
    };
    let payload = CommandPayload {
        node: ADD_USER.into(),
        sessionid: None,
        status: None,
        action: None,
        actions: None,
        notes: vec![],
        form: Some(submission.clone()),
    };
    let bookmark = Bookmark {
        room: room.clone(),
        name: None,
        nick: None,
        autojoin: true,
        password: Some(ROOM_PASSWORD.into()),
    };
    let answers = Answers {
        values: Default::default(),
        password: Some(Password::new(PASSWORD)),
    };
    let (reply, _) = oneshot::channel();
    let (saved, _) = oneshot::channel();
    let commands = [
        Command::AddAccount {
            config: config("juliet", "127.0.0.1:5222", TlsMode::StartTls, None),
            password: Password::new(PASSWORD),
            storage: PasswordStorage::None,
        },
        Command::SendMessage {
            jid: jid.clone(),
            to: room.clone(),
            body: BODY.into(),
        },
        Command::CorrectMessage {
            jid: jid.clone(),
            to: room.clone(),
            replaces: "x".into(),
            body: BODY.into(),
        },
        Command::SendGroupMessage {
            jid: jid.clone(),
            room: room.clone(),
            body: BODY.into(),
        },
        Command::JoinRoom {
            jid: jid.clone(),
            room: room.clone(),
            nick: None,
            password: Some(ROOM_PASSWORD.into()),
        },
        Command::SubmitRegistration {
            jid: jid.clone(),
            answers: answers.clone(),
        },
        Command::SetBookmark {
            jid: jid.clone(),
            bookmark: bookmark.clone(),
        },
        Command::RunCommand {
            jid: jid.clone(),
            entity: Jid::from(jid.clone()),
            step: step.clone(),
            reply,
        },
        Command::SaveRoomConfig {
            jid: jid.clone(),
            room: room.clone(),
            submission: submission.clone(),
            reply: saved,
        },
    ];
    let mut shown: Vec<String> = commands.iter().map(|c| format!("{c:?} {c:#?}")).collect();
    shown.push(format!(
        "{message:?} {correction:?} {payload:?} {step:?} {private:?} {form:?}"
    ));
    shown.push(format!("{bookmark:?} {answers:?}"));
    let stored = balcony::core::message::StoredMessage {
        id: 1,
        message,
        corrected: false,
        file: None,
        forwarded_by: None,
    };
    shown.push(format!(
        "{:?}",
        Event::MessagesAdded {
            jid: jid.clone(),
            messages: vec![stored],
            live: true,
            read_before: 0,
        }
    ));
    for text in &shown {
        for secret in [PASSWORD, ROOM_PASSWORD, PRIVATE_VALUE, BODY] {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
    }
    // What is not secret is still there to debug with.
    assert!(
        shown[4].contains("capulet@conference.balcony.test"),
        "{}",
        shown[4]
    );
    assert!(shown[7].contains(ADD_USER), "{}", shown[7]);
}
