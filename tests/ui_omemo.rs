//! OMEMO in the window (Xvfb, real clicks and keys): an encrypted message
//! marked as such, an unreadable one explained, the lock in the header
//! turned on by a click, an answer typed and read decrypted by the
//! contact, the choice remembered; the keys dialog with the contact's
//! device verified by a click; screenshots light, dark and 360 px.

mod support;

#[gtk::test]
fn encrypted_conversations_in_the_window() {
    support::ui::init();
    let seen = support::omemo_ui::run("omemo");
    assert!(
        seen.encrypted_meta.ends_with(" · encrypted"),
        "{}",
        seen.encrypted_meta
    );
    assert_eq!(
        seen.undecryptable,
        "This encrypted message was not encrypted for this device."
    );
    assert_eq!(
        seen.lock_tooltips,
        (
            "Encrypt Messages".to_owned(),
            "Messages Are Encrypted (OMEMO)".to_owned()
        )
    );
    assert_eq!(
        seen.trust_texts,
        (
            "Not verified yet (trusted until you decide)".to_owned(),
            "Verified".to_owned()
        )
    );
    assert_eq!(seen.last_seen, "Last message: Today");
    assert!(
        seen.warning_text
            .starts_with("romeo@balcony.test has a new device that you have not verified."),
        "{}",
        seen.warning_text
    );
    assert!(
        seen.not_sent_meta.ends_with(" · Not sent"),
        "{}",
        seen.not_sent_meta
    );
}
