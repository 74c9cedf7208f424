//! Writing forms: the whole form (for forms we send, such as our own
//! commands' pages), and a submission with every field the form asked for,
//! hidden ones (such as FORM_TYPE) as they came, each with the type the
//! form declared.

use xmpp_parsers::minidom::{
    rxml::{xml_ncname, NcNameStr},
    Element, ElementBuilder,
};

use super::{
    layout::MAX_SECTION_DEPTH, Field, FieldKind, Form, LayoutItem, Method, Validation, NS, NS_LAYOUT,
    NS_MEDIA, NS_VALIDATE,
};

fn text(name: &str, ns: &str, value: &str) -> Element {
    Element::builder(name, ns).append(value).build()
}

fn attr(builder: ElementBuilder, name: &'static NcNameStr, value: Option<impl ToString>) -> ElementBuilder {
    match value {
        Some(value) => builder.attr(name.to_owned(), value.to_string()),
        None => builder,
    }
}

fn validation(v: &Validation) -> Element {
    let mut b = attr(
        Element::builder("validate", NS_VALIDATE),
        xml_ncname!("datatype"),
        Some(&v.datatype),
    );
    b = b.append(match &v.method {
        Method::Basic => Element::builder("basic", NS_VALIDATE).build(),
        Method::Open => Element::builder("open", NS_VALIDATE).build(),
        Method::Range { min, max } => {
            let r = attr(
                Element::builder("range", NS_VALIDATE),
                xml_ncname!("min"),
                min.as_ref(),
            );
            attr(r, xml_ncname!("max"), max.as_ref()).build()
        }
        Method::Regex(p) => text("regex", NS_VALIDATE, p),
    });
    if let Some((min, max)) = v.list_range {
        let r = attr(
            Element::builder("list-range", NS_VALIDATE),
            xml_ncname!("min"),
            min,
        );
        b = b.append(attr(r, xml_ncname!("max"), max).build());
    }
    b.build()
}

fn values(field: &Field) -> Vec<&String> {
    match field.kind {
        // A multi-line text is one value per line (XEP-0004 §3.3).
        FieldKind::TextMulti => field.values.iter().collect(),
        _ if field.kind.is_multi() => field.values.iter().filter(|v| !v.trim().is_empty()).collect(),
        _ => field.values.iter().take(1).collect(),
    }
}

fn field(field: &Field, full: bool) -> Element {
    let mut b = attr(
        Element::builder("field", NS),
        xml_ncname!("var"),
        field.var.as_ref(),
    );
    b = attr(b, xml_ncname!("type"), field.declared_type.as_ref());
    if full {
        b = attr(b, xml_ncname!("label"), field.label.as_ref());
        if let Some(desc) = &field.desc {
            b = b.append(text("desc", NS, desc));
        }
        if field.required {
            b = b.append(Element::builder("required", NS).build());
        }
    }
    for value in values(field) {
        b = b.append(text("value", NS, value));
    }
    if full {
        for option in &field.options {
            let o = attr(
                Element::builder("option", NS),
                xml_ncname!("label"),
                option.label.as_ref(),
            );
            b = b.append(o.append(text("value", NS, &option.value)).build());
        }
        if let Some(v) = &field.validation {
            b = b.append(validation(v));
        }
        for media in &field.media {
            let mut m = attr(
                Element::builder("media", NS_MEDIA),
                xml_ncname!("height"),
                media.height,
            );
            m = attr(m, xml_ncname!("width"), media.width);
            for uri in &media.uris {
                let u = attr(
                    Element::builder("uri", NS_MEDIA),
                    xml_ncname!("type"),
                    Some(&uri.mime),
                );
                m = m.append(u.append(uri.uri.as_str()).build());
            }
            b = b.append(m.build());
        }
    }
    b.build()
}

/// Writes a page or section; sections deeper than [`MAX_SECTION_DEPTH`]
/// (which parsing refuses) are left out.
fn layout(form: &Form, name: &str, label: Option<&String>, content: &[LayoutItem], depth: usize) -> Element {
    let mut b = attr(Element::builder(name, NS_LAYOUT), xml_ncname!("label"), label);
    for item in content {
        if depth >= MAX_SECTION_DEPTH && matches!(item, LayoutItem::Section { .. }) {
            continue;
        }
        b = b.append(match item {
            LayoutItem::Text(t) => text("text", NS_LAYOUT, t),
            LayoutItem::Reported => Element::builder("reportedref", NS_LAYOUT).build(),
            LayoutItem::Field(i) => {
                let var = form.fields.get(*i).and_then(|f| f.var.as_ref());
                attr(Element::builder("fieldref", NS_LAYOUT), xml_ncname!("var"), var).build()
            }
            LayoutItem::Section { label, content } => {
                layout(form, "section", label.as_ref(), content, depth + 1)
            }
        });
    }
    b.build()
}

impl Form {
    /// The whole form as XML.
    pub fn to_element(&self) -> Element {
        let mut x = attr(
            Element::builder("x", NS),
            xml_ncname!("type"),
            Some(self.kind.as_str()),
        );
        if let Some(title) = &self.title {
            x = x.append(text("title", NS, title));
        }
        for i in &self.instructions {
            x = x.append(text("instructions", NS, i));
        }
        for page in &self.pages {
            x = x.append(layout(self, "page", page.label.as_ref(), &page.content, 0));
        }
        if !self.reported.is_empty() {
            let r = self.reported.iter().map(|f| field(f, true));
            x = x.append(Element::builder("reported", NS).append_all(r).build());
        }
        for item in &self.items {
            let i = item.iter().map(|f| field(f, false));
            x = x.append(Element::builder("item", NS).append_all(i).build());
        }
        x.append_all(self.fields.iter().map(|f| field(f, true))).build()
    }

    /// The submission of this form as filled in. Fixed fields and fields
    /// without a name are left out; everything else is sent, so that the
    /// answering entity sees the whole form (hidden fields unchanged).
    pub fn submission(&self) -> Element {
        let fields = self
            .fields
            .iter()
            .filter(|f| f.kind != FieldKind::Fixed && f.var.is_some())
            .map(|f| field(f, false));
        attr(Element::builder("x", NS), xml_ncname!("type"), Some("submit"))
            .append_all(fields)
            .build()
    }

    /// A cancellation (XEP-0004 §3.1).
    pub fn cancellation() -> Element {
        attr(Element::builder("x", NS), xml_ncname!("type"), Some("cancel")).build()
    }
}
