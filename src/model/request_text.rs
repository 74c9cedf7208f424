//! Why something the user asked for failed, in words, with the server's
//! own text where it gave one.

use crate::{
    core::bridge::RequestKind,
    i18n::{gettext, gettext_f},
};

/// One line for a failed request of `kind`, with `detail` from the server.
pub fn failed(kind: RequestKind, detail: &str) -> String {
    let detail = detail.trim();
    let d = [("detail", detail)];
    match kind {
        RequestKind::Offline => gettext("You are offline. Connect first, then try again."),
        RequestKind::Roster => gettext_f("Your contacts could not be fetched: {detail}", &d),
        RequestKind::SetContact => gettext_f("The contact could not be added or changed: {detail}", &d),
        RequestKind::RemoveContact => gettext_f("The contact could not be removed: {detail}", &d),
        RequestKind::Blocking => gettext_f("Blocking could not be changed: {detail}", &d),
        RequestKind::History => gettext_f("Older messages could not be loaded: {detail}", &d),
        RequestKind::Carbons => gettext_f("Messages from your other devices may not show here: {detail}", &d),
        RequestKind::Message => gettext_f("A message could not be sent: {detail}", &d),
        RequestKind::Bookmarks => gettext_f("Your bookmarks could not be changed: {detail}", &d),
        RequestKind::Invisibility => gettext_f("Could not change who sees you: {detail}", &d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_sentence_with_the_servers_words() {
        let kinds = [
            RequestKind::Roster,
            RequestKind::SetContact,
            RequestKind::RemoveContact,
            RequestKind::Blocking,
            RequestKind::History,
            RequestKind::Carbons,
            RequestKind::Message,
            RequestKind::Bookmarks,
            RequestKind::Invisibility,
        ];
        let texts: Vec<String> = kinds.iter().map(|k| failed(*k, "not-allowed")).collect();
        for t in &texts {
            assert!(t.contains("not-allowed"), "{t}");
        }
        let mut unique = texts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), texts.len());
        assert!(!failed(RequestKind::Offline, "").is_empty());
    }
}
