//! The OMEMO scenario of `ui_omemo` in German (LANGUAGE=de): the lock's
//! tooltips, the encrypted mark, the explanation of an unreadable
//! message and the keys dialog; screenshots light, dark and 360 px.

mod support;

#[gtk::test]
fn encrypted_conversations_speak_german() {
    // Before anything reads the locale.
    std::env::set_var("LANGUAGE", "de");
    support::ui::init();
    let seen = support::omemo_ui::run("omemo-de");
    assert!(
        seen.encrypted_meta.ends_with(" · verschlüsselt"),
        "{}",
        seen.encrypted_meta
    );
    assert_eq!(
        seen.undecryptable,
        "Diese verschlüsselte Nachricht wurde nicht für dieses Gerät verschlüsselt."
    );
    assert_eq!(
        seen.lock_tooltips,
        (
            "Nachrichten verschlüsseln".to_owned(),
            "Nachrichten sind verschlüsselt (OMEMO)".to_owned()
        )
    );
    assert_eq!(
        seen.trust_texts,
        (
            "Noch nicht überprüft (vertraut, bis Sie entscheiden)".to_owned(),
            "Überprüft".to_owned()
        )
    );
    assert_eq!(seen.last_seen, "Letzte Nachricht: Heute");
    assert!(
        seen.warning_text
            .starts_with("romeo@balcony.test hat ein neues Gerät, das Sie nicht überprüft haben."),
        "{}",
        seen.warning_text
    );
    assert!(
        seen.not_sent_meta.ends_with(" · Nicht gesendet"),
        "{}",
        seen.not_sent_meta
    );
}
