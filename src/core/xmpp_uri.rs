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
    let mut parts = query.unwrap_or("").split(';');
    let verb = decode(parts.next().unwrap_or(""))?;
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for pair in parts.take(32) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(decode(k)?, decode(v)?);
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(u: &XmppUri) -> String {
        u.target.to_string()
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
