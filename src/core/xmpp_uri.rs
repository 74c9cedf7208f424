//! `xmpp:` URIs and IRIs (RFC 5122, XEP-0147 query actions): what a link
//! asks Balcony to do.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use xmpp_parsers::jid::{BareJid, Jid};

/// Longest URI read, in bytes.
pub const MAX_URI: usize = 4096;

/// What the link asks for (XEP-0147 §3, the actions Balcony supports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriAction {
    /// No action: open (or start) the conversation.
    Open,
    /// `?message`: open the conversation with `body` in the composer.
    Message {
        /// Text to put in the composer.
        body: Option<String>,
    },
    /// `?join`: join the room, with its `password` if given.
    Join {
        /// The room's password.
        password: Option<String>,
    },
    /// `?roster` or `?subscribe`: add the contact (with `name`).
    AddContact {
        /// A name for the contact.
        name: Option<String>,
    },
    /// `?command`: run the ad-hoc command `node` of the entity.
    Command {
        /// The command's node (none: list the entity's commands).
        node: Option<String>,
    },
    /// `?register`: create an account on the server.
    Register,
}

/// A parsed `xmpp:` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmppUri {
    /// The account the link says to use (`xmpp://account/…`), if any.
    pub account: Option<BareJid>,
    /// The entity the link is about.
    pub target: Jid,
    /// What to do.
    pub action: UriAction,
    /// OMEMO fingerprints to verify (`omemo-sid-<device>=<hex>`, as
    /// Conversations shares them): device ids with 64 lowercase hex
    /// digits.
    pub fingerprints: Vec<(u32, String)>,
}

/// Why a link could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Not an `xmpp:` URI.
    #[error("not an xmpp: link")]
    NotXmpp,
    /// Longer than [`MAX_URI`].
    #[error("the link is too long")]
    TooLong,
    /// Percent-encoding that is not UTF-8.
    #[error("the link is not valid text")]
    BadEncoding,
    /// No address, or one that is not an XMPP address.
    #[error("the link's address is not valid: {0}")]
    BadAddress(String),
    /// An `omemo-sid-…` fingerprint that is not a device id and 64 hex
    /// digits.
    #[error("the link's encryption fingerprint is damaged")]
    BadFingerprint,
    /// An action Balcony does not know.
    #[error("Balcony does not know what “{0}” links do")]
    UnknownAction(String),
}

fn decode(s: &str) -> Result<String, UriError> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| UriError::BadEncoding)
}

/// Reads an `xmpp:` link.
pub fn parse(uri: &str) -> Result<XmppUri, UriError> {
    if uri.len() > MAX_URI {
        return Err(UriError::TooLong);
    }
    let rest = uri
        .strip_prefix("xmpp:")
        .or_else(|| uri.strip_prefix("XMPP:"))
        .ok_or(UriError::NotXmpp)?;
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    let hier = hier.split('#').next().unwrap_or("");
    // xmpp://account@host/target: the account to use, then the target.
    let (account, path) = match hier.strip_prefix("//") {
        Some(auth_and_path) => {
            let (auth, path) = auth_and_path.split_once('/').unwrap_or((auth_and_path, ""));
            let account = decode(auth)?
                .parse::<BareJid>()
                .map_err(|e| UriError::BadAddress(e.to_string()))?;
            (Some(account), path)
        }
        None => (None, hier),
    };
    let target = decode(path)?;
    if target.is_empty() {
        return Err(UriError::BadAddress("no address".into()));
    }
    let target = target
        .parse::<Jid>()
        .map_err(|e| UriError::BadAddress(e.to_string()))?;
    let mut parts = query.unwrap_or("").split(';').peekable();
    // Conversations writes `?omemo-sid-…=…` with no action before it.
    let verb = match parts.peek() {
        Some(first) if first.contains('=') => String::new(),
        _ => decode(parts.next().unwrap_or(""))?,
    };
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    let mut fingerprints = Vec::new();
    for pair in parts.take(32) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        match k.strip_prefix("omemo-sid-") {
            Some(device) => fingerprints.push(fingerprint(device, &v)?),
            None => {
                params.insert(k, v);
            }
        }
    }
    let param = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
    let action = match verb.as_str() {
        "" => UriAction::Open,
        "message" => UriAction::Message { body: param("body") },
        "join" => UriAction::Join {
            password: param("password"),
        },
        "roster" | "subscribe" => UriAction::AddContact { name: param("name") },
        "command" => UriAction::Command { node: param("node") },
        "register" => UriAction::Register,
        other => return Err(UriError::UnknownAction(other.chars().take(32).collect())),
    };
    Ok(XmppUri {
        account,
        target,
        action,
        fingerprints,
    })
}

/// One `omemo-sid-<device>=<hex>` pair: the device id and its identity
/// key in 64 hex digits (a legacy `05` prefix is dropped).
fn fingerprint(device: &str, hex: &str) -> Result<(u32, String), UriError> {
    let device = device.parse::<u32>().map_err(|_| UriError::BadFingerprint)?;
    let hex = hex.trim().to_ascii_lowercase();
    let hex = match hex.len() {
        66 if hex.starts_with("05") => hex[2..].to_owned(),
        _ => hex,
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(UriError::BadFingerprint);
    }
    Ok((device, hex))
}

/// The link that lets a contact verify our device `device` with
/// fingerprint `hex` (as Conversations shares it).
pub fn verification_link(account: &BareJid, device: u32, hex: &str) -> String {
    format!("xmpp:{account}?omemo-sid-{device}={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(u: &XmppUri) -> String {
        u.target.to_string()
    }

    #[test]
    fn omemo_fingerprints_are_read_as_conversations_writes_them() {
        let fp = "ab".repeat(32);
        let link = parse(&format!(
            "xmpp:romeo@montague.lit?omemo-sid-1234={fp};omemo-sid-77=05{}",
            "CD".repeat(32)
        ))
        .expect("link");
        assert_eq!(link.action, UriAction::Open);
        assert_eq!(link.fingerprints, vec![(1234, fp.clone()), (77, "cd".repeat(32))]);
        let message = parse(&format!("xmpp:romeo@montague.lit?message;omemo-sid-9={fp}")).expect("message");
        assert_eq!(message.fingerprints.len(), 1);
        for bad in [
            "omemo-sid-x=00",
            "omemo-sid-1=00",
            &format!("omemo-sid-1={}", "g".repeat(64)),
        ] {
            assert_eq!(
                parse(&format!("xmpp:romeo@montague.lit?{bad}")),
                Err(UriError::BadFingerprint),
                "{bad}"
            );
        }
        let own: BareJid = "juliet@capulet.lit".parse().expect("jid");
        let shared = verification_link(&own, 42, &fp);
        assert_eq!(parse(&shared).expect("ours").fingerprints, vec![(42, fp)]);
    }

    #[test]
    fn each_action_is_read() {
        let open = parse("xmpp:romeo@montague.lit").expect("open");
        assert_eq!(
            (target(&open), open.action),
            ("romeo@montague.lit".into(), UriAction::Open)
        );
        let message =
            parse("xmpp:romeo@montague.lit?message;body=Art%20thou%20not%20Romeo%3F").expect("message");
        assert_eq!(
            message.action,
            UriAction::Message {
                body: Some("Art thou not Romeo?".into())
            }
        );
        let join = parse("xmpp:darkcave@chat.shakespeare.lit?join;password=cauldronburn").expect("join");
        assert_eq!(
            join.action,
            UriAction::Join {
                password: Some("cauldronburn".into())
            }
        );
        let roster = parse("xmpp:romeo@montague.lit?roster;name=Romeo%20Montague").expect("roster");
        assert_eq!(
            roster.action,
            UriAction::AddContact {
                name: Some("Romeo Montague".into())
            }
        );
        assert_eq!(
            parse("xmpp:romeo@montague.lit?subscribe")
                .expect("subscribe")
                .action,
            UriAction::AddContact { name: None }
        );
        let command = parse("xmpp:montague.lit?command;node=ping").expect("command");
        assert_eq!(
            (target(&command), command.action),
            (
                "montague.lit".into(),
                UriAction::Command {
                    node: Some("ping".into())
                }
            )
        );
        assert_eq!(
            parse("xmpp:montague.lit?register").expect("register").action,
            UriAction::Register
        );
        let with_account = parse("xmpp://juliet@capulet.lit/romeo@montague.lit?message").expect("account");
        assert_eq!(
            with_account.account.as_ref().map(|a| a.to_string()).as_deref(),
            Some("juliet@capulet.lit")
        );
        assert_eq!(target(&with_account), "romeo@montague.lit");
        let non_ascii = parse("xmpp:ju%C3%B1o@example.org").expect("iri");
        assert_eq!(target(&non_ascii), "juño@example.org");
    }

    #[test]
    fn malformed_links_are_refused_with_reasons() {
        assert_eq!(parse("https://example.org"), Err(UriError::NotXmpp));
        assert_eq!(parse("xmpp:"), Err(UriError::BadAddress("no address".into())));
        assert!(matches!(parse("xmpp:@@@"), Err(UriError::BadAddress(_))));
        assert_eq!(parse("xmpp:a@b?message;body=%FF"), Err(UriError::BadEncoding));
        assert_eq!(
            parse("xmpp:a@b?dance"),
            Err(UriError::UnknownAction("dance".into()))
        );
        assert_eq!(
            parse(&format!("xmpp:a@b?message;body={}", "x".repeat(MAX_URI))),
            Err(UriError::TooLong)
        );
        assert!(matches!(
            parse("xmpp://not an account/a@b"),
            Err(UriError::BadAddress(_))
        ));
    }
}
