//! The OMEMO scenario the UI tests (English and German) share, by real
//! input: romeo (a Balcony core) writes encrypted; juliet's window lists
//! the conversation, she opens it by a click, the message row says it was
//! encrypted; a message python-omemo encrypted for devices she does not
//! have says why it cannot be read; she turns the lock on by a click and
//! answers with the keyboard, and romeo reads her answer decrypted.

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{
        bridge::{Command, Event},
        message::MessageEncryption,
    },
    ui::{ConversationRow, MessageRow},
};

use super::{
    accounts::online,
    events::wait_for,
    omemo_peer::{OmemoPeer, PeerOptions},
    prosody::Prosody,
    ui::{
        all, find, online_app_window, pump_until, saved_profile, screenshot, screenshot_styles,
        shown_toplevel,
    },
    xinput::{click, key, type_text},
};

const WAIT: Duration = Duration::from_secs(30);

/// What the scenario saw, for the caller's language checks.
pub struct Seen {
    /// The encrypted message row's meta line.
    pub encrypted_meta: String,
    /// The text shown for the message that cannot be read.
    pub undecryptable: String,
    /// The lock's tooltip before and after the click.
    pub lock_tooltips: (String, String),
    /// A contact's device's trust before and after "Verify".
    pub trust_texts: (String, String),
    /// What the device's row says of its last message.
    pub last_seen: String,
    /// What the new-device warning says.
    pub warning_text: String,
    /// The meta line of the message held back.
    pub not_sent_meta: String,
}

/// Runs the scenario; screenshots are named `<prefix>-…`.
pub fn run(prefix: &str) -> Seen {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server.register("tybalt", "pw-t");
    // Friends: each hears of the other's new devices (PEP notifications).
    server.befriend("juliet", "romeo");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = saved_profile(&server, &format!("{prefix}-juliet"), "juliet", "pw-j", &runtime);
    let database = profile.database_path();
    let (_app, window) = online_app_window(profile, 900, 700);
    let romeo = runtime.block_on(online(&server, &format!("{prefix}-romeo"), "romeo", "pw-r"));
    let juliet: xmpp_parsers::jid::BareJid = "juliet@balcony.test".parse().expect("jid");
    romeo.send(Command::SetConversationEncryption {
        jid: romeo.jid.clone(),
        peer: juliet.clone(),
        enabled: true,
    });
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: juliet.clone(),
        body: "Only you can read this".into(),
    });
    let main_view = window.main_view();
    pump_until("the conversation listed", WAIT, || {
        all::<ConversationRow>(&main_view.conversation_list())
            .first()
            .is_some_and(|r| r.is_mapped())
    });
    click(&all::<ConversationRow>(&main_view.conversation_list())[0]);
    let view = main_view.conversation_view();
    let rows = || all::<MessageRow>(&view.list_view());
    pump_until("the encrypted message shown", WAIT, || {
        rows().iter().any(|r| r.body_shown() == "Only you can read this")
    });
    let encrypted_meta = rows()
        .iter()
        .find(|r| r.body_shown() == "Only you can read this")
        .map(MessageRow::meta_shown)
        .unwrap_or_default();

    // A message encrypted for devices juliet does not have.
    let mut tybalt = OmemoPeer::start(
        &server,
        "tybalt",
        "pw-t",
        &format!("{prefix}-tybalt"),
        PeerOptions::default(),
    );
    tybalt.command(serde_json::json!({
        "cmd": "send_to_unknown_device", "to": "juliet@balcony.test", "body": "lost", "version": "omemo2"
    }));
    tybalt.expect("sent", |_| true, WAIT);
    pump_until("tybalt's conversation listed", WAIT, || {
        all::<ConversationRow>(&main_view.conversation_list())
            .iter()
            .any(|r| r.title_shown().starts_with("tybalt") && r.is_mapped())
    });
    click(&tybalt_row_again(&main_view));
    pump_until("the unreadable message explained", WAIT, || {
        rows().len() == 1 && rows()[0].body_shown() != "Only you can read this"
    });
    let undecryptable = rows()[0].body_shown();
    assert_eq!(
        tybalt_row_again(&main_view).preview_shown(),
        undecryptable,
        "the list explains it too, instead of the sender's fallback text"
    );
    screenshot_styles(&window, &format!("{prefix}-undecryptable"));

    // Back to romeo, who uses OMEMO: the lock is on without a choice; a
    // click turns it off, another on again.
    click(&romeo_row_again(&main_view));
    let lock = find::<gtk::ToggleButton>(&window, "encryption-toggle");
    pump_until("the lock on by default", WAIT, || {
        lock.is_mapped() && lock.is_sensitive() && lock.is_active()
    });
    assert_eq!(lock.icon_name().as_deref(), Some("channel-secure-symbolic"));
    let after = lock.tooltip_text().map(|t| t.to_string()).unwrap_or_default();
    click(&lock);
    pump_until("the lock off", WAIT, || !lock.is_active());
    assert_eq!(lock.icon_name().as_deref(), Some("channel-insecure-symbolic"));
    let before = lock.tooltip_text().map(|t| t.to_string()).unwrap_or_default();
    screenshot(&window, &format!("{prefix}-lock-off"));
    click(&lock);
    pump_until("the lock on again", WAIT, || lock.is_active());
    click(&view.composer());
    type_text(&window, "And I for you");
    key(&window, "Return");
    let got = runtime.block_on(async {
        wait_for(&romeo.events, WAIT, |ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| !m.message.outgoing && m.message.body == "And I for you")
                .map(|m| m.message.encryption),
            _ => None,
        })
        .await
        .0
    });
    assert_eq!(got, MessageEncryption::Omemo, "romeo read it decrypted");
    let word = encrypted_word(&encrypted_meta);
    pump_until("her answer shown as encrypted", WAIT, || {
        rows()
            .iter()
            .any(|r| r.body_shown() == "And I for you" && r.meta_shown().contains(&word))
    });
    screenshot_styles(&window, &format!("{prefix}-encrypted"));

    // The keys: romeo's device and ours; verified by a click.
    let keys_button = find::<gtk::Button>(&window, "encryption-keys");
    pump_until("the keys button shown", WAIT, || keys_button.is_mapped());
    click(&keys_button);
    let keys = shown_toplevel::<adw::Window>("the keys window");
    let key_rows = || {
        all::<adw::ActionRow>(&keys)
            .into_iter()
            .filter(|r| r.has_css_class("omemo-key"))
            .collect::<Vec<_>>()
    };
    pump_until("both devices listed", WAIT, || key_rows().len() == 2);
    let romeo_key = key_rows()
        .into_iter()
        .find(|r| all::<gtk::Button>(r).iter().any(|b| b.is_mapped()))
        .expect("romeo's device, with its choices");
    let subtitle = romeo_key.subtitle().map(|s| s.to_string()).unwrap_or_default();
    let (unverified, last_seen) = subtitle
        .split_once(" · ")
        .map(|(t, l)| (t.to_owned(), l.to_owned()))
        .unwrap_or((subtitle.clone(), String::new()));
    assert!(
        romeo_key.title().split_whitespace().count() == 8,
        "a fingerprint in eight groups: {}",
        romeo_key.title()
    );
    screenshot_styles(&keys, &format!("{prefix}-keys"));
    let verify = all::<gtk::Button>(&romeo_key)
        .into_iter()
        .find(|b| !b.has_css_class("destructive-action") && b.label().is_some())
        .expect("the verify button");
    click(&verify);
    // Verified, its row offers only to distrust it.
    let choices = |r: &adw::ActionRow| all::<gtk::Button>(r).iter().filter(|b| b.is_mapped()).count();
    pump_until("romeo's device verified", WAIT, || {
        key_rows().iter().any(|r| choices(r) == 1)
    });
    let verified = key_rows()
        .iter()
        .find(|r| choices(r) == 1)
        .and_then(|r| r.subtitle())
        .map(|s| s.to_string())
        .unwrap_or_default();
    screenshot(&keys, &format!("{prefix}-keys-verified"));
    // Her own device's link, for romeo to verify it: copied by a click.
    let this_device = key_rows()
        .into_iter()
        .find(|r| choices(r) == 0)
        .map(|r| r.title().split_whitespace().collect::<String>())
        .expect("this device's row");
    let copy = find::<gtk::Button>(&keys, "omemo-copy-link");
    pump_until("the link can be copied", WAIT, || copy.is_sensitive());
    click(&copy);
    let link = clipboard_text(&keys);
    let parsed = balcony::core::xmpp_uri::parse(&link).expect("a link");
    assert_eq!(parsed.target.to_string(), "juliet@balcony.test");
    assert_eq!(
        parsed.fingerprints.first().map(|(_, hex)| hex.clone()),
        Some(this_device),
        "the fingerprint the window shows: {link}"
    );
    // The same link as a QR code, read back as a phone would.
    let qr = find::<gtk::Picture>(&keys, "omemo-qr");
    pump_until("the QR code shown", WAIT, || {
        qr.is_mapped() && qr.paintable().is_some()
    });
    let texture = qr
        .paintable()
        .and_downcast::<gtk::gdk::Texture>()
        .expect("a texture");
    assert_eq!(decode_qr(&texture), link, "the code holds the link");
    keys.close();

    // romeo gets a second device. juliet verified him: her next message
    // is held, and she is shown the new device first.
    let _laptop = runtime.block_on(online(
        &server,
        &format!("{prefix}-romeo-laptop"),
        "romeo",
        "pw-r",
    ));
    pump_until("romeo's new device heard of", WAIT, || {
        balcony::core::store::Store::open(&database)
            .and_then(|s| s.listed_omemo_devices(&juliet, &romeo.jid))
            .is_ok_and(|d| d.len() == 2)
    });
    click(&view.composer());
    type_text(&window, "Are you still you?");
    key(&window, "Return");
    let warning = shown_toplevel::<adw::MessageDialog>("the new-device warning");
    let warning_text = warning.body().to_string();
    screenshot_styles(&warning, &format!("{prefix}-new-device"));
    // Behind it, the message shows it was not sent (its text kept).
    let held = || {
        rows()
            .into_iter()
            .find(|r| r.body_shown() == "Are you still you?")
    };
    pump_until("the message marked not sent", WAIT, || {
        held().is_some_and(|r| r.meta_is_error())
    });
    let not_sent_meta = held().map(|r| r.meta_shown()).unwrap_or_default();
    let review = all::<gtk::Button>(&warning)
        .into_iter()
        .find(|b| b.is_mapped() && b.has_css_class("suggested"))
        .expect("Review Keys");
    click(&review);
    let keys = shown_toplevel::<adw::Window>("the keys window, again");
    let key_rows = || {
        all::<adw::ActionRow>(&keys)
            .into_iter()
            .filter(|r| r.has_css_class("omemo-key"))
            .collect::<Vec<_>>()
    };
    pump_until("romeo's two devices and ours", WAIT, || key_rows().len() == 3);
    screenshot_styles(&keys, &format!("{prefix}-new-device-keys"));
    let new_device = key_rows()
        .into_iter()
        .find(|r| choices(r) == 2)
        .expect("the new device, undecided");
    let verify = all::<gtk::Button>(&new_device)
        .into_iter()
        .find(|b| !b.has_css_class("destructive-action") && b.label().is_some())
        .expect("the verify button");
    click(&verify);
    pump_until("the new device verified", WAIT, || {
        key_rows().iter().all(|r| choices(r) != 2)
    });
    keys.set_default_size(360, 700);
    pump_until("the keys narrow", WAIT, || keys.width() <= 400);
    screenshot(&keys, &format!("{prefix}-keys-360"));
    keys.close();
    click(&view.composer());
    type_text(&window, "Are you still you?");
    key(&window, "Return");
    let got = runtime.block_on(async {
        wait_for(&romeo.events, WAIT, |ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| !m.message.outgoing && m.message.body == "Are you still you?")
                .map(|m| m.message.encryption),
            _ => None,
        })
        .await
        .0
    });
    assert_eq!(got, MessageEncryption::Omemo, "sent once she decided");
    // tybalt uses OMEMO too: on by default; juliet turns it off, and
    // that choice is remembered when she comes back.
    click(&tybalt_row_again(&main_view));
    pump_until("tybalt's open, the lock on", WAIT, || {
        lock.is_sensitive() && lock.is_active() && view_is(&main_view, "tybalt")
    });
    click(&lock);
    pump_until("tybalt's lock off", WAIT, || !lock.is_active());
    click(&romeo_row_again(&main_view));
    pump_until("the lock read again", WAIT, || {
        lock.is_sensitive() && lock.is_active() && view_is(&main_view, "romeo")
    });
    click(&tybalt_row_again(&main_view));
    pump_until("tybalt's lock still off", WAIT, || {
        lock.is_sensitive() && !lock.is_active() && view_is(&main_view, "tybalt")
    });
    click(&romeo_row_again(&main_view));
    pump_until("romeo's again", WAIT, || {
        lock.is_sensitive() && lock.is_active() && view_is(&main_view, "romeo")
    });
    window.set_default_size(360, 700);
    pump_until("narrow", WAIT, || window.width() <= 400);
    screenshot(&window, &format!("{prefix}-encrypted-360"));
    window.close();
    Seen {
        encrypted_meta,
        undecryptable,
        lock_tooltips: (before, after),
        trust_texts: (
            unverified,
            verified.split(" · ").next().unwrap_or_default().to_owned(),
        ),
        last_seen,
        warning_text,
        not_sent_meta,
    }
}

/// What the QR code in `texture` says (rqrr, as a scanning phone).
fn decode_qr(texture: &gtk::gdk::Texture) -> String {
    let (w, h) = (texture.width() as usize, texture.height() as usize);
    let mut pixels = vec![0u8; w * h * 4];
    texture.download(&mut pixels, w * 4);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[(y * w + x) * 4 + 1]);
    let grids = image.detect_grids();
    let (_, content) = grids
        .first()
        .expect("a QR code")
        .decode()
        .expect("a readable QR code");
    content
}

/// The clipboard's text, as another application would paste it.
fn clipboard_text(widget: &impl IsA<gtk::Widget>) -> String {
    let got = std::rc::Rc::new(std::cell::RefCell::new(None));
    let clipboard = widget.clipboard();
    let sink = got.clone();
    gtk::glib::spawn_future_local(async move {
        let text = clipboard.read_text_future().await.ok().flatten();
        sink.replace(Some(text.map(|t| t.to_string()).unwrap_or_default()));
    });
    pump_until("the clipboard read", WAIT, || got.borrow().is_some());
    let text = got.borrow().clone().unwrap_or_default();
    text
}

/// Whether the open conversation is the one with `user`.
fn view_is(main_view: &balcony::ui::MainView, user: &str) -> bool {
    main_view.open_peer().is_some_and(|p| p.starts_with(user))
}

fn encrypted_word(meta: &str) -> String {
    meta.split(" · ").nth(1).unwrap_or_default().to_owned()
}

fn row_where(main_view: &balcony::ui::MainView, pick: impl Fn(&ConversationRow) -> bool) -> ConversationRow {
    all::<ConversationRow>(&main_view.conversation_list())
        .into_iter()
        .find(|r| pick(r))
        .expect("row")
}

fn tybalt_row_again(main_view: &balcony::ui::MainView) -> ConversationRow {
    row_where(main_view, |r| r.title_shown().starts_with("tybalt"))
}

fn romeo_row_again(main_view: &balcony::ui::MainView) -> ConversationRow {
    row_where(main_view, |r| r.title_shown().starts_with("romeo"))
}
