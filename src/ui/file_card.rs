//! A file shared in a message: its name, type and size (from the sender's
//! hints, without asking the web server), an icon by type, and what can
//! be done with it: download (it stays pending until then), cancel, retry,
//! open it or its folder, and a preview once an image is downloaded.
//!
//! The buttons activate the conversation's `files.*` actions with the
//! message's row id.

use adw::{prelude::*, subclass::prelude::*};
use gettextrs::gettext;
use gtk::{gdk, gio, glib};

use crate::{
    core::files::FileState,
    model::{file_text, MessageObject},
};

/// The largest image previewed (bytes).
const PREVIEW_LIMIT: u64 = 30 * 1024 * 1024;
/// The preview's height at most (px).
const PREVIEW_HEIGHT: i32 = 240;

/// "4.2 MB · PNG image", or the error when there is one.
fn detail(m: &MessageObject) -> String {
    let kind = gio::content_type_get_description(&m.file_mime()).to_string();
    let mut parts = Vec::new();
    if let Ok(size) = u64::try_from(m.file_size()) {
        parts.push(file_text::size(size));
    }
    if !kind.is_empty() {
        parts.push(kind);
    }
    if m.file_encrypted() {
        parts.push(gettext("encrypted"));
    }
    parts.join(" · ")
}

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default)]
    pub struct FileCard {
        pub icon: gtk::Image,
        pub name: gtk::Label,
        pub detail: gtk::Label,
        pub error: gtk::Label,
        pub progress: gtk::ProgressBar,
        pub action: gtk::Button,
        pub folder: gtk::Button,
        pub preview: gtk::Picture,
        /// The preview's file, once shown.
        pub previewed: RefCell<String>,
        pub message: RefCell<Option<(MessageObject, Vec<glib::SignalHandlerId>)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for FileCard {
        const NAME: &'static str = "BalconyFileCard";
        type Type = super::FileCard;
        type ParentType = gtk::Box;
    }

    impl ObjectImpl for FileCard {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().build();
        }
    }

    impl WidgetImpl for FileCard {}
    impl BoxImpl for FileCard {}
}

glib::wrapper! {
    /// Shows the file of a [`MessageObject`].
    pub struct FileCard(ObjectSubclass<imp::FileCard>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for FileCard {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl FileCard {
    fn build(&self) {
        let imp = self.imp();
        self.set_orientation(gtk::Orientation::Vertical);
        self.set_spacing(6);
        self.add_css_class("card");
        self.add_css_class("file-card");
        self.set_widget_name("file-card");
        let row = gtk::Box::builder()
            .spacing(12)
            .margin_start(12)
            .margin_end(12)
            .margin_top(10)
            .margin_bottom(10)
            .build();
        imp.icon.set_pixel_size(32);
        imp.icon.set_valign(gtk::Align::Center);
        let text = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(2)
            .hexpand(true)
            .valign(gtk::Align::Center)
            .build();
        imp.name.set_xalign(0.0);
        imp.name.set_ellipsize(gtk::pango::EllipsizeMode::Middle);
        imp.name.set_max_width_chars(32);
        imp.name.add_css_class("heading");
        imp.name.set_selectable(true);
        imp.detail.set_xalign(0.0);
        imp.detail.add_css_class("caption");
        imp.detail.add_css_class("dim-label");
        imp.error.set_xalign(0.0);
        imp.error.set_wrap(true);
        imp.error.add_css_class("caption");
        imp.error.add_css_class("error");
        imp.progress.set_visible(false);
        text.append(&imp.name);
        text.append(&imp.detail);
        text.append(&imp.progress);
        text.append(&imp.error);
        imp.action.set_valign(gtk::Align::Center);
        imp.action.add_css_class("circular");
        imp.action.set_widget_name("file-action");
        imp.action.connect_clicked(glib::clone!(
            #[weak(rename_to = card)]
            self,
            move |_| card.act()
        ));
        imp.folder.set_valign(gtk::Align::Center);
        imp.folder.add_css_class("circular");
        imp.folder.set_icon_name("folder-open-symbolic");
        imp.folder.set_tooltip_text(Some(&gettext("Show in Folder")));
        imp.folder.set_widget_name("file-folder");
        imp.folder.connect_clicked(glib::clone!(
            #[weak(rename_to = card)]
            self,
            move |_| card.activate_with("files.show-folder")
        ));
        row.append(&imp.icon);
        row.append(&text);
        row.append(&imp.folder);
        row.append(&imp.action);
        imp.preview.set_can_shrink(true);
        imp.preview.set_content_fit(gtk::ContentFit::Contain);
        imp.preview.set_size_request(-1, PREVIEW_HEIGHT);
        imp.preview.set_visible(false);
        imp.preview.set_widget_name("file-preview");
        self.append(&imp.preview);
        self.append(&row);
    }

    fn activate_with(&self, action: &str) {
        if let Some((m, _)) = self.imp().message.borrow().as_ref() {
            let id = m.id();
            if let Err(e) = self.activate_action(action, Some(&id.to_variant())) {
                tracing::warn!(action, error = %e, "file action not available");
            }
        }
    }

    /// The main button: download, cancel, retry or open.
    fn act(&self) {
        let Some(m) = self.imp().message.borrow().as_ref().map(|(m, _)| m.clone()) else {
            return;
        };
        let action = if m.file_progress() >= 0.0 {
            "files.cancel"
        } else {
            match m.file() {
                Some(FileState::Downloaded) | Some(FileState::Sent) if !m.file_path().is_empty() => {
                    "files.open"
                }
                _ => "files.download",
            }
        };
        self.activate_with(action);
    }

    /// Shows `message`'s file and follows its changes.
    pub fn bind(&self, message: &MessageObject) {
        self.unbind();
        let refresh = glib::clone!(
            #[weak(rename_to = card)]
            self,
            move |m: &MessageObject, _: &glib::ParamSpec| card.show(m)
        );
        let handlers = ["file-state", "file-progress", "file-error", "file-path"]
            .into_iter()
            .map(|p| message.connect_notify_local(Some(p), refresh.clone()))
            .collect();
        self.imp().message.replace(Some((message.clone(), handlers)));
        self.show(message);
    }

    /// Stops following the message.
    pub fn unbind(&self) {
        if let Some((m, handlers)) = self.imp().message.take() {
            handlers.into_iter().for_each(|h| m.disconnect(h));
        }
    }

    fn show(&self, m: &MessageObject) {
        let imp = self.imp();
        imp.icon
            .set_from_gicon(&gio::content_type_get_icon(&m.file_mime()));
        imp.name.set_label(&m.file_name());
        imp.detail.set_label(&detail(m));
        let error = m.file_error();
        imp.error.set_label(&error);
        imp.error.set_visible(!error.is_empty());
        let running = m.file_progress() >= 0.0;
        imp.progress.set_visible(running);
        if running {
            imp.progress.set_fraction(m.file_progress());
        }
        let local = !m.file_path().is_empty()
            && matches!(m.file(), Some(FileState::Downloaded) | Some(FileState::Sent));
        if local && !running {
            // Adwaita draws "open" as a folder, like "show in folder": words.
            imp.action.set_label(&gettext("Open"));
            imp.action.remove_css_class("circular");
            imp.action.add_css_class("pill");
            imp.action.set_tooltip_text(None);
        } else {
            let (icon, tip) = if running {
                ("process-stop-symbolic", gettext("Cancel Download"))
            } else if m.file() == Some(FileState::Failed) {
                ("view-refresh-symbolic", gettext("Try Again"))
            } else {
                ("folder-download-symbolic", gettext("Download"))
            };
            imp.action.set_icon_name(icon);
            imp.action.remove_css_class("pill");
            imp.action.add_css_class("circular");
            imp.action.set_tooltip_text(Some(&tip));
        }
        imp.action.set_sensitive(!m.file_encrypted() || local);
        imp.folder.set_visible(local && !running);
        self.show_preview(m, local);
    }

    /// An image's preview, once it is on disk, decoded off the main thread.
    fn show_preview(&self, m: &MessageObject, local: bool) {
        let imp = self.imp();
        let path = m.file_path();
        let image = m.file_mime().starts_with("image/");
        if !(local && image) {
            imp.preview.set_visible(false);
            imp.preview.set_paintable(None::<&gdk::Paintable>);
            imp.previewed.replace(String::new());
            return;
        }
        if *imp.previewed.borrow() == path {
            return;
        }
        imp.previewed.replace(path.clone());
        // Another file's preview must not stay while this one is read.
        imp.preview.set_visible(false);
        imp.preview.set_paintable(None::<&gdk::Paintable>);
        let card = self.downgrade();
        glib::spawn_future_local(async move {
            let file = path.clone();
            // The size is looked at off the main thread too: the file may
            // be on a slow disk.
            let decoded = gio::spawn_blocking(move || {
                let size = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
                if size > PREVIEW_LIMIT {
                    return Err(format!("{size} bytes, over the preview limit"));
                }
                gdk::Texture::from_filename(file).map_err(|e| e.to_string())
            })
            .await;
            let Some(card) = card.upgrade() else { return };
            if *card.imp().previewed.borrow() != path {
                return;
            }
            match decoded {
                Ok(Ok(texture)) => {
                    card.imp().preview.set_paintable(Some(&texture));
                    card.imp().preview.set_visible(true);
                }
                Ok(Err(e)) => tracing::info!(error = %e, "no preview for a downloaded image"),
                Err(_) => tracing::warn!("the preview decoder panicked"),
            }
        });
    }

    /// Whether a preview is shown.
    pub fn preview_shown(&self) -> bool {
        self.imp().preview.is_visible() && self.imp().preview.paintable().is_some()
    }

    /// The name, detail and error lines shown.
    pub fn texts_shown(&self) -> (String, String, String) {
        let imp = self.imp();
        (
            imp.name.label().into(),
            imp.detail.label().into(),
            imp.error.label().into(),
        )
    }
}
