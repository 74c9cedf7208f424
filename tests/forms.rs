//! Data forms (XEP-0004 with XEP-0122, XEP-0141 and XEP-0221) and ad-hoc
//! command elements (XEP-0050, XEP-0146): every example of those
//! specifications (tests/fixtures/xep, copied from the XEP texts) is read,
//! written and read again; then malformed forms.

use std::{fs, path::PathBuf, time::Instant};

use balcony::core::{
    forms::{self, FieldKind, Form, FormError, FormKind, FormWarning, LayoutItem, Method, Problem},
    xmpp::modules::x0050_commands::{Action, CommandPayload, Status},
};
use xmpp_parsers::minidom::Element;

fn fixture(name: &str) -> Element {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/xep")
        .join(name);
    let text = fs::read_to_string(&path).expect("fixture");
    let body = text.split_once("-->").map(|(_, b)| b).unwrap_or(&text);
    // Bare fields (XEP-0122) go into a form; stanzas get their namespace.
    let wrapped = if body.trim_start().starts_with("<field") {
        format!("<w xmlns='jabber:client'><x xmlns='jabber:x:data' type='form'>{body}</x></w>")
    } else {
        format!("<w xmlns='jabber:client'>{body}</w>")
    };
    wrapped.parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn descendants<'a>(e: &'a Element, name: &str, ns: &str, out: &mut Vec<&'a Element>) {
    for child in e.children() {
        if child.is(name, ns) {
            out.push(child);
        }
        descendants(child, name, ns, out);
    }
}

fn fixtures(prefix: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xep");
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

fn form_in(name: &str) -> Form {
    let root = fixture(name);
    let mut found = Vec::new();
    descendants(&root, "x", forms::NS, &mut found);
    forms::parse(found[0]).expect("form")
}

#[test]
fn every_form_example_reads_writes_and_reads_back_the_same() {
    let mut count = 0;
    for xep in [
        "xep-0004", "xep-0050", "xep-0122", "xep-0141", "xep-0146", "xep-0221",
    ] {
        for name in fixtures(xep) {
            let root = fixture(&name);
            let mut found = Vec::new();
            descendants(&root, "x", forms::NS, &mut found);
            for x in found {
                let mut form = forms::parse(x).unwrap_or_else(|e| panic!("{name}: {e}"));
                let mut again = forms::parse(&form.to_element()).expect("written form reads");
                // Some examples elide fields ("..."); their dangling layout
                // references are warned about once and not written back.
                form.warnings.clear();
                again.warnings.clear();
                assert_eq!(again, form, "{name}");
                count += 1;
            }
        }
    }
    assert_eq!(count, 33, "forms found in the examples");
}

#[test]
fn every_command_example_reads_writes_and_reads_back_the_same() {
    let mut count = 0;
    for xep in ["xep-0050", "xep-0146"] {
        for name in fixtures(xep) {
            let root = fixture(&name);
            let mut found = Vec::new();
            descendants(
                &root,
                "command",
                "http://jabber.org/protocol/commands",
                &mut found,
            );
            for c in found {
                let command = CommandPayload::parse(c).unwrap_or_else(|e| panic!("{name}: {e}"));
                let again = CommandPayload::parse(&command.to_element()).expect("written command reads");
                assert_eq!(again, command, "{name}");
                count += 1;
            }
        }
    }
    assert!(count >= 30, "only {count} commands in the examples");
}

#[test]
fn the_bot_creation_form_of_xep_0004_is_read_and_submitted_as_declared() {
    let mut form = form_in("xep-0004-02.xml");
    assert_eq!(form.kind, FormKind::Form);
    assert_eq!(form.title.as_deref(), Some("Bot Configuration"));
    assert_eq!(form.form_type(), Some("jabber:bot"));
    let kinds: Vec<FieldKind> = form.fields.iter().map(|f| f.kind).collect();
    for kind in [
        FieldKind::Hidden,
        FieldKind::Fixed,
        FieldKind::TextSingle,
        FieldKind::TextMulti,
        FieldKind::Boolean,
        FieldKind::ListSingle,
        FieldKind::ListMulti,
        FieldKind::TextPrivate,
        FieldKind::JidMulti,
    ] {
        assert!(kinds.contains(&kind), "{kind:?}");
    }
    let features = form.field("features").expect("features");
    assert_eq!(features.values, ["news", "search"]);
    assert_eq!(features.options.len(), 5);

    form.set_values("botname", vec!["The Jabber Google Bot".into()]);
    form.set_values(
        "invitelist",
        vec!["juliet@capulet.com".into(), "romeo@montague.net".into()],
    );
    let submission = forms::parse(&form.submission()).expect("submission");
    assert_eq!(submission.kind, FormKind::Submit);
    // Fixed fields are not submitted; everything else is, in order, with
    // the declared type and hidden values unchanged.
    let vars: Vec<&str> = submission
        .fields
        .iter()
        .filter_map(|f| f.var.as_deref())
        .collect();
    let expected: Vec<&str> = form
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Fixed)
        .filter_map(|f| f.var.as_deref())
        .collect();
    assert_eq!(vars, expected);
    assert_eq!(submission.form_type(), Some("jabber:bot"));
    for field in &submission.fields {
        let original = form
            .field(field.var.as_deref().unwrap_or_default())
            .expect("field");
        assert_eq!(field.declared_type, original.declared_type);
        assert_eq!(field.values, original.values, "{:?}", field.var);
        assert!(field.label.is_none() && field.options.is_empty());
    }
    // The XEP's own submission has the same fields.
    let theirs = form_in("xep-0004-03.xml");
    let their_vars: Vec<&str> = theirs.fields.iter().filter_map(|f| f.var.as_deref()).collect();
    assert_eq!(vars, their_vars);
}

#[test]
fn the_search_results_of_xep_0004_are_a_table() {
    let result = form_in("xep-0004-08.xml");
    assert_eq!(result.kind, FormKind::Result);
    assert_eq!(result.title.as_deref(), Some("Joogle Search: verona"));
    let columns: Vec<&str> = result.reported.iter().map(|f| f.title()).collect();
    assert_eq!(columns, ["name", "url"]);
    assert_eq!(result.items.len(), 5);
    assert!(result.items[1]
        .iter()
        .any(|f| f.value() == "http://www.hellasverona.it/"));
    let pages = result.shown_pages();
    assert!(pages[0].content.contains(&LayoutItem::Reported));
}

#[test]
fn xep_0122_datatypes_ranges_patterns_and_list_ranges_are_checked() {
    let form = form_in("xep-0122-04.xml");
    let mut field = form.fields[0].clone();
    let Some(v) = &field.validation else {
        panic!("validation")
    };
    assert_eq!(v.datatype, "xs:dateTime");
    assert!(matches!(v.method, Method::Range { .. }));
    assert_eq!(field.problem(), None);
    field.values = vec!["2003-10-04T23:00:00-07:00".into()];
    assert!(matches!(field.problem(), Some(Problem::BelowMin(_))));
    field.values = vec!["tomorrow".into()];
    assert_eq!(field.problem(), Some(Problem::NotADateTime));

    let mut ssn = form_in("xep-0122-05.xml").fields[0].clone();
    ssn.values = vec!["123-45-6789".into()];
    assert_eq!(ssn.problem(), None);
    ssn.values = vec!["123456789".into()];
    assert!(matches!(ssn.problem(), Some(Problem::NoMatch(_))));

    let mut choice = form_in("xep-0122-06.xml").fields[0].clone();
    assert_eq!(
        choice.validation.as_ref().and_then(|v| v.list_range),
        Some((Some(1), Some(3)))
    );
    choice.values = choice.options.iter().map(|o| o.value.clone()).take(4).collect();
    assert_eq!(choice.problem(), Some(Problem::TooMany(3)));
    choice.values.clear();
    choice.required = false;
    assert_eq!(choice.problem(), None, "optional and empty is fine");

    let open = form_in("xep-0122-03.xml");
    let mut open = open.fields[0].clone();
    assert!(open.is_open());
    open.values = vec!["not among the options".into()];
    assert_eq!(open.problem(), None);
}

#[test]
fn xep_0141_pages_and_sections_refer_to_fields() {
    let form = form_in("xep-0141-02.xml");
    let labels: Vec<Option<&str>> = form.pages.iter().map(|p| p.label.as_deref()).collect();
    assert_eq!(
        labels,
        [
            Some("Personal Information"),
            Some("Community Activity"),
            Some("Plans and Reasonings")
        ]
    );
    let first_field = form.pages[0]
        .content
        .iter()
        .find_map(|i| match i {
            LayoutItem::Field(i) => Some(*i),
            _ => None,
        })
        .expect("a field");
    assert_eq!(form.fields[first_field].var.as_deref(), Some("name.first"));

    let nested = form_in("xep-0141-04.xml");
    let LayoutItem::Section { label, content } = &nested.pages[0].content[0] else {
        panic!("a section")
    };
    assert!(label.is_some());
    assert!(content.iter().any(|i| matches!(i, LayoutItem::Section { .. })));
}

#[test]
fn xep_0221_media_is_kept_with_its_field() {
    let form = form_in("xep-0221-01.xml");
    let with_media = form.fields.iter().find(|f| !f.media.is_empty()).expect("media");
    let media = &with_media.media[0];
    assert_eq!((media.width, media.height), (Some(290), Some(80)));
    assert!(media.uris.iter().any(|u| u.mime.starts_with("image/")));
}

#[test]
fn xep_0146_set_status_form_and_its_completion() {
    let form = form_in("xep-0146-02.xml");
    assert_eq!(form.form_type(), Some("http://jabber.org/protocol/rc"));
    let status = form.field("status").expect("status");
    assert_eq!(status.kind, FieldKind::ListSingle);
    assert!(status.required);
    let root = fixture("xep-0146-04.xml");
    let mut commands = Vec::new();
    descendants(
        &root,
        "command",
        "http://jabber.org/protocol/commands",
        &mut commands,
    );
    let done = CommandPayload::parse(commands[0]).expect("command");
    assert_eq!(done.status, Some(Status::Completed));
    assert_eq!(done.node, "http://jabber.org/protocol/rc#set-status");
}

#[test]
fn xep_0050_stage_actions_follow_the_execute_default() {
    let mut found = Vec::new();
    for name in fixtures("xep-0050") {
        let root = fixture(&name);
        let mut commands = Vec::new();
        descendants(
            &root,
            "command",
            "http://jabber.org/protocol/commands",
            &mut commands,
        );
        for c in commands {
            let c = CommandPayload::parse(c).expect("command");
            if c.actions.is_some() {
                found.push(c);
            }
        }
    }
    // Stage 1 of the config example: next only, default next.
    let stage1 = found
        .iter()
        .find(|c| c.allows(Action::Next) && !c.allows(Action::Prev))
        .expect("stage 1");
    assert_eq!(stage1.default_action(), Some(Action::Next));
    // Stage 2: prev and complete, default complete.
    let stage2 = found.iter().find(|c| c.allows(Action::Prev)).expect("stage 2");
    assert_eq!(stage2.default_action(), Some(Action::Complete));
    assert!(!stage2.allows(Action::Next));
}

fn parse_str(xml: &str) -> Result<Form, FormError> {
    forms::parse(&xml.parse::<Element>().expect("xml"))
}

#[test]
fn malformed_forms_get_clear_results() {
    // Unknown field type: shown as text, declared type kept for submitting.
    let form = parse_str(
        "<x xmlns='jabber:x:data' type='form'><field var='colour' type='colour-picker'><value>red</value></field></x>",
    )
    .expect("usable");
    assert_eq!(form.fields[0].kind, FieldKind::TextSingle);
    assert_eq!(
        form.warnings,
        [FormWarning::UnknownFieldType {
            var: "colour".into(),
            declared: "colour-picker".into()
        }]
    );
    let sub = form.submission();
    assert_eq!(
        sub.children().next().and_then(|f| f.attr("type")),
        Some("colour-picker")
    );

    // Duplicate vars: refused, named.
    assert_eq!(
        parse_str("<x xmlns='jabber:x:data' type='form'><field var='a'/><field var='a' type='boolean'/></x>"),
        Err(FormError::DuplicateVar("a".into()))
    );

    // An option without a value is left out, and said so.
    let form = parse_str(
        "<x xmlns='jabber:x:data' type='form'><field var='l' type='list-single'><option label='Empty'/><option><value>v</value></option></field></x>",
    )
    .expect("usable");
    assert_eq!(form.fields[0].options.len(), 1);
    assert_eq!(form.warnings, [FormWarning::OptionWithoutValue("l".into())]);

    // No FORM_TYPE: fine, and none is invented.
    let form = parse_str("<x xmlns='jabber:x:data' type='form'><field var='q'/></x>").expect("usable");
    assert_eq!(form.form_type(), None);
    assert_eq!(
        forms::parse(&form.submission()).expect("submission").form_type(),
        None
    );

    // Not a form, and an unknown form type.
    assert_eq!(
        forms::parse(
            &"<query xmlns='jabber:iq:register'/>"
                .parse::<Element>()
                .expect("xml")
        ),
        Err(FormError::NotAForm("query".into()))
    );
    assert_eq!(
        parse_str("<x xmlns='jabber:x:data' type='questionnaire'/>"),
        Err(FormError::UnknownFormType("questionnaire".into()))
    );
    assert_eq!(
        parse_str("<x xmlns='jabber:x:data'/>"),
        Err(FormError::UnknownFormType(String::new()))
    );

    // A pattern that does not compile is ignored, not applied.
    let form = parse_str(
        "<x xmlns='jabber:x:data' type='form'><field var='p'><validate xmlns='http://jabber.org/protocol/xdata-validate'><regex>([</regex></validate><value>x</value></field></x>",
    )
    .expect("usable");
    assert_eq!(form.warnings, [FormWarning::BadValidation("p".into())]);
    assert_eq!(form.fields[0].problem(), None);

    // A non-fixed field without a name is shown but not submitted.
    let form =
        parse_str("<x xmlns='jabber:x:data' type='form'><field label='Nameless'/></x>").expect("usable");
    assert_eq!(form.warnings, [FormWarning::FieldWithoutVar("Nameless".into())]);
    assert_eq!(form.submission().children().count(), 0);

    // Layout references to missing fields are dropped; unreferenced fields
    // are added to the last page.
    let form = parse_str(
        "<x xmlns='jabber:x:data' type='form'><page xmlns='http://jabber.org/protocol/xdata-layout'><fieldref var='ghost'/></page><field var='real'/></x>",
    )
    .expect("usable");
    assert_eq!(form.pages[0].content, [LayoutItem::Field(0)]);
    assert!(form
        .warnings
        .contains(&FormWarning::UnknownFieldRef("ghost".into())));
}

#[test]
fn ten_thousand_options_parse_and_validate_quickly() {
    let mut xml = String::from("<x xmlns='jabber:x:data' type='form'><field var='big' type='list-multi'>");
    for i in 0..10_000 {
        xml.push_str(&format!("<option label='Option {i}'><value>{i}</value></option>"));
    }
    xml.push_str("</field></x>");
    let element: Element = xml.parse().expect("xml");
    let started = Instant::now();
    let mut form = forms::parse(&element).expect("form");
    assert_eq!(form.fields[0].options.len(), 10_000);
    form.set_values("big", vec!["9999".into(), "0".into()]);
    assert!(form.validate().is_empty());
    form.set_values("big", vec!["10000".into()]);
    assert_eq!(form.validate()[0].problem, Problem::NotAnOption("10000".into()));
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
