//! A room's settings (XEP-0045 §10.2): the room's configuration form,
//! shown by the forms renderer, saved back with Save.

use std::cell::RefCell;

use adw::{prelude::*, subclass::prelude::*};
use xmpp_parsers::jid::BareJid;

use super::form::{Bob, FormView};
use crate::{
    core::xmpp::x0045_muc_owner::RoomConfigError,
    i18n::gettext,
    model::{Account, Client},
};

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct RoomSettingsDialog {
        pub target: RefCell<Option<(Client, Account, BareJid)>>,
        pub stack: gtk::Stack,
        pub view: FormView,
        pub problem: gtk::Label,
        pub error_page: adw::StatusPage,
        pub save: gtk::Button,
        pub spinner: gtk::Spinner,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for RoomSettingsDialog {
        const NAME: &'static str = "BalconyRoomSettingsDialog";
        type Type = super::RoomSettingsDialog;
        type ParentType = adw::Window;
    }

    impl ObjectImpl for RoomSettingsDialog {}
    impl WidgetImpl for RoomSettingsDialog {}
    impl WindowImpl for RoomSettingsDialog {}
    impl AdwWindowImpl for RoomSettingsDialog {}
}

glib::wrapper! {
    /// Edits a room's configuration.
    pub struct RoomSettingsDialog(ObjectSubclass<imp::RoomSettingsDialog>)
        @extends adw::Window, gtk::Window, gtk::Widget,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

/// What went wrong, in the user's language.
pub fn error_text(error: &RoomConfigError) -> String {
    match error {
        RoomConfigError::Forbidden => gettext("Only the room’s owners can change its settings."),
        RoomConfigError::NotFound => gettext("This room does not exist."),
        RoomConfigError::Refused(detail) => {
            crate::i18n::gettext_f("The room refused the settings: {detail}", &[("detail", detail)])
        }
        RoomConfigError::Timeout => gettext("The room did not answer in time."),
        RoomConfigError::Offline => gettext("Your account is not connected."),
        RoomConfigError::Malformed(detail) => crate::i18n::gettext_f(
            "The answer could not be understood: {detail}",
            &[("detail", detail)],
        ),
    }
}

impl RoomSettingsDialog {
    /// Opens the settings of `room` and loads its form.
    pub fn open(parent: &impl IsA<gtk::Window>, client: &Client, account: &Account, room: BareJid) -> Self {
        let dialog: Self = glib::Object::builder()
            .property("transient-for", parent)
            .property("modal", true)
            .property("default-width", 560)
            .property("default-height", 720)
            .property("title", gettext("Room Settings"))
            .build();
        dialog.build(&room);
        dialog
            .imp()
            .target
            .replace(Some((client.clone(), account.clone(), room)));
        dialog.present();
        dialog.load();
        dialog
    }

    fn build(&self, room: &BareJid) {
        let imp = self.imp();
        let header = adw::HeaderBar::new();
        header.set_show_end_title_buttons(false);
        header.set_title_widget(Some(&adw::WindowTitle::new(
            &gettext("Room Settings"),
            room.as_str(),
        )));
        let cancel = gtk::Button::with_mnemonic(&gettext("_Cancel"));
        imp.save.set_label(&gettext("_Save"));
        imp.save.set_use_underline(true);
        imp.save.set_widget_name("room-settings-save");
        imp.save.add_css_class("suggested-action");
        imp.save.set_sensitive(false);
        header.pack_start(&cancel);
        header.pack_end(&imp.save);
        header.pack_end(&imp.spinner);
        imp.problem.add_css_class("error");
        imp.problem.set_wrap(true);
        imp.problem.set_xalign(0.0);
        imp.problem.set_visible(false);
        imp.problem.set_widget_name("room-settings-problem");
        let content = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(12)
            .build();
        content.append(&imp.problem);
        content.append(&imp.view);
        let clamp = adw::Clamp::builder()
            .child(&content)
            .maximum_size(640)
            .margin_top(18)
            .margin_bottom(18)
            .margin_start(12)
            .margin_end(12)
            .build();
        let scrolled = gtk::ScrolledWindow::builder()
            .child(&clamp)
            .hscrollbar_policy(gtk::PolicyType::Never)
            .vexpand(true)
            .build();
        imp.error_page.set_icon_name(Some("dialog-error-symbolic"));
        imp.error_page.set_title(&gettext("Settings Unavailable"));
        imp.error_page.set_widget_name("room-settings-error");
        let loading = adw::StatusPage::builder()
            .title(gettext("Asking the room…"))
            .build();
        imp.stack.add_named(&loading, Some("loading"));
        imp.stack.add_named(&scrolled, Some("form"));
        imp.stack.add_named(&imp.error_page, Some("error"));
        let body = gtk::Box::new(gtk::Orientation::Vertical, 0);
        body.append(&header);
        body.append(&imp.stack);
        self.set_content(Some(&body));
        let weak = self.downgrade();
        cancel.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                d.close();
            }
        });
        let weak = self.downgrade();
        imp.save.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                d.save();
            }
        });
        self.set_default_widget(Some(&imp.save));
    }

    /// The form view (for tests).
    pub fn form_view(&self) -> FormView {
        self.imp().view.clone()
    }

    /// The page shown: `loading`, `form` or `error`.
    pub fn page(&self) -> String {
        self.imp()
            .stack
            .visible_child_name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    fn target(&self) -> Option<(Client, Account, BareJid)> {
        self.imp().target.borrow().clone()
    }

    fn load(&self) {
        let Some((client, account, room)) = self.target() else {
            return;
        };
        self.imp().spinner.set_spinning(true);
        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            let result = client.room_config(&account, &room).await;
            let Some(d) = weak.upgrade() else { return };
            let imp = d.imp();
            imp.spinner.set_spinning(false);
            match result {
                Ok(form) => {
                    imp.view.set_form(&form, &Bob::new(), true);
                    imp.stack.set_visible_child_name("form");
                    imp.save.set_sensitive(true);
                }
                Err(e) => {
                    imp.error_page.set_description(Some(&error_text(&e)));
                    imp.stack.set_visible_child_name("error");
                }
            }
        });
    }

    fn save(&self) {
        let imp = self.imp();
        if !imp.view.check() {
            return;
        }
        let (Some((client, account, room)), Some(form)) = (self.target(), imp.view.form()) else {
            return;
        };
        imp.save.set_sensitive(false);
        imp.spinner.set_spinning(true);
        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            let result = client.save_room_config(&account, &room, &form).await;
            let Some(d) = weak.upgrade() else { return };
            let imp = d.imp();
            imp.spinner.set_spinning(false);
            imp.save.set_sensitive(true);
            match result {
                Ok(()) => d.close(),
                // The form stays as the user filled it in.
                Err(e) => {
                    imp.problem.set_label(&error_text(&e));
                    imp.problem.set_visible(true);
                }
            }
        });
    }
}
