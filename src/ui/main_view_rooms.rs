//! The main view's rooms: the room header, joining and leaving, and the
//! room settings.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use super::MainView;

impl MainView {
    /// Shows the room controls and subject for `room`, or hides them.
    pub(super) fn show_room(&self, room: Option<crate::model::RoomObject>) {
        let imp = self.imp();
        if let Some((old, handlers)) = imp.room_handlers.take() {
            handlers.into_iter().for_each(|h| old.disconnect(h));
        }
        imp.leave_button.set_visible(room.is_some());
        imp.occupants_button.set_visible(room.is_some());
        imp.settings_button.set_visible(room.is_some());
        imp.commands_button
            .set_visible(room.is_none() && imp.conversation_view.get().and_then(|v| v.messages()).is_some());
        let Some(room) = room else { return };
        let refresh = glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |room: &crate::model::RoomObject| {
                let imp = view.imp();
                imp.content_title.set_subtitle(&room.subject());
                imp.occupants_label.set_label(&room.occupant_nicks().join("\n"));
            }
        );
        refresh(&room);
        let on_subject = refresh.clone();
        let handlers = vec![
            room.connect_subject_notify(move |r| on_subject(r)),
            room.connect_local("occupants-changed", false, move |args| {
                if let Some(r) = args
                    .first()
                    .and_then(|v| v.get::<crate::model::RoomObject>().ok())
                {
                    refresh(&r);
                }
                None
            }),
        ];
        imp.room_handlers.replace(Some((room, handlers)));
    }

    pub(super) fn leave_open_room(&self) {
        let imp = self.imp();
        let room = imp.room_handlers.borrow().as_ref().map(|(r, _)| r.jid());
        let (Some(client), Some(account), Some(room)) = (imp.client.borrow().clone(), self.account(), room)
        else {
            return;
        };
        client.leave_room(&account, &room);
        self.close_conversation();
    }

    /// Asks for a room to join (Ctrl+J); it opens once joined.
    pub fn ask_for_room(&self) -> Option<adw::MessageDialog> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let account = self.account()?;
        let nick = account.jid().split('@').next().unwrap_or_default().to_owned();
        let dialog = super::join_room_dialog::build(
            &window,
            &nick,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                move |room, nick| {
                    let (Some(client), Some(account)) = (view.imp().client.borrow().clone(), view.account())
                    else {
                        return;
                    };
                    view.imp().pending_room.replace(Some(room.to_string()));
                    let password = view.imp().pending_room_password.take();
                    client.join_room_with_password(&account, &room, &nick, password);
                }
            ),
        );
        dialog.present();
        Some(dialog)
    }

    /// A room was joined: opened if the user asked for it.
    pub fn on_room_joined(&self, room: &str) {
        let wanted = self.imp().pending_room.borrow().as_deref() == Some(room);
        if wanted {
            self.imp().pending_room.replace(None);
            self.open_conversation(room);
        }
    }

    /// The open room's people, as listed.
    pub fn occupants_shown(&self) -> String {
        self.imp().occupants_label.label().to_string()
    }

    /// The settings of the open room.
    pub fn open_room_settings(&self) -> Option<super::room_settings_dialog::RoomSettingsDialog> {
        let imp = self.imp();
        let room = imp.room_handlers.borrow().as_ref().map(|(r, _)| r.jid())?;
        let window = self.root().and_downcast::<gtk::Window>()?;
        let client = imp.client.borrow().clone()?;
        let account = self.account()?;
        let room: xmpp_parsers::jid::BareJid = room.parse().ok()?;
        Some(super::room_settings_dialog::RoomSettingsDialog::open(
            &window, &client, &account, room,
        ))
    }
}
