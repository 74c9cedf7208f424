//! Files in the open conversation: the attach button, files dropped on
//! the view, files or an image pasted into the composer, the uploads under
//! way as rows after the messages (progress, cancel, retry; a failed one
//! stays until retried or removed, so nothing is lost), and the `files.*`
//! actions the file cards and upload rows activate with a message's row id
//! or an upload's number.

use adw::{prelude::*, subclass::prelude::*};
use gettextrs::gettext;
use gtk::{gdk, gio, glib};

use super::conversation_view::ConversationView;
use crate::model::{file_text, UploadObject};

/// Sets up the file parts of `view`, whose composer row is `composer_bar`
/// and whose messages are the child of `overlay`.
pub(super) fn install(view: &ConversationView, composer_bar: &gtk::Box, overlay: &gtk::Overlay) {
    let imp = view.imp();
    imp.attach_button.set_icon_name("mail-attachment-symbolic");
    imp.attach_button.set_valign(gtk::Align::End);
    imp.attach_button.add_css_class("flat");
    imp.attach_button.set_tooltip_text(Some(&gettext("Send a File")));
    imp.attach_button.set_widget_name("attach-button");
    imp.attach_button.connect_clicked(glib::clone!(
        #[weak]
        view,
        move |_| choose_files(&view)
    ));
    composer_bar.prepend(&imp.attach_button);

    let hint = drop_hint();
    overlay.add_overlay(&hint);
    let drop = gtk::DropTarget::new(gdk::FileList::static_type(), gdk::DragAction::COPY);
    drop.connect_enter(glib::clone!(
        #[weak]
        hint,
        #[upgrade_or]
        gdk::DragAction::empty(),
        move |_, _, _| {
            hint.set_visible(true);
            gdk::DragAction::COPY
        }
    ));
    drop.connect_leave(glib::clone!(
        #[weak]
        hint,
        move |_| hint.set_visible(false)
    ));
    drop.connect_drop(glib::clone!(
        #[weak]
        view,
        #[weak]
        hint,
        #[upgrade_or]
        false,
        move |_, value, _, _| {
            hint.set_visible(false);
            let Ok(list) = value.get::<gdk::FileList>() else {
                return false;
            };
            send_files(&view, list.files());
            true
        }
    ));
    view.add_controller(drop);

    imp.composer.connect_paste_clipboard(glib::clone!(
        #[weak]
        view,
        move |text_view| {
            if paste(&view, &text_view.clipboard()) {
                text_view.stop_signal_emission_by_name("paste-clipboard");
            }
        }
    ));
    install_actions(view);
}

/// Says, while files are dragged over the conversation, that dropping
/// them sends them.
fn drop_hint() -> gtk::Box {
    let hint = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(6)
        .halign(gtk::Align::Center)
        .valign(gtk::Align::Center)
        .visible(false)
        .can_target(false)
        .name("drop-hint")
        .css_classes(["osd", "drop-hint"])
        .build();
    hint.append(
        &gtk::Image::builder()
            .icon_name("document-send-symbolic")
            .pixel_size(48)
            .build(),
    );
    hint.append(
        &gtk::Label::builder()
            .label(gettext("Drop Files to Send Them"))
            .css_classes(["title-3"])
            .wrap(true)
            .justify(gtk::Justification::Center)
            .build(),
    );
    hint
}

/// The open conversation's client, account and peer.
fn target(view: &ConversationView) -> Option<(crate::model::Client, crate::model::Account, String)> {
    view.imp()
        .conversation
        .borrow()
        .as_ref()
        .map(|(c, a, p, _)| (c.clone(), a.clone(), p.clone()))
}

/// Uploads `files` into the open conversation.
pub(super) fn send_files(view: &ConversationView, files: Vec<gio::File>) {
    let Some((client, account, peer)) = target(view) else {
        return;
    };
    for file in files.into_iter().take(crate::core::files::MAX_LISTED_FILES) {
        match file.path() {
            Some(path) => {
                client.send_file(&account, &peer, &path);
            }
            None => tracing::info!(uri = %file.uri(), "only local files can be sent"),
        }
    }
}

fn choose_files(view: &ConversationView) {
    let window = view.root().and_downcast::<gtk::Window>();
    let chooser = gtk::FileChooserNative::new(
        Some(&gettext("Send Files")),
        window.as_ref(),
        gtk::FileChooserAction::Open,
        Some(&gettext("_Send")),
        Some(&gettext("_Cancel")),
    );
    chooser.set_select_multiple(true);
    chooser.set_modal(true);
    chooser.connect_response(glib::clone!(
        #[weak]
        view,
        move |chooser, response| {
            if response == gtk::ResponseType::Accept {
                let files = chooser.files();
                send_files(&view, files.iter::<gio::File>().flatten().collect());
            }
            chooser.destroy();
        }
    ));
    chooser.show();
}

/// Sends what the clipboard holds when it is files or an image; false
/// when it holds neither (the text view pastes text as usual).
fn paste(view: &ConversationView, clipboard: &gdk::Clipboard) -> bool {
    let formats = clipboard.formats();
    if formats.contains_type(gdk::FileList::static_type()) {
        let view = view.downgrade();
        clipboard.read_value_async(
            gdk::FileList::static_type(),
            glib::Priority::DEFAULT,
            gio::Cancellable::NONE,
            move |value| match (view.upgrade(), value.map(|v| v.get::<gdk::FileList>())) {
                (Some(view), Ok(Ok(list))) => send_files(&view, list.files()),
                (_, Ok(Err(e))) => tracing::info!(error = %e, "pasted files unreadable"),
                (_, Err(e)) => tracing::info!(error = %e, "pasted files unreadable"),
                (None, _) => {}
            },
        );
        return true;
    }
    let image = formats.contains_type(gdk::Texture::static_type())
        || formats.mime_types().iter().any(|m| m.starts_with("image/"));
    if image && !formats.contain_mime_type("text/plain") {
        let view = view.downgrade();
        clipboard.read_texture_async(gio::Cancellable::NONE, move |texture| {
            let Some(view) = view.upgrade() else { return };
            match texture {
                Ok(Some(texture)) => send_pasted_image(&view, &texture),
                Ok(None) => {}
                Err(e) => tracing::info!(error = %e, "pasted image unreadable"),
            }
        });
        return true;
    }
    false
}

/// Saves a pasted image as a PNG in the cache and sends it.
fn send_pasted_image(view: &ConversationView, texture: &gdk::Texture) {
    let dir = glib::user_cache_dir().join("balcony").join("pasted");
    let stamp = glib::DateTime::now_local()
        .and_then(|t| t.format("%Y-%m-%d %H.%M.%S"))
        .map(|s| s.to_string())
        .unwrap_or_default();
    // Translators: the file name of an image pasted into a conversation; {time} is when.
    let name = crate::i18n::gettext_f("Pasted image {time}.png", &[("time", &stamp)]);
    let saved = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            crate::core::files::download_dir::unused_path(&dir, &crate::core::files::safe_name(&name))
                .ok_or_else(|| "no free name".to_owned())
        })
        .and_then(|path| {
            texture
                .save_to_png(&path)
                .map(|()| path)
                .map_err(|e| e.to_string())
        });
    match saved {
        Ok(path) => send_files(view, vec![gio::File::for_path(path)]),
        Err(e) => tracing::warn!(error = %e, "could not keep a pasted image"),
    }
}

/// The `files.*` actions: download, cancel, open, show-folder, each with
/// a message's row id.
fn install_actions(view: &ConversationView) {
    let group = gio::SimpleActionGroup::new();
    for name in [
        "download",
        "cancel",
        "open",
        "show-folder",
        "upload-cancel",
        "upload-retry",
    ] {
        let action = gio::SimpleAction::new(name, Some(glib::VariantTy::INT64));
        action.connect_activate(glib::clone!(
            #[weak]
            view,
            move |action, param| {
                let Some(id) = param.and_then(|p| p.get::<i64>()) else {
                    return;
                };
                file_action(&view, &action.name(), id);
            }
        ));
        group.add_action(&action);
    }
    view.insert_action_group("files", Some(&group));
}

fn file_action(view: &ConversationView, name: &str, id: i64) {
    let Some((client, account, _)) = target(view) else {
        return;
    };
    if let Some(which) = name.strip_prefix("upload-") {
        let upload = client
            .uploads()
            .iter::<UploadObject>()
            .flatten()
            .find(|u| i64::try_from(u.transfer()).ok() == Some(id));
        match (which, upload) {
            ("cancel", Some(u)) => client.cancel_upload(&u),
            ("retry", Some(u)) => client.retry_upload(&u),
            _ => {}
        }
        return;
    }
    let Some(message) = view.messages().and_then(|l| l.by_id(id)) else {
        return;
    };
    let window = view.root().and_downcast::<gtk::Window>();
    let path = message.file_path();
    match name {
        "download" => client.download_file(&account, &message),
        "cancel" => client.cancel_download(&account, &message),
        "open" if !path.is_empty() => gtk::show_uri(
            window.as_ref(),
            &gio::File::for_path(&path).uri(),
            gdk::CURRENT_TIME,
        ),
        "show-folder" if !path.is_empty() => show_in_folder(window, &path),
        _ => {}
    }
}

/// Shows the file selected in the file manager (FileManager1), or opens
/// its folder when there is none.
fn show_in_folder(window: Option<gtk::Window>, path: &str) {
    let file = gio::File::for_path(path);
    let uri = file.uri().to_string();
    let folder = file.parent().map(|p| p.uri().to_string());
    glib::spawn_future_local(async move {
        let shown = match gio::bus_get_future(gio::BusType::Session).await {
            Ok(bus) => bus
                .call_future(
                    Some("org.freedesktop.FileManager1"),
                    "/org/freedesktop/FileManager1",
                    "org.freedesktop.FileManager1",
                    "ShowItems",
                    Some(&(vec![uri], "").to_variant()),
                    None,
                    gio::DBusCallFlags::NONE,
                    5000,
                )
                .await
                .is_ok(),
            Err(_) => false,
        };
        if let (false, Some(folder)) = (shown, folder) {
            gtk::show_uri(window.as_ref(), &folder, gdk::CURRENT_TIME);
        }
    });
}

/// The rows of the open conversation: its messages, then the uploads into
/// it, which follow the view to the newest end as they come.
pub(super) fn with_uploads(
    view: &ConversationView,
    client: &crate::model::Client,
    account: &str,
    peer: &str,
    messages: &crate::model::MessageList,
) -> gtk::FlattenListModel {
    let (account, peer) = (account.to_owned(), peer.to_owned());
    let filter = gtk::CustomFilter::new(move |o| {
        o.downcast_ref::<UploadObject>()
            .is_some_and(|u| u.account() == account && u.peer() == peer)
    });
    let uploads = gtk::FilterListModel::new(Some(client.uploads()), Some(filter));
    uploads.connect_items_changed(glib::clone!(
        #[weak]
        view,
        move |_, _, _, added| {
            if added > 0 && view.imp().at_bottom.get() {
                view.scroll_to_newest();
            }
        }
    ));
    let parts = gio::ListStore::new::<gio::ListModel>();
    parts.append(messages);
    parts.append(&uploads);
    view.imp().uploads.replace(Some(uploads));
    gtk::FlattenListModel::new(Some(parts))
}

/// One upload, as a row among the messages: its name and size, a
/// progress bar, why it failed, and Cancel, or Try Again and Remove (the
/// conversation's `files.upload-*` actions, by the upload's number).
pub(super) fn upload_row(upload: &UploadObject) -> gtk::Widget {
    let row = gtk::Box::builder()
        .spacing(12)
        .margin_top(6)
        .margin_bottom(6)
        .margin_start(12)
        .margin_end(12)
        .build();
    row.set_widget_name("upload-row");
    let icon = gtk::Image::from_gicon(&gio::content_type_get_icon(crate::core::files::mime_from_name(
        &upload.name(),
    )));
    icon.set_pixel_size(32);
    let text = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(4)
        .hexpand(true)
        .valign(gtk::Align::Center)
        .build();
    let name = gtk::Label::builder()
        .label(upload.name())
        .xalign(0.0)
        .ellipsize(gtk::pango::EllipsizeMode::Middle)
        .css_classes(["heading"])
        .build();
    let detail = gtk::Label::builder()
        .xalign(0.0)
        .css_classes(["caption", "dim-label"])
        .build();
    let bar = gtk::ProgressBar::new();
    upload
        .bind_property("progress", &bar, "fraction")
        .sync_create()
        .build();
    let error = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .css_classes(["caption", "error"])
        .build();
    upload
        .bind_property("error", &error, "label")
        .sync_create()
        .build();
    let failed = |u: &UploadObject| !u.error().is_empty();
    let retry = gtk::Button::builder()
        .icon_name("view-refresh-symbolic")
        .tooltip_text(gettext("Try Again"))
        .valign(gtk::Align::Center)
        .css_classes(["circular"])
        .name("upload-retry")
        .build();
    let cancel = gtk::Button::builder()
        .icon_name("window-close-symbolic")
        .valign(gtk::Align::Center)
        .css_classes(["circular"])
        .name("upload-cancel")
        .build();
    let show = glib::clone!(
        #[weak]
        error,
        #[weak]
        bar,
        #[weak]
        retry,
        #[weak]
        cancel,
        #[weak]
        detail,
        move |u: &UploadObject| {
            let failed = failed(u);
            let size = file_text::size(u.size());
            detail.set_label(&if failed {
                // Translators: under a file that could not be sent; {size} is its size.
                crate::i18n::gettext_f("Not sent · {size}", &[("size", &size)])
            } else {
                // Translators: under a file being sent; {size} is its size.
                crate::i18n::gettext_f("Sending · {size}", &[("size", &size)])
            });
            error.set_visible(failed);
            bar.set_visible(!failed);
            retry.set_visible(failed);
            let tip = if failed {
                gettext("Remove")
            } else {
                gettext("Cancel Sending")
            };
            cancel.set_tooltip_text(Some(&tip));
        }
    );
    show(upload);
    let on_error = upload.connect_error_notify(move |u| show(u));
    retry.set_action_name(Some("files.upload-retry"));
    cancel.set_action_name(Some("files.upload-cancel"));
    // A retry is a new transfer number: the buttons follow it.
    let target = glib::clone!(
        #[weak]
        retry,
        #[weak]
        cancel,
        move |u: &UploadObject| {
            let transfer = i64::try_from(u.transfer()).unwrap_or(i64::MAX).to_variant();
            retry.set_action_target_value(Some(&transfer));
            cancel.set_action_target_value(Some(&transfer));
        }
    );
    target(upload);
    let on_transfer = upload.connect_transfer_notify(target);
    // A row is built at each bind: its handlers go with it.
    let handlers = std::cell::RefCell::new(vec![on_error, on_transfer]);
    let weak_upload = upload.downgrade();
    row.connect_destroy(move |_| {
        if let Some(upload) = weak_upload.upgrade() {
            for id in handlers.take() {
                upload.disconnect(id);
            }
        }
    });
    text.append(&name);
    text.append(&detail);
    text.append(&bar);
    text.append(&error);
    row.append(&icon);
    row.append(&text);
    row.append(&retry);
    row.append(&cancel);
    row.add_css_class("card");
    // Ours: on the right, as our messages are.
    row.set_halign(gtk::Align::End);
    row.set_width_request(280);
    row.set_margin_start(12);
    row.set_margin_end(12);
    row.upcast()
}
