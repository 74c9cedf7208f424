//! Getting a stream that can carry stanzas: the connector (TCP, STARTTLS or
//! direct TLS, with the account's trust), the TLS verifier, SASL login,
//! the stream's depth limit, the reconnecting link, and why a connection
//! failed, and the XML console's tap; SASL2 (XEP-0388), Bind2 (XEP-0386)
//! and FAST tokens (XEP-0484) where the server offers them, read through the login's
//! capture. Also the registration flow, which connects without an account.

pub mod connector;
pub mod depth_limit;
pub mod error;
pub mod link;
pub mod login;
pub mod login_capture;
pub mod registration_flow;
pub mod stream_tap;
pub mod tls;
pub mod x0386_bind2;
pub mod x0388_sasl2;
pub mod x0484_fast;
