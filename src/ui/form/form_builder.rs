//! Building a form's widgets in order, a batch at a time: the layout
//! (pages, sections, text, fields, the result table) is flattened into
//! steps, so that a long form can show its first screen at once and build
//! the rest while the user reads.

use std::collections::VecDeque;

use adw::prelude::*;

use super::{
    field_editor::{self, Changed, Placement},
    form_view::FormView,
    media::{self, Bob},
    result_table,
};
use crate::core::forms::{Field, FieldKind, Form, FormKind, LayoutItem, Page};

/// Text from XML, its line breaks and indentation flowed into one paragraph.
pub fn flowed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The heading a fixed field stands for: one short line, no name.
fn heading(field: &Field) -> Option<String> {
    if field.kind != FieldKind::Fixed || field.var.is_some() || field.label.is_some() {
        return None;
    }
    let text = match field.values.as_slice() {
        [one] => one.trim(),
        _ => return None,
    };
    (!text.is_empty() && text.chars().count() <= 60 && !text.contains('\n')).then(|| text.to_owned())
}

enum Op {
    Text(usize, String),
    Field(usize, usize),
    Reported(usize),
    SectionStart(usize, Option<String>),
    SectionEnd,
}

fn flatten(page: usize, items: &[LayoutItem], ops: &mut VecDeque<Op>) {
    for item in items {
        match item {
            LayoutItem::Text(t) => ops.push_back(Op::Text(page, t.clone())),
            LayoutItem::Field(i) => ops.push_back(Op::Field(page, *i)),
            LayoutItem::Reported => ops.push_back(Op::Reported(page)),
            LayoutItem::Section { label, content } => {
                ops.push_back(Op::SectionStart(page, label.clone()));
                flatten(page, content, ops);
                ops.push_back(Op::SectionEnd);
            }
        }
    }
}

/// A form being built.
pub struct BuildState {
    form: Form,
    bob: Bob,
    editable: bool,
    changed: Changed,
    ops: VecDeque<Op>,
    pages: Vec<gtk::Box>,
    group: Option<(usize, adw::PreferencesGroup)>,
}

impl BuildState {
    /// Plans the widgets of `form` laid out as `pages`.
    pub fn new(form: &Form, bob: &Bob, editable: bool, changed: Changed, pages: &[Page]) -> Self {
        let mut ops = VecDeque::new();
        for (n, page) in pages.iter().enumerate() {
            flatten(n, &page.content, &mut ops);
        }
        BuildState {
            form: form.clone(),
            bob: bob.clone(),
            editable,
            changed,
            ops,
            pages: pages
                .iter()
                .map(|_| {
                    gtk::Box::builder()
                        .orientation(gtk::Orientation::Vertical)
                        .spacing(18)
                        .build()
                })
                .collect(),
            group: None,
        }
    }

    /// One box per page, filled as the steps run.
    pub fn pages(&self) -> &[gtk::Box] {
        &self.pages
    }

    /// Appends `widget` (of field `field`, if any) to page `page`, held
    /// hidden when past the first screen.
    fn append(&self, view: &FormView, page: usize, widget: &impl IsA<gtk::Widget>, field: Option<usize>) {
        self.pages[page].append(widget);
        view.hold(widget, page, field);
    }

    fn group(&mut self, view: &FormView, page: usize) -> adw::PreferencesGroup {
        if let Some((p, g)) = &self.group {
            if *p == page {
                return g.clone();
            }
        }
        let g = adw::PreferencesGroup::new();
        self.append(view, page, &g, None);
        self.group = Some((page, g.clone()));
        g
    }

    fn field(&mut self, view: &FormView, page: usize, index: usize) {
        let Some(field) = self.form.fields.get(index).cloned() else {
            return;
        };
        let field = &field;
        if let Some(heading) = heading(field) {
            // A short fixed line heads the fields after it, as servers use
            // it (e.g. "Access to the room").
            let group = adw::PreferencesGroup::builder()
                .title(glib::markup_escape_text(&heading))
                .build();
            self.append(view, page, &group, None);
            self.group = Some((page, group));
            return;
        }
        let editor = if self.editable && self.form.kind == FormKind::Form {
            field_editor::editor(field, index, self.changed.clone())
        } else {
            field_editor::read_only(field)
        };
        let Some(editor) = editor else { return };
        let media: Vec<adw::PreferencesRow> = field
            .media
            .iter()
            .filter_map(|m| media::row(m, &self.bob))
            .collect();
        for row in &media {
            self.group(view, page).add(row);
            view.hold(row, page, Some(index));
        }
        let problem = gtk::Label::builder()
            .xalign(0.0)
            .wrap(true)
            .css_classes(["error", "caption"])
            .name(format!("problem:{}", field.var.as_deref().unwrap_or_default()))
            .margin_start(12)
            .margin_end(12)
            .margin_top(6)
            .margin_bottom(6)
            .build();
        let problem_widget: gtk::Widget = match &editor.placement {
            Placement::Row(row) => {
                let group = self.group(view, page);
                group.add(row);
                view.hold(row, page, Some(index));
                let holder = adw::PreferencesRow::builder()
                    .activatable(false)
                    .child(&problem)
                    .build();
                group.add(&holder);
                holder.upcast()
            }
            Placement::Group(group) => {
                self.append(view, page, group, Some(index));
                group.add(&problem);
                self.group = None;
                problem.clone().upcast()
            }
        };
        problem_widget.set_visible(false);
        view.add_editor(index, page, editor, problem_widget);
    }

    /// Runs steps until `fields` more fields are built; true when done.
    pub fn step(&mut self, view: &FormView, fields: usize) -> bool {
        let mut built = 0;
        while built < fields {
            let Some(op) = self.ops.pop_front() else {
                return true;
            };
            match op {
                Op::Text(page, text) => {
                    let label = gtk::Label::builder()
                        .label(flowed(&text))
                        .wrap(true)
                        .xalign(0.0)
                        .build();
                    self.append(view, page, &label, None);
                    self.group = None;
                }
                Op::Field(page, index) => {
                    self.field(view, page, index);
                    built += 1;
                }
                Op::Reported(page) => {
                    self.append(view, page, &result_table::table(&self.form), None);
                    self.group = None;
                }
                Op::SectionStart(page, label) => {
                    let section = adw::PreferencesGroup::new();
                    if let Some(l) = label {
                        section.set_title(&glib::markup_escape_text(&l));
                    }
                    self.append(view, page, &section, None);
                    self.group = Some((page, section));
                }
                Op::SectionEnd => self.group = None,
            }
        }
        self.ops.is_empty()
    }
}
