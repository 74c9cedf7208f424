//! XEP-0141 data forms layout: pages and sections that refer to fields.

use std::collections::HashSet;

use xmpp_parsers::minidom::Element;

use super::{
    parse::{FormError, FormWarning},
    Field, FieldKind, NS_LAYOUT,
};

/// How deep XEP-0141 sections may nest, in pages and in what is written.
pub const MAX_SECTION_DEPTH: usize = 16;

/// One step of a paged form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's title.
    pub label: Option<String>,
    /// What it shows, in order.
    pub content: Vec<LayoutItem>,
}

/// One thing a page or section shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutItem {
    /// Text for people.
    Text(String),
    /// The form's field at this index.
    Field(usize),
    /// The result table.
    Reported,
    /// A titled group.
    Section {
        /// Its title.
        label: Option<String>,
        /// What it shows.
        content: Vec<LayoutItem>,
    },
}

fn content(
    element: &Element,
    fields: &[Field],
    used: &mut HashSet<usize>,
    warnings: &mut Vec<FormWarning>,
    depth: usize,
) -> Result<Vec<LayoutItem>, FormError> {
    if depth > MAX_SECTION_DEPTH {
        return Err(FormError::TooDeep {
            limit: MAX_SECTION_DEPTH,
        });
    }
    let mut items = Vec::new();
    for child in element.children().filter(|c| c.ns() == NS_LAYOUT) {
        match child.name() {
            "text" => items.push(LayoutItem::Text(child.text())),
            "reportedref" => items.push(LayoutItem::Reported),
            "section" => items.push(LayoutItem::Section {
                label: child.attr("label").map(str::to_owned),
                content: content(child, fields, used, warnings, depth + 1)?,
            }),
            "fieldref" => {
                let var = child.attr("var").unwrap_or_default();
                match fields.iter().position(|f| f.var.as_deref() == Some(var)) {
                    Some(i) if used.insert(i) => items.push(LayoutItem::Field(i)),
                    Some(_) => warnings.push(FormWarning::FieldShownTwice(var.to_owned())),
                    None => warnings.push(FormWarning::UnknownFieldRef(var.to_owned())),
                }
            }
            other => warnings.push(FormWarning::UnknownLayout(other.to_owned())),
        }
    }
    Ok(items)
}

/// Reads the form's `<page/>` children. Fields that no page refers to are
/// added to the last page, so that nothing the form asks for is hidden.
pub(super) fn pages(
    x: &Element,
    fields: &[Field],
    warnings: &mut Vec<FormWarning>,
) -> Result<Vec<Page>, FormError> {
    let mut used = HashSet::new();
    let mut pages = Vec::new();
    for page in x.children().filter(|c| c.is("page", NS_LAYOUT)) {
        pages.push(Page {
            label: page.attr("label").map(str::to_owned),
            content: content(page, fields, &mut used, warnings, 0)?,
        });
    }
    if let Some(last) = pages.last_mut() {
        for (i, field) in fields.iter().enumerate() {
            if !used.contains(&i) && field.kind != FieldKind::Hidden {
                warnings.push(FormWarning::FieldOnNoPage(field.title().to_owned()));
                last.content.push(LayoutItem::Field(i));
            }
        }
    }
    Ok(pages)
}
