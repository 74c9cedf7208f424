//! Remote control (XEP-0146) in the model: our other devices, what they
//! did here, and the settings they may change.

use gio::prelude::*;

use crate::core::{
    bridge::{Command, Event},
    remote_control::{RcOptions, RemoteAction},
};

use super::Client;

impl Client {
    /// Applies the remote-control events; gives back any other event.
    pub(super) fn apply_remote_event(&self, event: Event) -> Option<Event> {
        match event {
            Event::DeviceChanged { jid, device } => {
                self.account_or_insert(&jid, false).upsert_device(&device)
            }
            Event::DeviceGone { jid, device } => {
                self.account_or_insert(&jid, false).remove_device(device.as_str())
            }
            Event::RemoteControlled { jid, device, action } => {
                let account = self.account_or_insert(&jid, false);
                if let RemoteAction::Forwarded { peers, .. } = &action {
                    for peer in peers {
                        if let Some((_, c)) = account.conversation(peer.as_str()) {
                            c.set_unread(0);
                        }
                    }
                }
                if let RemoteAction::OptionsChanged(o) = &action {
                    self.emit_by_name::<()>(
                        "remote-options-changed",
                        &[
                            &o.sounds,
                            &o.auto_offline,
                            &o.auto_msg,
                            &o.auto_auth,
                            &o.auto_files,
                        ],
                    );
                }
                let text = crate::model::remote_text::controlled(&device, &action);
                self.emit_by_name::<()>("remote-controlled", &[&account, &device, &text]);
            }
            Event::SubscriptionApprovedAutomatically { jid, from } => {
                let account = self.account_or_insert(&jid, false);
                let from = from.to_string();
                self.emit_by_name::<()>("subscription-approved-automatically", &[&account, &from]);
            }
            other => return Some(other),
        }
        None
    }

    /// Logs `account` in with a password the user typed, kept in `storage`
    /// once the login works.
    pub fn login_with_password(
        &self,
        account: &crate::model::Account,
        password: String,
        storage: crate::core::credentials::PasswordStorage,
    ) {
        if let Ok(jid) = account.jid().parse() {
            self.send(Command::LoginWithPassword {
                jid,
                password: crate::core::credentials::Password::new(password),
                storage,
            });
        }
    }

    /// What `jid`'s server runs and announces.
    pub async fn server_info(
        &self,
        jid: &xmpp_parsers::jid::BareJid,
    ) -> Result<crate::core::xmpp::modules::x0092_version::ServerInfo, String> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.send(Command::ServerInfo {
            jid: jid.clone(),
            reply,
        });
        rx.await.unwrap_or_else(|_| Err("the worker stopped".into()))
    }

    /// Changes `jid`'s password on its server, keeping it where the old was.
    pub async fn change_password(
        &self,
        jid: &xmpp_parsers::jid::BareJid,
        password: String,
    ) -> Result<(), String> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.send(Command::ChangePassword {
            jid: jid.clone(),
            password: crate::core::credentials::Password::new(password),
            reply,
        });
        rx.await.unwrap_or_else(|_| Err("the worker stopped".into()))
    }

    /// Connects `account` again with the presence it had.
    pub fn connect_account(&self, account: &crate::model::Account) {
        if let Ok(jid) = account.jid().parse() {
            self.send(Command::Connect { jid });
        }
    }

    /// Whether our other devices may control this client, and the options
    /// they may change (from the preferences, at start and on change).
    pub fn set_remote_control(&self, enabled: bool, options: RcOptions) {
        self.send(Command::SetRemoteControl { enabled, options });
    }
}
