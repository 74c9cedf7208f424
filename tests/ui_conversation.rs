//! End to end (Xvfb): romeo's core sends juliet a message; juliet's window
//! lists the conversation with an unread count, opens it, answers from the
//! composer, and shows her message delivered and then seen.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{
        bridge::{Command, Event},
        contacts::SubscriptionAction,
        message::{ChatKind, ChatState, DeliveryState},
    },
    model::ConversationObject,
    ui::{state_text, ContactRow, ConversationRow, MessageRow},
};
use gtk::{gdk, glib};
use support::{
    accounts::online,
    events::wait_for,
    prosody::{Prosody, MUC_DOMAIN},
    ui::{all, dialog_of, find, init, online_window, pump_until, screenshot},
};

#[gtk::test]
fn a_message_arrives_is_answered_and_shows_its_delivery() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // Juliet's account is set up once (password kept in the profile); her
    // window then starts from that profile.
    let (client, window) = online_window(&server, "ui-chat-juliet", "juliet", "pw-j", &runtime);
    window.set_default_size(900, 640);
    let romeo = runtime.block_on(online(&server, "ui-chat-romeo", "romeo", "pw-r"));
    let account = client.primary_account().expect("account");

    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: account.jid().parse().expect("jid"),
        body: "But soft, what light through yonder window breaks?".into(),
    });
    let conversations = account.conversations();
    pump_until("the conversation listed", Duration::from_secs(20), || {
        conversations
            .item(0)
            .and_downcast::<ConversationObject>()
            .is_some_and(|c| c.unread() == 1)
    });
    let main_view = window.main_view();
    pump_until("the row drawn", Duration::from_secs(5), || {
        all::<ConversationRow>(&main_view.conversation_list()).len() == 1
    });
    let row = &all::<ConversationRow>(&main_view.conversation_list())[0];
    assert_eq!(row.unread_shown().as_deref(), Some("1"));
    assert_eq!(
        row.preview_shown(),
        "But soft, what light through yonder window breaks?"
    );
    screenshot(&window, "conversation-list");

    // Opening it reads it; the message is there.
    main_view.open_conversation("romeo@balcony.test");
    let view = main_view.conversation_view();
    pump_until("the message shown", Duration::from_secs(5), || {
        all::<MessageRow>(&view.list_view()).len() == 1
    });
    assert_eq!(
        all::<MessageRow>(&view.list_view())[0].body_shown(),
        "But soft, what light through yonder window breaks?"
    );
    assert_eq!(row.unread_shown(), None, "read once opened");

    // Shift+Enter is a new line; Enter sends.
    let composer = view.composer();
    composer.buffer().set_text("It is my lady,");
    assert_eq!(
        view.composer_key(gdk::Key::Return, gdk::ModifierType::SHIFT_MASK),
        glib::Propagation::Proceed
    );
    composer.buffer().set_text("It is my lady,\nO, it is my love!");
    assert_eq!(
        view.composer_key(gdk::Key::Return, gdk::ModifierType::empty()),
        glib::Propagation::Stop
    );
    assert_eq!(composer.buffer().char_count(), 0, "the composer empties");
    pump_until("her answer shown", Duration::from_secs(10), || {
        all::<MessageRow>(&view.list_view()).len() == 2
    });
    let origin_id = runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(15), |ev| match ev {
            Event::MessagesAdded { messages, .. } if messages.iter().any(|m| !m.message.outgoing) => {
                let m = &messages[0].message;
                assert_eq!(m.body, "It is my lady,\nO, it is my love!");
                m.origin_id.clone()
            }
            _ => None,
        })
        .await
        .0
    });
    // Romeo's client sent a receipt: delivered.
    let answer = || all::<MessageRow>(&view.list_view())[1].clone();
    pump_until("delivered", Duration::from_secs(15), || {
        answer()
            .meta_shown()
            .ends_with(&state_text(DeliveryState::Received))
    });
    assert_eq!(
        row.preview_shown(),
        "You: It is my lady, O, it is my love!",
        "one line, ours marked"
    );
    screenshot(&window, "conversation");

    // Romeo types: juliet's header says so.
    romeo.send(Command::SendChatState {
        jid: romeo.jid.clone(),
        to: account.jid().parse().expect("jid"),
        state: ChatState::Composing,
    });
    pump_until("typing shown", Duration::from_secs(10), || {
        main_view.conversation_subtitle() == balcony::i18n::gettext("typing…")
    });
    screenshot(&window, "conversation-typing");
    // She types: romeo hears "composing".
    composer.buffer().set_text("Ay me");
    runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(10), |ev| match ev {
            Event::ChatStateChanged {
                state: ChatState::Composing,
                ..
            } => Some(()),
            _ => None,
        })
        .await
    });
    composer.buffer().set_text("");
    // Up brings back her last message to correct it; romeo gets the correction.
    assert_eq!(
        view.composer_key(gdk::Key::Up, gdk::ModifierType::empty()),
        glib::Propagation::Stop
    );
    assert!(view.is_editing());
    let buffer = composer.buffer();
    assert_eq!(
        buffer
            .text(&buffer.start_iter(), &buffer.end_iter(), false)
            .as_str(),
        "It is my lady,\nO, it is my love!"
    );
    screenshot(&window, "conversation-editing");
    buffer.set_text("It is my lady, O, it is my love! O, that she knew she were!");
    view.composer_key(gdk::Key::Return, gdk::ModifierType::empty());
    assert!(!view.is_editing());
    let corrected = runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(10), |ev| match ev {
            Event::MessageCorrected { correction, .. } => Some(correction.body.clone()),
            _ => None,
        })
        .await
        .0
    });
    assert_eq!(
        corrected,
        "It is my lady, O, it is my love! O, that she knew she were!"
    );
    pump_until("her corrected text shown", Duration::from_secs(10), || {
        answer().body_shown() == corrected
            && answer().meta_shown().contains(&balcony::i18n::gettext("edited"))
    });
    // The sidebar previews the corrected text too.
    pump_until("the corrected preview", Duration::from_secs(5), || {
        all::<ConversationRow>(&main_view.conversation_list())
            .iter()
            .any(|r| r.preview_shown().ends_with(corrected.as_str()))
    });
    // He reads it: seen.
    romeo.send(Command::MarkDisplayed {
        jid: romeo.jid.clone(),
        to: account.jid().parse().expect("jid"),
        id: origin_id,
    });
    pump_until("seen", Duration::from_secs(15), || {
        answer()
            .meta_shown()
            .ends_with(&state_text(DeliveryState::Displayed))
    });
    // Romeo asks to see her presence: she is asked, allows, and he learns it.
    romeo.send(Command::Subscription {
        jid: romeo.jid.clone(),
        contact: account.jid().parse().expect("jid"),
        action: SubscriptionAction::Request,
    });
    pump_until("the consent dialog", Duration::from_secs(15), || {
        dialog_of::<adw::MessageDialog>(&window).is_some()
    });
    let consent = dialog_of::<adw::MessageDialog>(&window).expect("dialog");
    assert!(
        consent.body().contains("romeo@balcony.test"),
        "{}",
        consent.body()
    );
    screenshot(&consent, "subscription-request");
    consent.response("allow");
    let approved = runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(15), |ev| match ev {
            Event::SubscriptionAnswer { approved, .. } => Some(*approved),
            _ => None,
        })
        .await
        .0
    });
    assert!(approved, "the server passed on her approval");

    // She adds a contact: the server's roster push puts him in her roster.
    let add = main_view.ask_for_contact().expect("dialog");
    find::<adw::EntryRow>(&add, "contact-address").set_text("mercutio@balcony.test");
    find::<adw::EntryRow>(&add, "contact-name").set_text("Mercutio");
    screenshot(&add, "add-contact");
    add.response("add");
    pump_until("the new contact", Duration::from_secs(15), || {
        account
            .roster()
            .contact("mercutio@balcony.test")
            .is_some_and(|c| c.name() == "Mercutio")
    });
    main_view.show_contacts(true);
    pump_until("the roster drawn", Duration::from_secs(5), || {
        all::<ContactRow>(&main_view.contact_list())
            .iter()
            .any(|r| r.text_shown() == "Mercutio")
    });
    screenshot(&window, "roster");
    main_view.show_contacts(false);

    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(&window, "conversation-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);
    window.set_default_size(360, 640);
    screenshot(&window, "conversation-narrow");
    window.set_default_size(900, 640);

    // A group chat: romeo creates the room and sets its subject; juliet
    // joins from the dialog and sees him, the subject and his messages.
    let room: xmpp_parsers::jid::BareJid = format!("tavern@{MUC_DOMAIN}").parse().expect("room");
    runtime.block_on(romeo.open_room(&room, "romeo", "A plague on both your houses"));
    let join = main_view.ask_for_room().expect("dialog");
    find::<adw::EntryRow>(&join, "room-address").set_text(room.as_str());
    assert_eq!(
        find::<adw::EntryRow>(&join, "room-nick").text().as_str(),
        "juliet"
    );
    screenshot(&join, "join-room");
    join.response("join");
    pump_until("the room open", Duration::from_secs(15), || {
        view.messages().and_then(|m| m.peer()).is_some_and(|p| p == room)
    });
    pump_until("the subject and the people", Duration::from_secs(10), || {
        main_view.conversation_subtitle() == "A plague on both your houses"
            && main_view.occupants_shown() == "juliet\nromeo"
    });
    romeo.send(Command::SendGroupMessage {
        jid: romeo.jid.clone(),
        room: room.clone(),
        body: "Good Capulet, which name I tender as dearly as mine own".into(),
    });
    pump_until("his message with his name", Duration::from_secs(10), || {
        all::<MessageRow>(&view.list_view()).iter().any(|r| {
            r.sender_shown().as_deref() == Some("romeo") && r.body_shown().starts_with("Good Capulet")
        })
    });
    composer.buffer().set_text("Be satisfied");
    view.composer_key(gdk::Key::Return, gdk::ModifierType::empty());
    runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(15), |ev| match ev {
            Event::MessagesAdded { messages, .. }
                if messages.iter().any(|m| {
                    m.message.kind == ChatKind::GroupChat
                        && m.message.body == "Be satisfied"
                        && m.message.sender == "juliet"
                }) =>
            {
                Some(())
            }
            _ => None,
        })
        .await
    });
    screenshot(&window, "room");
    // Leaving: romeo sees her go.
    find::<gtk::Button>(&window, "leave-room").emit_clicked();
    runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(15), |ev| match ev {
            Event::OccupantLeft { nick, .. } if nick == "juliet" => Some(()),
            _ => None,
        })
        .await
    });

    window.close();
    client.shutdown();
    romeo.worker.shutdown();
}
