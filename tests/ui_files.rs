//! Files in the app (Xvfb), driven by real clicks, drags and keys through
//! the X server, against Prosody's own http_file_share over HTTPS.
//! Juliet's core sends romeo a letter and a picture: romeo's window shows
//! each as a pending file card (name, size and type from the hints, no
//! download yet); a click downloads it into the Downloads folder named by
//! the XDG user dirs, and the picture gets a preview. Romeo then drags a
//! file from another window onto the conversation: the upload shows its
//! progress while the link is stalled, and a click cancels it (nothing
//! sent); dragged again it goes through. An image pasted with Ctrl+V is
//! sent too. Screenshots: light, dark, 360 px.

mod support;

use std::{path::PathBuf, time::Duration};

use adw::prelude::*;
use balcony::{
    core::{
        bridge::{Command, Event},
        files::FileState,
        message::ChatKind,
    },
    model::{MessageObject, UploadObject},
    ui::{file_card::FileCard, MessageRow},
};
use gtk::{gdk, glib};
use support::{
    accounts::online,
    proxy::file_sharing_behind_relay,
    ui::{all, file_shelf, find, init, online_window, pump_until, screenshot, screenshot_styles},
    xinput::{click, drag, key},
};

const WAIT: Duration = Duration::from_secs(20);

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ui-files")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// A small PNG: a warm gradient.
fn png(path: &std::path::Path, w: usize, h: usize) -> gdk::Texture {
    let mut bytes = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        for x in 0..w {
            bytes.extend_from_slice(&[(200 + x * 55 / w) as u8, (80 + y * 120 / h) as u8, 90, 255]);
        }
    }
    let texture = gdk::MemoryTexture::new(
        w as i32,
        h as i32,
        gdk::MemoryFormat::R8g8b8a8,
        &glib::Bytes::from(&bytes),
        w * 4,
    );
    texture.save_to_png(path).expect("png");
    texture.upcast()
}

fn cards(view: &balcony::ui::ConversationView) -> Vec<(MessageObject, FileCard)> {
    all::<MessageRow>(&view.list_view())
        .into_iter()
        .filter_map(|row| {
            let card = row.file_card()?;
            let list = view.messages()?;
            let id = (0..list.n_items())
                .filter_map(|i| list.item(i).and_downcast::<MessageObject>())
                .find(|m| m.has_file() && row.body_shown() == m.body())?;
            Some((id, card))
        })
        .collect()
}

#[gtk::test]
fn file_cards_downloads_uploads_by_drag_and_paste() {
    // Downloads go where the XDG user dirs say.
    let home = scratch("home");
    let downloads = home.join("Herunterladen");
    std::fs::create_dir_all(home.join("config")).expect("config");
    std::fs::write(
        home.join("config/user-dirs.dirs"),
        format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads.display()),
    )
    .expect("user dirs");
    std::env::set_var("XDG_CONFIG_HOME", home.join("config"));
    init();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (server, relay) = file_sharing_behind_relay(&runtime);
    let (client, window) = online_window(&server, "ui-files-romeo", "romeo", "pw-r", &runtime);
    window.set_default_size(900, 700);
    let juliet = runtime.block_on(online(&server, "ui-files-juliet", "juliet", "pw-j"));
    let src = scratch("src");
    let letter = src.join("letter to romeo.txt");
    std::fs::write(&letter, "Parting is such sweet sorrow.\n").expect("write");
    let picture = src.join("balcony.png");
    png(&picture, 320, 200);
    // Plain files, with their hints (encrypted files are in omemo_files).
    juliet.send(Command::SetConversationEncryption {
        jid: juliet.jid.clone(),
        peer: "romeo@balcony.test".parse().expect("jid"),
        enabled: false,
    });
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: "romeo@balcony.test".parse().expect("jid"),
        body: "A letter and a picture for you.".into(),
    });
    for (n, path) in [(1, &letter), (2, &picture)] {
        juliet.send(Command::SendFile {
            jid: juliet.jid.clone(),
            to: "romeo@balcony.test".parse().expect("jid"),
            kind: ChatKind::Chat,
            path: path.clone(),
            transfer: n,
        });
        runtime.block_on(juliet.expect(|ev| match ev {
            Event::UploadDone { transfer, .. } if *transfer == n => Some(()),
            _ => None,
        }));
    }
    let main_view = window.main_view();
    main_view.open_conversation("juliet@balcony.test");
    let view = main_view.conversation_view();
    pump_until("three messages", WAIT, || {
        all::<MessageRow>(&view.list_view()).len() == 3
    });
    assert_eq!(cards(&view).len(), 2, "a plain message has no file card");

    // The conversation list previews a file by its name, not its URL.
    let listed = all::<balcony::ui::ConversationRow>(&main_view.conversation_list());
    assert_eq!(listed[0].preview_shown(), "balcony.png");

    // Pending: name, size and type from the hints; nothing downloaded.
    let (letter_msg, letter_card) = cards(&view).remove(0);
    assert_eq!(letter_msg.file(), Some(FileState::Offered));
    let (name, detail, error) = letter_card.texts_shown();
    assert_eq!(name, "letter to romeo.txt");
    assert!(detail.starts_with("30 bytes"), "{detail}");
    assert!(detail.to_lowercase().contains("text"), "{detail}");
    assert!(error.is_empty());
    assert!(!downloads.join("letter to romeo.txt").exists());
    screenshot_styles(&window, "file-card-pending");

    // A click downloads it; the card then opens it.
    click(&find::<gtk::Button>(&letter_card, "file-action"));
    pump_until("the letter downloaded", WAIT, || {
        letter_msg.file() == Some(FileState::Downloaded)
    });
    assert_eq!(
        std::fs::read_to_string(downloads.join("letter to romeo.txt")).expect("downloaded"),
        "Parting is such sweet sorrow.\n"
    );
    assert_eq!(
        find::<gtk::Button>(&letter_card, "file-action")
            .label()
            .as_deref(),
        Some("Open")
    );
    assert!(find::<gtk::Button>(&letter_card, "file-folder").is_visible());

    // The picture: no preview before accepting, one after.
    let (picture_msg, picture_card) = cards(&view).remove(1);
    assert!(
        !picture_card.preview_shown(),
        "nothing is fetched before accepting"
    );
    click(&find::<gtk::Button>(&picture_card, "file-action"));
    pump_until("the picture previewed", WAIT, || picture_card.preview_shown());
    assert_eq!(picture_msg.file(), Some(FileState::Downloaded));
    screenshot_styles(&window, "file-card-downloaded");
    window.set_default_size(360, 700);
    screenshot(&window, "file-cards-360");
    window.set_default_size(900, 700);

    // Dragging a file from another window onto the conversation sends it;
    // with the link stalled its progress shows, and a click cancels it.
    let song = src.join("serenade.bin");
    std::fs::write(&song, vec![7u8; 6 * 1024 * 1024]).expect("write");
    let (shelf, handle) = file_shelf(&song, "serenade.bin");
    let uploads = client.uploads();
    relay.stall_after(2 * 1024 * 1024);
    drag(&handle, &view.list_view());
    pump_until("the upload under way", WAIT, || {
        uploads
            .item(0)
            .and_downcast::<UploadObject>()
            .is_some_and(|u| u.progress() > 0.0)
    });
    let row = find::<gtk::Box>(&view, "upload-row");
    assert!(row.is_mapped(), "the upload shows above the composer");
    screenshot_styles(&window, "upload-progress");
    click(&find::<gtk::Button>(&row, "upload-cancel"));
    pump_until("the upload gone", WAIT, || uploads.n_items() == 0);
    relay.cut();
    relay.black_hole(false);
    let heard = runtime.block_on(support::events::drain_for(&juliet.events, Duration::from_secs(1)));
    assert!(
        !heard.iter().any(|e| matches!(e, Event::MessagesAdded { .. })),
        "a cancelled upload sends nothing"
    );
    drag(&handle, &view.list_view());
    pump_until("the serenade sent", WAIT, || {
        cards(&view)
            .iter()
            .any(|(m, _)| m.outgoing() && m.file_name() == "serenade.bin")
    });
    pump_until("the upload row gone", WAIT, || uploads.n_items() == 0);
    let (id, got) = runtime.block_on(juliet.expect(|ev| {
        match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| !m.message.outgoing)
                .and_then(|m| m.file.clone().map(|f| (m.id, f))),
            _ => None,
        }
    }));
    // juliet uses OMEMO: the conversation is encrypted by default, and so
    // is the file (XEP-0454); she opens it byte for byte.
    assert_eq!(got.name, "serenade.bin");
    assert!(got.url.starts_with("aesgcm://"), "{}", got.url);
    juliet.send(Command::DownloadFile {
        jid: juliet.jid.clone(),
        message: id,
    });
    let opened = runtime.block_on(juliet.expect(|ev| match ev {
        Event::FileChanged { message, file, .. } if *message == id && file.state == FileState::Downloaded => {
            file.path.clone()
        }
        Event::TransferFailed { error, .. } => panic!("download failed: {error}"),
        _ => None,
    }));
    assert_eq!(
        std::fs::read(&opened).expect("opened").len(),
        6 * 1024 * 1024,
        "the whole serenade"
    );
    assert_eq!(
        std::fs::read(&opened).expect("opened"),
        std::fs::read(&song).expect("song")
    );
    shelf.close();

    // Ctrl+V with an image on the clipboard sends it as a PNG.
    let copied = png(&src.join("copied.png"), 64, 64);
    view.display().clipboard().set_texture(&copied);
    click(&view.composer());
    key(&window, "ctrl+v");
    pump_until("the pasted image sent", WAIT, || {
        cards(&view).iter().any(|(m, _)| {
            m.outgoing() && m.file_name().ends_with(".png") && m.file_name().starts_with("Pasted")
        })
    });
    let pasted = runtime.block_on(juliet.expect(|ev| {
        match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| !m.message.outgoing)
                .and_then(|m| m.file.clone()),
            _ => None,
        }
    }));
    assert_eq!(pasted.mime.as_deref(), Some("image/png"));
    let buffer = view.composer().buffer();
    assert_eq!(buffer.char_count(), 0, "no text was pasted");
}
