//! Room outcomes in words, for people.

use crate::{
    core::rooms::RoomJoinError,
    i18n::{gettext, gettext_f},
};

/// Why a join failed.
pub fn join_error(error: &RoomJoinError) -> String {
    match error {
        RoomJoinError::NicknameConflict { nick } => {
            gettext_f("The nickname “{nick}” is taken in this room.", &[("nick", nick)])
        }
        RoomJoinError::PasswordRequired => gettext("This room needs a password."),
        RoomJoinError::Banned => gettext("You are banned from this room."),
        RoomJoinError::MembersOnly => gettext("Only members may enter this room."),
        RoomJoinError::Full => gettext("This room is full."),
        RoomJoinError::NotFound => gettext("This room does not exist."),
        RoomJoinError::Other(detail) => gettext_f("The room refused: {detail}", &[("detail", detail)]),
    }
}
