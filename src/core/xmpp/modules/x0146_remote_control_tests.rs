//! The remote-control forms: what submissions change, what they refuse,
//! and what a forwarded message carries.

use super::*;
use crate::core::remote_control::RcOptions;

fn form(fields: &[(&str, FieldKind, &[&str])]) -> Form {
    let mut f = base_form(FormKind::Submit, "", "");
    for (var, kind, values) in fields {
        f.fields.push(field(
            var,
            *kind,
            var,
            values.iter().map(|v| (*v).to_owned()).collect(),
        ));
    }
    f
}

#[test]
fn status_submissions_keep_what_they_omit_and_refuse_nonsense() {
    let now = OwnPresence {
        availability: Availability::Away,
        status: "lunch".into(),
        invisible: false,
        priority: 5,
    };
    let only_status = form(&[("status", FieldKind::ListSingle, &["xa"])]);
    let next = submitted_status(&only_status, &now).expect("ok").expect("online");
    assert_eq!(
        (next.availability, next.priority, next.status.as_str()),
        (Availability::ExtendedAway, 5, "lunch")
    );
    let all = form(&[
        ("status", FieldKind::ListSingle, &["dnd"]),
        ("status-priority", FieldKind::TextSingle, &["-1"]),
        ("status-message", FieldKind::TextMulti, &["In my", "chamber."]),
    ]);
    let next = submitted_status(&all, &now).expect("ok").expect("online");
    assert_eq!((next.priority, next.status.as_str()), (-1, "In my\nchamber."));
    let offline = form(&[("status", FieldKind::ListSingle, &["offline"])]);
    assert_eq!(submitted_status(&offline, &now), Ok(None));
    let invisible = form(&[("status", FieldKind::ListSingle, &["invisible"])]);
    assert!(
        submitted_status(&invisible, &now)
            .expect("ok")
            .expect("on")
            .invisible
    );
    for bad in [
        form(&[("status", FieldKind::ListSingle, &["sleeping"])]),
        form(&[("status-priority", FieldKind::TextSingle, &["high"])]),
        form(&[("status-priority", FieldKind::TextSingle, &["300"])]),
        form(&[("status", FieldKind::ListSingle, &["away", "xa"])]),
    ] {
        assert_eq!(submitted_status(&bad, &now), Err(CommandError::BadPayload));
    }
}

#[test]
fn option_submissions_keep_what_they_omit_and_refuse_nonsense() {
    let now = RcOptions::default();
    let one = form(&[("auto-auth", FieldKind::Boolean, &["1"])]);
    assert_eq!(
        submitted_options(&one, now),
        Ok(RcOptions {
            auto_auth: true,
            ..now
        })
    );
    let bad = form(&[("sounds", FieldKind::Boolean, &["loud"])]);
    assert_eq!(submitted_options(&bad, now), Err(CommandError::BadPayload));
}

#[test]
fn every_form_says_it_is_an_rc_form_and_round_trips() {
    for f in [options_form(RcOptions::default())] {
        assert_eq!(f.form_type(), Some(NS));
        let element = f.to_element();
        let back = crate::core::forms::parse(&element).expect("parses");
        assert_eq!(back.form_type(), Some(NS));
        assert_eq!(back.fields.len(), f.fields.len());
        for (a, b) in f.fields.iter().zip(&back.fields) {
            assert_eq!((&a.var, a.kind, &a.values), (&b.var, b.kind, &b.values));
        }
    }
    let mut missing = form(&[]);
    missing.fields.clear();
    assert_eq!(check_form_type(&missing), Err(CommandError::BadPayload));
}

#[test]
fn a_forwarded_message_names_its_sender_and_time() {
    let m = StoredMessage {
        id: 1,
        message: crate::core::message::NewMessage {
            peer: "romeo@montague.lit".parse().expect("jid"),
            kind: ChatKind::Chat,
            outgoing: false,
            sender: "romeo@montague.lit/orchard".into(),
            body: "Hello Juliet!".into(),
            origin_id: Some("o-1".into()),
            stanza_id: None,
            timestamp_ms: 1_031_701_267_000,
            state: crate::core::message::DeliveryState::Received,
            encryption: Default::default(),
        },
        corrected: false,
        file: None,
        forwarded_by: None,
    };
    let to: Jid = "juliet@capulet.lit/chamber".parse().expect("jid");
    let us: Jid = "juliet@capulet.lit/balcony".parse().expect("jid");
    let out = forwarded(&m, &to, &us).expect("message");
    let element = xmpp_parsers::minidom::Element::from(out.clone());
    let xml = String::from(&element);
    assert!(
        xml.contains("type=\"ofrom\"") || xml.contains("type='ofrom'"),
        "{xml}"
    );
    assert!(xml.contains("2002-09-10T23:41:07"), "{xml}");
    assert_eq!(
        x0033_addresses::original_sender(&out.payloads)
            .map(|j| j.to_string())
            .as_deref(),
        Some("romeo@montague.lit/orchard")
    );
    assert!(mentions("Juliet, look!", "juliet") && !mentions("hello", "juliet"));
}
