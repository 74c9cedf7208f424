//! What remote control did, in words, for toasts and notifications.

use crate::{
    core::{
        bridge::{Availability, OwnPresence},
        remote_control::{RcCommand, RemoteAction},
    },
    i18n::{gettext, gettext_f, ngettext_f},
};

fn status_word(p: &Option<OwnPresence>) -> String {
    match p {
        None => gettext("Offline"),
        Some(p) if p.invisible => gettext("Invisible"),
        Some(p) => match p.availability {
            Availability::Available => gettext("Available"),
            Availability::Chat => gettext("Free for Chat"),
            Availability::Away => gettext("Away"),
            Availability::ExtendedAway => gettext("Extended Away"),
            Availability::DoNotDisturb => gettext("Do Not Disturb"),
        },
    }
}

/// One line naming what `device` did.
pub fn controlled(device: &str, action: &RemoteAction) -> String {
    match action {
        RemoteAction::StatusChanged(p) => gettext_f(
            "Status changed to {status} from your device “{device}”",
            &[("status", &status_word(p)), ("device", device)],
        ),
        RemoteAction::Forwarded { count, .. } => ngettext_f(
            "{n} unread message forwarded to your device “{device}”",
            "{n} unread messages forwarded to your device “{device}”",
            u32::try_from(*count).unwrap_or(u32::MAX),
            &[("n", &count.to_string()), ("device", device)],
        ),
        RemoteAction::OptionsChanged(_) => gettext_f(
            "Settings changed from your device “{device}”",
            &[("device", device)],
        ),
        RemoteAction::LeftRooms(rooms) => ngettext_f(
            "Left {n} group chat from your device “{device}”",
            "Left {n} group chats from your device “{device}”",
            u32::try_from(rooms.len()).unwrap_or(u32::MAX),
            &[("n", &rooms.len().to_string()), ("device", device)],
        ),
        RemoteAction::AcceptedFiles(names) => ngettext_f(
            "Downloading {n} file, accepted from your device “{device}”",
            "Downloading {n} files, accepted from your device “{device}”",
            u32::try_from(names.len()).unwrap_or(u32::MAX),
            &[("n", &names.len().to_string()), ("device", device)],
        ),
    }
}

/// A remote-control command's name on its button.
pub fn command_name(command: RcCommand) -> String {
    match command {
        RcCommand::SetStatus => gettext("Set Status"),
        RcCommand::Forward => gettext("Forward Unread Messages"),
        RcCommand::SetOptions => gettext("Settings"),
        RcCommand::AcceptFiles => gettext("Accept Files"),
        RcCommand::LeaveGroupchats => gettext("Leave Group Chats"),
    }
}

/// Its icon.
pub fn command_icon(command: RcCommand) -> &'static str {
    match command {
        RcCommand::SetStatus => "user-available-symbolic",
        RcCommand::Forward => "mail-forward-symbolic",
        RcCommand::SetOptions => "emblem-system-symbolic",
        RcCommand::AcceptFiles => "folder-download-symbolic",
        RcCommand::LeaveGroupchats => "system-log-out-symbolic",
    }
}
