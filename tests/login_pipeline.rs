//! The login steps are pipelined, watched through the XML console's tap on
//! a real Prosody connection: initial presence goes out as soon as the
//! roster result is in (never before it, RFC 6121), and carbons, the
//! blocklist and bookmarks are asked for together, before the first of
//! their answers arrives, not one round trip after another.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::Command,
    xml_console::{ConsoleEntry, Direction},
};
use support::{accounts::online, prosody::Prosody};

fn id_of(xml: &str) -> Option<String> {
    let at = xml.find(" id=")? + 5;
    let quote = xml.as_bytes().get(at - 1).copied()? as char;
    let rest = &xml[at..];
    Some(rest[..rest.find(quote)?].to_owned())
}

fn position(entries: &[ConsoleEntry], pick: impl Fn(&ConsoleEntry) -> bool) -> Option<usize> {
    entries.iter().position(pick)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_follows_the_roster_and_the_rest_goes_out_together() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let juliet = online(&server, "login-pipeline", "juliet", "pw-j").await;
    let (tx, rx) = async_channel::bounded(4096);
    juliet.send(Command::WatchStream {
        jid: juliet.jid.clone(),
        sink: Some(tx),
    });
    juliet.send(Command::Disconnect {
        jid: juliet.jid.clone(),
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    while rx.try_recv().is_ok() {}
    juliet.send(Command::Connect {
        jid: juliet.jid.clone(),
    });
    // Everything until the archive query (the last step) is answered.
    let mut entries: Vec<ConsoleEntry> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !entries
        .iter()
        .any(|e| e.direction == Direction::Incoming && e.xml.contains("<fin"))
    {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(entry)) => entries.push(entry),
            _ => panic!(
                "no archive answer; saw {:?}",
                entries.iter().map(|e| &e.xml).collect::<Vec<_>>()
            ),
        }
    }
    let out = |needle: &'static str| {
        move |e: &ConsoleEntry| e.direction == Direction::Outgoing && e.xml.contains(needle)
    };
    let roster_get = position(&entries, out("jabber:iq:roster")).expect("roster query");
    let roster_id = id_of(&entries[roster_get].xml).expect("roster id");
    let roster_result = position(&entries, |e| {
        e.direction == Direction::Incoming
            && e.xml.starts_with("<iq")
            && id_of(&e.xml).as_deref() == Some(roster_id.as_str())
    })
    .expect("roster result");
    let presence = position(&entries, |e| {
        e.direction == Direction::Outgoing && e.xml.starts_with("<presence") && !e.xml.contains(" to=")
    })
    .expect("initial presence");
    assert!(presence > roster_result, "presence only after the roster");
    // The requests themselves (an IQ), not our disco#info answer, which
    // names the same namespaces among our features.
    let request = |needle: &'static str| {
        move |e: &ConsoleEntry| {
            e.direction == Direction::Outgoing
                && e.xml.starts_with("<iq")
                && !e.xml.contains("type=\"result\"")
                && !e.xml.contains("type='result'")
                && e.xml.contains(needle)
        }
    };
    let carbons = position(&entries, request("urn:xmpp:carbons:2")).expect("carbons");
    let blocklist = position(&entries, request("urn:xmpp:blocking")).expect("blocklist");
    let bookmarks = position(&entries, request("urn:xmpp:bookmarks:1")).expect("bookmarks");
    let first_answer = [carbons, blocklist, bookmarks]
        .iter()
        .filter_map(|&i| id_of(&entries[i].xml))
        .filter_map(|id| {
            position(&entries, |e| {
                e.direction == Direction::Incoming && id_of(&e.xml).as_deref() == Some(id.as_str())
            })
        })
        .min()
        .expect("answers");
    for (name, at) in [
        ("carbons", carbons),
        ("blocklist", blocklist),
        ("bookmarks", bookmarks),
    ] {
        assert!(at > presence, "{name} after presence");
        assert!(
            at < first_answer,
            "{name} went out before the first answer, together"
        );
    }
    juliet.worker.shutdown();
}
