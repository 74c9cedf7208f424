//! Getting a stream that can carry stanzas: the connector (TCP, STARTTLS or
//! direct TLS, with the account's trust), the TLS verifier, SASL login,
//! the stream's depth limit, the reconnecting link, and why a connection
//! failed, and the XML console's tap. Also the registration flow, which connects without an account.

pub mod connector;
pub mod depth_limit;
pub mod error;
pub mod link;
pub mod login;
pub mod registration_flow;
pub mod stream_tap;
pub mod tls;
