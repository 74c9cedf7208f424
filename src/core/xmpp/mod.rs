//! The XMPP side of the worker, in three parts:
//!
//! - [`connection`]: TCP, TLS, SASL and the reconnecting link; what a
//!   stream needs before it carries stanzas.
//! - [`session`]: the session loop, routing in and out, IQ tracking, the
//!   outbox, the after-login steps and the context the modules share.
//! - [`modules`]: the protocol modules, one file per XEP, and the one
//!   explicit list ([`modules::REGISTERED`]) that says what we announce
//!   and in which order incoming stanzas reach them.

pub mod connection;
pub mod modules;
pub mod session;
