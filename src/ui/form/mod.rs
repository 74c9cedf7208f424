//! The data-forms renderer (XEP-0004 with XEP-0122, XEP-0141, XEP-0221):
//! one editor per field type, shared by ad-hoc commands and every other
//! place a server or device sends a form.

mod choice_editors;
mod field_editor;
mod form_builder;
mod form_view;
mod jid_list;
mod media;
mod option_picker;
mod problem_text;
mod result_table;
mod reveal;
mod text_editors;

pub use form_view::FormView;
pub use media::Bob;
pub use problem_text::problem_text;
