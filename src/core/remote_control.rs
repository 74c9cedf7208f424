//! Remote control of clients (XEP-0146) as plain data shared by the worker
//! and the UI: the commands, the options set-options changes, what a
//! device did to us, and what we know of our other devices.

use xmpp_parsers::jid::FullJid;

use crate::core::bridge::OwnPresence;

/// The namespace of the forms (`FORM_TYPE`) and the prefix of the nodes.
pub const NS: &str = "http://jabber.org/protocol/rc";

/// The commands of XEP-0146 that Balcony answers and offers buttons for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RcCommand {
    /// §4.1 Change Status.
    SetStatus,
    /// §4.2 Forward Unread Messages.
    Forward,
    /// §4.3 Change Run-Time Options.
    SetOptions,
    /// §4.4 Accept Pending File Transfer Requests.
    AcceptFiles,
    /// §4.5 Leave Groupchats.
    LeaveGroupchats,
}

impl RcCommand {
    /// Every command, in the order buttons show them.
    pub const ALL: [Self; 5] = [
        Self::SetStatus,
        Self::Forward,
        Self::SetOptions,
        Self::AcceptFiles,
        Self::LeaveGroupchats,
    ];

    /// The name after `#` in the node.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::SetStatus => "set-status",
            Self::Forward => "forward",
            Self::SetOptions => "set-options",
            Self::AcceptFiles => "accept-files",
            Self::LeaveGroupchats => "leave-groupchats",
        }
    }

    /// The command's node.
    pub fn node(self) -> String {
        format!("{NS}#{}", self.short_name())
    }

    /// The command a node names, including other clients' variants
    /// (Psi's `leave-muc`).
    pub fn from_node(node: &str) -> Option<Self> {
        let name = node.strip_prefix(NS)?.strip_prefix('#')?;
        match name {
            "leave-muc" => Some(Self::LeaveGroupchats),
            _ => Self::ALL.into_iter().find(|c| c.short_name() == name),
        }
    }
}

/// The run-time options of §4.3, as Balcony keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RcOptions {
    /// Play the alert sound with notifications.
    pub sounds: bool,
    /// Go offline when the desktop has been idle a while.
    pub auto_offline: bool,
    /// Open a new conversation as its messages arrive.
    pub auto_msg: bool,
    /// Approve contact requests without asking.
    pub auto_auth: bool,
    /// Download incoming files without asking.
    pub auto_files: bool,
}

impl Default for RcOptions {
    /// The defaults of the GSettings schema.
    fn default() -> Self {
        RcOptions {
            sounds: true,
            auto_offline: false,
            auto_msg: false,
            auto_auth: false,
            auto_files: false,
        }
    }
}

/// What another device of ours did here through remote control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteAction {
    /// Set our presence (or took us offline: `None`).
    StatusChanged(Option<OwnPresence>),
    /// Took `count` unread messages over, from these conversations.
    Forwarded {
        /// How many messages.
        count: usize,
        /// The conversations now read.
        peers: Vec<xmpp_parsers::jid::BareJid>,
    },
    /// Changed the options to these.
    OptionsChanged(RcOptions),
    /// Made us leave these rooms.
    LeftRooms(Vec<xmpp_parsers::jid::BareJid>),
    /// Accepted these pending files (by name); they are downloading.
    AcceptedFiles(Vec<String>),
}

/// One of our account's other online resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its address.
    pub jid: FullJid,
    /// Its availability name (`available`, `away`, …).
    pub show: String,
    /// Its status message.
    pub status: String,
    /// Its client's name (XEP-0092, else the disco identity), once known.
    pub client: Option<String>,
    /// Its client's version, once known.
    pub version: Option<String>,
    /// Its identity type (`pc`, `phone`, `web`, `bot`, …), once known.
    pub kind: Option<String>,
    /// When it was last active (ms since the epoch): its XEP-0319 idle
    /// time, else when its presence last changed.
    pub last_active_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_round_trip_and_variants_are_recognised() {
        for c in RcCommand::ALL {
            assert_eq!(RcCommand::from_node(&c.node()), Some(c));
        }
        assert_eq!(
            RcCommand::from_node("http://jabber.org/protocol/rc#leave-muc"),
            Some(RcCommand::LeaveGroupchats)
        );
        assert_eq!(RcCommand::from_node("http://jabber.org/protocol/rc#dance"), None);
        assert_eq!(RcCommand::from_node("urn:example#set-status"), None);
    }
}
