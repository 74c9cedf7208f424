//! Ad-hoc commands (XEP-0050) through the worker against Prosody's own
//! admin commands: listing, multi-stage forms, results, notes, errors, and
//! the effect on the server.

mod support;

use balcony::core::{
    bridge::Command,
    forms::{FieldKind, Form, Problem},
    xmpp::{
        modules::x0050_command_client::{CommandItem, CommandStep},
        modules::x0050_commands::{Action, CommandError, CommandPayload, NoteKind, Status},
    },
};
use support::{
    accounts::{online, Online},
    peer::Peer,
    prosody::{Prosody, DOMAIN},
};
use tokio::sync::oneshot;
use xmpp_parsers::{jid::Jid, message::MessageType};

const ADD_USER: &str = "http://jabber.org/protocol/admin#add-user";
const ONLINE_USERS: &str = "http://jabber.org/protocol/admin#get-online-users-list";
const ANNOUNCE: &str = "http://jabber.org/protocol/admin#announce";

fn server() -> Prosody {
    let server = Prosody::start_with(&["announce"], &format!("admins = {{ \"admin@{DOMAIN}\" }}"));
    server.register("admin", "pw-admin");
    server.register("romeo", "pw-r");
    server
}

fn domain() -> Jid {
    DOMAIN.parse().expect("domain")
}

async fn list(who: &Online, entity: Jid) -> Result<Vec<CommandItem>, CommandError> {
    let (reply, rx) = oneshot::channel();
    who.send(Command::ListCommands {
        jid: who.jid.clone(),
        entity,
        reply,
    });
    rx.await.expect("the worker answers")
}

async fn step(
    who: &Online,
    node: &str,
    sessionid: Option<String>,
    action: Action,
    form: Option<&Form>,
) -> Result<CommandPayload, CommandError> {
    let (reply, rx) = oneshot::channel();
    who.send(Command::RunCommand {
        jid: who.jid.clone(),
        entity: domain(),
        step: CommandStep {
            node: node.to_owned(),
            sessionid,
            action,
            form: form.map(Form::submission),
        },
        reply,
    });
    rx.await.expect("the worker answers")
}

fn form_of(reply: &CommandPayload) -> Form {
    reply.form().expect("a form").expect("a valid form")
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_adds_a_user_who_can_then_log_in() {
    let server = server();
    let admin = online(&server, "commands-admin", "admin", "pw-admin").await;

    let commands = list(&admin, domain()).await.expect("list");
    let nodes: Vec<&str> = commands.iter().map(|c| c.node.as_str()).collect();
    for wanted in [ADD_USER, ONLINE_USERS, ANNOUNCE, "uptime"] {
        assert!(nodes.contains(&wanted), "{wanted} missing from {nodes:?}");
    }
    let add = commands.iter().find(|c| c.node == ADD_USER).expect("add user");
    assert_eq!(add.name, "Add User");

    let first = step(&admin, ADD_USER, None, Action::Execute, None)
        .await
        .expect("stage 1");
    assert_eq!(first.status, Some(Status::Executing));
    let sessionid = first.sessionid.clone();
    assert!(sessionid.is_some());
    assert_eq!(first.default_action(), Some(Action::Complete));
    assert!(first.allows(Action::Complete) && !first.allows(Action::Prev));
    let mut form = form_of(&first);
    assert_eq!(form.title.as_deref(), Some("Adding a User"));
    assert_eq!(form.form_type(), Some("http://jabber.org/protocol/admin"));
    let account = form.field("accountjid").expect("accountjid");
    assert_eq!((account.kind, account.required), (FieldKind::JidSingle, true));
    assert_eq!(
        form.field("password").map(|f| f.kind),
        Some(FieldKind::TextPrivate)
    );

    // Checked before anything is sent: required, then a real address.
    assert_eq!(form.validate()[0].problem, Problem::Required);
    form.set_values("accountjid", vec!["not an address@".into()]);
    assert!(matches!(form.validate()[0].problem, Problem::NotAJid(_)));
    form.set_values("accountjid", vec![format!("benvolio@{DOMAIN}")]);
    form.set_values("password", vec!["pw-b".into()]);
    form.set_values("password-verify", vec!["pw-b".into()]);
    assert!(form.validate().is_empty());

    let done = step(&admin, ADD_USER, sessionid, Action::Complete, Some(&form))
        .await
        .expect("stage 2");
    assert_eq!(done.status, Some(Status::Completed));
    assert_eq!(done.notes.len(), 1);
    assert_eq!(done.notes[0].kind, NoteKind::Info);
    assert_eq!(done.notes[0].text, "Account successfully created");

    // The effect on the server: benvolio logs in.
    let benvolio = online(&server, "commands-benvolio", "benvolio", "pw-b").await;
    assert_eq!(benvolio.full.node().map(|n| n.as_str()), Some("benvolio"));

    // The same again: the server's error comes back as an error note.
    let again = step(&admin, ADD_USER, None, Action::Execute, None)
        .await
        .expect("again");
    let mut form = form_of(&again);
    form.set_values("accountjid", vec![format!("benvolio@{DOMAIN}")]);
    form.set_values("password", vec!["x".into()]);
    form.set_values("password-verify", vec!["x".into()]);
    let refused = step(
        &admin,
        ADD_USER,
        again.sessionid.clone(),
        Action::Complete,
        Some(&form),
    )
    .await
    .expect("answer");
    assert_eq!(refused.notes[0].kind, NoteKind::Error);
    assert_eq!(refused.notes[0].text, "Account already exists");
}

#[tokio::test(flavor = "multi_thread")]
async fn uptime_online_users_and_an_announcement() {
    let server = server();
    let admin = online(&server, "commands-admin2", "admin", "pw-admin").await;
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    // Headlines to the bare address reach available resources only.
    romeo.available().await;

    // Single stage: no form, a note.
    let uptime = step(&admin, "uptime", None, Action::Execute, None)
        .await
        .expect("uptime");
    assert_eq!(uptime.status, Some(Status::Completed));
    assert!(uptime.form.is_none());
    assert!(uptime.notes[0].text.contains("running for"), "{:?}", uptime.notes);

    // A form with a list and a boolean, then a result form.
    let first = step(&admin, ONLINE_USERS, None, Action::Execute, None)
        .await
        .expect("stage 1");
    let mut form = form_of(&first);
    let max = form.field("max_items").expect("max_items");
    assert_eq!(max.kind, FieldKind::ListSingle);
    assert!(max.options.iter().any(|o| o.value == "all"));
    form.set_values("max_items", vec!["eleven".into()]);
    assert_eq!(form.validate()[0].problem, Problem::NotAnOption("eleven".into()));
    form.set_values("max_items", vec!["all".into()]);
    form.set_values("details", vec!["1".into()]);
    let result = step(
        &admin,
        ONLINE_USERS,
        first.sessionid.clone(),
        Action::Complete,
        Some(&form),
    )
    .await
    .expect("result");
    assert_eq!(result.status, Some(Status::Completed));
    let table = form_of(&result);
    assert_eq!(table.kind, balcony::core::forms::FormKind::Result);
    let users = table
        .field("onlineuserjids")
        .expect("onlineuserjids")
        .values
        .clone();
    assert!(users.contains(&format!("romeo@{DOMAIN}")), "{users:?}");
    assert!(users.contains(&format!("admin@{DOMAIN}")), "{users:?}");

    // An announcement romeo receives.
    let first = step(&admin, ANNOUNCE, None, Action::Execute, None)
        .await
        .expect("announce");
    assert_eq!(first.default_action(), Some(Action::Complete));
    let mut form = form_of(&first);
    assert_eq!(
        form.field("announcement").map(|f| f.kind),
        Some(FieldKind::TextMulti)
    );
    form.set_values("subject", vec!["Maintenance".into()]);
    form.set_values(
        "announcement",
        vec!["The balcony".into(), "closes at ten.".into()],
    );
    let done = step(
        &admin,
        ANNOUNCE,
        first.sessionid.clone(),
        Action::Complete,
        Some(&form),
    )
    .await
    .expect("sent");
    assert_eq!(done.status, Some(Status::Completed));
    let message = romeo.message_where(|m| m.type_ == MessageType::Headline).await;
    let body = message.bodies.values().next().cloned().unwrap_or_default();
    assert_eq!(body, "The balcony\ncloses at ten.");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_explained_and_a_session_can_be_canceled() {
    let server = server();
    let admin = online(&server, "commands-admin3", "admin", "pw-admin").await;
    let romeo = online(&server, "commands-romeo", "romeo", "pw-r").await;

    // Not an admin: the admin commands are not listed, and running one is
    // forbidden.
    let listed = list(&romeo, domain()).await.expect("list");
    assert!(listed.iter().all(|c| c.node != ADD_USER), "{listed:?}");
    let (reply, rx) = oneshot::channel();
    romeo.send(Command::RunCommand {
        jid: romeo.jid.clone(),
        entity: domain(),
        step: CommandStep {
            node: ADD_USER.into(),
            sessionid: None,
            action: Action::Execute,
            form: None,
        },
        reply,
    });
    assert_eq!(rx.await.expect("answer"), Err(CommandError::Forbidden));

    // A node the server does not have.
    let missing = step(
        &admin,
        "http://example.org/no-such-command",
        None,
        Action::Execute,
        None,
    )
    .await;
    assert!(
        matches!(
            missing,
            Err(CommandError::ItemNotFound | CommandError::Unavailable)
        ),
        "{missing:?}"
    );

    // Cancel mid-way: the server confirms.
    let first = step(&admin, ADD_USER, None, Action::Execute, None)
        .await
        .expect("stage 1");
    let canceled = step(&admin, ADD_USER, first.sessionid.clone(), Action::Cancel, None)
        .await
        .expect("cancel");
    assert_eq!(canceled.status, Some(Status::Canceled));

    // An account that is not connected is told so at once.
    admin.send(Command::Disconnect {
        jid: admin.jid.clone(),
    });
    let mut offline = Err(CommandError::Timeout);
    for _ in 0..50 {
        offline = list(&admin, domain()).await;
        if offline == Err(CommandError::Offline) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(offline, Err(CommandError::Offline));
}

#[tokio::test(flavor = "multi_thread")]
async fn our_responder_answers_through_the_server() {
    use xmpp_parsers::{
        disco::{DiscoInfoQuery, DiscoInfoResult, DiscoItemsQuery, DiscoItemsResult},
        stanza_error::DefinedCondition,
    };
    let server = server();
    let juliet = online(&server, "commands-responder", "admin", "pw-admin").await;
    let mut phone = Peer::login(&server, "admin", "pw-admin").await;
    let us = Jid::from(juliet.full.clone());

    // Our disco#info announces commands, so that other clients look.
    let info = phone
        .get(&us, DiscoInfoQuery { node: None }.into())
        .await
        .expect("info")
        .expect("payload");
    let info = DiscoInfoResult::try_from(info).expect("disco#info");
    assert!(info.features.contains("http://jabber.org/protocol/commands"));

    // The commands node answers our own other device with the
    // remote-control commands (tests/remote_control.rs checks them).
    let items = phone
        .get(
            &us,
            DiscoItemsQuery {
                node: Some("http://jabber.org/protocol/commands".into()),
                rsm: None,
            }
            .into(),
        )
        .await
        .expect("items")
        .expect("payload");
    let nodes: Vec<String> = DiscoItemsResult::try_from(items)
        .expect("items")
        .items
        .into_iter()
        .filter_map(|i| i.node)
        .collect();
    assert!(
        nodes
            .iter()
            .all(|n| n.starts_with("http://jabber.org/protocol/rc#"))
            && nodes.len() == 5,
        "{nodes:?}"
    );

    // Executing an unknown node: item-not-found, as XEP-0050 §4.6 says.
    let request = CommandPayload::request("http://example.org/none", None, Action::Execute, None);
    let refused = phone.set(Some(us.clone()), request.to_element()).await;
    let error = refused.expect_err("refused");
    assert_eq!(error.defined_condition, DefinedCondition::ItemNotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_stage_command_goes_forward_back_and_completes() {
    const VISIT: &str = "urn:balcony:test:visit";
    let server = Prosody::start_with(&["balcony_wizard"], "");
    server.register("romeo", "pw-r");
    let romeo = online(&server, "commands-wizard", "romeo", "pw-r").await;

    let first = step(&romeo, VISIT, None, Action::Execute, None)
        .await
        .expect("stage 1");
    assert_eq!(first.default_action(), Some(Action::Next));
    assert!(first.allows(Action::Next) && !first.allows(Action::Prev) && !first.allows(Action::Complete));
    let id = first.sessionid.clone();
    let mut who = form_of(&first);
    who.set_values("guest", vec![format!("juliet@{DOMAIN}")]);
    let second = step(&romeo, VISIT, id.clone(), Action::Next, Some(&who))
        .await
        .expect("stage 2");
    assert_eq!(second.default_action(), Some(Action::Complete));
    assert!(second.allows(Action::Prev) && !second.allows(Action::Next));

    // Back: stage 1 again, the guest remembered.
    let back = step(&romeo, VISIT, id.clone(), Action::Prev, None)
        .await
        .expect("back");
    assert_eq!(
        form_of(&back).field("guest").map(|f| f.values.clone()),
        Some(vec![format!("juliet@{DOMAIN}")])
    );
    let second = step(&romeo, VISIT, id.clone(), Action::Next, Some(&form_of(&back)))
        .await
        .expect("stage 2 again");
    let mut when = form_of(&second);
    when.set_values("hour", vec!["21".into()]);
    // "execute" means the stage's default, complete.
    let done = step(&romeo, VISIT, id, Action::Execute, Some(&when))
        .await
        .expect("done");
    assert_eq!(done.status, Some(Status::Completed));
    assert_eq!(
        done.notes[0].text,
        format!("Visit planned: juliet@{DOMAIN} at 21")
    );

    // Completing is not offered at stage 1, and the server refuses it too
    // (Prosody then ends that session).
    let first = step(&romeo, VISIT, None, Action::Execute, None)
        .await
        .expect("stage 1");
    assert_eq!(
        step(&romeo, VISIT, first.sessionid.clone(), Action::Complete, None).await,
        Err(CommandError::BadAction)
    );
}
