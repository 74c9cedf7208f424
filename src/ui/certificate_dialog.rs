//! Asks whether to trust a server certificate that did not verify.

use adw::prelude::*;

use crate::{
    core::xmpp::connection::tls::{CertificateProblem, UntrustedCertificate},
    i18n::{gettext, gettext_f},
};

/// Why the certificate did not verify, in a sentence.
pub fn problem_text(problem: CertificateProblem) -> String {
    match problem {
        CertificateProblem::WrongName => gettext("The certificate was issued for a different server name."),
        CertificateProblem::Expired => gettext("The certificate has expired."),
        CertificateProblem::NotYetValid => gettext("The certificate is not valid yet. Check your computer’s clock."),
        CertificateProblem::UnknownIssuer => {
            gettext("The certificate was not issued by an authority this computer trusts.")
        }
        CertificateProblem::ChangedSincePinned => gettext(
            "The certificate has changed since you trusted it for this account, and the new one cannot be verified.",
        ),
        CertificateProblem::Other => gettext("The certificate is not valid."),
    }
}

/// Response id of the trust button.
pub const RESPONSE_TRUST: &str = "trust";

/// Builds the dialog; the caller connects `response`.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    account_jid: &str,
    cert: &UntrustedCertificate,
) -> adw::MessageDialog {
    let body = gettext_f(
        "The server for {account} presented a certificate that could not be verified. {problem} Someone may be intercepting the connection.\n\nOnly trust it if its SHA-256 fingerprint matches the one your server administrator gave you:",
        &[("account", account_jid), ("problem", &problem_text(cert.problem))],
    );
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("Untrusted Certificate"))
        .body(body)
        .build();
    let fingerprint = gtk::Label::builder()
        .label(cert.fingerprint())
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::Char)
        .selectable(true)
        .justify(gtk::Justification::Center)
        .css_classes(["fingerprint"])
        .name("fingerprint")
        .build();
    dialog.set_extra_child(Some(&fingerprint));
    dialog.add_responses(&[
        ("cancel", &gettext("_Cancel")),
        (RESPONSE_TRUST, &gettext("_Trust This Certificate")),
    ]);
    dialog.set_response_appearance(RESPONSE_TRUST, adw::ResponseAppearance::Destructive);
    dialog.set_default_response(Some("cancel"));
    dialog.set_close_response("cancel");
    dialog
}
