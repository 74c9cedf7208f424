//! The responder framework with a two-stage command of the tests' own.

use super::*;
use crate::core::{
    forms::{Field, FieldKind, FormKind},
    xmpp::{modules::x0050_commands::NoteKind, session::outgoing::IqError},
};

struct Greet;

fn ask(var: &str, stage_actions: Actions) -> StepReply {
    let mut form = Form::new(FormKind::Form);
    let mut field = Field::new(var, FieldKind::TextSingle);
    field.required = true;
    form.fields.push(field);
    StepReply {
        status: Status::Executing,
        form: Some(form),
        notes: Vec::new(),
        actions: Some(stage_actions),
    }
}

impl AdhocCommand for Greet {
    fn node(&self) -> &str {
        "greet"
    }
    fn name(&self) -> String {
        "Greet".into()
    }
    fn allowed<'a>(&'a self, _ctx: &'a SessionContext, requester: Requester<'a>) -> BoxFuture<'a, bool> {
        Box::pin(async move { requester.is_own_resource() })
    }
    fn step<'a>(
        &'a self,
        _ctx: &'a SessionContext,
        _requester: Requester<'a>,
        state: &'a mut CommandState,
        action: Action,
        form: Option<Form>,
    ) -> BoxFuture<'a, Result<StepReply, CommandError>> {
        Box::pin(async move { greet_step(state, action, form) })
    }
}

fn greet_step(
    state: &mut CommandState,
    action: Action,
    form: Option<Form>,
) -> Result<StepReply, CommandError> {
    {
        if let Some(form) = &form {
            // A submission carries no <required/>: check against our own
            // form (every field of it is required).
            if form.fields.iter().any(|f| f.value().trim().is_empty()) {
                return Err(CommandError::BadPayload);
            }
            for f in &form.fields {
                state
                    .values
                    .insert(f.var.clone().unwrap_or_default(), f.values.clone());
            }
        }
        let first = || {
            ask(
                "name",
                Actions {
                    default: Some(Action::Next),
                    allowed: vec![Action::Next],
                },
            )
        };
        let second = || {
            ask(
                "colour",
                Actions {
                    default: Some(Action::Complete),
                    allowed: vec![Action::Prev, Action::Complete],
                },
            )
        };
        Ok(match (state.stage, action) {
            (0, _) | (2, Action::Prev) => {
                state.stage = 0;
                first()
            }
            (1, Action::Next) => second(),
            (_, Action::Complete) => {
                let name = state.values.get("name").and_then(|v| v.first()).cloned();
                let colour = state.values.get("colour").and_then(|v| v.first()).cloned();
                StepReply::done(Note {
                    kind: NoteKind::Info,
                    text: format!(
                        "Hello {} in {}",
                        name.unwrap_or_default(),
                        colour.unwrap_or_default()
                    ),
                })
            }
            _ => return Err(CommandError::BadAction),
        })
    }
}

fn test_ctx() -> SessionContext {
    let (out, _) = tokio::sync::mpsc::unbounded_channel();
    let (events, _) = async_channel::unbounded();
    SessionContext {
        account: account(),
        out: crate::core::xmpp::session::outgoing::Outbound::new(out),
        events,
        store: crate::core::store::StoreHandle::new(
            crate::core::store::Store::open_in_memory().expect("store"),
        ),
        modules: crate::core::xmpp::modules::session_state(crate::core::xmpp::modules::REGISTERED),
        files: Default::default(),
        connection: Default::default(),
    }
}

fn responder(timeout: Duration) -> CommandResponder {
    CommandResponder::new(vec![Arc::new(Greet)], timeout)
}

fn account() -> BareJid {
    "juliet@capulet.lit".parse().expect("jid")
}

fn phone() -> Jid {
    "juliet@capulet.lit/phone".parse().expect("jid")
}

fn request(session: Option<&str>, action: Option<Action>, form: Option<Form>) -> Element {
    let mut payload = CommandPayload::request("greet", session.map(str::to_owned), Action::Execute, None);
    payload.action = action;
    payload.form = form.map(|mut f| {
        f.kind = FormKind::Submit;
        f.submission()
    });
    payload.to_element()
}

fn filled(reply: &CommandPayload, var: &str, value: &str) -> Form {
    let mut form = reply.form().expect("form").expect("valid");
    form.set_values(var, vec![value.into()]);
    form
}

#[tokio::test]
async fn own_resources_run_a_two_stage_command_back_and_forth() {
    let ctx = test_ctx();
    let r = responder(SESSION_TIMEOUT);
    let (from, account) = (phone(), account());
    let me = Requester {
        from: &from,
        account: &account,
    };
    let us: Jid = "juliet@capulet.lit/balcony".parse().expect("jid");
    let items = r.items(&ctx, me, &us).await;
    assert_eq!(items.items.len(), 1);
    assert_eq!(items.items[0].node.as_deref(), Some("greet"));
    assert_eq!(
        r.info(&ctx, me, "greet")
            .await
            .map(|i| i.identities[0].type_.clone())
            .as_deref(),
        Some("command-node")
    );

    let one = r
        .execute(&ctx, me, &request(None, None, None))
        .await
        .expect("stage 1");
    assert_eq!(one.status, Some(Status::Executing));
    assert_eq!(one.default_action(), Some(Action::Next));
    let id = one.sessionid.clone().expect("session");
    let two = r
        .execute(
            &ctx,
            me,
            &request(
                Some(&id),
                Some(Action::Next),
                Some(filled(&one, "name", "Juliet")),
            ),
        )
        .await
        .expect("stage 2");
    assert!(two.allows(Action::Prev) && two.allows(Action::Complete) && !two.allows(Action::Next));
    let back = r
        .execute(&ctx, me, &request(Some(&id), Some(Action::Prev), None))
        .await
        .expect("back");
    assert_eq!(
        back.form().expect("form").expect("valid").fields[0]
            .var
            .as_deref(),
        Some("name")
    );
    let two = r
        .execute(
            &ctx,
            me,
            &request(
                Some(&id),
                Some(Action::Next),
                Some(filled(&back, "name", "Jules")),
            ),
        )
        .await
        .expect("stage 2 again");
    // "execute" is the stage's default: complete.
    let done = r
        .execute(
            &ctx,
            me,
            &request(
                Some(&id),
                Some(Action::Execute),
                Some(filled(&two, "colour", "blue")),
            ),
        )
        .await
        .expect("done");
    assert_eq!(done.status, Some(Status::Completed));
    assert_eq!(done.notes[0].text, "Hello Jules in blue");
    // The session has ended.
    assert_eq!(
        r.execute(&ctx, me, &request(Some(&id), Some(Action::Next), None))
            .await,
        Err(CommandError::SessionExpired)
    );
}

#[tokio::test]
async fn strangers_see_nothing_and_are_forbidden() {
    let ctx = test_ctx();
    let r = responder(SESSION_TIMEOUT);
    let (stranger, account) = ("tybalt@capulet.lit/sword".parse::<Jid>().expect("jid"), account());
    let them = Requester {
        from: &stranger,
        account: &account,
    };
    assert!(r.items(&ctx, them, &phone()).await.items.is_empty());
    assert!(r.info(&ctx, them, "greet").await.is_none());
    assert_eq!(
        r.execute(&ctx, them, &request(None, None, None)).await,
        Err(CommandError::Forbidden)
    );
}

#[tokio::test]
async fn wrong_steps_are_refused_and_leave_the_session_usable() {
    let ctx = test_ctx();
    let r = responder(SESSION_TIMEOUT);
    let (from, account) = (phone(), account());
    let me = Requester {
        from: &from,
        account: &account,
    };
    let one = r
        .execute(&ctx, me, &request(None, None, None))
        .await
        .expect("stage 1");
    let id = one.sessionid.clone().expect("session");
    // Stage 1 allows next only.
    assert_eq!(
        r.execute(&ctx, me, &request(Some(&id), Some(Action::Complete), None))
            .await,
        Err(CommandError::BadAction)
    );
    // An empty required field: the command refuses the payload.
    assert_eq!(
        r.execute(
            &ctx,
            me,
            &request(Some(&id), Some(Action::Next), Some(filled(&one, "name", "")))
        )
        .await,
        Err(CommandError::BadPayload)
    );
    // Someone else's session, an unknown one, and an unknown command.
    let laptop: Jid = "juliet@capulet.lit/laptop".parse().expect("jid");
    let other = Requester {
        from: &laptop,
        account: &account,
    };
    assert_eq!(
        r.execute(&ctx, other, &request(Some(&id), Some(Action::Next), None))
            .await,
        Err(CommandError::BadSessionId)
    );
    assert_eq!(
        r.execute(&ctx, me, &request(Some("made-up"), Some(Action::Next), None))
            .await,
        Err(CommandError::BadSessionId)
    );
    let mut unknown = CommandPayload::parse(&request(None, None, None)).expect("payload");
    unknown.node = "nothing".into();
    assert_eq!(
        r.execute(&ctx, me, &unknown.to_element()).await,
        Err(CommandError::ItemNotFound)
    );
    let malformed: Element =
        "<command xmlns='http://jabber.org/protocol/commands' node='greet' action='jump'/>"
            .parse()
            .expect("xml");
    assert_eq!(
        r.execute(&ctx, me, &malformed).await,
        Err(CommandError::MalformedAction)
    );
    let bad_form: Element =
        "<command xmlns='http://jabber.org/protocol/commands' node='greet'><x xmlns='jabber:x:data' type='odd'/></command>"
            .parse()
            .expect("xml");
    assert_eq!(
        r.execute(&ctx, me, &bad_form).await,
        Err(CommandError::BadPayload)
    );
    // Still usable.
    let two = r
        .execute(
            &ctx,
            me,
            &request(Some(&id), Some(Action::Next), Some(filled(&one, "name", "J"))),
        )
        .await;
    assert_eq!(two.map(|t| t.status), Ok(Some(Status::Executing)));
}

#[tokio::test]
async fn cancel_and_timeout_end_sessions() {
    let ctx = test_ctx();
    let r = responder(SESSION_TIMEOUT);
    let (from, account) = (phone(), account());
    let me = Requester {
        from: &from,
        account: &account,
    };
    let id = r
        .execute(&ctx, me, &request(None, None, None))
        .await
        .expect("1")
        .sessionid
        .expect("id");
    let canceled = r
        .execute(&ctx, me, &request(Some(&id), Some(Action::Cancel), None))
        .await
        .expect("cancel");
    assert_eq!(canceled.status, Some(Status::Canceled));
    assert_eq!(
        r.execute(&ctx, me, &request(Some(&id), Some(Action::Next), None))
            .await,
        Err(CommandError::SessionExpired)
    );

    let quick = responder(Duration::from_millis(20));
    let id = quick
        .execute(&ctx, me, &request(None, None, None))
        .await
        .expect("1")
        .sessionid
        .expect("id");
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(
        quick
            .execute(&ctx, me, &request(Some(&id), Some(Action::Next), None))
            .await,
        Err(CommandError::SessionExpired)
    );
}

#[tokio::test]
async fn iq_answers_carry_the_specific_condition_and_read_back_as_the_same_error() {
    let ctx = test_ctx();
    let r = responder(SESSION_TIMEOUT);
    let us: Jid = "juliet@capulet.lit/balcony".parse().expect("jid");
    let iq = Iq::Set {
        from: Some(phone()),
        to: None,
        id: "x1".into(),
        payload: request(Some("made-up"), Some(Action::Next), None),
    };
    let Some(Iq::Error { error, .. }) = r.answer(&ctx, &iq, &us).await else {
        panic!("an error answer")
    };
    assert_eq!(error.defined_condition, DefinedCondition::BadRequest);
    assert_eq!(error.other.as_ref().map(|o| o.name()), Some("bad-sessionid"));

    for e in [
        CommandError::MalformedAction,
        CommandError::BadAction,
        CommandError::BadSessionId,
        CommandError::SessionExpired,
        CommandError::BadPayload,
        CommandError::BadLocale,
        CommandError::Forbidden,
        CommandError::ItemNotFound,
        CommandError::FeatureNotImplemented,
    ] {
        let read = CommandError::from(IqError::Stanza(Box::new(error_for(&e))));
        assert_eq!(read, e);
    }
    assert_eq!(CommandError::from(IqError::Timeout), CommandError::Timeout);

    let items = Iq::Get {
        from: Some(phone()),
        to: None,
        id: "x2".into(),
        payload: DiscoItemsQuery {
            node: Some(NS.into()),
            rsm: None,
        }
        .into(),
    };
    let Some(Iq::Result { payload: Some(p), .. }) = r.answer(&ctx, &items, &us).await else {
        panic!("a result")
    };
    assert_eq!(DiscoItemsResult::try_from(p).expect("items").items.len(), 1);
    let other_node = Iq::Get {
        from: Some(phone()),
        to: None,
        id: "x3".into(),
        payload: DiscoItemsQuery {
            node: None,
            rsm: None,
        }
        .into(),
    };
    assert!(r.answer(&ctx, &other_node, &us).await.is_none());
}
