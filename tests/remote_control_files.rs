//! Remote control's accept-files (XEP-0146 §4.4) against Prosody with
//! its own http_file_share: romeo (a Balcony core) sends juliet a file;
//! juliet's Balcony keeps it pending; her other resource ("chamber", a
//! bare client written to the spec) lists and accepts it, and the file
//! lands in the download folder.

mod support;

use std::path::PathBuf;

use balcony::core::{
    bridge::{Command, Event},
    forms::FieldKind,
    message::ChatKind,
    remote_control::{RcCommand, RemoteAction, NS},
    xmpp::modules::x0050_commands::{Action, CommandPayload, Status},
};
use support::{
    accounts::online,
    peer::Peer,
    prosody::{uploads_config, Prosody},
};
use xmpp_parsers::{jid::Jid, minidom::Element};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("files")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

async fn step(
    from: &mut Peer,
    to: &Jid,
    session: Option<String>,
    action: Action,
    form: Option<Element>,
) -> CommandPayload {
    let request = CommandPayload::request(&RcCommand::AcceptFiles.node(), session, action, form).to_element();
    let answer = from.set(Some(to.clone()), request).await.expect("answered");
    CommandPayload::parse(&answer.expect("a command payload")).expect("parses")
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_files_lists_pending_files_and_downloads_the_chosen_one() {
    let server = Prosody::start_with(&[], &uploads_config(10 * 1024 * 1024));
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    server.befriend("juliet", "romeo");
    let balcony = online(&server, "rc-files-juliet", "juliet", "pw").await;
    let romeo = online(&server, "rc-files-romeo", "romeo", "pw").await;
    let mut chamber = Peer::online(&server, "juliet", "pw").await;
    let downloads = scratch("rc-files-downloads");
    balcony.send(Command::SetDownloadDirectory {
        path: Some(downloads.clone()),
    });
    let to = Jid::from(balcony.full.clone());

    // Nothing pending yet: a note, no empty form.
    let none = step(&mut chamber, &to, None, Action::Execute, None).await;
    assert_eq!(none.status, Some(Status::Completed));
    assert!(none.form().is_none(), "no form when nothing waits");
    assert!(!none.notes.is_empty());

    let src = scratch("rc-files-src");
    for (n, name) in [(1, "ballad.ogg"), (2, "picture.jpg")] {
        let path = src.join(name);
        std::fs::write(&path, format!("contents of {name}")).expect("write");
        romeo.send(Command::SendFile {
            jid: romeo.jid.clone(),
            to: balcony.jid.clone(),
            kind: ChatKind::Chat,
            path,
            transfer: n,
        });
        romeo
            .expect(|ev| match ev {
                Event::UploadDone { transfer, .. } if *transfer == n => Some(()),
                _ => None,
            })
            .await;
    }
    for _ in 0..100 {
        if balcony
            .store()
            .pending_files(&balcony.jid, 10)
            .expect("pending")
            .len()
            == 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let first = step(&mut chamber, &to, None, Action::Execute, None).await;
    assert_eq!(first.status, Some(Status::Executing));
    let form = first.form().expect("form").expect("valid");
    assert_eq!(form.form_type(), Some(NS));
    let files = form.field("files").expect("files");
    assert_eq!(files.kind, FieldKind::ListMulti);
    assert_eq!(files.options.len(), 2);
    let picture = files
        .options
        .iter()
        .find(|o| o.label.as_deref().is_some_and(|l| l.starts_with("picture.jpg")))
        .expect("the picture is listed by name");
    assert!(
        picture
            .label
            .as_deref()
            .is_some_and(|l| l.contains("romeo@balcony.test")),
        "{:?}",
        picture.label
    );
    let submission = format!(
        "<x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>{NS}</value></field>\
         <field var='files' type='list-multi'><value>{}</value></field></x>",
        picture.value
    );
    let done = step(
        &mut chamber,
        &to,
        first.sessionid.clone(),
        Action::Complete,
        Some(submission.parse().expect("xml")),
    )
    .await;
    assert_eq!(done.status, Some(Status::Completed));
    let action = balcony
        .expect(|ev| match ev {
            Event::RemoteControlled { action, .. } => Some(action.clone()),
            _ => None,
        })
        .await;
    assert_eq!(action, RemoteAction::AcceptedFiles(vec!["picture.jpg".into()]));
    let path = balcony.expect(support::events::downloaded_path).await;
    assert_eq!(path, downloads.join("picture.jpg"));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "contents of picture.jpg"
    );
    let left = balcony.store().pending_files(&balcony.jid, 10).expect("pending");
    assert_eq!(left.len(), 1, "the ballad still waits");

    // A value that was never offered is refused.
    let again = step(&mut chamber, &to, None, Action::Execute, None).await;
    let bogus = "<x xmlns='jabber:x:data' type='submit'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/rc</value></field>\
         <field var='files' type='list-multi'><value>mallory@evil.example/x:999</value></field></x>";
    let request = CommandPayload::request(
        &RcCommand::AcceptFiles.node(),
        again.sessionid.clone(),
        Action::Complete,
        Some(bogus.parse().expect("xml")),
    )
    .to_element();
    let refused = chamber.set(Some(to.clone()), request).await;
    assert!(refused.is_err(), "{refused:?}");
}
