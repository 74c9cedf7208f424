//! The worker: owns the connections and the store on a tokio runtime of its
//! own. The UI talks to it only through [`Command`]s and [`Event`]s.

mod messages;
mod sessions;

use std::{collections::HashMap, thread};

use tokio::sync::mpsc;
use xmpp_parsers::jid::BareJid;

use super::{
    account::AccountConfig,
    background_priority,
    bridge::{AccountSummary, Command, ConnectionState, Event, OwnPresence, RequestKind},
    credentials::{self, Password, PasswordStorage},
    history_sync::{now_ms, HistoryPolicy},
    message::ChatKind,
    profile::Profile,
    store::{Store, StoreHandle},
    xmpp::{
        connection::error::ConnectError,
        connection::link::Backoff,
        connection::registration_flow,
        modules::x0077_registration::{Answers, RegistrationError},
        session::requests::{Routed, SessionRequest},
        session::session_loop::{SessionCommand, SessionHandle, SessionNote},
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
    /// Asks the worker to stop and waits for its thread.
    pub fn shutdown(mut self) {
        self.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
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
    /// Where an XML console watching the account gets its elements.
    tap: crate::core::xmpp::connection::stream_tap::StreamTap,
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
        // The first connection's TLS needs them; read beside the store.
        tokio::task::spawn_blocking(crate::core::xmpp::connection::tls::prepare_system_roots);
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
        // Asked beside the first connections: the answer (a D-Bus round
        // trip, a few milliseconds) matters only when a password is saved.
        let events = self.events.clone();
        tokio::spawn(async move {
            let available = credentials::secret_service_available().await;
            let _ = events.try_send(Event::SecretServiceChecked { available });
        });
        self.emit(Event::Started {
            accounts: stored
                .iter()
                .map(|a| AccountSummary {
                    jid: a.config.jid.clone(),
                    enabled: a.enabled,
                })
                .collect(),
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
                    tap: Default::default(),
                },
            );
            if enabled && self.options.autoconnect {
                self.connect(&jid).await;
            }
        }
    }

    async fn handle(&mut self, cmd: Command) {
        // Requests a running session carries out go straight to it.
        let cmd = match cmd.route() {
            Routed::Session(jid, request) => return self.request(jid, request),
            Routed::Worker(other) => other,
        };
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
                        tap: Default::default(),
                    },
                );
                self.start_session(&jid, true).await;
            }
            Command::LoginWithPassword {
                jid,
                password,
                storage,
            } => {
                let Some(entry) = self.accounts.get_mut(&jid) else {
                    tracing::warn!(%jid, "a password for an unknown account");
                    return;
                };
                entry.password = Some(password);
                // Saved (account and password) once the login works.
                entry.pending_storage = Some(storage);
                self.stop_session(&jid);
                self.start_session(&jid, true).await;
            }
            Command::ChangePassword { jid, password, reply } => {
                let _ = reply.send(self.change_password(&jid, password).await);
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
            Command::SetConversationEncryption { jid, peer, enabled } => {
                let kept = self
                    .store
                    .run(move |s| s.set_conversation_encryption(&jid, &peer, enabled))
                    .await;
                if let Err(e) = kept {
                    tracing::warn!(error = %e, "could not keep a conversation's encryption choice");
                }
            }
            Command::MarkConversationRead { jid, peer } => {
                if let Err(e) = self.store.run(move |s| s.mark_read(&jid, &peer)).await {
                    tracing::warn!(error = %e, "could not mark a conversation read");
                }
            }
            Command::CorrectMessage {
                jid,
                to,
                replaces,
                body,
            } => {
                self.queue_message(jid, ChatKind::Chat, to, body, Some(replaces))
                    .await
            }
            Command::SetInteractive { active } => {
                self.inactive = !active;
                for session in self.accounts.values().filter_map(|e| e.session.as_ref()) {
                    let _ = session.commands.send(SessionCommand::SetInactive(!active));
                }
            }
            Command::ListDecloakRules { jid, reply } => {
                let rules = self.store.run(move |s| s.decloak_rules(&jid)).await;
                let _ = reply.send(rules.map_err(|e| e.to_string()));
            }
            Command::RevokeDecloakRule { jid, rule, reply } => {
                let outcome = self
                    .store
                    .run(move |s| {
                        s.remove_decloak_rule(&jid, &rule)?;
                        s.decloak_rules(&jid)
                    })
                    .await;
                let _ = reply.send(outcome.map_err(|e| e.to_string()));
            }
            Command::SetRemoteControl { enabled, options } => {
                let saved = self
                    .store
                    .run(move |s| {
                        s.set_remote_control_enabled(enabled)?;
                        s.set_rc_options(options)
                    })
                    .await;
                if let Err(e) = saved {
                    tracing::warn!(error = %e, "could not save the remote-control settings");
                }
            }
            Command::SetDownloadDirectory { path } => {
                if let Err(e) = self.store.run(move |s| s.set_download_dir(path.as_deref())).await {
                    tracing::warn!(error = %e, "could not save the download folder");
                }
            }
            Command::SetDecloakPolicy { policy } => {
                if let Err(e) = self.store.run(move |s| s.set_decloak_policy(policy)).await {
                    tracing::warn!(error = %e, "could not save the decloak policy");
                }
            }
            Command::SetHistorySync { jid, choice } => {
                let policy = HistoryPolicy::chosen(choice, now_ms());
                let account = jid.clone();
                match self
                    .store
                    .run(move |s| s.set_history_policy(&account, &policy))
                    .await
                {
                    Ok(()) if self.accounts.get(&jid).is_some_and(|e| e.session.is_some()) => {
                        self.request(jid, SessionRequest::SyncHistory)
                    }
                    Ok(()) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not save the history choice");
                        self.emit(Event::RequestFailed {
                            jid,
                            request: RequestKind::History,
                            detail: e.to_string(),
                        });
                    }
                }
            }
            Command::WatchStream { jid, sink } => match self.accounts.get(&jid) {
                Some(entry) => entry.tap.watch(sink),
                None => tracing::warn!(%jid, "a console for an unknown account"),
            },
            Command::Shutdown => {}
            // Carried out by the sessions: Command::route sent them there.
            other => tracing::error!(?other, "a session request reached the worker's own commands"),
        }
    }

    /// Hands a request to the account's session, or reports it offline.
    fn request(&self, jid: BareJid, request: SessionRequest) {
        match self.accounts.get(&jid).and_then(|e| e.session.as_ref()) {
            Some(s) => {
                let _ = s.commands.send(SessionCommand::Request(request));
            }
            None if request.transfer().is_some() => {
                if let Some(transfer) = request.transfer() {
                    self.emit(Event::TransferFailed {
                        jid,
                        transfer,
                        error: crate::core::files::TransferError::Offline,
                    });
                }
            }
            None if request.answer_offline() => {}
            None => self.emit(Event::RequestFailed {
                jid,
                request: RequestKind::Offline,
                detail: "the account is offline".into(),
            }),
        }
    }
}
