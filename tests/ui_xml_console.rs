//! The XML console (Xvfb, real clicks and keys), against Prosody: opened
//! from the main menu, it shows a message juliet sends as it arrives; a
//! reconnection shows the stream headers and the SASL exchange with every
//! secret masked; a raw ping typed and sent with Ctrl+Enter is answered by
//! the server; malformed XML is explained and kept; filters by text and
//! by kind, and pause, work. Screenshots: light, dark, 360 px.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::bridge::{Command, OwnPresence},
    model::{ConnectionStatus, ConsoleEntryObject},
    ui::xml_console_window::XmlConsoleWindow,
};
use support::{
    accounts::online,
    prosody::Prosody,
    ui::{
        all, click_main_menu_item, find, init, online_window, pump_for, pump_until, screenshot,
        screenshot_styles, shown_toplevel,
    },
    xinput::{click, key, type_text},
};

const WAIT: Duration = Duration::from_secs(20);

fn entries(console: &XmlConsoleWindow) -> Vec<ConsoleEntryObject> {
    let list = find::<gtk::ListView>(console, "console-list");
    let Some(model) = list.model() else {
        return Vec::new();
    };
    (0..model.n_items())
        .filter_map(|i| model.item(i).and_downcast::<ConsoleEntryObject>())
        .collect()
}

/// The text between an element's start tag and its end tag.
fn content(xml: &str) -> &str {
    let start = xml.find('>').map_or(0, |i| i + 1);
    let end = xml.rfind("</").unwrap_or(xml.len()).max(start);
    &xml[start..end]
}

fn open_console_from_menu(window: &balcony::ui::Window) -> XmlConsoleWindow {
    click_main_menu_item(window, "XML Console");
    shown_toplevel::<XmlConsoleWindow>("the console")
}

#[gtk::test]
fn the_console_shows_live_elements_masks_sasl_and_sends_raw_xml() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-juliet");
    server.register("romeo", "Montague-secret");
    server.befriend("juliet", "romeo");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (client, window) = online_window(&server, "ui-console-romeo", "romeo", "Montague-secret", &runtime);
    let juliet = runtime.block_on(online(&server, "ui-console-juliet", "juliet", "pw-juliet"));
    // In the clear, so that the console shows the text (both use OMEMO,
    // which would encrypt it by default).
    juliet.send(Command::SetConversationEncryption {
        jid: juliet.jid.clone(),
        peer: "romeo@balcony.test".parse().expect("jid"),
        enabled: false,
    });
    let console = open_console_from_menu(&window);
    assert_eq!(
        console.account().map(|a| a.jid().to_string()).as_deref(),
        Some("romeo@balcony.test")
    );

    // A message arrives and shows, as received.
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: "romeo@balcony.test".parse().expect("jid"),
        body: "Wherefore art thou".into(),
    });
    pump_until("juliet's message in the console", WAIT, || {
        entries(&console)
            .iter()
            .any(|e| e.incoming() && e.kind() == "message" && e.xml().contains("Wherefore art thou"))
    });

    // Reconnected, the whole login shows, and nothing secret.
    let account = client.primary_account().expect("account");
    client.disconnect(&account);
    pump_until("offline", WAIT, || account.status() == ConnectionStatus::Offline);
    client.set_presence(&account, OwnPresence::default());
    pump_until("online again", WAIT, || {
        account.status() == ConnectionStatus::Online
    });
    pump_until("the login in the console", WAIT, || {
        entries(&console).iter().any(|e| e.xml().starts_with("<success"))
    });
    let shown = entries(&console);
    assert!(shown
        .iter()
        .any(|e| !e.incoming() && e.xml().starts_with("<stream:stream")));
    assert!(shown
        .iter()
        .any(|e| e.incoming() && e.xml().contains("<mechanisms")));
    let auth = shown
        .iter()
        .find(|e| !e.incoming() && e.xml().starts_with("<auth"))
        .expect("the SASL auth");
    assert!(auth.xml().contains("mechanism="), "{}", auth.xml());
    let sasl: Vec<_> = shown
        .iter()
        .filter(|e| {
            ["<auth", "<challenge", "<response", "<success"]
                .iter()
                .any(|p| e.xml().starts_with(p))
        })
        .collect();
    assert!(sasl.len() >= 3, "auth, challenge, response, success");
    for e in &sasl {
        assert!(matches!(content(&e.xml()), "" | "•••"), "unmasked: {}", e.xml());
    }
    let everything = console.shown_text();
    assert!(!everything.contains("Montague-secret"));
    assert!(!everything.contains("biws"), "SCRAM's client-first message");
    screenshot_styles(&console, "xml-console");

    // A raw ping, typed and sent with Ctrl+Enter; the server answers.
    let input = find::<gtk::TextView>(&console, "console-input");
    click(&input);
    type_text(
        &console,
        "<iq type='get' to='balcony.test' id='console-ping-7'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    key(&console, "ctrl+Return");
    pump_until("the server's answer", WAIT, || {
        entries(&console).iter().any(|e| {
            e.incoming()
                && e.kind() == "iq"
                && e.xml().contains("console-ping-7")
                && e.xml().contains("result")
        })
    });
    assert!(entries(&console)
        .iter()
        .any(|e| !e.incoming() && e.xml().contains("console-ping-7") && e.xml().contains("urn:xmpp:ping")));
    assert_eq!(input.buffer().char_count(), 0, "sent, the field is emptied");

    // Malformed XML is explained and kept.
    click(&input);
    type_text(&console, "<iq type='get'>");
    key(&console, "ctrl+Return");
    let error = find::<gtk::Label>(&console, "console-error");
    pump_until("the error", WAIT, || error.is_visible());
    assert!(error.label().contains("not well-formed XML"), "{}", error.label());
    assert!(input.buffer().char_count() > 0, "what was typed stays");
    screenshot(&console, "xml-console-error");

    // Filter by text…
    click(&find::<gtk::SearchEntry>(&console, "console-search"));
    type_text(&console, "console-ping-7");
    pump_until("filtered by text", WAIT, || {
        let shown = entries(&console);
        shown.len() == 2 && shown.iter().all(|e| e.xml().contains("console-ping-7"))
    });
    key(&console, "ctrl+a");
    key(&console, "BackSpace");
    pump_until("unfiltered", WAIT, || entries(&console).len() > 2);
    // …and by kind, chosen in the drop-down.
    let kind = find::<gtk::DropDown>(&console, "console-kind");
    click(&kind);
    pump_until("the kinds", WAIT, || {
        all::<gtk::Label>(&kind)
            .iter()
            .any(|l| l.label() == "Messages" && l.is_mapped())
    });
    let messages = all::<gtk::Label>(&kind)
        .into_iter()
        .find(|l| l.label() == "Messages" && l.is_mapped())
        .expect("Messages");
    click(&messages);
    pump_until("messages only", WAIT, || {
        let shown = entries(&console);
        !shown.is_empty() && shown.iter().all(|e| e.kind() == "message")
    });

    // Paused, nothing new shows; resumed, what came meanwhile does.
    let pause = find::<gtk::ToggleButton>(&console, "console-pause");
    click(&pause);
    assert!(pause.is_active());
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: "romeo@balcony.test".parse().expect("jid"),
        body: "Deny thy father".into(),
    });
    let main_view = window.main_view();
    pump_until("romeo got it", WAIT, || {
        all::<balcony::ui::ConversationRow>(&main_view.conversation_list())
            .iter()
            .any(|r| r.preview_shown() == "Deny thy father")
    });
    pump_for(Duration::from_millis(300));
    assert!(!console.shown_text().contains("Deny thy father"), "paused");
    click(&pause);
    pump_until("shown after resuming", WAIT, || {
        console.shown_text().contains("Deny thy father")
    });
    console.set_default_size(360, 640);
    screenshot(&console, "xml-console-360");
}
