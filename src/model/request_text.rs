//! Why something the user asked for failed, in words, with the server's
//! own text where it gave one.

use crate::{
    core::bridge::RequestKind,
    i18n::{gettext, gettext_f},
};

/// One line for a failed request of `kind`, with `detail` from the server.
pub fn failed(kind: RequestKind, detail: &str) -> String {
    let detail = detail.trim();
    let with = |msgid: &str| gettext_f(msgid, &[("detail", detail)]);
    match kind {
        RequestKind::Offline => gettext("You are offline. Connect first, then try again."),
        RequestKind::Roster => with("Your contacts could not be fetched: {detail}"),
        RequestKind::SetContact => with("The contact could not be added or changed: {detail}"),
        RequestKind::RemoveContact => with("The contact could not be removed: {detail}"),
        RequestKind::Blocking => with("Blocking could not be changed: {detail}"),
        RequestKind::History => with("Older messages could not be loaded: {detail}"),
        RequestKind::Carbons => with("Messages from your other devices may not show here: {detail}"),
        RequestKind::Message => with("A message could not be sent: {detail}"),
        RequestKind::Bookmarks => with("Your bookmarks could not be changed: {detail}"),
        RequestKind::Invisibility => with("Could not change who sees you: {detail}"),
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
