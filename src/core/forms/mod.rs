//! XEP-0004 data forms as Balcony models them: every field type, result
//! tables (`<reported>`/`<item>`), XEP-0122 validation, XEP-0141 layout and
//! XEP-0221 media. Parsing is lenient where the XEP allows a useful reading
//! (an unknown field type is shown as text) and strict where a guess would
//! lose data (two fields with one `var`).

mod datatypes;
mod layout;
mod parse;
mod validate;
mod write;

pub use layout::{LayoutItem, Page, MAX_SECTION_DEPTH};
pub use parse::{parse, FormError, FormWarning, MAX_FIELDS, MAX_ITEMS, MAX_OPTIONS, MAX_VALUES};
pub use validate::{Invalid, Problem};

/// The namespace of data forms.
pub const NS: &str = "jabber:x:data";
/// XEP-0122 validation.
pub const NS_VALIDATE: &str = "http://jabber.org/protocol/xdata-validate";
/// XEP-0141 layout.
pub const NS_LAYOUT: &str = "http://jabber.org/protocol/xdata-layout";
/// XEP-0221 media.
pub const NS_MEDIA: &str = "urn:xmpp:media-element";

/// What a form is for (its `type` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// Asks for data.
    Form,
    /// Data submitted.
    Submit,
    /// The asker gave up.
    Cancel,
    /// Data returned.
    Result,
}

impl FormKind {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Form => "form",
            FormKind::Submit => "submit",
            FormKind::Cancel => "cancel",
            FormKind::Result => "result",
        }
    }
}

/// The field types of XEP-0004 §3.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Yes or no.
    Boolean,
    /// Text for people, not submitted.
    Fixed,
    /// Not shown, submitted as it came.
    Hidden,
    /// Several addresses.
    JidMulti,
    /// One address.
    JidSingle,
    /// Several of the options.
    ListMulti,
    /// One of the options.
    ListSingle,
    /// Several lines of text.
    TextMulti,
    /// A secret, such as a password.
    TextPrivate,
    /// One line of text (also every unknown type).
    TextSingle,
}

impl FieldKind {
    /// Reads a `type` attribute; `None` for an unknown type.
    pub fn from_attr(value: &str) -> Option<Self> {
        Some(match value {
            "boolean" => FieldKind::Boolean,
            "fixed" => FieldKind::Fixed,
            "hidden" => FieldKind::Hidden,
            "jid-multi" => FieldKind::JidMulti,
            "jid-single" => FieldKind::JidSingle,
            "list-multi" => FieldKind::ListMulti,
            "list-single" => FieldKind::ListSingle,
            "text-multi" => FieldKind::TextMulti,
            "text-private" => FieldKind::TextPrivate,
            "text-single" => FieldKind::TextSingle,
            _ => return None,
        })
    }

    /// The `type` attribute that names it.
    pub fn as_attr(self) -> &'static str {
        match self {
            FieldKind::Boolean => "boolean",
            FieldKind::Fixed => "fixed",
            FieldKind::Hidden => "hidden",
            FieldKind::JidMulti => "jid-multi",
            FieldKind::JidSingle => "jid-single",
            FieldKind::ListMulti => "list-multi",
            FieldKind::ListSingle => "list-single",
            FieldKind::TextMulti => "text-multi",
            FieldKind::TextPrivate => "text-private",
            FieldKind::TextSingle => "text-single",
        }
    }

    /// Whether the field holds several values.
    pub fn is_multi(self) -> bool {
        matches!(
            self,
            FieldKind::JidMulti | FieldKind::ListMulti | FieldKind::TextMulti
        )
    }
}

/// One choice of a list field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldOption {
    /// What people read; the value when absent.
    pub label: Option<String>,
    /// What is submitted.
    pub value: String,
}

impl FieldOption {
    /// The label, or the value when there is none.
    pub fn text(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.value)
    }
}

/// How XEP-0122 checks a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Only the datatype (and, for lists, the options).
    Basic,
    /// For lists: values other than the options are allowed.
    Open,
    /// Between `min` and `max`, inclusive, in the datatype's order.
    Range {
        /// Lowest value.
        min: Option<String>,
        /// Highest value.
        max: Option<String>,
    },
    /// Matches the whole pattern.
    Regex(String),
}

/// XEP-0122 validation of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// The datatype, e.g. `xs:integer`; `xs:string` when not given.
    pub datatype: String,
    /// The method.
    pub method: Method,
    /// For multi-value fields: how many values may be chosen.
    pub list_range: Option<(Option<u32>, Option<u32>)>,
}

/// One way to get a medium (XEP-0221).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUri {
    /// MIME type, e.g. `image/png`.
    pub mime: String,
    /// Where it is: `http:`, `https:` or `cid:` (Bits of Binary).
    pub uri: String,
}

/// A medium attached to a field, such as a CAPTCHA image (XEP-0221).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Media {
    /// Suggested height in pixels.
    pub height: Option<u32>,
    /// Suggested width in pixels.
    pub width: Option<u32>,
    /// The alternatives, best first.
    pub uris: Vec<MediaUri>,
}

/// One field of a form. `Debug` shows the values of a `text-private`
/// field by size only.
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name; absent only for `fixed` fields.
    pub var: Option<String>,
    /// How it is shown and checked.
    pub kind: FieldKind,
    /// The `type` attribute as written, kept for submitting (`None` when the
    /// form left it out).
    pub declared_type: Option<String>,
    /// What people read.
    pub label: Option<String>,
    /// A longer description.
    pub desc: Option<String>,
    /// Whether a value is needed.
    pub required: bool,
    /// The values: defaults in a form, entered values once edited.
    pub values: Vec<String>,
    /// The choices of list fields.
    pub options: Vec<FieldOption>,
    /// XEP-0122 validation.
    pub validation: Option<Validation>,
    /// XEP-0221 media.
    pub media: Vec<Media>,
}

impl Field {
    /// A field of `kind` named `var` with nothing else set.
    pub fn new(var: &str, kind: FieldKind) -> Self {
        Field {
            var: Some(var.to_owned()),
            kind,
            declared_type: None,
            label: None,
            desc: None,
            required: false,
            values: Vec::new(),
            options: Vec::new(),
            validation: None,
            media: Vec::new(),
        }
    }

    /// The first value, or "".
    pub fn value(&self) -> &str {
        self.values.first().map(String::as_str).unwrap_or("")
    }

    /// A boolean field's value (`1` and `true` are true).
    pub fn is_true(&self) -> bool {
        matches!(self.value(), "1" | "true")
    }

    /// What people read: the label, else the var.
    pub fn title(&self) -> &str {
        self.label.as_deref().or(self.var.as_deref()).unwrap_or("")
    }

    /// Whether values outside the options are allowed (XEP-0122 `open`).
    pub fn is_open(&self) -> bool {
        matches!(
            self.validation,
            Some(Validation {
                method: Method::Open,
                ..
            })
        )
    }
}

/// A row of a result table: each reported column's values.
pub type Item = Vec<Field>;

/// A parsed data form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// What it is for.
    pub kind: FormKind,
    /// A title.
    pub title: Option<String>,
    /// Instructions, one entry per `<instructions/>`.
    pub instructions: Vec<String>,
    /// The fields, in the form's order.
    pub fields: Vec<Field>,
    /// The columns of a result table.
    pub reported: Vec<Field>,
    /// The rows of a result table.
    pub items: Vec<Item>,
    /// XEP-0141 pages; empty when the form has no layout.
    pub pages: Vec<Page>,
    /// What the parser tolerated, for logs.
    pub warnings: Vec<FormWarning>,
}

impl Form {
    /// An empty form of `kind`.
    pub fn new(kind: FormKind) -> Self {
        Form {
            kind,
            title: None,
            instructions: Vec::new(),
            fields: Vec::new(),
            reported: Vec::new(),
            items: Vec::new(),
            pages: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The field named `var`.
    pub fn field(&self, var: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.var.as_deref() == Some(var))
    }

    /// The field named `var`, to edit.
    pub fn field_mut(&mut self, var: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.var.as_deref() == Some(var))
    }

    /// The hidden `FORM_TYPE` (XEP-0068), if the form has one.
    pub fn form_type(&self) -> Option<&str> {
        self.field("FORM_TYPE").map(Field::value)
    }

    /// Sets the values of field `var`; false if there is no such field.
    pub fn set_values(&mut self, var: &str, values: Vec<String>) -> bool {
        match self.field_mut(var) {
            Some(field) => {
                field.values = values;
                true
            }
            None => false,
        }
    }

    /// The pages to show: the form's XEP-0141 pages, or one page holding
    /// every field (and the table, if any).
    pub fn shown_pages(&self) -> Vec<Page> {
        if !self.pages.is_empty() {
            return self.pages.clone();
        }
        let mut content: Vec<LayoutItem> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, _)| LayoutItem::Field(i))
            .collect();
        if !self.reported.is_empty() {
            content.push(LayoutItem::Reported);
        }
        vec![Page { label: None, content }]
    }
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Field");
        d.field("var", &self.var).field("kind", &self.kind);
        if self.kind == FieldKind::TextPrivate {
            let hidden: Vec<_> = self
                .values
                .iter()
                .map(|v| crate::core::redact::Redacted(v))
                .collect();
            d.field("values", &hidden);
        } else {
            d.field("values", &self.values);
        }
        d.field("declared_type", &self.declared_type)
            .field("label", &self.label)
            .field("desc", &self.desc)
            .field("required", &self.required)
            .field("options", &self.options)
            .field("validation", &self.validation)
            .field("media", &self.media)
            .finish()
    }
}
