//! What is wrong with a field, in the user's language.

use crate::{
    core::forms::Problem,
    i18n::{gettext, gettext_f, ngettext_f},
};

/// The message shown under a field with `problem`.
pub fn problem_text(problem: &Problem) -> String {
    match problem {
        Problem::Required => gettext("This field is required"),
        Problem::NotAJid(value) => gettext_f("“{value}” is not a valid address", &[("value", value)]),
        Problem::NotAnInteger => gettext("Enter a whole number"),
        Problem::OutOfType => gettext("This number is too large or too small"),
        Problem::NotANumber => gettext("Enter a number"),
        Problem::NotABoolean => gettext("Choose yes or no"),
        Problem::NotADate => gettext("Enter a date such as 2026-11-21"),
        Problem::NotADateTime => gettext("Enter a date and time such as 2026-11-21T14:30:00Z"),
        Problem::NotATime => gettext("Enter a time such as 14:30:00"),
        Problem::NotAUri => gettext("Enter an address such as https://example.org"),
        Problem::NotALanguage => gettext("Enter a language code such as en or de-AT"),
        Problem::BelowMin(min) => gettext_f("The lowest allowed value is {min}", &[("min", min)]),
        Problem::AboveMax(max) => gettext_f("The highest allowed value is {max}", &[("max", max)]),
        Problem::NoMatch(_) => gettext("The value does not have the expected format"),
        Problem::NotAnOption(value) => gettext_f("“{value}” is not one of the choices", &[("value", value)]),
        Problem::TooFew(n) => ngettext_f(
            "Choose at least {n} item",
            "Choose at least {n} items",
            *n,
            &[("n", &n.to_string())],
        ),
        Problem::TooMany(n) => ngettext_f(
            "Choose at most {n} item",
            "Choose at most {n} items",
            *n,
            &[("n", &n.to_string())],
        ),
        Problem::OneValueOnly => gettext("Only one value is allowed here"),
    }
}
