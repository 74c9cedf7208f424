//! Opening `xmpp:` links (XEP-0147) from the desktop, a browser or a
//! second `balcony xmpp:…`: a conversation (with a message ready), a room
//! to join, a contact to add, a command to run, an account to create.
//! With several accounts the user picks which one acts.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;
use xmpp_parsers::jid::BareJid;

use super::{command_dialog::CommandDialog, Window};
use crate::{
    core::xmpp_uri::{self, UriAction, UriError, XmppUri},
    i18n::{gettext, gettext_f},
    model::Account,
};

/// Why a link cannot be opened, in words.
pub fn explain(error: &UriError) -> String {
    match error {
        UriError::NotXmpp => gettext("This is not an XMPP link."),
        UriError::TooLong => gettext("This link is too long to be a real one."),
        UriError::BadEncoding => gettext("This link is damaged: it is not valid text."),
        UriError::BadAddress(_) => gettext("This link does not contain a valid XMPP address."),
        UriError::BadFingerprint => {
            gettext("This link’s encryption fingerprint is damaged. Ask for the link again.")
        }
        UriError::UnknownAction(action) => gettext_f(
            "Balcony does not know what “{action}” links do.",
            &[("action", action)],
        ),
    }
}

/// Sets the text of the entry row named `name` inside `dialog`.
fn fill(dialog: &impl IsA<gtk::Widget>, name: &str, text: &str) {
    fn walk(w: &gtk::Widget, name: &str) -> Option<gtk::Widget> {
        if w.widget_name() == name {
            return Some(w.clone());
        }
        let mut child = w.first_child();
        while let Some(c) = child {
            if let Some(found) = walk(&c, name) {
                return Some(found);
            }
            child = c.next_sibling();
        }
        None
    }
    if let Some(row) = walk(dialog.as_ref(), name).and_downcast::<adw::EntryRow>() {
        row.set_text(text);
    }
}

impl Window {
    /// Opens an `xmpp:` link: explains it when it cannot be read, asks
    /// which account acts when several could, then does what it says.
    pub fn open_xmpp_link(&self, uri: &str) {
        let link = match xmpp_uri::parse(uri) {
            Ok(link) => link,
            Err(e) => {
                tracing::info!(error = %e, "an xmpp: link could not be opened");
                self.toast(&explain(&e));
                return;
            }
        };
        let Some(client) = self.client() else { return };
        if !client.started() {
            // Opened at start: the stored accounts are not read yet.
            let uri = uri.to_owned();
            let handler = std::rc::Rc::new(std::cell::Cell::<Option<glib::SignalHandlerId>>::new(None));
            let id = client.connect_notify_local(
                Some("started"),
                glib::clone!(
                    #[weak(rename_to = win)]
                    self,
                    #[strong]
                    handler,
                    move |client, _| {
                        if let Some(id) = handler.take() {
                            glib::prelude::ObjectExt::disconnect(client, id);
                        }
                        win.open_xmpp_link(&uri);
                    }
                ),
            );
            handler.set(Some(id));
            return;
        }
        let accounts: Vec<Account> = client
            .accounts()
            .iter::<Account>()
            .flatten()
            .filter(|a| a.saved())
            .collect();
        let named = link
            .account
            .as_ref()
            .and_then(|jid| accounts.iter().find(|a| a.jid() == jid.as_str()).cloned());
        match (named, accounts.len()) {
            (Some(account), _) => self.act_on_link(&account, link),
            (None, 0) => self.toast(&gettext("Add an account first, then open the link again.")),
            (None, 1) => self.act_on_link(&accounts[0], link),
            (None, _) => self.choose_account_for(link, accounts),
        }
    }

    fn choose_account_for(&self, link: XmppUri, accounts: Vec<Account>) {
        let dialog = adw::MessageDialog::builder()
            .transient_for(self)
            .modal(true)
            .heading(gettext("Open With Which Account?"))
            .body(gettext_f(
                "The link is about {address}.",
                &[("address", link.target.as_str())],
            ))
            .build();
        dialog.set_widget_name("link-account-dialog");
        dialog.add_response("cancel", &gettext("_Cancel"));
        for (i, account) in accounts.iter().enumerate() {
            dialog.add_response(&format!("account-{i}"), &account.jid());
        }
        dialog.set_close_response("cancel");
        dialog.connect_response(
            None,
            glib::clone!(
                #[weak(rename_to = win)]
                self,
                move |_, response| {
                    let chosen = response
                        .strip_prefix("account-")
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| accounts.get(i));
                    if let Some(account) = chosen {
                        win.act_on_link(account, link.clone());
                    }
                }
            ),
        );
        dialog.present();
    }

    fn act_on_link(&self, account: &Account, link: XmppUri) {
        let view = self.main_view();
        view.set_account(account);
        self.present();
        let target = link.target.to_bare();
        if !link.fingerprints.is_empty() {
            // The contact's keys, compared with what the link says.
            if let Some(client) = self.client() {
                client.verify_omemo_fingerprints(account, target.as_str(), link.fingerprints.clone());
            }
        }
        match link.action {
            UriAction::Open => view.open_conversation(target.as_str()),
            UriAction::Message { body } => {
                view.open_conversation(target.as_str());
                if let Some(body) = body {
                    let composer = view.conversation_view().composer();
                    composer.buffer().set_text(&body);
                    composer.grab_focus();
                }
            }
            UriAction::Join { password } => {
                if let Some(dialog) = view.ask_for_room() {
                    fill(&dialog, "room-address", target.as_str());
                    if password.is_some() {
                        view.imp().pending_room_password.replace(password);
                    }
                }
            }
            UriAction::AddContact { name } => {
                if let Some(dialog) = view.ask_for_contact() {
                    fill(&dialog, "contact-address", target.as_str());
                    fill(&dialog, "contact-name", name.as_deref().unwrap_or(""));
                }
            }
            UriAction::Command { node } => {
                let (Some(client), Ok(jid)) = (self.client(), account.jid().parse::<BareJid>()) else {
                    return;
                };
                match node {
                    Some(node) => {
                        CommandDialog::open_command(self, &client, jid, link.target.clone(), &node, &node);
                    }
                    None => {
                        CommandDialog::open(
                            self,
                            &client,
                            jid,
                            vec![link.target.clone()],
                            &gettext("Commands"),
                        );
                    }
                }
            }
            UriAction::Register => {
                self.add_another_account();
                self.setup_page()
                    .prefill_address(&format!("@{}", target.domain()));
            }
        }
    }
}
