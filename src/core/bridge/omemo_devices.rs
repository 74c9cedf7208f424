//! What the UI shows of OMEMO devices: whose, which, their fingerprint and
//! the user's trust in them.

use xmpp_parsers::jid::BareJid;

pub use crate::core::omemo::device::Trust;

/// One device of a contact (or of our own account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmemoDeviceInfo {
    /// Whose device it is.
    pub owner: BareJid,
    /// Its device id.
    pub device: u32,
    /// Its identity key's fingerprint, in groups of eight hex digits;
    /// `None` while its key could not be read.
    pub fingerprint: Option<String>,
    /// The user's trust; `None` while its key is unknown.
    pub trust: Option<Trust>,
    /// This very device (this computer's Balcony).
    pub this_device: bool,
    /// When it last wrote to us (milliseconds since the epoch); `None`
    /// when it never did.
    pub last_seen_ms: Option<i64>,
}
