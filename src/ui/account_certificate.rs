//! The certificate the account's server presented on this connection, in
//! the account's details: whom it was issued to and by, until when it is
//! valid, its SHA-256 fingerprint, and why Balcony trusts it.

use adw::prelude::*;

use crate::{core::xmpp::connection::tls::ServerCertificate, i18n::gettext};

/// An expander row for the certificate, asking until [`show`] fills it.
pub(super) fn row() -> adw::ExpanderRow {
    adw::ExpanderRow::builder()
        .title(gettext("Certificate"))
        .subtitle(gettext("Asking…"))
        .name("server-certificate")
        .build()
}

fn detail(title: &str, value: &str, name: &str) -> adw::ActionRow {
    let row = adw::ActionRow::builder()
        .title(title)
        .subtitle(value)
        .subtitle_lines(0)
        .name(name)
        .build();
    row.add_css_class("property");
    row
}

/// A button copying `text` to the clipboard.
fn copy_button(text: String) -> gtk::Button {
    let button = gtk::Button::builder()
        .icon_name("edit-copy-symbolic")
        .tooltip_text(gettext("Copy"))
        .valign(gtk::Align::Center)
        .css_classes(["flat"])
        .name("certificate-copy")
        .build();
    button.connect_clicked(move |b| b.clipboard().set_text(&text));
    button
}

/// Fills `row` with `certificate`, or says that there is none to show.
pub(super) fn show(row: &adw::ExpanderRow, certificate: Option<&ServerCertificate>) {
    let Some(certificate) = certificate else {
        row.set_subtitle(&gettext("Not known for this connection"));
        row.set_enable_expansion(false);
        return;
    };
    row.set_subtitle(&if certificate.pinned {
        gettext("Trusted by you: it could not be verified, and you chose to trust it")
    } else {
        gettext("Verified: signed by an authority this computer trusts")
    });
    let summary = certificate.summary();
    let unknown = gettext("Not stated");
    let until = summary
        .as_ref()
        .and_then(|s| s.not_after_unix)
        .and_then(|t| glib::DateTime::from_unix_local(t).ok())
        .and_then(|d| d.format("%x").ok())
        .map(|s| s.to_string());
    let (subject, issuer) = match &summary {
        Some(s) => (Some(s.subject.clone()), Some(s.issuer.clone())),
        None => (None, None),
    };
    row.add_row(&detail(
        &gettext("Issued To"),
        subject.as_deref().unwrap_or(&unknown),
        "certificate-subject",
    ));
    row.add_row(&detail(
        &gettext("Issued By"),
        issuer.as_deref().unwrap_or(&unknown),
        "certificate-issuer",
    ));
    row.add_row(&detail(
        &gettext("Valid Until"),
        until.as_deref().unwrap_or(&unknown),
        "certificate-until",
    ));
    let fingerprint = detail(
        &gettext("SHA-256 Fingerprint"),
        &certificate.fingerprint(),
        "certificate-fingerprint",
    );
    fingerprint.add_css_class("fingerprint-row");
    fingerprint.add_suffix(&copy_button(certificate.fingerprint()));
    row.add_row(&fingerprint);
}
