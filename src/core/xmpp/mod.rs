//! The XMPP side of the worker: connecting, logging in, the session loop.

pub mod connector;
pub mod error;
pub mod link;
pub mod login;
pub mod presence;
pub mod session;
pub mod tls;
