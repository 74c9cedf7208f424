//! Remote control (XEP-0146) of a Balcony core ("balcony", the
//! responder) by other resources of the same account on Prosody: a bare
//! client written to the spec ("chamber"), and a second Balcony core. A
//! third account (romeo) watches the effects and tries what it must not.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    forms::{self, Form, FormKind},
    remote_control::{RcCommand, RcOptions, RemoteAction, NS},
    xmpp::modules::{
        x0050_command_client::CommandStep,
        x0050_commands::{Action, CommandPayload, Status},
    },
};
use support::{
    accounts::{online, Online},
    peer::Peer,
    prosody::{Prosody, DOMAIN, MUC_DOMAIN},
};
use tokio::sync::oneshot;
use tokio_xmpp::Stanza;
use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoItemsQuery, DiscoItemsResult},
    jid::{BareJid, Jid},
    message::{Lang, Message},
    minidom::Element,
    presence::{Presence, Priority, Show, Type as PresenceType},
    stanza_error::{DefinedCondition, StanzaError},
};

const COMMANDS: &str = "http://jabber.org/protocol/commands";

fn node(c: RcCommand) -> String {
    c.node()
}

/// Runs one step of `node` at `to` from `from`.
async fn step(
    from: &mut Peer,
    to: &Jid,
    node: &str,
    session: Option<String>,
    action: Action,
    form: Option<Element>,
) -> Result<CommandPayload, StanzaError> {
    let request = CommandPayload::request(node, session, action, form).to_element();
    let answer = from.set(Some(to.clone()), request).await?;
    Ok(CommandPayload::parse(&answer.expect("a command payload")).expect("parses"))
}

/// Fills `form` (from a stage) with `values` and makes it a submission.
fn submit(payload: &CommandPayload, values: &[(&str, &[&str])]) -> Element {
    let mut form = payload.form().expect("form").expect("valid");
    for (var, v) in values {
        assert!(
            form.set_values(var, v.iter().map(|s| (*s).to_owned()).collect()),
            "{var}"
        );
    }
    form.kind = FormKind::Submit;
    form.submission()
}

/// A submission with only the fields given (and the rc FORM_TYPE unless
/// `form_type` is false), as a controller that omits fields sends it.
fn partial(values: &[(&str, &str, &[&str])], form_type: bool) -> Element {
    let mut xml = String::from("<x xmlns='jabber:x:data' type='submit'>");
    if form_type {
        xml.push_str(&format!(
            "<field var='FORM_TYPE' type='hidden'><value>{NS}</value></field>"
        ));
    }
    for (var, kind, vs) in values {
        xml.push_str(&format!("<field var='{var}' type='{kind}'>"));
        for v in *vs {
            xml.push_str(&format!("<value>{v}</value>"));
        }
        xml.push_str("</field>");
    }
    xml.push_str("</x>");
    xml.parse().expect("xml")
}

fn condition(e: &StanzaError) -> DefinedCondition {
    e.defined_condition.clone()
}

async fn controlled(balcony: &Online) -> (String, RemoteAction) {
    balcony
        .expect(|ev| match ev {
            Event::RemoteControlled { device, action, .. } => Some((device.clone(), action.clone())),
            _ => None,
        })
        .await
}

struct Setup {
    server: Prosody,
    balcony: Online,
    chamber: Peer,
    romeo: Peer,
}

async fn setup(name: &str) -> Setup {
    let server = Prosody::start();
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    server.befriend("juliet", "romeo");
    let romeo = Peer::online(&server, "romeo", "pw").await;
    let balcony = online(&server, name, "juliet", "pw").await;
    let chamber = Peer::online(&server, "juliet", "pw").await;
    Setup {
        server,
        balcony,
        chamber,
        romeo,
    }
}

fn responder(s: &Setup) -> Jid {
    Jid::from(s.balcony.full.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_changes_what_contacts_see_and_keeps_what_is_omitted() {
    let mut s = setup("rc-status").await;
    let (to, me) = (responder(&s), s.balcony.jid.clone());
    let first = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetStatus),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("form");
    assert_eq!(first.status, Some(Status::Executing));
    let form = first.form().expect("form").expect("valid");
    assert_eq!(form.form_type(), Some(NS));
    let status = form.field("status").expect("status");
    assert_eq!(status.kind, forms::FieldKind::ListSingle);
    let values: Vec<&str> = status.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(
        values,
        ["chat", "online", "away", "xa", "dnd", "invisible", "offline"]
    );
    assert_eq!(
        form.field("status-priority").map(|f| f.kind),
        Some(forms::FieldKind::TextSingle)
    );
    assert_eq!(
        form.field("status-message").map(|f| f.kind),
        Some(forms::FieldKind::TextMulti)
    );
    let id = first.sessionid.clone();
    let done = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetStatus),
        id,
        Action::Complete,
        Some(submit(
            &first,
            &[
                ("status", &["xa"]),
                ("status-priority", &["-1"]),
                ("status-message", &["In my chamber."]),
            ],
        )),
    )
    .await
    .expect("completed");
    assert_eq!(done.status, Some(Status::Completed));
    if let Some(Ok(result)) = done.form() {
        assert_eq!(result.kind, FormKind::Result, "a result form or none");
        assert!(!result.fields.is_empty(), "never an empty form");
    }
    let seen = s
        .romeo
        .presence_where(|p| p.from.as_ref() == Some(&to) && p.show == Some(Show::Xa))
        .await;
    assert_eq!(seen.priority, Priority(-1));
    assert_eq!(
        seen.statuses.values().next().map(String::as_str),
        Some("In my chamber.")
    );
    let (device, action) = controlled(&s.balcony).await;
    assert_eq!(device, s.chamber.jid.resource().as_str());
    assert!(matches!(action, RemoteAction::StatusChanged(Some(_))));

    // Only the status this time: priority and message stay.
    let first = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetStatus),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("form");
    let shown = first.form().expect("form").expect("valid");
    assert_eq!(
        shown.field("status").map(|f| f.value()),
        Some("xa"),
        "the form shows what is"
    );
    assert_eq!(shown.field("status-priority").map(|f| f.value()), Some("-1"));
    step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetStatus),
        first.sessionid.clone(),
        Action::Complete,
        Some(partial(&[("status", "list-single", &["dnd"])], true)),
    )
    .await
    .expect("completed");
    let seen = s
        .romeo
        .presence_where(|p| p.from.as_ref() == Some(&to) && p.show == Some(Show::Dnd))
        .await;
    assert_eq!(seen.priority, Priority(-1), "an omitted priority stays");
    assert_eq!(
        seen.statuses.values().next().map(String::as_str),
        Some("In my chamber.")
    );

    // Offline: the responder leaves.
    let first = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetStatus),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("form");
    step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetStatus),
        first.sessionid.clone(),
        Action::Complete,
        Some(partial(&[("status", "list-single", &["offline"])], true)),
    )
    .await
    .expect("completed");
    s.romeo
        .presence_where(|p| p.from.as_ref() == Some(&to) && p.type_ == PresenceType::Unavailable)
        .await;
    let _ = me;
    s.balcony.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_sends_unread_messages_with_their_sender_and_time_once() {
    let mut s = setup("rc-forward").await;
    let to = responder(&s);
    let me = s.balcony.jid.clone();
    for (i, body) in ["one", "two", "three"].iter().enumerate() {
        let mut m = Message::chat(Some(to.clone()));
        m.id = Some(xmpp_parsers::message::Id(format!("romeo-{i}")));
        m.bodies.insert(Lang::default(), (*body).into());
        s.romeo.send(m).await;
        assert_eq!(s.balcony.next_body().await, *body);
    }
    let romeo_bare: BareJid = s.romeo.jid.to_bare();
    let unread = |b: &Online| {
        b.store()
            .conversation_summaries(&me)
            .expect("list")
            .iter()
            .find(|c| c.peer == romeo_bare)
            .map(|c| c.unread)
    };
    assert_eq!(unread(&s.balcony), Some(3));
    let done = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::Forward),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("done");
    assert_eq!(done.status, Some(Status::Completed));
    assert!(done.form.is_none(), "no form, never an empty one");
    let mut got = Vec::new();
    while got.len() < 3 {
        match s.chamber.next_stanza(Duration::from_secs(10)).await {
            Some(Stanza::Message(m)) if m.bodies.values().next().is_some() => got.push(m),
            Some(_) => {}
            None => panic!("only {} forwarded", got.len()),
        }
    }
    for m in &got {
        let ofrom =
            balcony::core::xmpp::modules::x0033_addresses::original_sender(&m.payloads).expect("ofrom");
        assert_eq!(ofrom, Jid::from(s.romeo.jid.clone()));
        let delay = m
            .payloads
            .iter()
            .find(|p| p.is("delay", "urn:xmpp:delay"))
            .and_then(|p| xmpp_parsers::delay::Delay::try_from(p.clone()).ok())
            .expect("a valid XEP-0203 delay with an XEP-0082 stamp");
        let age = chrono::Utc::now().signed_duration_since(delay.stamp.0);
        assert!(
            age.num_seconds() >= 0 && age.num_seconds() < 120,
            "the original time"
        );
    }
    let bodies: Vec<String> = got
        .iter()
        .map(|m| m.bodies.values().next().cloned().unwrap_or_default())
        .collect();
    assert_eq!(bodies, ["one", "two", "three"]);
    assert_eq!(unread(&s.balcony), Some(0), "marked read");
    let (_, action) = controlled(&s.balcony).await;
    assert!(matches!(action, RemoteAction::Forwarded { count: 3, .. }));
    // A second forward sends nothing.
    step(
        &mut s.chamber,
        &to,
        &node(RcCommand::Forward),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("done");
    let more = s.chamber.next_stanza(Duration::from_secs(1)).await;
    assert!(!matches!(more, Some(Stanza::Message(_))), "{more:?}");
    s.balcony.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn set_options_changes_each_option_keeps_omitted_ones_and_auto_auth_is_obeyed() {
    let mut s = setup("rc-options").await;
    let to = responder(&s);
    let first = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::SetOptions),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("form");
    let form = first.form().expect("form").expect("valid");
    assert_eq!(form.form_type(), Some(NS));
    for var in ["sounds", "auto-offline", "auto-msg", "auto-files", "auto-auth"] {
        assert_eq!(
            form.field(var).map(|f| f.kind),
            Some(forms::FieldKind::Boolean),
            "{var}"
        );
    }
    assert_eq!(
        form.field("sounds").map(|f| f.is_true()),
        Some(true),
        "the current values"
    );
    // Each option on its own; the others stay.
    let mut expected = RcOptions::default();
    for var in ["sounds", "auto-offline", "auto-msg", "auto-files", "auto-auth"] {
        let first = step(
            &mut s.chamber,
            &to,
            &node(RcCommand::SetOptions),
            None,
            Action::Execute,
            None,
        )
        .await
        .expect("form");
        let flip = !first
            .form()
            .expect("f")
            .expect("v")
            .field(var)
            .expect("field")
            .is_true();
        match var {
            "sounds" => expected.sounds = flip,
            "auto-offline" => expected.auto_offline = flip,
            "auto-msg" => expected.auto_msg = flip,
            "auto-files" => expected.auto_files = flip,
            _ => expected.auto_auth = flip,
        }
        step(
            &mut s.chamber,
            &to,
            &node(RcCommand::SetOptions),
            first.sessionid.clone(),
            Action::Complete,
            Some(partial(
                &[(var, "boolean", &[if flip { "1" } else { "0" }])],
                true,
            )),
        )
        .await
        .expect("completed");
        let (_, action) = controlled(&s.balcony).await;
        assert_eq!(action, RemoteAction::OptionsChanged(expected), "after {var}");
        assert_eq!(s.balcony.store().rc_options().expect("stored"), expected);
    }
    // auto-auth is on now: a contact request is approved without asking.
    assert!(expected.auto_auth);
    s.server.register("nurse", "pw");
    let mut nurse = Peer::online(&s.server, "nurse", "pw").await;
    nurse
        .send(Presence::new(PresenceType::Subscribe).with_to(Jid::from(s.balcony.jid.clone())))
        .await;
    nurse
        .presence_where(|p| p.type_ == PresenceType::Subscribed)
        .await;
    s.balcony
        .expect(|ev| matches!(ev, Event::SubscriptionApprovedAutomatically { .. }).then_some(()))
        .await;
    s.balcony.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn leave_groupchats_leaves_the_chosen_rooms() {
    let mut s = setup("rc-rooms").await;
    let to = responder(&s);
    let room: BareJid = format!("balcony@{MUC_DOMAIN}").parse().expect("jid");
    s.romeo.join_room(room.as_str(), "romeo").await;
    s.balcony.send(Command::JoinRoom {
        jid: s.balcony.jid.clone(),
        room: room.clone(),
        nick: Some("juliet".into()),
        password: None,
    });
    s.balcony
        .expect(|ev| matches!(ev, Event::RoomJoined { .. }).then_some(()))
        .await;
    let first = step(
        &mut s.chamber,
        &to,
        &node(RcCommand::LeaveGroupchats),
        None,
        Action::Execute,
        None,
    )
    .await
    .expect("form");
    let form = first.form().expect("form").expect("valid");
    let rooms = form.field("groupchats").expect("groupchats");
    assert_eq!(rooms.kind, forms::FieldKind::ListMulti);
    let value = format!("{room}/juliet");
    assert!(
        rooms.options.iter().any(|o| o.value == value),
        "{:?}",
        rooms.options
    );
    step(
        &mut s.chamber,
        &to,
        &node(RcCommand::LeaveGroupchats),
        first.sessionid.clone(),
        Action::Complete,
        Some(submit(&first, &[("groupchats", &[value.as_str()])])),
    )
    .await
    .expect("completed");
    let occupant: Jid = value.parse().expect("jid");
    s.romeo
        .presence_where(|p| p.from.as_ref() == Some(&occupant) && p.type_ == PresenceType::Unavailable)
        .await;
    // The room's occupant list no longer holds the nick.
    let items = s
        .romeo
        .get(
            &Jid::from(room.clone()),
            DiscoItemsQuery {
                node: None,
                rsm: None,
            }
            .into(),
        )
        .await
        .expect("items")
        .expect("payload");
    let items = DiscoItemsResult::try_from(items).expect("items");
    assert!(items.items.iter().all(|i| i.jid != occupant), "{:?}", items.items);
    s.balcony.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_other_sessions_and_a_disabled_responder_are_refused() {
    let mut s = setup("rc-security").await;
    let to = responder(&s);
    let set_status = node(RcCommand::SetStatus);
    // Another account: forbidden on execute.
    let e = step(&mut s.romeo, &to, &set_status, None, Action::Execute, None)
        .await
        .expect_err("refused");
    assert_eq!(condition(&e), DefinedCondition::Forbidden);
    // …sees no rc node in disco#items…
    let items = s
        .romeo
        .get(
            &to,
            DiscoItemsQuery {
                node: Some(COMMANDS.into()),
                rsm: None,
            }
            .into(),
        )
        .await
        .expect("items")
        .expect("payload");
    let items = DiscoItemsResult::try_from(items).expect("items");
    assert!(items
        .items
        .iter()
        .all(|i| !i.node.as_deref().unwrap_or("").starts_with(NS)));
    // …and item-not-found on an rc node's disco#info.
    let e = s
        .romeo
        .get(
            &to,
            DiscoInfoQuery {
                node: Some(set_status.clone()),
            }
            .into(),
        )
        .await
        .expect_err("not found");
    assert_eq!(condition(&e), DefinedCondition::ItemNotFound);
    // Our own device sees them all.
    let items = s
        .chamber
        .get(
            &to,
            DiscoItemsQuery {
                node: Some(COMMANDS.into()),
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
    for c in [
        RcCommand::SetStatus,
        RcCommand::Forward,
        RcCommand::SetOptions,
        RcCommand::LeaveGroupchats,
    ] {
        assert!(nodes.contains(&c.node()), "{nodes:?}");
    }
    // A later stage with our session: forbidden for romeo, refused for
    // another resource of ours.
    let first = step(&mut s.chamber, &to, &set_status, None, Action::Execute, None)
        .await
        .expect("form");
    let stolen = first.sessionid.clone();
    let e = step(
        &mut s.romeo,
        &to,
        &set_status,
        stolen.clone(),
        Action::Complete,
        Some(partial(&[("status", "list-single", &["away"])], true)),
    )
    .await
    .expect_err("refused");
    assert_eq!(condition(&e), DefinedCondition::Forbidden);
    let mut tablet = Peer::online(&s.server, "juliet", "pw").await;
    let e = step(
        &mut tablet,
        &to,
        &set_status,
        stolen,
        Action::Complete,
        Some(partial(&[("status", "list-single", &["away"])], true)),
    )
    .await
    .expect_err("refused");
    assert_eq!(condition(&e), DefinedCondition::BadRequest, "bad-sessionid");

    // Malformed submissions: bad-request, and the responder keeps working.
    for bad in [
        partial(&[("status-priority", "text-single", &["high"])], true),
        partial(&[("status", "list-single", &["sleeping"])], true),
        partial(&[("status", "list-single", &["away"])], false),
    ] {
        let first = step(&mut s.chamber, &to, &set_status, None, Action::Execute, None)
            .await
            .expect("form");
        let e = step(
            &mut s.chamber,
            &to,
            &set_status,
            first.sessionid.clone(),
            Action::Complete,
            Some(bad),
        )
        .await
        .expect_err("refused");
        assert_eq!(condition(&e), DefinedCondition::BadRequest);
    }

    // The preference off: even our own device is refused and sees nothing.
    s.balcony.send(Command::SetRemoteControl {
        enabled: false,
        options: RcOptions::default(),
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = step(&mut s.chamber, &to, &set_status, None, Action::Execute, None)
        .await
        .expect_err("refused");
    assert_eq!(condition(&e), DefinedCondition::Forbidden);
    let items = s
        .chamber
        .get(
            &to,
            DiscoItemsQuery {
                node: Some(COMMANDS.into()),
                rsm: None,
            }
            .into(),
        )
        .await
        .expect("items")
        .expect("payload");
    assert!(DiscoItemsResult::try_from(items).expect("items").items.is_empty());
    s.balcony.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_balcony_controls_the_first() {
    let s = setup("rc-core-responder").await;
    let controller = online(&s.server, "rc-core-controller", "juliet", "pw").await;
    let to = responder(&s);
    let run = |step: CommandStep| {
        let (reply, rx) = oneshot::channel();
        controller.send(Command::RunCommand {
            jid: controller.jid.clone(),
            entity: to.clone(),
            step,
            reply,
        });
        rx
    };
    let first = run(CommandStep {
        node: node(RcCommand::SetStatus),
        sessionid: None,
        action: Action::Execute,
        form: None,
    })
    .await
    .expect("answer")
    .expect("form");
    let mut form: Form = first.form().expect("form").expect("valid");
    form.set_values("status", vec!["away".into()]);
    form.kind = FormKind::Submit;
    let done = run(CommandStep {
        node: node(RcCommand::SetStatus),
        sessionid: first.sessionid.clone(),
        action: Action::Complete,
        form: Some(form.submission()),
    })
    .await
    .expect("answer")
    .expect("done");
    assert_eq!(done.status, Some(Status::Completed));
    let (device, _) = controlled(&s.balcony).await;
    assert_eq!(device, controller.full.resource().as_str());
    let _ = DOMAIN;
    controller.worker.shutdown();
    s.balcony.worker.shutdown();
}
