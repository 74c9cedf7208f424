//! What may be logged. Raw XML never is: tokio-xmpp logs every stanza it
//! sends and receives at trace level (SASL exchanges, room passwords in
//! join presences, form submissions, message text), so its stream modules
//! are switched off whatever the user's filter says; and its stanza
//! stream, which prints whole stanzas at debug and trace level (a message
//! discarded after the stream closed, with its text), is kept at info.

use tracing_subscriber::EnvFilter;

/// The modules of tokio-xmpp that log raw XML.
const RAW_XML_TARGETS: &[&str] = &[
    "tokio_xmpp::xmlstream",
    "tokio_xmpp::xmlstream::capture",
    "tokio_xmpp::xmlstream::common",
    "tokio_xmpp::xmlstream::initiator",
    "tokio_xmpp::xmlstream::responder",
    "tokio_xmpp::xmlstream::xmpp",
];

/// The modules of tokio-xmpp that print whole stanzas below info level.
const STANZA_TARGETS: &[&str] = &[
    "tokio_xmpp",
    "tokio_xmpp::stanzastream",
    "tokio_xmpp::stanzastream::connected",
    "tokio_xmpp::stanzastream::negotiation",
    "tokio_xmpp::stanzastream::queue",
    "tokio_xmpp::stanzastream::stream_management",
    "tokio_xmpp::stanzastream::worker",
];

/// The filter for `spec` (`BALCONY_LOG`'s syntax; `warn` when absent or
/// unreadable), with raw XML switched off. Directives added last replace
/// the user's for the same target, and no target is more specific than a
/// module, so nothing can switch them back on.
pub fn filter(spec: Option<&str>) -> EnvFilter {
    let mut filter = spec
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new("warn"));
    for target in RAW_XML_TARGETS {
        if let Ok(directive) = format!("{target}=off").parse() {
            filter = filter.add_directive(directive);
        }
    }
    for target in STANZA_TARGETS {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Logs to standard error with the filter `BALCONY_LOG` asks for.
pub fn init() {
    let spec = std::env::var("BALCONY_LOG").ok();
    tracing_subscriber::fmt()
        .with_env_filter(filter(spec.as_deref()))
        .with_writer(std::io::stderr)
        .init();
}
