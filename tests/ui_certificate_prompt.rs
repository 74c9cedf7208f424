//! The certificate prompt says why verification failed, for each problem
//! the TLS layer tells apart (tests/tls_refusals.rs shows that a real
//! Prosody produces each of them), with a screenshot of each.

mod support;

use adw::prelude::*;
use balcony::{
    core::xmpp::connection::tls::{sha256, CertificateProblem, UntrustedCertificate},
    ui::certificate_dialog,
};
use support::ui::{find, init, screenshot};

#[gtk::test]
fn the_prompt_names_each_problem() {
    init();
    let parent = adw::ApplicationWindow::builder()
        .default_width(600)
        .default_height(500)
        .build();
    parent.present();
    for (problem, words, name) in [
        (
            CertificateProblem::WrongName,
            "different server name",
            "certificate-wrong-name",
        ),
        (CertificateProblem::Expired, "has expired", "certificate-expired"),
        (
            CertificateProblem::UnknownIssuer,
            "not issued by an authority",
            "certificate-unknown-issuer",
        ),
        (
            CertificateProblem::ChangedSincePinned,
            "changed since you trusted it",
            "certificate-changed",
        ),
    ] {
        let cert = UntrustedCertificate {
            der: vec![1, 2, 3],
            sha256: sha256(&[1, 2, 3]),
            problem,
            reason: format!("{problem:?}"),
        };
        let dialog = certificate_dialog::build(&parent, "juliet@balcony.test", &cert);
        let body = dialog.body();
        assert!(body.contains(words), "{problem:?}: {body}");
        assert!(
            body.contains(&certificate_dialog::problem_text(problem)),
            "{body}"
        );
        assert_eq!(
            find::<gtk::Label>(&dialog, "fingerprint").label(),
            cert.fingerprint()
        );
        dialog.present();
        gtk::test_widget_wait_for_draw(&dialog);
        screenshot(&dialog, name);
        dialog.close();
    }
}
