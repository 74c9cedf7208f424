//! Accounts on the test server, driven through a worker.

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    bridge::{Command, ConnectionState, Event},
    credentials::{Password, PasswordStorage},
    profile::Profile,
    worker::{self, WorkerHandle, WorkerOptions},
};
use xmpp_parsers::jid::{BareJid, FullJid};

use super::{events::wait_for, prosody::DOMAIN};

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
