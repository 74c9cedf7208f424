//! Checking a filled-in form before it is submitted: required fields,
//! addresses, options, and XEP-0122 datatypes, ranges and patterns.

use std::cmp::Ordering;

use xmpp_parsers::jid::Jid;

use super::{datatypes, Field, FieldKind, Form, Method};

/// What is wrong with a field's value. The UI words each for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Required and empty.
    Required,
    /// Not an XMPP address.
    NotAJid(String),
    /// Not a whole number.
    NotAnInteger,
    /// A whole number too large or small for its type.
    OutOfType,
    /// Not a number.
    NotANumber,
    /// Not yes or no.
    NotABoolean,
    /// Not a date (YYYY-MM-DD).
    NotADate,
    /// Not a date and time (RFC 3339).
    NotADateTime,
    /// Not a time (HH:MM:SS).
    NotATime,
    /// Not a URI.
    NotAUri,
    /// Not a language tag.
    NotALanguage,
    /// Below the range's minimum.
    BelowMin(String),
    /// Above the range's maximum.
    AboveMax(String),
    /// Does not match the pattern.
    NoMatch(String),
    /// Not one of the options.
    NotAnOption(String),
    /// Fewer values chosen than allowed.
    TooFew(u32),
    /// More values chosen than allowed.
    TooMany(u32),
    /// Several values in a single-value field.
    OneValueOnly,
}

/// A field that does not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Index into [`Form::fields`].
    pub index: usize,
    /// The field's name.
    pub var: String,
    /// What is wrong.
    pub problem: Problem,
}

fn check_value(field: &Field, value: &str) -> Result<(), Problem> {
    match field.kind {
        FieldKind::JidSingle | FieldKind::JidMulti => {
            value
                .trim()
                .parse::<Jid>()
                .map_err(|_| Problem::NotAJid(value.to_owned()))?;
        }
        FieldKind::Boolean => datatypes::check("xs:boolean", value)?,
        FieldKind::ListSingle | FieldKind::ListMulti
            if !field.is_open()
                && !field.options.is_empty()
                && !field.options.iter().any(|o| o.value == value) =>
        {
            return Err(Problem::NotAnOption(value.to_owned()));
        }
        _ => {}
    }
    let Some(validation) = &field.validation else {
        return Ok(());
    };
    datatypes::check(&validation.datatype, value)?;
    match &validation.method {
        Method::Range { min, max } => {
            let less =
                |bound: &str| datatypes::compare(&validation.datatype, value, bound) == Some(Ordering::Less);
            let more = |bound: &str| {
                datatypes::compare(&validation.datatype, value, bound) == Some(Ordering::Greater)
            };
            if let Some(min) = min.as_deref().filter(|m| less(m)) {
                return Err(Problem::BelowMin(min.to_owned()));
            }
            if let Some(max) = max.as_deref().filter(|m| more(m)) {
                return Err(Problem::AboveMax(max.to_owned()));
            }
        }
        Method::Regex(pattern) => {
            // The parser only keeps patterns that compile.
            if let Ok(re) = regex::Regex::new(&format!("^(?:{pattern})$")) {
                if !re.is_match(value) {
                    return Err(Problem::NoMatch(pattern.clone()));
                }
            }
        }
        Method::Basic | Method::Open => {}
    }
    Ok(())
}

impl Field {
    /// The first problem with this field's values, if any.
    pub fn problem(&self) -> Option<Problem> {
        if matches!(self.kind, FieldKind::Fixed | FieldKind::Hidden) || self.var.is_none() {
            return None;
        }
        let filled: Vec<&String> = self.values.iter().filter(|v| !v.trim().is_empty()).collect();
        if filled.is_empty() {
            let is_false = self.kind == FieldKind::Boolean;
            return (self.required && !is_false).then_some(Problem::Required);
        }
        if !self.kind.is_multi() && filled.len() > 1 {
            return Some(Problem::OneValueOnly);
        }
        if let Some(e) = filled.iter().find_map(|v| check_value(self, v).err()) {
            return Some(e);
        }
        let (min, max) = self.validation.as_ref()?.list_range?;
        let n = filled.len() as u32;
        match (min, max) {
            (Some(min), _) if n < min => Some(Problem::TooFew(min)),
            (_, Some(max)) if n > max => Some(Problem::TooMany(max)),
            _ => None,
        }
    }
}

impl Form {
    /// Every field that does not pass, in the form's order.
    pub fn validate(&self) -> Vec<Invalid> {
        self.fields
            .iter()
            .enumerate()
            .filter_map(|(index, field)| {
                Some(Invalid {
                    index,
                    problem: field.problem()?,
                    var: field.var.clone().unwrap_or_default(),
                })
            })
            .collect()
    }
}
