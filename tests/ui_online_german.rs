//! The app online in German (LANGUAGE=de, Xvfb), against Prosody, by real
//! drags, clicks and keys through the X server. Sending files over
//! http_file_share (HTTPS): the hint shown while a file is held over the
//! conversation, the upload row with its progress while the link is
//! stalled, and the row of an upload whose link broke, offering to try
//! again. Then the XML console, from the main menu, with a ping typed and
//! answered. Each is checked for its German text and saved as a
//! screenshot, light and dark.

mod support;

use std::{path::PathBuf, time::Duration};

use adw::prelude::*;
use balcony::{model::UploadObject, ui::xml_console_window::XmlConsoleWindow};
use support::{
    proxy::file_sharing_behind_relay,
    ui::{
        all, click_main_menu_item, file_shelf, find, online_window, pump_until, screenshot_styles,
        shown_toplevel,
    },
    xinput::{click, drag, drag_over, key, release, type_text},
};

const WAIT: Duration = Duration::from_secs(20);

fn label_texts(root: &impl IsA<gtk::Widget>) -> Vec<String> {
    all::<gtk::Label>(root)
        .into_iter()
        .filter(|l| l.is_visible())
        .map(|l| l.label().to_string())
        .collect()
}

#[gtk::test]
fn files_and_the_xml_console_are_german() {
    // Only test in this binary, so the process-wide locale is ours to set.
    std::env::set_var("LANGUAGE", "de");
    std::env::set_var("LC_ALL", "de_DE.UTF-8");
    support::ui::init();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (server, relay) = file_sharing_behind_relay(&runtime);
    let (client, window) = online_window(&server, "ui-files-de-romeo", "romeo", "pw-r", &runtime);
    window.set_default_size(900, 700);
    let main_view = window.main_view();
    main_view.open_conversation("juliet@balcony.test");
    let view = main_view.conversation_view();

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ui-files-de-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let song = dir.join("Ständchen.ogg");
    std::fs::write(&song, vec![7u8; 6 * 1024 * 1024]).expect("write");
    let (shelf, handle) = file_shelf(&song, "Ständchen.ogg");

    // Held over the conversation: the hint says a drop sends it.
    let hint = find::<gtk::Box>(&view, "drop-hint");
    assert!(!hint.is_visible(), "no hint before a drag");
    drag_over(&handle, &view.list_view());
    pump_until("the drop hint", WAIT, || hint.is_mapped());
    assert_eq!(label_texts(&hint), ["Zum Senden Dateien hier ablegen"]);
    screenshot_styles(&window, "drop-hint-de");

    // Dropped with the link stalled: the row shows its progress.
    let uploads = client.uploads();
    relay.stall_after(2 * 1024 * 1024);
    release();
    pump_until("the hint gone", WAIT, || !hint.is_visible());
    pump_until("the upload under way", WAIT, || {
        uploads
            .item(0)
            .and_downcast::<UploadObject>()
            .is_some_and(|u| u.progress() > 0.0)
    });
    let row = find::<gtk::Box>(&view, "upload-row");
    let texts = label_texts(&row);
    assert_eq!(texts[0], "Ständchen.ogg");
    assert!(texts[1].starts_with("Wird gesendet · 6"), "{texts:?}");
    let cancel = find::<gtk::Button>(&row, "upload-cancel");
    assert_eq!(cancel.tooltip_text().as_deref(), Some("Senden abbrechen"));
    screenshot_styles(&window, "upload-progress-de");

    // The link breaks: the row stays, says so and offers to try again.
    relay.cut();
    pump_until("the upload failed", WAIT, || {
        uploads
            .item(0)
            .and_downcast::<UploadObject>()
            .is_some_and(|u| !u.error().is_empty())
    });
    relay.black_hole(false);
    let row = find::<gtk::Box>(&view, "upload-row");
    let retry = find::<gtk::Button>(&row, "upload-retry");
    assert!(retry.is_visible());
    assert_eq!(retry.tooltip_text().as_deref(), Some("Erneut versuchen"));
    let cancel = find::<gtk::Button>(&row, "upload-cancel");
    assert_eq!(cancel.tooltip_text().as_deref(), Some("Entfernen"));
    let error = uploads
        .item(0)
        .and_downcast::<UploadObject>()
        .map(|u| u.error().to_string())
        .unwrap_or_default();
    assert!(label_texts(&row).contains(&error), "the error is shown: {error}");
    assert_eq!(
        error,
        "Die Verbindung zum Dateiserver ist abgebrochen. Versuchen Sie es erneut."
    );
    assert!(
        label_texts(&row)
            .iter()
            .any(|t| t.starts_with("Nicht gesendet · 6")),
        "{:?}",
        label_texts(&row)
    );
    screenshot_styles(&window, "upload-failed-de");

    // Dragged again over a working link, it goes through.
    drag(&handle, &view.list_view());
    pump_until("the second upload started", WAIT, || uploads.n_items() == 2);
    pump_until("the second upload done", WAIT, || uploads.n_items() == 1);
    // "Entfernen" on the failed row removes it.
    click(&find::<gtk::Button>(
        &find::<gtk::Box>(&view, "upload-row"),
        "upload-cancel",
    ));
    pump_until("the failed row removed", WAIT, || uploads.n_items() == 0);
    shelf.close();

    // The XML console, from the main menu.
    click_main_menu_item(&window, "XML-Konsole");
    let console = shown_toplevel::<XmlConsoleWindow>("the console");
    click(&find::<gtk::TextView>(&console, "console-input"));
    type_text(
        &console,
        "<iq type='get' to='balcony.test' id='ping-de'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    key(&console, "ctrl+Return");
    pump_until("the answer", WAIT, || {
        console.shown_text().contains("ping-de") && console.shown_text().contains("result")
    });
    let labels = label_texts(&console);
    assert!(labels.iter().any(|l| l == "XML-Konsole"), "{labels:?}");
    assert!(labels.iter().any(|l| l.ends_with("· Empfangen")), "{labels:?}");
    assert!(labels.iter().any(|l| l.ends_with("· Gesendet")), "{labels:?}");
    assert!(labels.iter().any(|l| l == "Alles"), "{labels:?}");
    screenshot_styles(&console, "xml-console-de");
}
