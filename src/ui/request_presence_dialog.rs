//! "Request Presence": asks someone who does not share presence with us
//! to show it for a chat, a call or a file (XEP-0276), then shows who
//! answered and offers the next step.

use adw::prelude::*;
use gtk::glib;

use crate::{
    core::privacy::{DecloakReason, PresenceAnswer, PresenceRequestError},
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

/// What the user chose to do after the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Open the conversation.
    Chat(String),
    /// Add them as a contact (asking for their presence for good).
    AddContact(String),
}

/// The reasons offered, in order.
const REASONS: [DecloakReason; 3] = [DecloakReason::Text, DecloakReason::Media, DecloakReason::File];

fn reason_label(reason: &DecloakReason) -> String {
    match reason {
        DecloakReason::Media => gettext("For a _call"),
        DecloakReason::File => gettext("To send a _file"),
        _ => gettext("To _chat"),
    }
}

/// One answer in words: "Gajim (pc) — romeo@…/laptop".
pub fn describe(answer: &PresenceAnswer) -> String {
    let client = answer.client.clone().unwrap_or_else(|| gettext("An unknown app"));
    let mut line = match &answer.kind {
        Some(kind) => format!("{client} ({kind})"),
        None => client,
    };
    line.push_str(" — ");
    line.push_str(answer.from.as_str());
    if answer.files {
        line.push_str(&gettext(", can receive files"));
    }
    line
}

/// The result's text.
pub fn result_text(peer: &str, answers: &Result<Vec<PresenceAnswer>, PresenceRequestError>) -> String {
    match answers {
        Err(PresenceRequestError::Offline) => gettext("You are offline. Connect, then ask again."),
        Ok(list) if list.is_empty() => gettext_f(
            "Nobody answered. {contact} may be offline, or chose not to show their presence.",
            &[("contact", peer)],
        ),
        Ok(list) => {
            let mut text = gettext_f("{contact} is online:", &[("contact", peer)]);
            for answer in list {
                text.push_str("\n• ");
                text.push_str(&describe(answer));
            }
            text
        }
    }
}

/// Asks which reason, sends the request, waits, and shows the answers.
pub fn ask(
    parent: &impl IsA<gtk::Window>,
    client: &Client,
    account: &Account,
    peer: &str,
    then: impl Fn(Next) + Clone + 'static,
) -> adw::MessageDialog {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext_f(
            "Ask {contact} to Show Their Presence?",
            &[("contact", peer)],
        ))
        .body(gettext(
            "They will see that you are online and what your app can do, and can choose to show you theirs.",
        ))
        .build();
    dialog.set_widget_name("request-presence-dialog");
    let choices = gtk::Box::new(gtk::Orientation::Vertical, 6);
    let mut group: Option<gtk::CheckButton> = None;
    let mut buttons = Vec::new();
    for reason in REASONS {
        let button = gtk::CheckButton::with_mnemonic(&reason_label(&reason));
        button.set_widget_name(reason.as_attr().unwrap_or("text"));
        match &group {
            Some(first) => button.set_group(Some(first)),
            None => {
                button.set_active(true);
                group = Some(button.clone());
            }
        }
        choices.append(&button);
        buttons.push((button, reason));
    }
    dialog.set_extra_child(Some(&choices));
    dialog.add_responses(&[("cancel", &gettext("_Cancel")), ("request", &gettext("_Ask"))]);
    dialog.set_response_appearance("request", adw::ResponseAppearance::Suggested);
    dialog.set_default_response(Some("request"));
    dialog.set_close_response("cancel");
    let (parent, peer) = (parent.as_ref().clone(), peer.to_owned());
    dialog.connect_response(
        Some("request"),
        glib::clone!(
            #[weak]
            client,
            #[weak]
            account,
            move |_, _| {
                let reason = buttons
                    .iter()
                    .find(|(b, _)| b.is_active())
                    .map_or(DecloakReason::Text, |(_, r)| r.clone());
                wait_for_answers(&parent, &client, &account, &peer, reason, then.clone());
            }
        ),
    );
    dialog.present();
    dialog
}

fn wait_for_answers(
    parent: &gtk::Window,
    client: &Client,
    account: &Account,
    peer: &str,
    reason: DecloakReason,
    then: impl Fn(Next) + 'static,
) {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("Waiting for an Answer"))
        .body(gettext_f("Asking {contact}…", &[("contact", peer)]))
        .build();
    dialog.set_widget_name("presence-answers-dialog");
    let spinner = gtk::Spinner::builder().spinning(true).build();
    dialog.set_extra_child(Some(&spinner));
    dialog.add_response("close", &gettext("_Close"));
    dialog.set_close_response("close");
    let target = peer.to_owned();
    dialog.connect_response(None, move |_, response| match response {
        "chat" => then(Next::Chat(target.clone())),
        "add" => then(Next::AddContact(target.clone())),
        _ => {}
    });
    dialog.present();
    let (client, account, peer) = (client.clone(), account.clone(), peer.to_owned());
    glib::spawn_future_local(glib::clone!(
        #[weak]
        dialog,
        async move {
            let answers = client.request_presence(&account, &peer, reason).await;
            show_answers(&dialog, &peer, &answers);
        }
    ));
}

/// Shows `answers` in the waiting dialog and offers the next steps.
pub fn show_answers(
    dialog: &adw::MessageDialog,
    peer: &str,
    answers: &Result<Vec<PresenceAnswer>, PresenceRequestError>,
) {
    dialog.set_extra_child(None::<&gtk::Widget>);
    let answered = answers.as_ref().is_ok_and(|a| !a.is_empty());
    dialog.set_heading(Some(&if answered {
        gettext("They Answered")
    } else {
        gettext("No Answer")
    }));
    dialog.set_body(&result_text(peer, answers));
    if answers.is_ok() {
        dialog.add_response("add", &gettext("_Add Contact"));
        dialog.add_response("chat", &gettext("_Chat"));
        dialog.set_response_appearance("chat", adw::ResponseAppearance::Suggested);
        dialog.set_default_response(Some("chat"));
    }
}
