//! Accounts on the test server, driven through a worker.

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    bridge::{Command, ConnectionState, Event},
    credentials::{Password, PasswordStorage},
    profile::Profile,
    store::Store,
    worker::{self, WorkerHandle, WorkerOptions},
    xmpp::connection::link::Backoff,
};
use xmpp_parsers::jid::{BareJid, FullJid};

use super::{
    events::wait_for,
    prosody::{Prosody, DOMAIN},
};

/// Settings for `user@DOMAIN` at `addr`, trusting `ca` when given.
pub fn config(user: &str, addr: &str, tls: TlsMode, ca: Option<&str>) -> AccountConfig {
    AccountConfig {
        jid: BareJid::from_str(&format!("{user}@{DOMAIN}")).expect("jid"),
        server: Some(ServerAddress::from_str(addr).expect("addr")),
        tls,
        extra_ca_pem: ca.map(str::to_owned),
    }
}

/// A worker on `profile` that connects stored accounts at start.
pub fn autoconnect_worker(profile: Profile) -> WorkerHandle {
    let options = WorkerOptions {
        autoconnect: true,
        ..Default::default()
    };
    worker::spawn(profile, options).expect("worker")
}

/// Logs in with new settings, keeping the password in the profile.
pub fn add(worker: &WorkerHandle, config: AccountConfig, password: &str) {
    worker.send(Command::AddAccount {
        config,
        password: Password::new(password),
        storage: PasswordStorage::ProfileFile,
    });
}

/// Picks the bound JID out of an Online event.
pub fn online_jid(ev: &Event) -> Option<FullJid> {
    match ev {
        Event::ConnectionChanged {
            state: ConnectionState::Online { bound_jid, .. },
            ..
        } => Some(bound_jid.clone()),
        _ => None,
    }
}

/// Waits until an account is online; its bound JID.
pub async fn wait_online(events: &async_channel::Receiver<Event>) -> FullJid {
    wait_for(events, Duration::from_secs(15), online_jid).await.0
}

/// An account logged in through its own worker and profile.
pub struct Online {
    /// The worker.
    pub worker: WorkerHandle,
    /// The account.
    pub jid: BareJid,
    /// Its bound JID.
    pub full: FullJid,
    /// The worker's events.
    pub events: async_channel::Receiver<Event>,
    /// The profile.
    pub profile: Profile,
}

/// Logs `user` in with a fresh profile named `name`, over STARTTLS.
pub async fn online(server: &impl super::TestServer, name: &str, user: &str, password: &str) -> Online {
    online_at(
        server,
        &server.c2s_addr(),
        super::profiles::fresh(name),
        user,
        password,
    )
    .await
}

/// Logs `user` in with `profile`, connecting to `addr`.
pub async fn online_at(
    server: &impl super::TestServer,
    addr: &str,
    profile: Profile,
    user: &str,
    password: &str,
) -> Online {
    online_after(server, addr, profile, user, password, Vec::new()).await
}

/// [`online_at`], with `first` sent to the worker before the account is
/// added (as the account setup sends the history choice).
pub async fn online_after(
    server: &impl super::TestServer,
    addr: &str,
    profile: Profile,
    user: &str,
    password: &str,
    first: Vec<Command>,
) -> Online {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(balcony::core::xmpp::connection::link::quiet_expected_stream_panic);
    let options = WorkerOptions {
        autoconnect: true,
        backoff: Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(1),
        },
    };
    let worker = worker::spawn(profile.clone(), options).expect("worker");
    let cfg = config(user, addr, TlsMode::StartTls, Some(server.ca_pem()));
    let jid = cfg.jid.clone();
    for command in first {
        worker.send(command);
    }
    add(&worker, cfg, password);
    let events = worker.events();
    let full = wait_online(&events).await;
    Online {
        worker,
        jid,
        full,
        events,
        profile,
    }
}

impl Online {
    /// Waits up to 20 s for an event that `pick` accepts.
    pub async fn expect<T>(&self, pick: impl FnMut(&Event) -> Option<T>) -> T {
        wait_for(&self.events, Duration::from_secs(20), pick).await.0
    }

    /// Waits for the next stored messages; the body of the first.
    pub async fn next_body(&self) -> String {
        self.expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => Some(messages[0].message.body.clone()),
            _ => None,
        })
        .await
    }

    /// Waits up to 5 s for the outbox to empty; how many entries it holds.
    pub async fn outbox_after_settling(&self) -> usize {
        let mut len = usize::MAX;
        for _ in 0..50 {
            len = self.store().outbox(&self.jid).expect("outbox").len();
            if len == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        len
    }

    /// Opens the profile's database (alongside the running worker).
    pub fn store(&self) -> Store {
        Store::open(&self.profile.database_path()).expect("store")
    }

    /// Sends a command for this account.
    pub fn send(&self, command: Command) {
        self.worker.send(command);
    }

    /// What the server runs and offers, asked over the session (so also a
    /// check that the session still answers), within 10 s.
    pub async fn server_info(&self) -> balcony::core::xmpp::modules::x0092_version::ServerInfo {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send(Command::ServerInfo {
            jid: self.jid.clone(),
            reply,
        });
        tokio::time::timeout(Duration::from_secs(10), answer)
            .await
            .expect("answered in time")
            .expect("answered")
            .expect("online")
    }
}

/// `n` contacts `contact{i}@{domain}` named "Contact number {i}", in ten
/// groups, as benches fill rosters.
pub fn numbered_contacts(n: usize, domain: &str) -> Vec<balcony::core::contacts::RosterItem> {
    (0..n)
        .map(|i| balcony::core::contacts::RosterItem {
            jid: format!("contact{i}@{domain}").parse().expect("jid"),
            name: Some(format!("Contact number {i}")),
            subscription: balcony::core::contacts::Subscription::Both,
            ask: false,
            approved: false,
            groups: vec![format!("Group {}", i % 10)],
        })
        .collect()
}

/// A new profile named `name` with juliet's account stored, pointing at
/// a loopback port where nothing listens (an offline start).
pub fn offline_profile(name: &str) -> Profile {
    let profile = super::profiles::fresh(name);
    let store = Store::open(&profile.database_path()).expect("store");
    store
        .save_account(&balcony::core::store::StoredAccount {
            config: config("juliet", "127.0.0.1:9", TlsMode::StartTls, None),
            enabled: true,
            password_storage: PasswordStorage::ProfileFile,
        })
        .expect("account");
    // Its password is kept, so that the account is offline because the
    // server cannot be reached, not because a password is missing.
    let jid = "juliet@balcony.test".parse().expect("jid");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(balcony::core::credentials::save_password(
            &profile,
            PasswordStorage::ProfileFile,
            &jid,
            &balcony::core::credentials::Password::new("pw"),
        ))
        .expect("password");
    profile
}

/// Puts `n` numbered contacts (as [`numbered_contacts`]) in `user`'s
/// roster on `server`, through a client of their own.
pub async fn fill_server_roster(server: &Prosody, user: &str, password: &str, n: usize, domain: &str) {
    use xmpp_parsers::roster::{Ask, Group, Item, Roster, Subscription};
    let mut phone = super::peer::Peer::login(server, user, password).await;
    let mut pending = Vec::new();
    for item in numbered_contacts(n, domain) {
        let item = Item {
            jid: item.jid,
            name: item.name,
            subscription: Subscription::None,
            ask: Ask::None,
            groups: item.groups.into_iter().map(Group).collect(),
            approved: None,
        };
        let roster = Roster {
            ver: None,
            items: vec![item],
        };
        pending.push(
            phone
                .send_iq(None, tokio_xmpp::IqRequest::Set(roster.into()))
                .await,
        );
    }
    for id in pending {
        phone.await_iq(&id).await.expect("roster set");
    }
}

impl Online {
    /// Joins (creating) `room` as `nick` and sets its subject.
    pub async fn open_room(&self, room: &BareJid, nick: &str, subject: &str) {
        self.send(Command::JoinRoom {
            jid: self.jid.clone(),
            room: room.clone(),
            nick: Some(nick.into()),
            password: None,
        });
        wait_for(&self.events, Duration::from_secs(15), |ev| {
            matches!(ev, Event::RoomJoined { .. }).then_some(())
        })
        .await;
        self.send(Command::SetRoomSubject {
            jid: self.jid.clone(),
            room: room.clone(),
            subject: subject.into(),
        });
    }
}
