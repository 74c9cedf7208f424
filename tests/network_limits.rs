//! Sizes from the network are bounded, and a refusal names the limit:
//! command notes and avatar bytes here (roster items and bookmarks use the
//! same `core::limits::at_most`, unit-tested there).
//!
//! Data forms from the network are bounded: nested XEP-0141 sections,
//! fields, options, values and result rows each have a limit, named in the
//! error; each is tested at the limit and one past it. A form nested far
//! deeper (about 6,500 levels, which overflowed a 2 MiB worker stack
//! before) is refused on such a stack, and writing never recurses past the
//! limit either.

use balcony::core::forms::{
    parse, FormError, LayoutItem, MAX_FIELDS, MAX_ITEMS, MAX_OPTIONS, MAX_SECTION_DEPTH, MAX_VALUES,
};
use xmpp_parsers::minidom::Element;

const NS: &str = "jabber:x:data";
const LAYOUT: &str = "http://jabber.org/protocol/xdata-layout";

fn form(inner: &str) -> Element {
    format!("<x xmlns='{NS}' type='form'><field var='a' type='text-single'/>{inner}</x>")
        .parse()
        .expect("test XML")
}

fn nested_sections(depth: usize) -> String {
    let mut s = format!("<page xmlns='{LAYOUT}' label='p'>");
    for i in 0..depth {
        s.push_str(&format!("<section label='s{i}'>"));
    }
    s.push_str("<fieldref var='a'/>");
    for _ in 0..depth {
        s.push_str("</section>");
    }
    s.push_str("</page>");
    s
}

fn depth_of(items: &[LayoutItem]) -> usize {
    items
        .iter()
        .map(|i| match i {
            LayoutItem::Section { content, .. } => 1 + depth_of(content),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn sections_at_the_limit_are_read_and_written_one_more_is_refused() {
    let ok = parse(&form(&nested_sections(MAX_SECTION_DEPTH))).expect("at the limit");
    assert_eq!(depth_of(&ok.pages[0].content), MAX_SECTION_DEPTH);
    // Written back and read again: the same layout.
    let again = parse(&ok.to_element()).expect("round trip");
    assert_eq!(again.pages, ok.pages);
    let err = parse(&form(&nested_sections(MAX_SECTION_DEPTH + 1))).expect_err("one past");
    assert_eq!(
        err,
        FormError::TooDeep {
            limit: MAX_SECTION_DEPTH
        }
    );
    assert!(err.to_string().contains("16 levels"), "{err}");
}

#[test]
fn a_form_nested_thousands_deep_is_refused_on_a_worker_sized_stack() {
    let xml = format!(
        "<x xmlns='{NS}' type='form'><field var='a'/>{}</x>",
        nested_sections(6_500)
    );
    assert!(xml.len() > 120_000, "{}", xml.len());
    let outcome = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            // minidom builds and drops the element within this stack at
            // this depth; the recursion that overflowed was ours.
            let element: Element = xml.parse().expect("XML");
            parse(&element).map(|_| ())
        })
        .expect("thread")
        .join()
        .expect("no stack overflow");
    assert_eq!(
        outcome,
        Err(FormError::TooDeep {
            limit: MAX_SECTION_DEPTH
        })
    );
}

fn repeated(tag: &str, n: usize) -> String {
    (0..n).map(|i| tag.replace("{i}", &i.to_string())).collect()
}

#[test]
fn fields_options_values_and_rows_are_limited_by_name() {
    let fields = |n| {
        format!(
            "<x xmlns='{NS}' type='form'>{}</x>",
            repeated("<field var='f{i}'/>", n)
        )
    };
    assert_eq!(
        parse(&fields(MAX_FIELDS).parse().unwrap())
            .expect("at the limit")
            .fields
            .len(),
        MAX_FIELDS
    );
    let err = parse(&fields(MAX_FIELDS + 1).parse().unwrap()).expect_err("one past");
    assert_eq!(
        err,
        FormError::TooLarge {
            what: "fields",
            limit: MAX_FIELDS
        }
    );
    assert!(err.to_string().contains("more fields than the 2000"), "{err}");

    let options = |n| {
        form(&format!(
            "<field var='l' type='list-multi'>{}</field>",
            repeated("<option><value>o{i}</value></option>", n)
        ))
    };
    assert_eq!(
        parse(&options(MAX_OPTIONS)).expect("at the limit").fields[1]
            .options
            .len(),
        MAX_OPTIONS
    );
    assert_eq!(
        parse(&options(MAX_OPTIONS + 1)),
        Err(FormError::TooLarge {
            what: "options",
            limit: MAX_OPTIONS
        })
    );

    let values = |n| {
        form(&format!(
            "<field var='j' type='jid-multi'>{}</field>",
            repeated("<value>v{i}@x</value>", n)
        ))
    };
    assert_eq!(
        parse(&values(MAX_VALUES)).expect("at the limit").fields[1]
            .values
            .len(),
        MAX_VALUES
    );
    assert_eq!(
        parse(&values(MAX_VALUES + 1)),
        Err(FormError::TooLarge {
            what: "values",
            limit: MAX_VALUES
        })
    );

    let rows = |n| {
        format!(
            "<x xmlns='{NS}' type='result'><reported><field var='c'/></reported>{}</x>",
            repeated("<item><field var='c'><value>{i}</value></field></item>", n)
        )
        .parse::<Element>()
        .unwrap()
    };
    assert_eq!(
        parse(&rows(MAX_ITEMS)).expect("at the limit").items.len(),
        MAX_ITEMS
    );
    assert_eq!(
        parse(&rows(MAX_ITEMS + 1)),
        Err(FormError::TooLarge {
            what: "result rows",
            limit: MAX_ITEMS
        })
    );
}

#[test]
fn command_notes_and_avatar_bytes_are_limited_by_name() {
    use balcony::core::{
        store::{AvatarImage, AvatarRefused, MAX_AVATAR_BYTES},
        xmpp::modules::x0050_commands::{CommandError, CommandPayload, MAX_NOTES},
    };
    let command = |notes: usize| -> Element {
        format!(
            "<command xmlns='http://jabber.org/protocol/commands' node='n' status='completed'>{}</command>",
            repeated("<note type='info'>{i}</note>", notes)
        )
        .parse()
        .unwrap()
    };
    assert_eq!(
        CommandPayload::parse(&command(MAX_NOTES))
            .expect("at the limit")
            .notes
            .len(),
        MAX_NOTES
    );
    match CommandPayload::parse(&command(MAX_NOTES + 1)) {
        Err(CommandError::Malformed(text)) => assert!(text.contains("more than the 32"), "{text}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let big = vec![0u8; MAX_AVATAR_BYTES + 1];
    let refused = AvatarImage::check("00", "image/png", big).expect_err("too large");
    assert_eq!(
        refused,
        AvatarRefused::TooLarge {
            size: MAX_AVATAR_BYTES + 1,
            limit: MAX_AVATAR_BYTES
        }
    );
    assert!(
        refused.to_string().contains(&MAX_AVATAR_BYTES.to_string()),
        "{refused}"
    );
}

#[test]
fn writing_stops_at_the_section_limit() {
    use balcony::core::forms::{Form, FormKind, Page};
    // A form built in code (parsing refuses it) with sections one past the
    // limit, and two past: the writer leaves out what is deeper.
    for extra in [1, 2] {
        let mut content = vec![LayoutItem::Text("deepest".into())];
        for _ in 0..MAX_SECTION_DEPTH + extra {
            content = vec![LayoutItem::Section { label: None, content }];
        }
        let mut form = Form::new(FormKind::Form);
        form.pages.push(Page { label: None, content });
        let written = form.to_element();
        let page = written.get_child("page", LAYOUT).expect("page");
        let mut depth = 0;
        let mut at = page;
        while let Some(section) = at.get_child("section", LAYOUT) {
            depth += 1;
            at = section;
        }
        assert_eq!(depth, MAX_SECTION_DEPTH);
        assert!(parse(&written).is_ok(), "what is written reads back");
    }
}
