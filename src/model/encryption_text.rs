//! What the conversation says about an end-to-end encrypted message that
//! cannot be read here, in words.

use crate::{core::message::UndecryptableReason, i18n::gettext};

/// One line for a message that could not be decrypted, and why.
pub fn undecryptable(reason: UndecryptableReason) -> String {
    match reason {
        UndecryptableReason::NotForThisDevice => {
            gettext("This encrypted message was not encrypted for this device.")
        }
        UndecryptableReason::NoSession => gettext(
            "This encrypted message cannot be read: there is no encrypted session with the sender’s device.",
        ),
        UndecryptableReason::Corrupted => {
            gettext("This encrypted message cannot be read: it was altered on the way.")
        }
        UndecryptableReason::UnknownKey => {
            gettext("This encrypted message cannot be read: it uses a key this device no longer has.")
        }
        UndecryptableReason::Untrusted => {
            gettext("This encrypted message comes from a device you do not trust.")
        }
        UndecryptableReason::Unreadable => {
            gettext("This encrypted message cannot be read: its encryption data is damaged.")
        }
        UndecryptableReason::UnknownSender => gettext(
            "This encrypted message cannot be read: the room did not show who sent it.",
        ),
        UndecryptableReason::NotSetUp => gettext(
            "This encrypted message cannot be read: encryption is not set up for this account on this computer.",
        ),
    }
}
