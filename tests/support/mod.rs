//! Shared test support: a real Prosody with a test CA, accounts driven
//! through a worker, a bare peer client, the CLI, event and UI helpers.
#![allow(dead_code)]

pub mod accounts;
pub mod archive_pager;
pub mod bare_window;
pub mod command_line;
pub mod ejabberd;
pub mod events;
pub mod gnupg;
pub mod history_download;
pub mod http_sink;
pub mod memory;
pub mod message_lists;
pub mod notifications;
pub mod omemo_peer;
pub mod omemo_ui;
pub mod peer;
pub mod profiles;
pub mod prosody;
pub mod proxy;
pub mod ui;
pub mod xinput;

/// What the account helpers need of a test server, Prosody or ejabberd.
pub trait TestServer {
    /// `host:port` of the STARTTLS listener.
    fn c2s_addr(&self) -> String;
    /// PEM of the test CA.
    fn ca_pem(&self) -> &str;
}

impl TestServer for prosody::Prosody {
    fn c2s_addr(&self) -> String {
        prosody::Prosody::c2s_addr(self)
    }
    fn ca_pem(&self) -> &str {
        &self.ca_pem
    }
}

impl TestServer for ejabberd::Ejabberd {
    fn c2s_addr(&self) -> String {
        ejabberd::Ejabberd::c2s_addr(self)
    }
    fn ca_pem(&self) -> &str {
        &self.ca_pem
    }
}
