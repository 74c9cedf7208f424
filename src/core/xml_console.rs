//! The XML console's core: a connection's plaintext cut into its top-level
//! elements as they pass (stream headers, SASL, stanzas, nonzas), with
//! secrets masked before anything leaves the connection, and raw XML typed
//! by the user read into stanzas to send.
//!
//! The splitter is a small, bounded lexer, not a parser: it only tracks
//! tags, quotes and depth. Every element is capped in size, and a
//! connection watched from its middle is picked up at the next read that
//! starts with a tag.

use std::time::{SystemTime, UNIX_EPOCH};

use xmpp_parsers::{iq::Iq, message::Message, minidom::Element, presence::Presence, stanza::Stanza};

/// What stands in for a masked secret.
pub const MASK: &str = "•••";
/// The most of one element kept for the console, in bytes.
pub const MAX_ENTRY: usize = 256 * 1024;
/// The longest tag the splitter follows; longer, it waits to resync.
const MAX_TAG: usize = 64 * 1024;
/// The most raw XML the user may send at once, in bytes.
pub const MAX_RAW: usize = 64 * 1024;
/// The most stanzas sent at once.
pub const MAX_RAW_STANZAS: usize = 20;

/// Elements whose text is a secret or a proof of one: SASL (and SASL2)
/// exchanges, passwords (XEP-0077, XEP-0078) and tokens (FAST).
const MASKED_ELEMENTS: &[&str] = &[
    "auth",
    "authenticate",
    "response",
    "challenge",
    "success",
    "initial-response",
    "additional-data",
    "password",
    "digest",
    "hash",
    "token",
];
/// Attributes whose value is a secret (FAST tokens).
const MASKED_ATTRIBUTES: &[&str] = &["token", "password"];

/// Which way an element went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the server.
    Incoming,
    /// To the server.
    Outgoing,
}

/// What an element is, for the console's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// `<message/>`.
    Message,
    /// `<presence/>`.
    Presence,
    /// `<iq/>`.
    Iq,
    /// Everything else: stream headers, features, TLS, SASL, stream
    /// management and other nonzas.
    Stream,
}

/// One top-level element as it passed, secrets masked.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// Which way.
    pub direction: Direction,
    /// What it is.
    pub kind: EntryKind,
    /// Its XML as on the wire, secrets replaced by [`MASK`].
    pub xml: String,
    /// When, in milliseconds since 1970.
    pub unix_ms: i64,
}

impl std::fmt::Debug for ConsoleEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Stanzas carry people's messages: logs get the size only.
        f.debug_struct("ConsoleEntry")
            .field("direction", &self.direction)
            .field("kind", &self.kind)
            .field("bytes", &self.xml.len())
            .finish()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Cuts one direction of a connection into [`ConsoleEntry`]s.
#[derive(Debug)]
pub struct Splitter {
    direction: Direction,
    /// 0 outside a stream, 1 inside it between elements, more inside one.
    depth: u32,
    /// Whether the splitter knows where it is in the stream.
    synced: bool,
    in_tag: bool,
    quote: Option<u8>,
    tag: Vec<u8>,
    entry: Vec<u8>,
    kind: EntryKind,
    /// Bytes of the current element left out (over [`MAX_ENTRY`]).
    cut: usize,
    /// The depth from which text is masked, inside a secret element.
    mask_from: Option<u32>,
    /// A mask already stands for the current run of text.
    masked_run: bool,
    /// Whether secrets are masked (not for the login's own reading).
    masking: bool,
}

impl Splitter {
    /// A splitter for `direction`; `from_start` when it sees the
    /// connection's first byte, else it waits for a read that starts with
    /// a tag.
    pub fn new(direction: Direction, from_start: bool) -> Self {
        Self {
            direction,
            depth: 0,
            synced: from_start,
            in_tag: false,
            quote: None,
            tag: Vec::new(),
            entry: Vec::new(),
            kind: EntryKind::Stream,
            cut: 0,
            mask_from: None,
            masked_run: false,
            masking: true,
        }
    }

    /// A splitter that sees the connection's first byte and masks
    /// nothing: for the login, which reads the SASL data itself
    /// ([`crate::core::xmpp::connection::login_capture`]).
    pub fn unmasked(direction: Direction) -> Self {
        Self {
            masking: false,
            ..Self::new(direction, true)
        }
    }

    /// A splitter picked up between two elements of a stream, masking
    /// nothing: for the login's bind answer
    /// ([`crate::core::xmpp::connection::login_capture`]).
    pub fn unmasked_mid_stream(direction: Direction) -> Self {
        Self {
            masking: false,
            ..Self::new(direction, false)
        }
    }

    /// Whether the splitter stands between two top-level elements of a
    /// stream (nothing of an element read but not yet emitted).
    pub fn between_elements(&self) -> bool {
        self.synced && self.depth <= 1 && !self.in_tag
    }

    /// Takes in the next `bytes`, adding each element they complete to
    /// `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<ConsoleEntry>) {
        if !self.synced {
            // Picked up mid-stream: assume a read that starts with a start
            // tag starts an element inside the stream.
            if bytes.first() == Some(&b'<') && bytes.get(1) != Some(&b'/') {
                self.synced = true;
                self.depth = 1;
            } else {
                return;
            }
        }
        for &b in bytes {
            if !self.synced {
                return;
            }
            if self.in_tag {
                if self.tag.len() >= MAX_TAG {
                    self.lose_sync();
                    continue;
                }
                self.tag.push(b);
                match self.quote {
                    Some(q) if b == q => self.quote = None,
                    Some(_) => {}
                    None if b == b'"' || b == b'\'' => self.quote = Some(b),
                    None if b == b'>' => {
                        self.in_tag = false;
                        self.on_tag(out);
                    }
                    None => {}
                }
            } else if b == b'<' {
                self.in_tag = true;
                self.quote = None;
                self.tag.clear();
                self.tag.push(b);
            } else if self.depth >= 2 {
                if self.mask_from.is_some_and(|m| self.depth >= m) {
                    if !self.masked_run {
                        self.masked_run = true;
                        self.push(MASK.as_bytes());
                    }
                } else {
                    self.push(&[b]);
                }
            }
        }
    }

    fn lose_sync(&mut self) {
        self.synced = false;
        self.in_tag = false;
        self.tag.clear();
        self.entry.clear();
        self.cut = 0;
        self.mask_from = None;
        self.depth = 0;
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.entry.len() + bytes.len() > MAX_ENTRY {
            self.cut += bytes.len();
        } else {
            self.entry.extend_from_slice(bytes);
        }
    }

    fn emit(&mut self, xml: Vec<u8>, kind: EntryKind, out: &mut Vec<ConsoleEntry>) {
        let mut xml = String::from_utf8_lossy(&xml).into_owned();
        if self.cut > 0 {
            xml.push_str(&format!("\n<!-- {} more bytes left out -->", self.cut));
            self.cut = 0;
        }
        out.push(ConsoleEntry {
            direction: self.direction,
            kind,
            xml,
            unix_ms: now_ms(),
        });
    }

    fn on_tag(&mut self, out: &mut Vec<ConsoleEntry>) {
        let tag = std::mem::take(&mut self.tag);
        self.masked_run = false;
        if tag.starts_with(b"<?") || tag.starts_with(b"<!") {
            // The XML declaration (or a comment) between elements: skipped.
            if self.depth >= 2 {
                self.push(&tag);
            }
            return;
        }
        let closing = tag.get(1) == Some(&b'/');
        let empty = tag.ends_with(b"/>");
        let name = tag_name(&tag);
        let local = name.rsplit(|&c| c == b':').next().unwrap_or(name);
        if closing {
            if local == b"stream" {
                self.emit(tag, EntryKind::Stream, out);
                self.entry.clear();
                self.mask_from = None;
                self.depth = 0;
                return;
            }
            if self.depth <= 1 {
                // An end tag we did not see open: we are lost.
                self.lose_sync();
                return;
            }
            self.push(&tag);
            self.depth -= 1;
            if self.mask_from.is_some_and(|m| self.depth < m) {
                self.mask_from = None;
            }
            if self.depth == 1 {
                let entry = std::mem::take(&mut self.entry);
                self.emit(entry, self.kind, out);
            }
            return;
        }
        let tag = if self.masking {
            mask_attributes(&tag)
        } else {
            tag.clone()
        };
        if local == b"stream" && !empty {
            // A stream header, the first or a restart after TLS or SASL.
            self.entry.clear();
            self.mask_from = None;
            self.emit(tag, EntryKind::Stream, out);
            self.depth = 1;
            return;
        }
        if self.depth == 0 {
            self.emit(tag, EntryKind::Stream, out);
            return;
        }
        if self.depth == 1 {
            self.entry.clear();
            self.cut = 0;
            self.kind = match local {
                b"message" => EntryKind::Message,
                b"presence" => EntryKind::Presence,
                b"iq" => EntryKind::Iq,
                _ => EntryKind::Stream,
            };
        }
        self.push(&tag);
        if empty {
            if self.depth == 1 {
                let entry = std::mem::take(&mut self.entry);
                self.emit(entry, self.kind, out);
            }
            return;
        }
        self.depth += 1;
        if self.masking && self.mask_from.is_none() && secret_element(local, &tag) {
            self.mask_from = Some(self.depth);
        }
    }
}

/// The name in a tag: `<name …>` or `</name>`.
fn tag_name(tag: &[u8]) -> &[u8] {
    let start = if tag.get(1) == Some(&b'/') { 2 } else { 1 };
    let rest = tag.get(start..).unwrap_or_default();
    let end = rest
        .iter()
        .position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn secret_element(local: &[u8], tag: &[u8]) -> bool {
    if MASKED_ELEMENTS.iter().any(|m| m.as_bytes() == local) {
        return true;
    }
    // A data form's private field (a password in a registration form).
    let text = String::from_utf8_lossy(tag).to_ascii_lowercase();
    local == b"field" && (text.contains("text-private") || text.contains("password"))
}

/// `tag` with the values of secret attributes replaced by [`MASK`].
fn mask_attributes(tag: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len());
    let mut i = 0;
    while i < tag.len() {
        let b = tag[i];
        if b == b'"' || b == b'\'' {
            let end = tag[i + 1..]
                .iter()
                .position(|&c| c == b)
                .map_or(tag.len(), |p| i + 1 + p);
            let secret = attribute_before(&out).is_some_and(|name| {
                let local = name.rsplit(|&c| c == b':').next().unwrap_or(name);
                MASKED_ATTRIBUTES.iter().any(|m| m.as_bytes() == local)
            });
            out.push(b);
            if secret {
                out.extend_from_slice(MASK.as_bytes());
            } else {
                out.extend_from_slice(&tag[i + 1..end.min(tag.len())]);
            }
            if end < tag.len() {
                out.push(b);
            }
            i = end + 1;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The attribute name before `=` at the end of `written`.
fn attribute_before(written: &[u8]) -> Option<&[u8]> {
    let trimmed = written.trim_ascii_end();
    let before_eq = trimmed.strip_suffix(b"=")?.trim_ascii_end();
    let start = before_eq
        .iter()
        .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b':' | b'_' | b'-' | b'.')))
        .map_or(0, |p| p + 1);
    Some(&before_eq[start..])
}

/// Why raw XML could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawXmlError {
    /// Nothing but white space.
    #[error("there is nothing to send")]
    Empty,
    /// Over [`MAX_RAW`] bytes.
    #[error("the XML is longer than the console sends")]
    TooLong,
    /// Over [`MAX_RAW_STANZAS`] elements.
    #[error("more stanzas than the console sends at once")]
    TooMany,
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    NotXml(String),
    /// Well-formed, but not a stanza that can be sent.
    #[error("only <message/>, <presence/> and <iq/> can be sent, not {0}")]
    NotAStanza(String),
    /// A stanza whose content does not read as one.
    #[error("the <{0}/> is not valid: {1}")]
    Invalid(String, String),
}

/// Reads the user's raw XML into stanzas, in the `jabber:client`
/// namespace. An `<iq/>` without an `id` gets one.
pub fn parse_raw(text: &str) -> Result<Vec<Stanza>, RawXmlError> {
    if text.len() > MAX_RAW {
        return Err(RawXmlError::TooLong);
    }
    if text.trim().is_empty() {
        return Err(RawXmlError::Empty);
    }
    // The typed elements are read inside a wrapper that gives them the
    // stream's namespace; text that closes the wrapper is not XML we send.
    const WRAPPER: &str = "balcony-console-input";
    if text.contains(WRAPPER) {
        return Err(RawXmlError::NotXml(format!("unexpected <{WRAPPER}>")));
    }
    let wrapped: Element = format!("<{WRAPPER} xmlns='jabber:client'>{text}</{WRAPPER}>")
        .parse()
        .map_err(|e: xmpp_parsers::minidom::Error| RawXmlError::NotXml(e.to_string()))?;
    if wrapped.texts().any(|t| !t.trim().is_empty()) {
        return Err(RawXmlError::NotAStanza("text".into()));
    }
    if wrapped.children().count() > MAX_RAW_STANZAS {
        return Err(RawXmlError::TooMany);
    }
    let mut stanzas = Vec::new();
    for child in wrapped.children() {
        let mut child = child.clone();
        let name = child.name().to_owned();
        if child.ns() != xmpp_parsers::ns::JABBER_CLIENT {
            return Err(RawXmlError::NotAStanza(format!("<{name}/> in {}", child.ns())));
        }
        let invalid = |e: &dyn std::fmt::Display| RawXmlError::Invalid(name.clone(), e.to_string());
        let stanza = match name.as_str() {
            "iq" => {
                if child.attr("id").is_none() {
                    use xmpp_parsers::minidom::rxml::{Namespace, NcName};
                    if let Ok(id) = NcName::try_from("id") {
                        child.set_attr(Namespace::NONE, id, format!("console-{}", now_ms()));
                    }
                }
                Stanza::Iq(Iq::try_from(child).map_err(|e| invalid(&e))?)
            }
            "message" => Stanza::Message(Message::try_from(child).map_err(|e| invalid(&e))?),
            "presence" => Stanza::Presence(Presence::try_from(child).map_err(|e| invalid(&e))?),
            _ => return Err(RawXmlError::NotAStanza(format!("<{name}/>"))),
        };
        stanzas.push(stanza);
    }
    if stanzas.is_empty() {
        return Err(RawXmlError::Empty);
    }
    Ok(stanzas)
}

#[cfg(test)]
#[path = "xml_console_tests.rs"]
mod tests;
