//! The XMPP side of the worker: connecting, logging in, the session loop,
//! and one module per XEP, registered in [`modules::REGISTERED`].

pub mod after_login;
pub mod chat;
pub mod connector;
pub mod contact_presence;
pub mod context;
pub mod error;
pub mod incoming;
pub mod link;
pub mod login;
pub mod modules;
pub mod outbox;
pub mod outgoing;
pub mod presence;
pub mod roster;
pub mod session;
pub mod session_requests;
pub mod tls;
pub mod x0030_disco;
pub mod x0045_muc;
pub mod x0045_muc_messages;
pub mod x0085_chat_states;
pub mod x0092_version;
pub mod x0115_caps;
pub mod x0184_receipts;
pub mod x0191_blocking;
pub mod x0199_ping;
pub mod x0202_time;
pub mod x0280_carbons;
pub mod x0308_corrections;
pub mod x0313_mam;
pub mod x0333_markers;
pub mod x0352_csi;
pub mod x0359_stanza_ids;
pub mod x0402_bookmarks;
