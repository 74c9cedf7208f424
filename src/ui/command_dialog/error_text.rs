//! Ad-hoc command errors (XEP-0050 §4.6), explained in the user's language.

use crate::{core::xmpp::modules::x0050_commands::CommandError, i18n::gettext, i18n::gettext_f};

/// A sentence saying what went wrong and, where it helps, what to do.
pub fn error_text(error: &CommandError) -> String {
    match error {
        CommandError::MalformedAction => gettext("The device did not understand the requested step."),
        CommandError::BadAction => gettext("This step is not possible at this stage of the command."),
        CommandError::BadSessionId => {
            gettext("The device does not know this command session. Start the command again.")
        }
        CommandError::SessionExpired => {
            gettext("The command session has expired because it waited too long. Start the command again.")
        }
        CommandError::BadPayload => {
            gettext("The device refused the submitted data. Check the fields and try again.")
        }
        CommandError::BadLocale => gettext("The device cannot answer in your language."),
        CommandError::Forbidden => gettext("You are not allowed to run this command."),
        CommandError::ItemNotFound => gettext("This command does not exist (any more)."),
        CommandError::FeatureNotImplemented => gettext("This address does not offer commands."),
        CommandError::Unavailable => gettext("This address is not online, or does not offer this command."),
        CommandError::Timeout => gettext("The device did not answer in time."),
        CommandError::Offline => gettext("Your account is not connected."),
        CommandError::Refused(detail) => gettext_f("The device refused: {detail}", &[("detail", detail)]),
        CommandError::Malformed(detail) => gettext_f(
            "The answer could not be understood: {detail}",
            &[("detail", detail)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_error_has_its_own_explanation() {
        let errors = [
            CommandError::MalformedAction,
            CommandError::BadAction,
            CommandError::BadSessionId,
            CommandError::SessionExpired,
            CommandError::BadPayload,
            CommandError::BadLocale,
            CommandError::Forbidden,
            CommandError::ItemNotFound,
            CommandError::FeatureNotImplemented,
            CommandError::Unavailable,
            CommandError::Timeout,
            CommandError::Offline,
            CommandError::Refused("no".into()),
            CommandError::Malformed("odd".into()),
        ];
        let texts: std::collections::BTreeSet<String> = errors.iter().map(error_text).collect();
        assert_eq!(texts.len(), errors.len(), "{texts:?}");
        assert!(texts.iter().all(|t| t.ends_with('.') || t.contains(": ")));
        assert!(error_text(&CommandError::Refused("Disk full".into())).contains("Disk full"));
    }
}
