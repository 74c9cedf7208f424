//! One account's session: the loop that owns the stream, routing in
//! ([`incoming`]) and out ([`outgoing`]), the outbox, the steps after login,
//! the requests the UI makes of a running session, and the context that
//! every flow and module shares.

pub mod after_login;
pub mod context;
pub mod file_transfers;
pub mod incoming;
pub mod iq_tracker;
pub mod outbox;
pub mod outgoing;
pub mod requests;
pub mod session_loop;
