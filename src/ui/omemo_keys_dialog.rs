//! The encryption keys of a conversation: the contact's OMEMO devices and
//! our own, each with its fingerprint in groups for reading aloud and the
//! user's trust, which the user changes here (verify after comparing the
//! fingerprints, or distrust so that the device gets nothing). The list
//! follows the answers of the worker.

use adw::prelude::*;
use gtk::glib;

use crate::{
    core::bridge::{OmemoDeviceInfo, Trust},
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

/// What a device's row says of its trust.
pub fn trust_text(device: &OmemoDeviceInfo) -> String {
    if device.this_device {
        return gettext("This device");
    }
    match device.trust {
        None => gettext("Its key could not be read"),
        Some(Trust::Blind) => gettext("Not verified yet (trusted until you decide)"),
        Some(Trust::Verified) => gettext("Verified"),
        Some(Trust::Distrusted) => gettext("Distrusted: gets no encrypted messages"),
    }
}

/// The row's second line: its trust and, when it ever wrote to us, the
/// day it last did.
fn subtitle(device: &OmemoDeviceInfo) -> String {
    let trust = trust_text(device);
    match device.last_seen_ms {
        Some(at) if !device.this_device => gettext_f(
            // Translators: a device's trust, then the day it last sent a message ("Today", "Yesterday" or a date).
            "{trust} · Last message: {day}",
            &[("trust", &trust), ("day", &super::message_row::day_text(at))],
        ),
        _ => trust,
    }
}

/// A fingerprint's eight groups as two lines of four, to read aloud.
fn two_lines(fingerprint: &str) -> String {
    let groups: Vec<&str> = fingerprint.split(' ').collect();
    if groups.len() <= 4 {
        return fingerprint.to_owned();
    }
    format!("{}\n{}", groups[..4].join(" "), groups[4..].join(" "))
}

fn row(client: &Client, account: &Account, peer: &str, device: &OmemoDeviceInfo) -> adw::ActionRow {
    let row = adw::ActionRow::builder()
        .title(two_lines(device.fingerprint.as_deref().unwrap_or("—")))
        .subtitle(subtitle(device))
        .build();
    row.set_widget_name(&format!("omemo-device-{}", device.device));
    row.add_css_class("omemo-key");
    let icon = match (device.this_device, device.trust) {
        (true, _) => "computer-symbolic",
        (_, Some(Trust::Verified)) => "emblem-ok-symbolic",
        (_, Some(Trust::Distrusted)) => "action-unavailable-symbolic",
        _ => "dialog-question-symbolic",
    };
    row.add_prefix(&gtk::Image::from_icon_name(icon));
    if device.this_device || device.trust.is_none() {
        return row;
    }
    let choices: &[(Trust, String)] = &match device.trust {
        Some(Trust::Verified) => vec![(Trust::Distrusted, gettext("Distrust"))],
        Some(Trust::Distrusted) => vec![(Trust::Blind, gettext("Trust Again"))],
        _ => vec![
            (Trust::Verified, gettext("Verify")),
            (Trust::Distrusted, gettext("Distrust")),
        ],
    };
    for (trust, label) in choices {
        let button = gtk::Button::builder()
            .label(label)
            .valign(gtk::Align::Center)
            .build();
        if *trust == Trust::Distrusted {
            button.add_css_class("destructive-action");
        }
        let (client, account, peer, device, trust) = (
            client.clone(),
            account.clone(),
            peer.to_owned(),
            device.clone(),
            *trust,
        );
        button.connect_clicked(move |b| {
            b.set_sensitive(false);
            client.set_omemo_trust(&account, &peer, &device, trust);
        });
        row.add_suffix(&button);
    }
    row
}

/// The `xmpp:` link with this device's fingerprint, once listed.
fn own_link(client: &Client, account: &Account, peer: &str) -> Option<String> {
    let jid = account.jid().parse().ok()?;
    client
        .omemo_devices(account, peer)
        .iter()
        .find(|d| d.this_device)
        .and_then(|d| {
            let hex: String = d.fingerprint.as_deref()?.split_whitespace().collect();
            Some(crate::core::xmpp_uri::verification_link(&jid, d.device, &hex))
        })
}

/// Shows the keys of the conversation with `peer`.
pub fn present(parent: &gtk::Window, client: &Client, account: &Account, peer: &str) -> adw::Window {
    let window = adw::Window::builder()
        .transient_for(parent)
        .modal(true)
        .default_width(640)
        .default_height(600)
        .title(gettext("Encryption Keys"))
        .build();
    window.set_widget_name("omemo-keys");
    let theirs = adw::PreferencesGroup::builder()
        .title(peer)
        .description(gettext(
            "Compare these fingerprints with the ones your contact’s devices show, for example by reading them aloud. Verify those that match; distrust any you do not recognize.",
        ))
        .build();
    let ours = adw::PreferencesGroup::builder()
        .title(gettext("Your Devices"))
        .build();
    let share = gtk::Button::builder()
        .label(gettext("Copy Link"))
        .tooltip_text(gettext(
            "An xmpp: link with this device’s fingerprint, for your contact to verify it (as Conversations does)",
        ))
        .valign(gtk::Align::Center)
        .sensitive(false)
        .build();
    share.set_widget_name("omemo-copy-link");
    share.add_css_class("flat");
    ours.set_header_suffix(Some(&share));
    share.connect_clicked(glib::clone!(
        #[weak]
        client,
        #[weak]
        account,
        #[to_owned]
        peer,
        move |button| {
            let Some(link) = own_link(&client, &account, &peer) else {
                return;
            };
            button.clipboard().set_text(&link);
            button.set_label(&gettext("Link Copied"));
        }
    ));
    // The same link as a QR code, for a phone (Conversations) to scan.
    let scan = adw::PreferencesGroup::builder()
        .title(gettext("Verify From a Phone"))
        .description(gettext(
            "Your contact can scan this code with Conversations or another client to verify this device.",
        ))
        .visible(false)
        .build();
    let qr = gtk::Picture::builder()
        .can_shrink(false)
        .halign(gtk::Align::Center)
        .alternative_text(gettext("QR code of this device’s verification link"))
        .build();
    qr.set_widget_name("omemo-qr");
    scan.add(&qr);
    let waiting = gtk::Spinner::builder()
        .spinning(true)
        .halign(gtk::Align::Center)
        .build();
    let content = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(24)
        .margin_top(24)
        .margin_bottom(24)
        .margin_start(12)
        .margin_end(12)
        .build();
    content.append(&waiting);
    content.append(&theirs);
    content.append(&ours);
    content.append(&scan);
    let page = gtk::ScrolledWindow::builder()
        .hscrollbar_policy(gtk::PolicyType::Never)
        .vexpand(true)
        .child(&adw::Clamp::builder().maximum_size(640).child(&content).build())
        .build();
    let layout = gtk::Box::new(gtk::Orientation::Vertical, 0);
    layout.append(&adw::HeaderBar::new());
    layout.append(&page);
    window.set_content(Some(&layout));
    let shown: std::rc::Rc<std::cell::RefCell<Vec<adw::ActionRow>>> = Default::default();
    let fill = glib::clone!(
        #[weak]
        client,
        #[weak]
        account,
        #[weak]
        theirs,
        #[weak]
        ours,
        #[weak]
        waiting,
        #[weak]
        share,
        #[weak]
        scan,
        #[weak]
        qr,
        #[strong]
        shown,
        #[to_owned]
        peer,
        move || {
            waiting.set_visible(false);
            for row in shown.borrow_mut().drain(..) {
                if let Some(group) = row.ancestor(adw::PreferencesGroup::static_type()) {
                    if let Some(group) = group.downcast_ref::<adw::PreferencesGroup>() {
                        group.remove(&row);
                    }
                }
            }
            let devices = client.omemo_devices(&account, &peer);
            let link = own_link(&client, &account, &peer);
            share.set_sensitive(link.is_some());
            let code = link.as_deref().and_then(super::qr_code::texture);
            scan.set_visible(code.is_some());
            qr.set_paintable(code.as_ref());
            if devices.is_empty() {
                theirs.set_description(Some(&gettext(
                    "No encryption keys were found. Encryption may not be set up for this account yet.",
                )));
            }
            for device in &devices {
                let row = row(&client, &account, &peer, device);
                if device.owner.as_str() == peer {
                    theirs.add(&row);
                } else {
                    ours.add(&row);
                }
                shown.borrow_mut().push(row);
            }
            if !devices.iter().any(|d| d.owner.as_str() == peer) && !devices.is_empty() {
                theirs.set_description(Some(&gettext_f(
                    "{contact} has no device that can receive encrypted messages.",
                    &[("contact", &peer)],
                )));
            }
        }
    );
    let peer_ = peer.to_owned();
    let handler = client.connect_local("omemo-devices", false, move |args| {
        let account = args.get(1).and_then(|v| v.get::<Account>().ok());
        let listed = args.get(2).and_then(|v| v.get::<String>().ok());
        if listed.as_deref() == Some(peer_.as_str()) && account.is_some() {
            fill();
        }
        None
    });
    let handler = std::cell::RefCell::new(Some(handler));
    window.connect_close_request(glib::clone!(
        #[weak]
        client,
        #[upgrade_or]
        glib::Propagation::Proceed,
        move |_| {
            if let Some(handler) = handler.take() {
                glib::prelude::ObjectExt::disconnect(&client, handler);
            }
            glib::Propagation::Proceed
        }
    ));
    client.list_omemo_devices(account, peer);
    window.present();
    window
}
