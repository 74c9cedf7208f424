//! A room's settings (XEP-0045 §10.2): the room's configuration form,
//! shown by the forms renderer, saved back with Save.

use std::cell::{OnceCell, RefCell};

use adw::{prelude::*, subclass::prelude::*};
use xmpp_parsers::jid::BareJid;

use super::{
    form::{Bob, FormView},
    form_dialog::{FormDialogFrame, FrameText},
};
use crate::{
    core::xmpp::modules::x0045_muc_owner::RoomConfigError,
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct RoomSettingsDialog {
        pub target: RefCell<Option<(Client, Account, BareJid)>>,
        pub frame: OnceCell<FormDialogFrame>,
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
            gettext_f("The room refused the settings: {detail}", &[("detail", detail)])
        }
        RoomConfigError::Timeout => gettext("The room did not answer in time."),
        RoomConfigError::Offline => gettext("Your account is not connected."),
        RoomConfigError::Malformed(detail) => gettext_f(
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
            .build();
        let weak = dialog.downgrade();
        let text = FrameText {
            title: gettext("Room Settings"),
            subtitle: room.to_string(),
            confirm: gettext("_Save"),
            name: "room-settings",
            waiting: gettext("Asking the room…"),
            failed: gettext("Settings Unavailable"),
        };
        let frame = FormDialogFrame::install(dialog.upcast_ref(), text, move || {
            if let Some(d) = weak.upgrade() {
                d.save();
            }
        });
        let _ = dialog.imp().frame.set(frame);
        dialog
            .imp()
            .target
            .replace(Some((client.clone(), account.clone(), room)));
        dialog.present();
        dialog.load();
        dialog
    }

    fn frame(&self) -> &FormDialogFrame {
        self.imp().frame.get().expect("the frame is installed in open()")
    }

    /// The form view (for tests).
    pub fn form_view(&self) -> FormView {
        self.frame().view.clone()
    }

    /// The page shown: `loading`, `form` or `error`.
    pub fn page(&self) -> String {
        self.frame().page()
    }

    fn target(&self) -> Option<(Client, Account, BareJid)> {
        self.imp().target.borrow().clone()
    }

    fn load(&self) {
        let Some((client, account, room)) = self.target() else {
            return;
        };
        self.frame().set_busy(true);
        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            let result = client.room_config(&account, &room).await;
            let Some(d) = weak.upgrade() else { return };
            let frame = d.frame();
            frame.set_busy(false);
            match result {
                Ok(form) => {
                    frame.view.set_form(&form, &Bob::new(), true);
                    frame.show_form();
                }
                Err(e) => frame.show_failure(&error_text(&e)),
            }
        });
    }

    fn save(&self) {
        let frame = self.frame();
        if !frame.view.check() {
            return;
        }
        let (Some((client, account, room)), Some(form)) = (self.target(), frame.view.form()) else {
            return;
        };
        frame.set_busy(true);
        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            let result = client.save_room_config(&account, &room, &form).await;
            let Some(d) = weak.upgrade() else { return };
            d.frame().set_busy(false);
            match result {
                Ok(()) => d.close(),
                // The form stays as the user filled it in.
                Err(e) => d.frame().show_problem(Some(&error_text(&e))),
            }
        });
    }
}
