//! Reading a `<x xmlns='jabber:x:data'/>` element.

use std::collections::HashSet;

use xmpp_parsers::minidom::Element;

use super::{
    layout, Field, FieldKind, FieldOption, Form, FormKind, Media, MediaUri, Method, Validation, NS, NS_MEDIA,
    NS_VALIDATE,
};

/// Why a form cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The element is not a data form.
    #[error("not a data form (<{0}/>)")]
    NotAForm(String),
    /// The form's `type` is missing or unknown.
    #[error("unknown form type “{0}”")]
    UnknownFormType(String),
    /// Two fields share a name, so a submission could not tell them apart.
    #[error("two fields are named “{0}”")]
    DuplicateVar(String),
    /// More of something than Balcony reads from one form.
    #[error("the form has more {what} than the {limit} Balcony reads")]
    TooLarge {
        /// What there is too much of: `fields`, `options`, …
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// XEP-0141 sections nested deeper than Balcony follows.
    #[error("the form's sections are nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
}

/// Fields a form (or its result table's columns, or one row) may have.
pub const MAX_FIELDS: usize = 2_000;
/// Options one list field may have.
pub const MAX_OPTIONS: usize = 20_000;
/// Values one field may have.
pub const MAX_VALUES: usize = 20_000;
/// Rows a result table may have.
pub const MAX_ITEMS: usize = 10_000;

/// The children of `parent` that `keep` picks, refused past `limit`.
fn at_most<'a>(
    parent: &'a Element,
    keep: impl Fn(&Element) -> bool,
    what: &'static str,
    limit: usize,
) -> Result<impl Iterator<Item = &'a Element>, FormError> {
    if parent.children().filter(|c| keep(c)).nth(limit).is_some() {
        return Err(FormError::TooLarge { what, limit });
    }
    Ok(parent.children().filter(move |c| keep(c)))
}

/// What the parser tolerated; the form is still usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormWarning {
    /// A field type this version does not know; the field is shown as text.
    UnknownFieldType {
        /// The field.
        var: String,
        /// The type as written.
        declared: String,
    },
    /// An option without a `<value/>` was left out.
    OptionWithoutValue(String),
    /// A field other than `fixed` without a name; it is shown, not submitted.
    FieldWithoutVar(String),
    /// XEP-0122 validation that could not be read was ignored.
    BadValidation(String),
    /// A layout reference to a field the form does not have.
    UnknownFieldRef(String),
    /// A field referred to by two layout items; shown once.
    FieldShownTwice(String),
    /// A field that no page shows; added to the last page.
    FieldOnNoPage(String),
    /// A layout element this version does not know.
    UnknownLayout(String),
}

fn text_of(element: &Element, name: &str) -> Option<String> {
    element.get_child(name, NS).map(Element::text)
}

fn validation(element: &Element, var: &str, warnings: &mut Vec<FormWarning>) -> Option<Validation> {
    let v = element.get_child("validate", NS_VALIDATE)?;
    let mut method = Method::Basic;
    let mut list_range = None;
    for child in v.children().filter(|c| c.ns() == NS_VALIDATE) {
        match child.name() {
            "basic" => method = Method::Basic,
            "open" => method = Method::Open,
            "range" => {
                method = Method::Range {
                    min: child.attr("min").map(str::to_owned),
                    max: child.attr("max").map(str::to_owned),
                }
            }
            "regex" => match regex::Regex::new(&format!("^(?:{})$", child.text())) {
                Ok(_) => method = Method::Regex(child.text()),
                Err(_) => warnings.push(FormWarning::BadValidation(var.to_owned())),
            },
            "list-range" => {
                let bound = |name| child.attr(name).and_then(|v: &str| v.parse::<u32>().ok());
                list_range = Some((bound("min"), bound("max")));
            }
            _ => warnings.push(FormWarning::BadValidation(var.to_owned())),
        }
    }
    Some(Validation {
        datatype: v.attr("datatype").unwrap_or("xs:string").to_owned(),
        method,
        list_range,
    })
}

fn media(element: &Element) -> Vec<Media> {
    element
        .children()
        .filter(|c| c.is("media", NS_MEDIA))
        .map(|m| Media {
            height: m.attr("height").and_then(|v| v.parse().ok()),
            width: m.attr("width").and_then(|v| v.parse().ok()),
            uris: m
                .children()
                .filter(|u| u.is("uri", NS_MEDIA))
                .map(|u| MediaUri {
                    mime: u.attr("type").unwrap_or_default().to_owned(),
                    uri: u.text().trim().to_owned(),
                })
                .collect(),
        })
        .collect()
}

fn field(element: &Element, default: FieldKind, warnings: &mut Vec<FormWarning>) -> Result<Field, FormError> {
    let var = element.attr("var").map(str::to_owned);
    let declared_type = element.attr("type").map(str::to_owned);
    let name = var.clone().unwrap_or_default();
    let kind = match declared_type.as_deref() {
        None => default,
        Some(t) => FieldKind::from_attr(t).unwrap_or_else(|| {
            warnings.push(FormWarning::UnknownFieldType {
                var: name.clone(),
                declared: t.to_owned(),
            });
            FieldKind::TextSingle
        }),
    };
    let mut options = Vec::new();
    for option in at_most(element, |c| c.is("option", NS), "options", MAX_OPTIONS)? {
        match text_of(option, "value") {
            Some(value) => options.push(FieldOption {
                label: option.attr("label").map(str::to_owned),
                value,
            }),
            None => warnings.push(FormWarning::OptionWithoutValue(name.clone())),
        }
    }
    Ok(Field {
        kind,
        declared_type,
        label: element.attr("label").map(str::to_owned),
        desc: text_of(element, "desc"),
        required: element.has_child("required", NS),
        values: at_most(element, |c| c.is("value", NS), "values", MAX_VALUES)?
            .map(Element::text)
            .collect(),
        options,
        validation: validation(element, &name, warnings),
        media: media(element),
        var,
    })
}

fn fields(
    parent: &Element,
    default: FieldKind,
    warnings: &mut Vec<FormWarning>,
) -> Result<Vec<Field>, FormError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for element in at_most(parent, |c| c.is("field", NS), "fields", MAX_FIELDS)? {
        let f = field(element, default, warnings)?;
        match &f.var {
            Some(var) if !seen.insert(var.clone()) => return Err(FormError::DuplicateVar(var.clone())),
            None if f.kind != FieldKind::Fixed => {
                warnings.push(FormWarning::FieldWithoutVar(f.title().to_owned()))
            }
            _ => {}
        }
        out.push(f);
    }
    Ok(out)
}

/// Reads a data form.
pub fn parse(x: &Element) -> Result<Form, FormError> {
    if !x.is("x", NS) {
        return Err(FormError::NotAForm(x.name().to_owned()));
    }
    let kind = match x.attr("type").unwrap_or_default() {
        "form" => FormKind::Form,
        "submit" => FormKind::Submit,
        "cancel" => FormKind::Cancel,
        "result" => FormKind::Result,
        other => return Err(FormError::UnknownFormType(other.to_owned())),
    };
    let mut warnings = Vec::new();
    // XEP-0004 §3.3: a field without a type is text-single, except in
    // submissions and results where the form defined it.
    let fields = fields(x, FieldKind::TextSingle, &mut warnings)?;
    let reported = match x.get_child("reported", NS) {
        Some(r) => fields_of(r, &mut warnings)?,
        None => Vec::new(),
    };
    let mut items = Vec::new();
    for item in at_most(x, |c| c.is("item", NS), "result rows", MAX_ITEMS)? {
        items.push(fields_of(item, &mut warnings)?);
    }
    let pages = layout::pages(x, &fields, &mut warnings)?;
    Ok(Form {
        kind,
        title: text_of(x, "title"),
        instructions: x
            .children()
            .filter(|c| c.is("instructions", NS))
            .map(Element::text)
            .collect(),
        fields,
        reported,
        items,
        pages,
        warnings,
    })
}

fn fields_of(parent: &Element, warnings: &mut Vec<FormWarning>) -> Result<Vec<Field>, FormError> {
    fields(parent, FieldKind::TextSingle, warnings)
}
