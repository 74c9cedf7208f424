//! The consent dialog for a request to see our presence (XEP-0276), and
//! the window's side of privacy: one question at a time, toasts for what
//! was shared or failed, and the default policy passed to the worker.

use adw::prelude::*;
use gtk::{gio, glib};

use crate::{
    core::privacy::{DecloakAnswer, DecloakPolicy, DecloakReason, DecloakRequest},
    i18n::{gettext, gettext_f, ngettext_f},
    model::{Account, Client, DecloakRequestObject},
};

/// Response ids, one per answer.
pub const RESPONSES: [(&str, DecloakAnswer); 5] = [
    ("ignore", DecloakAnswer::Ignore),
    ("block", DecloakAnswer::Block),
    ("domain", DecloakAnswer::AlwaysForDomain),
    ("contact", DecloakAnswer::AlwaysForContact),
    ("once", DecloakAnswer::ShareOnce),
];

/// Why they ask, in words.
pub fn reason_text(reason: &DecloakReason) -> String {
    match reason {
        DecloakReason::Text => gettext("They want to start a chat that needs to know your device."),
        DecloakReason::Media => gettext("They want to call you."),
        DecloakReason::File => gettext("They want to send you a file."),
        DecloakReason::Unspecified => gettext("They did not say why."),
        DecloakReason::Other(why) => gettext_f("Their reason: “{reason}”", &[("reason", why)]),
    }
}

fn body(request: &DecloakRequest, waiting: usize) -> String {
    let mut lines = vec![reason_text(&request.reason)];
    lines.push(if request.in_roster {
        gettext("They are in your contacts but do not see your presence.")
    } else {
        gettext("They are not in your contacts.")
    });
    if let Some(fp) = &request.fingerprint {
        lines.push(gettext_f(
            "Their key fingerprint: {fingerprint}",
            &[("fingerprint", fp)],
        ));
    }
    lines.push(gettext(
        "Sharing tells them you are online and what your app can do, nothing else. It ends when you close the conversation or go offline.",
    ));
    if waiting > 0 {
        lines.push(ngettext_f(
            "One more request is waiting.",
            "{n} more requests are waiting.",
            waiting as u32,
            &[("n", &waiting.to_string())],
        ));
    }
    lines.join("\n\n")
}

/// Builds the dialog for `request`; the caller connects `response`.
/// Closing it ignores the request.
pub fn build(parent: &impl IsA<gtk::Window>, request: &DecloakRequest, waiting: usize) -> adw::MessageDialog {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext_f(
            "Show {contact} That You Are Online?",
            &[("contact", request.from.as_str())],
        ))
        .body(body(request, waiting))
        .build();
    dialog.set_widget_name("decloak-dialog");
    dialog.add_responses(&[
        ("ignore", &gettext("_Ignore")),
        ("block", &gettext("_Block")),
        (
            "domain",
            &gettext_f(
                "Always for {domain}",
                &[("domain", request.from.domain().as_str())],
            ),
        ),
        ("contact", &gettext("_Always for This Contact")),
        ("once", &gettext("_Share Once")),
    ]);
    dialog.set_response_appearance("block", adw::ResponseAppearance::Destructive);
    dialog.set_response_appearance("once", adw::ResponseAppearance::Suggested);
    dialog.set_default_response(Some("ignore"));
    dialog.set_close_response("ignore");
    dialog
}

/// Asks about `request`, and answers it with what the user chose.
pub fn ask(
    window: &impl IsA<gtk::Window>,
    client: &Client,
    request: &DecloakRequestObject,
) -> Option<adw::MessageDialog> {
    let question = request.request()?;
    let dialog = build(window, &question, client.decloak_requests_waiting());
    dialog.connect_response(
        None,
        glib::clone!(
            #[weak]
            client,
            #[weak]
            request,
            move |_, response| {
                let answer = RESPONSES
                    .iter()
                    .find(|(id, _)| *id == response)
                    .map_or(DecloakAnswer::Ignore, |(_, a)| *a);
                client.answer_decloak(&request, answer);
            }
        ),
    );
    dialog.present();
    Some(dialog)
}

/// Connects the window to the client's privacy signals and `settings`.
pub fn watch(
    window: &gtk::Window,
    client: &Client,
    settings: Option<&gio::Settings>,
    toast: impl Fn(&str) + Clone + 'static,
) {
    client.connect_closure(
        "decloak-requested",
        false,
        glib::closure_local!(
            #[weak]
            window,
            move |client: Client, request: DecloakRequestObject| {
                ask(&window, &client, &request);
            }
        ),
    );
    let shared_toast = toast.clone();
    client.connect_closure(
        "decloak-shared",
        false,
        glib::closure_local!(move |_: Client, _: Account, with: String, automatic: bool| {
            let text = if automatic {
                gettext_f(
                    "{contact} asked to see your presence and can, as you chose always",
                    &[("contact", &with)],
                )
            } else {
                gettext_f("{contact} can see that you are online", &[("contact", &with)])
            };
            shared_toast(&text);
        }),
    );
    client.connect_closure(
        "invisibility-failed",
        false,
        glib::closure_local!(move |_: Client, _: Account, detail: String| {
            toast(&gettext_f(
                "Could not change who sees you: {reason}",
                &[("reason", &detail)],
            ));
        }),
    );
    if let Some(settings) = settings {
        let policy = |s: &gio::Settings| DecloakPolicy::from_name(&s.string("decloak-default-policy"));
        client.set_decloak_policy(policy(settings));
        settings.connect_changed(
            Some("decloak-default-policy"),
            glib::clone!(
                #[weak]
                client,
                move |s, _| client.set_decloak_policy(policy(s))
            ),
        );
    }
}
