//! The XMPP side of the worker: connecting, logging in, the session loop,
//! and one module per XEP, registered in [`modules::REGISTERED`].

pub mod connector;
pub mod error;
pub mod link;
pub mod login;
pub mod modules;
pub mod presence;
pub mod session;
pub mod tls;
pub mod x0030_disco;
pub mod x0092_version;
pub mod x0115_caps;
pub mod x0199_ping;
pub mod x0202_time;
