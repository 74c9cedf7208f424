//! The worker: owns the connections and the store on a tokio runtime of its
//! own. The UI talks to it only through [`Command`]s and [`Event`]s.

use std::{collections::HashMap, thread};

use tokio::sync::mpsc;
use xmpp_parsers::jid::BareJid;
use xmpp_parsers::minidom::Element;

use super::{
    account::AccountConfig,
    background_priority,
    bridge::{AccountSummary, Command, ConnectionState, Event, OwnPresence, RequestKind},
    credentials::{self, Password, PasswordStorage},
    message::{ChatKind, Correction, DeliveryState, NewMessage, StoredMessage},
    profile::Profile,
    store::{Store, StoreHandle, StoredAccount},
    xmpp::{
        connection::error::ConnectError,
        connection::link::Backoff,
        connection::registration_flow,
        modules::chat,
        modules::x0077_registration::{Answers, RegistrationError},
        modules::x0359_stanza_ids,
        session::requests::SessionRequest,
        session::session_loop::{self, SessionCommand, SessionHandle, SessionNote, SessionSpec},
    },
};

/// The UI's end of the worker.
#[derive(Debug)]
pub struct WorkerHandle {
    commands: async_channel::Sender<Command>,
    events: async_channel::Receiver<Event>,
    thread: Option<thread::JoinHandle<()>>,
}

impl WorkerHandle {
    /// Sends a command; never blocks.
    pub fn send(&self, command: Command) {
        if self.commands.try_send(command).is_err() {
            tracing::warn!("worker is gone; command dropped");
        }
    }

    /// The event stream (one consumer: the dispatcher).
    pub fn events(&self) -> async_channel::Receiver<Event> {
        self.events.clone()
    }

    /// Asks the worker to stop and waits for its thread.
    pub fn shutdown(mut self) {
        self.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.commands.try_send(Command::Shutdown);
        }
    }
}

/// Tunables, mostly for tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkerOptions {
    /// Reconnection backoff.
    pub backoff: Backoff,
    /// Connect enabled accounts when the worker starts.
    pub autoconnect: bool,
}

/// Starts the worker thread with its own runtime.
pub fn spawn(profile: Profile, options: WorkerOptions) -> std::io::Result<WorkerHandle> {
    let (cmd_tx, cmd_rx) = async_channel::unbounded();
    let (ev_tx, ev_rx) = async_channel::unbounded();
    let threads = background_priority::ThreadGroup::default();
    let (joins, leaves) = (threads.clone(), threads.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("balcony-worker")
        .on_thread_start(move || joins.join())
        .on_thread_stop(move || leaves.leave())
        .enable_all()
        .build()?;
    let thread = thread::Builder::new()
        .name("balcony-worker-main".into())
        .spawn(move || {
            threads.join();
            runtime.block_on(Worker::run(profile, options, threads, cmd_rx, ev_tx))
        })?;
    Ok(WorkerHandle {
        commands: cmd_tx,
        events: ev_rx,
        thread: Some(thread),
    })
}

struct AccountEntry {
    config: AccountConfig,
    password: Option<Password>,
    /// Where to save the password once a login works (new accounts only).
    pending_storage: Option<PasswordStorage>,
    presence: OwnPresence,
    session: Option<SessionHandle>,
}

struct Worker {
    profile: Profile,
    options: WorkerOptions,
    store: StoreHandle,
    events: async_channel::Sender<Event>,
    notes_tx: mpsc::UnboundedSender<SessionNote>,
    accounts: HashMap<BareJid, AccountEntry>,
    generation: u64,
    /// No window of ours has focus (XEP-0352).
    inactive: bool,
    /// Registrations in progress, by the account being created.
    registrations: HashMap<BareJid, mpsc::UnboundedSender<Answers>>,
}

impl Worker {
    async fn run(
        profile: Profile,
        options: WorkerOptions,
        threads: background_priority::ThreadGroup,
        commands: async_channel::Receiver<Command>,
        events: async_channel::Sender<Event>,
    ) {
        let store = match Store::open(&profile.database_path()) {
            Ok(s) => s,
            Err(e) => {
                let _ = events.try_send(Event::StartFailed {
                    detail: e.to_string(),
                });
                return;
            }
        };
        let (notes_tx, mut notes_rx) = mpsc::unbounded_channel();
        let mut worker = Worker {
            profile,
            options,
            store: StoreHandle::new(store),
            events,
            notes_tx,
            accounts: HashMap::new(),
            generation: 0,
            inactive: false,
            registrations: HashMap::new(),
        };
        worker.start().await;
        // The window has what it waits for: the rest yields to it.
        threads.lower_all();
        loop {
            tokio::select! {
                // Notes first: a login that happened before a command (say,
                // Shutdown) must be recorded before that command runs.
                biased;
                Some(note) = notes_rx.recv() => worker.on_note(note).await,
                cmd = commands.recv() => match cmd {
                    Ok(Command::Shutdown) | Err(_) => break,
                    Ok(cmd) => worker.handle(cmd).await,
                },
            }
        }
        worker.shutdown(&mut notes_rx).await;
    }

    fn emit(&self, event: Event) {
        let _ = self.events.try_send(event);
    }

    async fn start(&mut self) {
        let stored = match self.store.run(|s| s.accounts()).await {
            Ok(list) => list,
            Err(e) => {
                self.emit(Event::StartFailed {
                    detail: e.to_string(),
                });
                Vec::new()
            }
        };
        let secret_service = credentials::secret_service_available().await;
        self.emit(Event::Started {
            accounts: stored
                .iter()
                .map(|a| AccountSummary {
                    jid: a.config.jid.clone(),
                    enabled: a.enabled,
                })
                .collect(),
            secret_service,
        });
        for account in stored {
            let jid = account.config.jid.clone();
            let enabled = account.enabled;
            self.accounts.insert(
                jid.clone(),
                AccountEntry {
                    config: account.config,
                    password: None,
                    pending_storage: None,
                    presence: OwnPresence::default(),
                    session: None,
                },
            );
            if enabled && self.options.autoconnect {
                self.connect(&jid).await;
            }
        }
    }

    async fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::AddAccount {
                config,
                password,
                storage,
            } => {
                let jid = config.jid.clone();
                self.stop_session(&jid);
                self.accounts.insert(
                    jid.clone(),
                    AccountEntry {
                        config,
                        password: Some(password),
                        pending_storage: Some(storage),
                        presence: OwnPresence::default(),
                        session: None,
                    },
                );
                self.start_session(&jid, true).await;
            }
            Command::Connect { jid } => self.connect(&jid).await,
            Command::Disconnect { jid } => {
                if !self.stop_session(&jid) {
                    self.emit(Event::ConnectionChanged {
                        jid,
                        state: ConnectionState::Offline { error: None },
                    });
                }
            }
            Command::SetPresence { jid, presence } => {
                let Some(entry) = self.accounts.get_mut(&jid) else {
                    tracing::warn!(%jid, "presence for an unknown account");
                    return;
                };
                entry.presence = presence.clone();
                match &entry.session {
                    Some(s) => {
                        let _ = s.commands.send(SessionCommand::SetPresence(presence));
                    }
                    None => self.connect(&jid).await,
                }
            }
            Command::SendDirectedPresence { jid, to, available } => {
                match self.accounts.get(&jid).and_then(|e| e.session.as_ref()) {
                    Some(s) => {
                        let _ = s
                            .commands
                            .send(SessionCommand::DirectedPresence { to, available });
                    }
                    None => tracing::warn!(%jid, "directed presence while offline is dropped"),
                }
            }
            Command::CertificatePins { jid, reply } => {
                let pins = self.store.run(move |s| s.pinned_certificates(&jid)).await;
                let _ = reply.send(pins.map_err(|e| e.to_string()));
            }
            Command::ForgetCertificate { jid, sha256, reply } => {
                let store_jid = jid.clone();
                let outcome = self
                    .store
                    .run(move |s| {
                        s.unpin_certificate(&store_jid, &sha256)?;
                        s.pinned_certificates(&store_jid)
                    })
                    .await
                    .map_err(|e| e.to_string());
                let _ = reply.send(outcome);
                if self.accounts.get(&jid).is_some_and(|e| e.session.is_some()) {
                    tracing::info!(%jid, "a pinned certificate was removed; connecting again");
                    self.stop_session(&jid);
                    self.start_session(&jid, false).await;
                }
            }
            Command::TrustCertificate { jid, der } => {
                let pin_jid = jid.clone();
                if let Err(e) = self.store.run(move |s| s.pin_certificate(&pin_jid, &der)).await {
                    tracing::error!(%jid, error = %e, "could not pin certificate");
                    self.emit(Event::ConnectionChanged {
                        jid,
                        state: ConnectionState::Offline {
                            error: Some(ConnectError::Configuration {
                                detail: e.to_string(),
                            }),
                        },
                    });
                    return;
                }
                let pending = self
                    .accounts
                    .get(&jid)
                    .is_some_and(|e| e.pending_storage.is_some());
                self.stop_session(&jid);
                self.start_session(&jid, pending).await;
            }
            Command::SendMessage { jid, to, body } => {
                self.queue_message(jid, ChatKind::Chat, to, body, None).await
            }
            Command::SendGroupMessage { jid, room, body } => {
                self.queue_message(jid, ChatKind::GroupChat, room, body, None)
                    .await
            }
            Command::StartRegistration { config } => {
                let jid = config.jid.clone();
                let answers = registration_flow::spawn(config, self.events.clone());
                self.registrations.insert(jid, answers);
            }
            Command::SubmitRegistration { jid, answers } => {
                let sent = self
                    .registrations
                    .get(&jid)
                    .is_some_and(|tx| tx.send(answers).is_ok());
                if !sent {
                    self.registrations.remove(&jid);
                    self.emit(Event::RegistrationFailed {
                        jid,
                        error: RegistrationError::Malformed("no registration in progress".into()),
                    });
                }
            }
            Command::CancelRegistration { jid } => {
                self.registrations.remove(&jid);
            }
            Command::JoinRoom {
                jid,
                room,
                nick,
                password,
            } => {
                let nick = nick
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| jid.node().map(|n| n.to_string()).unwrap_or_else(|| "me".into()));
                self.request(jid, SessionRequest::JoinRoom { room, nick, password })
            }
            Command::MarkConversationRead { jid, peer } => {
                if let Err(e) = self.store.run(move |s| s.mark_read(&jid, &peer)).await {
                    tracing::warn!(error = %e, "could not mark a conversation read");
                }
            }
            Command::LeaveRoom { jid, room } => self.request(jid, SessionRequest::LeaveRoom(room)),
            Command::SetRoomSubject { jid, room, subject } => {
                self.request(jid, SessionRequest::RoomSubject(room, subject))
            }
            Command::SetBookmark { jid, bookmark } => {
                self.request(jid, SessionRequest::SetBookmark(bookmark))
            }
            Command::RemoveBookmark { jid, room } => self.request(jid, SessionRequest::RemoveBookmark(room)),
            Command::FetchRoomConfig { jid, room, reply } => {
                self.request(jid, SessionRequest::FetchRoomConfig(room, reply))
            }
            Command::SaveRoomConfig {
                jid,
                room,
                submission,
                reply,
            } => self.request(jid, SessionRequest::SaveRoomConfig(room, submission, reply)),
            Command::ListCommands { jid, entity, reply } => {
                self.request(jid, SessionRequest::ListCommands(entity, reply))
            }
            Command::RunCommand {
                jid,
                entity,
                step,
                reply,
            } => self.request(jid, SessionRequest::RunCommand(entity, step, reply)),
            Command::CorrectMessage {
                jid,
                to,
                replaces,
                body,
            } => {
                self.queue_message(jid, ChatKind::Chat, to, body, Some(replaces))
                    .await
            }
            Command::SendChatState { jid, to, state } => {
                self.request(jid, SessionRequest::ChatState(to, state))
            }
            Command::MarkDisplayed { jid, to, id } => {
                self.request(jid, SessionRequest::MarkDisplayed(to, id))
            }
            Command::SetContact {
                jid,
                contact,
                name,
                groups,
            } => self.request(
                jid,
                SessionRequest::SetContact {
                    contact,
                    name,
                    groups,
                },
            ),
            Command::RemoveContact { jid, contact } => {
                self.request(jid, SessionRequest::RemoveContact(contact))
            }
            Command::Subscription { jid, contact, action } => {
                self.request(jid, SessionRequest::Subscription(contact, action))
            }
            Command::SetBlocked { jid, items, blocked } => {
                self.request(jid, SessionRequest::SetBlocked(items, blocked))
            }
            Command::LoadOlderMessages { jid, peer } => self.request(jid, SessionRequest::LoadOlder(peer)),
            Command::SetInteractive { active } => {
                self.inactive = !active;
                for session in self.accounts.values().filter_map(|e| e.session.as_ref()) {
                    let _ = session.commands.send(SessionCommand::SetInactive(!active));
                }
            }
            Command::Shutdown => {}
        }
    }

    /// Hands a request to the account's session, or reports it offline.
    fn request(&self, jid: BareJid, request: SessionRequest) {
        match self.accounts.get(&jid).and_then(|e| e.session.as_ref()) {
            Some(s) => {
                let _ = s.commands.send(SessionCommand::Request(request));
            }
            None if request.answer_offline() => {}
            None => self.emit(Event::RequestFailed {
                jid,
                request: RequestKind::Offline,
                detail: "the account is offline".into(),
            }),
        }
    }

    /// Stores an outgoing message (or correction) in the outbox, shows it,
    /// and lets the session send it when it can.
    async fn queue_message(
        &mut self,
        jid: BareJid,
        kind: ChatKind,
        to: BareJid,
        body: String,
        replaces: Option<String>,
    ) {
        if !self.accounts.contains_key(&jid) {
            tracing::warn!(%jid, "message for an unknown account dropped");
            return;
        }
        let origin_id = x0359_stanza_ids::new_origin_id();
        let stanza = chat::outgoing(kind, to.clone(), &body, &origin_id, replaces.as_deref());
        let xml = String::from(&Element::from(stanza));
        let account = jid.clone();
        let result = match replaces {
            None => {
                let message = NewMessage {
                    peer: to,
                    kind,
                    outgoing: true,
                    sender: jid.to_string(),
                    body,
                    origin_id: Some(origin_id),
                    stanza_id: None,
                    timestamp_ms: chrono::Utc::now().timestamp_millis(),
                    state: DeliveryState::Pending,
                };
                self.store
                    .run(move |s| {
                        let id = s.queue_outgoing(&account, &message, &xml)?;
                        Ok(vec![Event::MessagesAdded {
                            jid: account.clone(),
                            live: false,
                            messages: vec![StoredMessage {
                                id,
                                message,
                                corrected: false,
                            }],
                        }])
                    })
                    .await
            }
            Some(replaces) => {
                let correction = Correction {
                    peer: to,
                    outgoing: true,
                    replaces,
                    body,
                };
                self.store
                    .run(move |s| {
                        s.queue_stanza(&account, &origin_id, &xml)?;
                        s.apply_correction(&account, &correction)?;
                        Ok(vec![Event::MessageCorrected {
                            jid: account.clone(),
                            correction,
                        }])
                    })
                    .await
            }
        };
        match result {
            Ok(events) => events.into_iter().for_each(|e| self.emit(e)),
            Err(e) => {
                tracing::error!(error = %e, "could not queue a message");
                self.emit(Event::RequestFailed {
                    jid: jid.clone(),
                    request: RequestKind::Message,
                    detail: e.to_string(),
                });
                return;
            }
        }
        if let Some(s) = self.accounts.get(&jid).and_then(|e| e.session.as_ref()) {
            let _ = s.commands.send(SessionCommand::FlushOutbox);
        }
    }

    async fn connect(&mut self, jid: &BareJid) {
        if self.accounts.get(jid).is_some_and(|e| e.session.is_some()) {
            return;
        }
        self.start_session(jid, false).await;
    }

    /// Stops a running session; true if there was one.
    fn stop_session(&mut self, jid: &BareJid) -> bool {
        match self.accounts.get_mut(jid).and_then(|e| e.session.take()) {
            Some(s) => {
                let _ = s.commands.send(SessionCommand::Close);
                true
            }
            None => false,
        }
    }

    async fn start_session(&mut self, jid: &BareJid, give_up_before_first_login: bool) {
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
        };
        entry.session = Some(session_loop::spawn(
            spec,
            self.events.clone(),
            self.notes_tx.clone(),
        ));
    }

    async fn load_password(&self, jid: &BareJid) -> Result<Password, ConnectError> {
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

    async fn on_note(&mut self, note: SessionNote) {
        match note {
            SessionNote::LoggedIn { jid } => self.save_new_account(&jid).await,
            SessionNote::Ended { jid, generation } => {
                if let Some(entry) = self.accounts.get_mut(&jid) {
                    if entry.session.as_ref().is_some_and(|s| s.generation == generation) {
                        entry.session = None;
                    }
                }
            }
        }
    }

    async fn save_new_account(&mut self, jid: &BareJid) {
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

    async fn shutdown(&mut self, notes: &mut mpsc::UnboundedReceiver<SessionNote>) {
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
                Ok(None) | Err(_) => break,
            }
        }
    }
}
