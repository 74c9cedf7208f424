use super::*;

fn split(direction: Direction, from_start: bool, chunks: &[&str]) -> Vec<ConsoleEntry> {
    let mut splitter = Splitter::new(direction, from_start);
    let mut out = Vec::new();
    for chunk in chunks {
        splitter.feed(chunk.as_bytes(), &mut out);
    }
    out
}

fn texts(entries: &[ConsoleEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.xml.as_str()).collect()
}

const LOGIN: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' to='balcony.test' version='1.0'>\
    <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABzM2NyZXQ=</auth>\
    <stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='balcony.test' version='1.0'>\
    <iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq> \
    <message to='romeo@balcony.test' type='chat'><body>Hi &amp; bye</body></message>\
    <presence/></stream:stream>";

#[test]
fn a_stream_is_cut_into_its_elements_whatever_the_reads() {
    let whole = split(Direction::Outgoing, true, &[LOGIN]);
    assert_eq!(
        whole.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            EntryKind::Stream,
            EntryKind::Stream,
            EntryKind::Stream,
            EntryKind::Iq,
            EntryKind::Message,
            EntryKind::Presence,
            EntryKind::Stream,
        ]
    );
    assert!(whole[0].xml.starts_with("<stream:stream "));
    assert_eq!(
        whole[4].xml,
        "<message to='romeo@balcony.test' type='chat'><body>Hi &amp; bye</body></message>"
    );
    assert_eq!(whole[6].xml, "</stream:stream>");
    // Byte by byte, or in odd pieces, the same elements come out.
    let bytes: Vec<String> = LOGIN.chars().map(String::from).collect();
    let refs: Vec<&str> = bytes.iter().map(String::as_str).collect();
    assert_eq!(texts(&split(Direction::Outgoing, true, &refs)), texts(&whole));
    let (a, b) = LOGIN.split_at(301);
    assert_eq!(texts(&split(Direction::Outgoing, true, &[a, b])), texts(&whole));
}

#[test]
fn sasl_passwords_and_tokens_are_masked() {
    let entries = split(Direction::Outgoing, true, &[LOGIN]);
    assert_eq!(
        entries[1].xml,
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>•••</auth>"
    );
    let incoming = split(
        Direction::Incoming,
        false,
        &[
            "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wz</challenge>",
            "<success xmlns='urn:xmpp:sasl:2'><additional-data>dj1TZWNyZXQ=</additional-data>\
             <authorization-identifier>juliet@balcony.test/x</authorization-identifier>\
             <token xmlns='urn:xmpp:fast:0' expiry='2027-01-01T00:00:00Z' token='WXZzciBwYWNr'/></success>",
            "<iq type='set' id='p'><query xmlns='jabber:iq:register'><username>juliet</username>\
             <password>n3w-s3cret</password></query></iq>",
            "<iq type='set' id='f'><x xmlns='jabber:x:data' type='submit'>\
             <field var='password' type='text-private'><value>hunter2</value></field>\
             <field var='username'><value>juliet</value></field></x></iq>",
        ],
    );
    let all: String = texts(&incoming).concat();
    for secret in [
        "cj1meWtv",
        "dj1TZWNyZXQ",
        "WXZzciBwYWNr",
        "n3w-s3cret",
        "hunter2",
        "juliet@balcony.test/x",
    ] {
        assert!(!all.contains(secret), "{secret} shown in {all}");
    }
    assert!(incoming[1].xml.contains("token='•••'"), "{}", incoming[1].xml);
    assert!(incoming[2].xml.contains("<username>juliet</username>"));
    assert!(incoming[2].xml.contains("<password>•••</password>"));
    assert!(incoming[3].xml.contains("<value>juliet</value>"));
}

#[test]
fn picked_up_mid_stream_it_waits_for_a_read_that_starts_with_a_tag() {
    let entries = split(
        Direction::Incoming,
        false,
        &[
            "dy>half a message</body></message>",
            "<presence from='romeo@balcony.test/a'/>",
            "<message><body>whole</body></message>",
        ],
    );
    assert_eq!(
        texts(&entries),
        [
            "<presence from='romeo@balcony.test/a'/>",
            "<message><body>whole</body></message>"
        ]
    );
    // An end tag it never saw open: it waits again instead of guessing.
    let lost = split(
        Direction::Incoming,
        false,
        &["<presence/></message><iq/>", "more</x>", "<iq id='1'/>"],
    );
    assert_eq!(texts(&lost), ["<presence/>", "<iq id='1'/>"]);
}

#[test]
fn a_huge_element_is_cut_and_a_huge_tag_loses_sync_without_growing() {
    let body = "x".repeat(MAX_ENTRY + 10);
    let huge = format!("<message><body>{body}</body></message>");
    let entries = split(Direction::Incoming, false, &[&huge]);
    assert_eq!(entries.len(), 1);
    assert!(entries[0].xml.len() < MAX_ENTRY + 100);
    assert!(entries[0].xml.ends_with("more bytes left out -->"));
    let tag = format!("<message a='{}'>", "y".repeat(MAX_TAG + 5));
    let mut splitter = Splitter::new(Direction::Incoming, false);
    let mut out = Vec::new();
    splitter.feed(tag.as_bytes(), &mut out);
    assert!(out.is_empty());
    assert!(splitter.tag.capacity() <= 2 * MAX_TAG);
    splitter.feed(b"<presence/>", &mut out);
    assert_eq!(texts(&out), ["<presence/>"]);
}

#[test]
fn a_quoted_angle_bracket_does_not_end_a_tag() {
    let entries = split(
        Direction::Outgoing,
        false,
        &["<message id='a>b' to=\"c'd\"><body>ok</body></message>"],
    );
    assert_eq!(
        texts(&entries),
        ["<message id='a>b' to=\"c'd\"><body>ok</body></message>"]
    );
}

#[test]
fn raw_xml_reads_into_stanzas() {
    let stanzas =
        parse_raw("<iq type='get' to='balcony.test'><ping xmlns='urn:xmpp:ping'/></iq>\n<presence/>")
            .expect("stanzas");
    assert_eq!(stanzas.len(), 2);
    match &stanzas[0] {
        Stanza::Iq(iq) => assert!(iq.id().starts_with("console-"), "an id is added"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(stanzas[1], Stanza::Presence(_)));
    assert!(matches!(
        parse_raw("<message to='romeo@balcony.test'><body>hi</body></message>").as_deref(),
        Ok([Stanza::Message(_)])
    ));
}

#[test]
fn malformed_raw_xml_is_explained() {
    assert_eq!(parse_raw("  \n"), Err(RawXmlError::Empty));
    assert!(matches!(
        parse_raw("<iq type='get'>"),
        Err(RawXmlError::NotXml(_))
    ));
    assert!(matches!(parse_raw("<a><b></a>"), Err(RawXmlError::NotXml(_))));
    assert!(matches!(parse_raw("hello"), Err(RawXmlError::NotAStanza(_))));
    assert!(matches!(
        parse_raw("<r xmlns='urn:xmpp:sm:3'/>"),
        Err(RawXmlError::NotAStanza(_))
    ));
    assert!(matches!(parse_raw("<foo/>"), Err(RawXmlError::NotAStanza(_))));
    assert!(matches!(
        parse_raw("<iq type='bogus' id='1'/>"),
        Err(RawXmlError::Invalid(name, _)) if name == "iq"
    ));
    assert!(matches!(
        parse_raw("</balcony-console-input><iq/>"),
        Err(RawXmlError::NotXml(_))
    ));
    assert_eq!(parse_raw(&"<presence/>".repeat(21)), Err(RawXmlError::TooMany));
    assert_eq!(parse_raw(&" ".repeat(MAX_RAW + 1)), Err(RawXmlError::TooLong));
    assert!(matches!(
        parse_raw("<x:iq xmlns:x='urn:other'/>"),
        Err(RawXmlError::NotAStanza(_))
    ));
}
