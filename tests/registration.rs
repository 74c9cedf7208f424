//! In-band registration (XEP-0077) through the worker, by the server's data
//! form, checked by logging in to the new account.

mod support;

use std::time::Duration;

use balcony::core::{
    account::TlsMode,
    bridge::{Command, Event},
    credentials::Password,
    xmpp::modules::x0077_registration::{Answers, RegistrationError, RegistrationForm},
};
use support::{accounts::config, events::wait_for, peer::Peer, prosody::Prosody};

fn answers(username: &str, email: &str) -> Answers {
    Answers {
        values: [
            ("username".to_owned(), username.to_owned()),
            ("email".to_owned(), email.to_owned()),
        ]
        .into_iter()
        .collect(),
        password: Some(Password::new("queen-mab")),
    }
}

async fn failure(events: &async_channel::Receiver<Event>) -> RegistrationError {
    wait_for(events, Duration::from_secs(15), |ev| match ev {
        Event::RegistrationFailed { error, .. } => Some(error.clone()),
        Event::Registered { .. } => panic!("registered unexpectedly"),
        _ => None,
    })
    .await
    .0
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_account_is_registered_by_data_form() {
    let server = Prosody::start_with(
        &["register"],
        "allow_registration = true\nadditional_registration_fields = { \"email+\" }\n",
    );
    server.register("juliet", "pw-j");
    let worker = support::accounts::autoconnect_worker(support::profiles::fresh("registration"));
    let events = worker.events();
    let cfg = config(
        "mercutio",
        &server.c2s_addr(),
        TlsMode::StartTls,
        Some(&server.ca_pem),
    );
    let jid = cfg.jid.clone();
    worker.send(Command::StartRegistration { config: cfg });
    let form: RegistrationForm = wait_for(&events, Duration::from_secs(15), |ev| match ev {
        Event::RegistrationForm { form, .. } => Some(form.clone()),
        Event::RegistrationFailed { error, .. } => panic!("no form: {error}"),
        _ => None,
    })
    .await
    .0;
    assert!(form.is_data_form(), "Prosody offers a data form");
    let fields: Vec<(&str, bool, bool)> = form
        .fields
        .iter()
        .map(|f| (f.var.as_str(), f.required, f.private))
        .collect();
    assert_eq!(
        fields,
        [
            ("username", true, false),
            ("password", true, true),
            ("email", true, false)
        ]
    );

    // A required field left empty is named before anything is sent.
    let submit = |answers: Answers| Command::SubmitRegistration {
        jid: jid.clone(),
        answers,
    };
    worker.send(submit(answers("mercutio", "")));
    assert_eq!(
        failure(&events).await,
        RegistrationError::MissingField("Email".into())
    );
    // A taken username is the server's conflict; the form can be resubmitted.
    worker.send(submit(answers("juliet", "m@verona.example")));
    assert_eq!(failure(&events).await, RegistrationError::Conflict);
    worker.send(submit(answers("mercutio", "m@verona.example")));
    wait_for(&events, Duration::from_secs(15), |ev| match ev {
        Event::Registered { jid: j } if *j == jid => Some(()),
        Event::RegistrationFailed { error, .. } => panic!("registration failed: {error}"),
        _ => None,
    })
    .await;

    // The server has the account, with the e-mail from the form.
    let mercutio = Peer::login(&server, "mercutio", "queen-mab").await;
    assert_eq!(mercutio.jid.to_bare(), jid);
    let details = std::fs::read_to_string(
        server
            .dir()
            .join("data/balcony%2etest/account_details/mercutio.dat"),
    )
    .expect("account details");
    assert!(details.contains("m@verona.example"), "{details}");
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_registration_says_so() {
    let server = Prosody::start();
    let worker = support::accounts::autoconnect_worker(support::profiles::fresh("registration-off"));
    let events = worker.events();
    worker.send(Command::StartRegistration {
        config: config(
            "benvolio",
            &server.c2s_addr(),
            TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
    });
    assert_eq!(failure(&events).await, RegistrationError::NotSupported);
    worker.shutdown();
}
