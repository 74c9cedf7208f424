//! Asks whether someone who asked to see our presence may see it.

use adw::prelude::*;

use crate::i18n::{gettext, gettext_f};

/// Response id of the allow button.
pub const RESPONSE_ALLOW: &str = "allow";
/// Response id of the deny button.
pub const RESPONSE_DENY: &str = "deny";

/// Response id of the "ask to see theirs too" button.
pub const RESPONSE_ASK_BACK: &str = "ask-back";

/// After allowing `from`, asks whether to ask to see their presence too
/// (as Dino and Conversations do); the caller connects `response`.
pub fn build_ask_back(parent: &impl IsA<gtk::Window>, from: &str) -> adw::MessageDialog {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("See When They Are Online Too?"))
        .body(gettext_f(
            "{contact} can now see when you are online. Ask to see theirs as well?",
            &[("contact", from)],
        ))
        .build();
    dialog.set_widget_name("ask-back-dialog");
    dialog.add_responses(&[
        ("not-now", &gettext("_Not Now")),
        (RESPONSE_ASK_BACK, &gettext("_Ask")),
    ]);
    dialog.set_response_appearance(RESPONSE_ASK_BACK, adw::ResponseAppearance::Suggested);
    dialog.set_default_response(Some(RESPONSE_ASK_BACK));
    dialog.set_close_response("not-now");
    dialog
}

/// What the dialog says about the requester's Kontalk key: its
/// fingerprint grouped for reading aloud, or why it is not trusted (both
/// empty when the request carried none).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyShown<'a> {
    /// The fingerprint, grouped.
    pub fingerprint: &'a str,
    /// Why the key is not trusted.
    pub problem: &'a str,
}

/// Builds the dialog; the caller connects `response`. Closing it decides
/// nothing: the request stays with the server and comes back next login.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    from: &str,
    message: &str,
    key: KeyShown<'_>,
) -> adw::MessageDialog {
    let mut body = gettext_f(
        "{contact} would like to see when you are online. Allow it only if you know who this is.",
        &[("contact", from)],
    );
    if !message.trim().is_empty() {
        body.push_str("\n\n");
        body.push_str(&gettext_f(
            "Their message: “{message}”",
            &[("message", message.trim())],
        ));
    }
    if !key.fingerprint.is_empty() {
        // Two lines of five groups, as GnuPG shows them.
        let groups: Vec<&str> = key.fingerprint.split_whitespace().collect();
        let lines: Vec<String> = groups.chunks(5).map(|c| c.join(" ")).collect();
        let fingerprint = lines.join("\n");
        body.push_str("\n\n");
        // Translators: {fingerprint} is ten groups of four characters, to compare aloud.
        body.push_str(&gettext_f(
            "Their public key’s fingerprint, to compare with them:\n{fingerprint}",
            &[("fingerprint", &fingerprint)],
        ));
    }
    if !key.problem.is_empty() {
        body.push_str("\n\n");
        body.push_str(key.problem);
    }
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("Contact Request"))
        .body(body)
        .build();
    dialog.add_responses(&[
        ("later", &gettext("_Later")),
        (RESPONSE_DENY, &gettext("_Deny")),
        (RESPONSE_ALLOW, &gettext("_Allow")),
    ]);
    dialog.set_response_appearance(RESPONSE_DENY, adw::ResponseAppearance::Destructive);
    dialog.set_response_appearance(RESPONSE_ALLOW, adw::ResponseAppearance::Suggested);
    dialog.set_default_response(Some("later"));
    dialog.set_close_response("later");
    dialog
}
