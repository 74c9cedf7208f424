//! The worker's accounts and their sessions: connecting, starting and
//! stopping a session, the password, a new account saved once its first
//! login worked, and shutting everything down.

use tokio::sync::mpsc;
use xmpp_parsers::jid::BareJid;

use crate::core::{
    bridge::{ConnectionState, Event},
    credentials::{self, Password, PasswordStorage},
    store::StoredAccount,
    xmpp::{
        connection::{
            error::ConnectError,
            login::{self, ClientIdentity},
            x0484_fast::{FastToken, FastTokens, TokenKeeper},
        },
        session::session_loop::{self, SessionCommand, SessionNote, SessionSpec},
    },
};

use super::Worker;

impl Worker {
    pub(super) async fn connect(&mut self, jid: &BareJid) {
        if self.accounts.get(jid).is_some_and(|e| e.session.is_some()) {
            return;
        }
        self.start_session(jid, false).await;
    }

    /// Stops a running session; true if there was one.
    pub(super) fn stop_session(&mut self, jid: &BareJid) -> bool {
        match self.accounts.get_mut(jid).and_then(|e| e.session.take()) {
            Some(s) => {
                let _ = s.commands.send(SessionCommand::Close);
                true
            }
            None => false,
        }
    }

    pub(super) async fn start_session(&mut self, jid: &BareJid, give_up_before_first_login: bool) {
        let Some(entry) = self.accounts.get(jid) else {
            tracing::warn!(%jid, "connect for an unknown account");
            return;
        };
        let password = match &entry.password {
            Some(p) => p.clone(),
            None => match self.load_password(jid).await {
                Ok(p) => p,
                Err(error) => {
                    self.emit(Event::ConnectionChanged {
                        jid: jid.clone(),
                        state: ConnectionState::Offline { error: Some(error) },
                    });
                    return;
                }
            },
        };
        let pins_jid = jid.clone();
        let pins = self
            .store
            .run(move |s| s.pinned_certificates(&pins_jid))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "could not read pinned certificates");
                Vec::new()
            });
        let client = self.client_identity(jid).await;
        let storage = self.secret_storage(jid).await;
        let omemo_keys = (storage != PasswordStorage::None)
            .then(|| credentials::OmemoKeySource::new(self.profile.clone(), storage, jid.clone()));
        self.generation += 1;
        let Some(entry) = self.accounts.get_mut(jid) else {
            return;
        };
        entry.password = Some(password.clone());
        let spec = SessionSpec {
            config: entry.config.clone(),
            password,
            pins,
            presence: entry.presence.clone(),
            give_up_before_first_login,
            generation: self.generation,
            backoff: self.options.backoff,
            store: self.store.clone(),
            inactive: self.inactive,
            tap: entry.tap.clone(),
            client,
            omemo_keys,
        };
        entry.session = Some(session_loop::spawn(
            spec,
            self.events.clone(),
            self.notes_tx.clone(),
        ));
    }

    /// Where `jid`'s secrets are kept: the stored account's choice, or the
    /// one a new account will be saved with.
    async fn secret_storage(&self, jid: &BareJid) -> PasswordStorage {
        if let Some(pending) = self.accounts.get(jid).and_then(|e| e.pending_storage) {
            return pending;
        }
        let lookup = jid.clone();
        self.store
            .run(move |s| s.account(&lookup))
            .await
            .ok()
            .flatten()
            .map(|a| a.password_storage)
            .unwrap_or(PasswordStorage::None)
    }

    /// The SASL2 identity for `jid`'s sessions: this profile's client id,
    /// and the account's FAST token, kept where its password is.
    async fn client_identity(&self, jid: &BareJid) -> ClientIdentity {
        let id = match self.store.run(|s| s.client_id()).await {
            Ok(id) => id,
            Err(e) => {
                tracing::warn!(error = %e, "no stored client id; FAST tokens last this session only");
                uuid::Builder::from_random_bytes(rand::random()).into_uuid()
            }
        };
        let storage = self.secret_storage(jid).await;
        let token = credentials::load_fast_token(&self.profile, storage, jid)
            .await
            .unwrap_or_else(|e| {
                tracing::info!(%jid, error = %e, "no FAST token read");
                None
            });
        let (profile, account) = (self.profile.clone(), jid.clone());
        let keeper: TokenKeeper = std::sync::Arc::new(move |token: Option<FastToken>| {
            let (profile, account) = (profile.clone(), account.clone());
            tokio::spawn(async move {
                let kept = match &token {
                    Some(t) => credentials::save_fast_token(&profile, storage, &account, t).await,
                    None => credentials::forget_fast_token(&profile, storage, &account).await,
                };
                if let Err(e) = kept {
                    tracing::warn!(jid = %account, error = %e, "could not keep the FAST token");
                }
            });
        });
        ClientIdentity {
            user_agent: login::user_agent(id),
            fast: FastTokens::new(token, keeper),
        }
    }

    pub(super) async fn load_password(&self, jid: &BareJid) -> Result<Password, ConnectError> {
        let lookup = jid.clone();
        let storage = self
            .store
            .run(move |s| s.account(&lookup))
            .await
            .ok()
            .flatten()
            .map(|a| a.password_storage)
            .unwrap_or(PasswordStorage::None);
        credentials::load_password(&self.profile, storage, jid)
            .await
            .map_err(|e| ConnectError::PasswordUnavailable {
                detail: e.to_string(),
            })
    }

    pub(super) async fn on_note(&mut self, note: SessionNote) {
        match note {
            SessionNote::LoggedIn { jid } => self.save_new_account(&jid).await,
            SessionNote::PresenceChanged { jid, presence } => {
                if let Some(entry) = self.accounts.get_mut(&jid) {
                    entry.presence = presence;
                }
            }
            SessionNote::Ended { jid, generation } => {
                if let Some(entry) = self.accounts.get_mut(&jid) {
                    if entry.session.as_ref().is_some_and(|s| s.generation == generation) {
                        entry.session = None;
                    }
                }
            }
        }
    }

    pub(super) async fn save_new_account(&mut self, jid: &BareJid) {
        let Some(entry) = self.accounts.get_mut(jid) else {
            return;
        };
        let Some(storage) = entry.pending_storage.take() else {
            return;
        };
        let Some(password) = entry.password.clone() else {
            return;
        };
        let account = StoredAccount {
            config: entry.config.clone(),
            enabled: true,
            password_storage: storage,
        };
        let result = match credentials::save_password(&self.profile, storage, jid, &password).await {
            Ok(()) => self
                .store
                .run(move |s| s.save_account(&account))
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => self.emit(Event::AccountAdded {
                jid: jid.clone(),
                storage,
            }),
            Err(detail) => {
                tracing::error!(%jid, %detail, "could not save the new account");
                self.emit(Event::AccountSaveFailed {
                    jid: jid.clone(),
                    detail,
                });
            }
        }
    }

    /// Changes the password on the server, then keeps the new one where
    /// the old one was, and for this run's reconnects.
    pub(super) async fn change_password(&mut self, jid: &BareJid, password: Password) -> Result<(), String> {
        let Some(session) = self.accounts.get(jid).and_then(|e| e.session.as_ref()) else {
            return Err("the account is offline".into());
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let request =
            crate::core::xmpp::session::requests::SessionRequest::ChangePassword(password.clone(), tx);
        if session.commands.send(SessionCommand::Request(request)).is_err() {
            return Err("the account is offline".into());
        }
        match tokio::time::timeout(std::time::Duration::from_secs(15), rx).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => return Err(e),
            _ => return Err("the server did not answer".into()),
        }
        let account = jid.clone();
        let storage = self
            .store
            .run(move |s| s.account(&account))
            .await
            .ok()
            .flatten()
            .map(|a| a.password_storage)
            .unwrap_or(PasswordStorage::None);
        if let Some(entry) = self.accounts.get_mut(jid) {
            entry.password = Some(password.clone());
        }
        credentials::save_password(&self.profile, storage, jid, &password)
            .await
            .map_err(|e| format!("the server took the new password, but it could not be kept: {e}"))
    }

    pub(super) async fn shutdown(&mut self, notes: &mut mpsc::UnboundedReceiver<SessionNote>) {
        let mut running: Vec<u64> = Vec::new();
        let jids: Vec<BareJid> = self.accounts.keys().cloned().collect();
        for jid in jids {
            if let Some(s) = self.accounts.get_mut(&jid).and_then(|e| e.session.take()) {
                running.push(s.generation);
                let _ = s.commands.send(SessionCommand::Close);
            }
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(4);
        while !running.is_empty() {
            match tokio::time::timeout_at(deadline, notes.recv()).await {
                Ok(Some(SessionNote::Ended { generation, .. })) => running.retain(|g| *g != generation),
                Ok(Some(SessionNote::LoggedIn { jid })) => self.save_new_account(&jid).await,
                Ok(Some(SessionNote::PresenceChanged { .. })) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
}
