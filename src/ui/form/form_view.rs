//! A data form shown natively: one editor per field, XEP-0141 pages as
//! steps and sections as groups, result tables, and inline validation that
//! speaks the user's language.

use std::{
    cell::{Cell, RefCell},
    collections::{HashMap, HashSet},
    rc::Rc,
};

use adw::{prelude::*, subclass::prelude::*};

use super::{
    field_editor::{self, Changed, FieldEditor, Placement},
    media::{self, Bob},
    problem_text::problem_text,
    result_table,
};
use crate::{
    core::forms::{Form, FormKind, LayoutItem},
    i18n::{gettext, gettext_f},
};

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct FormView {
        pub form: RefCell<Option<Form>>,
        pub editors: RefCell<HashMap<usize, FieldEditor>>,
        pub problems: RefCell<HashMap<usize, gtk::Widget>>,
        pub touched: RefCell<HashSet<usize>>,
        pub page_of: RefCell<HashMap<usize, usize>>,
        pub page: Cell<usize>,
        pub page_labels: RefCell<Vec<Option<String>>>,
        pub content: gtk::Box,
        pub stack: gtk::Stack,
        pub nav: gtk::Box,
        pub back: gtk::Button,
        pub next: gtk::Button,
        pub step: gtk::Label,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for FormView {
        const NAME: &'static str = "BalconyFormView";
        type Type = super::FormView;
        type ParentType = gtk::Box;
    }

    impl ObjectImpl for FormView {
        fn constructed(&self) {
            self.parent_constructed();
            let obj = self.obj();
            obj.set_orientation(gtk::Orientation::Vertical);
            obj.set_spacing(18);
            self.content.set_orientation(gtk::Orientation::Vertical);
            self.content.set_spacing(6);
            self.stack
                .set_transition_type(gtk::StackTransitionType::SlideLeftRight);
            self.stack.set_vhomogeneous(false);
            self.back.set_label(&gettext("_Back"));
            self.back.set_use_underline(true);
            self.back.set_widget_name("form-back");
            self.next.set_label(&gettext("_Continue"));
            self.next.set_use_underline(true);
            self.next.set_widget_name("form-next");
            self.step.set_hexpand(true);
            self.step.set_widget_name("form-step");
            self.step.add_css_class("dim-label");
            self.nav.set_spacing(12);
            self.nav.append(&self.back);
            self.nav.append(&self.step);
            self.nav.append(&self.next);
            BoxExt::append(obj.upcast_ref::<gtk::Box>(), &self.content);
            BoxExt::append(obj.upcast_ref::<gtk::Box>(), &self.stack);
            BoxExt::append(obj.upcast_ref::<gtk::Box>(), &self.nav);
            let weak = obj.downgrade();
            self.back.connect_clicked(move |_| {
                if let Some(v) = weak.upgrade() {
                    v.go_to(v.page().saturating_sub(1));
                }
            });
            let weak = obj.downgrade();
            self.next.connect_clicked(move |_| {
                if let Some(v) = weak.upgrade() {
                    v.go_to(v.page() + 1);
                }
            });
        }
    }

    impl WidgetImpl for FormView {}
    impl BoxImpl for FormView {}
}

glib::wrapper! {
    /// Renders a [`Form`]; reads it back filled in.
    pub struct FormView(ObjectSubclass<imp::FormView>)
        @extends gtk::Box, gtk::Widget,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for FormView {
    fn default() -> Self {
        glib::Object::new()
    }
}

/// Text from XML, its line breaks and indentation flowed into one paragraph.
fn flowed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Builder<'a> {
    view: &'a FormView,
    form: &'a Form,
    bob: &'a Bob,
    editable: bool,
    changed: Changed,
    page: usize,
    page_box: gtk::Box,
    group: Option<adw::PreferencesGroup>,
}

impl Builder<'_> {
    fn group(&mut self) -> adw::PreferencesGroup {
        self.group
            .get_or_insert_with(|| {
                let g = adw::PreferencesGroup::new();
                self.page_box.append(&g);
                g
            })
            .clone()
    }

    fn text(&mut self, text: &str) {
        let label = gtk::Label::builder()
            .label(flowed(text))
            .wrap(true)
            .xalign(0.0)
            .build();
        self.page_box.append(&label);
        self.group = None;
    }

    fn field(&mut self, index: usize) {
        let Some(field) = self.form.fields.get(index) else {
            return;
        };
        let editor = if self.editable && self.form.kind == FormKind::Form {
            field_editor::editor(field, index, self.changed.clone())
        } else {
            field_editor::read_only(field)
        };
        let Some(editor) = editor else { return };
        for m in &field.media {
            if let Some(row) = media::row(m, self.bob) {
                self.group().add(&row);
            }
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
                let group = self.group();
                group.add(row);
                let holder = adw::PreferencesRow::builder()
                    .activatable(false)
                    .child(&problem)
                    .build();
                group.add(&holder);
                holder.upcast()
            }
            Placement::Group(group) => {
                self.page_box.append(group);
                group.add(&problem);
                self.group = None;
                problem.clone().upcast()
            }
        };
        problem_widget.set_visible(false);
        let imp = self.view.imp();
        imp.problems.borrow_mut().insert(index, problem_widget);
        imp.editors.borrow_mut().insert(index, editor);
        imp.page_of.borrow_mut().insert(index, self.page);
    }

    fn items(&mut self, items: &[LayoutItem]) {
        for item in items {
            match item {
                LayoutItem::Text(t) => self.text(t),
                LayoutItem::Field(i) => self.field(*i),
                LayoutItem::Reported => {
                    self.page_box.append(&result_table::table(self.form));
                    self.group = None;
                }
                LayoutItem::Section { label, content } => {
                    let section = adw::PreferencesGroup::new();
                    if let Some(l) = label {
                        section.set_title(&glib::markup_escape_text(l));
                    }
                    self.page_box.append(&section);
                    self.group = Some(section);
                    self.items(content);
                    self.group = None;
                }
            }
        }
    }
}

impl FormView {
    /// A view showing nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows `form`; its fields can be edited when `editable` and the form
    /// asks for data. `bob` holds the Bits of Binary that came with it.
    pub fn set_form(&self, form: &Form, bob: &Bob, editable: bool) {
        let imp = self.imp();
        while let Some(child) = imp.content.first_child() {
            imp.content.remove(&child);
        }
        while let Some(child) = imp.stack.first_child() {
            imp.stack.remove(&child);
        }
        imp.editors.borrow_mut().clear();
        imp.problems.borrow_mut().clear();
        imp.touched.borrow_mut().clear();
        imp.page_of.borrow_mut().clear();
        if let Some(title) = &form.title {
            let label = gtk::Label::builder()
                .label(title)
                .wrap(true)
                .xalign(0.0)
                .css_classes(["title-3"])
                .name("form-title")
                .build();
            imp.content.append(&label);
        }
        for text in &form.instructions {
            let label = gtk::Label::builder()
                .label(flowed(text))
                .wrap(true)
                .xalign(0.0)
                .build();
            imp.content.append(&label);
        }
        let weak = self.downgrade();
        let changed: Changed = Rc::new(move |index| {
            if let Some(view) = weak.upgrade() {
                view.imp().touched.borrow_mut().insert(index);
                view.show_problem(index);
            }
        });
        let pages = form.shown_pages();
        imp.page_labels
            .replace(pages.iter().map(|p| p.label.clone()).collect());
        for (n, page) in pages.iter().enumerate() {
            let page_box = gtk::Box::builder()
                .orientation(gtk::Orientation::Vertical)
                .spacing(18)
                .build();
            let mut builder = Builder {
                view: self,
                form,
                bob,
                editable,
                changed: changed.clone(),
                page: n,
                page_box: page_box.clone(),
                group: None,
            };
            builder.items(&page.content);
            imp.stack.add_named(&page_box, Some(&format!("page-{n}")));
        }
        imp.form.replace(Some(form.clone()));
        imp.nav.set_visible(pages.len() > 1);
        self.go_to(0);
    }

    /// The form with the values as the user left them.
    pub fn form(&self) -> Option<Form> {
        let mut form = self.imp().form.borrow().clone()?;
        for (index, editor) in self.imp().editors.borrow().iter() {
            if let Some(field) = form.fields.get_mut(*index) {
                if form.kind == FormKind::Form {
                    field.values = editor.values();
                }
            }
        }
        Some(form)
    }

    fn show_problem(&self, index: usize) {
        let imp = self.imp();
        let Some(form) = self.form() else { return };
        let problem = form.fields.get(index).and_then(|f| f.problem());
        let problems = imp.problems.borrow();
        let Some(widget) = problems.get(&index) else {
            return;
        };
        let label = widget
            .downcast_ref::<gtk::Label>()
            .cloned()
            .or_else(|| widget.first_child().and_downcast::<gtk::Label>());
        if let Some(label) = label {
            label.set_label(&problem.as_ref().map(problem_text).unwrap_or_default());
        }
        widget.set_visible(problem.is_some());
        if let Some(editor) = imp.editors.borrow().get(&index) {
            if problem.is_some() {
                editor.focus.add_css_class("error");
            } else {
                editor.focus.remove_css_class("error");
            }
        }
    }

    /// Checks every field and shows what is wrong; on a problem, goes to
    /// the first page that has one and focuses the field. True when the
    /// form can be submitted.
    pub fn check(&self) -> bool {
        let Some(form) = self.form() else { return true };
        let invalid = form.validate();
        let indices: Vec<usize> = self.imp().editors.borrow().keys().copied().collect();
        for index in indices {
            self.imp().touched.borrow_mut().insert(index);
            self.show_problem(index);
        }
        let Some(first) = invalid.first() else { return true };
        let page = self.imp().page_of.borrow().get(&first.index).copied();
        if let Some(page) = page {
            self.go_to(page);
        }
        if let Some(editor) = self.imp().editors.borrow().get(&first.index) {
            editor.focus.grab_focus();
        }
        false
    }

    /// The page shown.
    pub fn page(&self) -> usize {
        self.imp().page.get()
    }

    /// How many pages the form has.
    pub fn page_count(&self) -> usize {
        self.imp().page_labels.borrow().len()
    }

    /// Shows page `n` (clamped).
    pub fn go_to(&self, n: usize) {
        let imp = self.imp();
        let count = self.page_count();
        let n = n.min(count.saturating_sub(1));
        imp.page.set(n);
        imp.stack.set_visible_child_name(&format!("page-{n}"));
        imp.back.set_sensitive(n > 0);
        imp.next.set_sensitive(n + 1 < count);
        let (number, total) = ((n + 1).to_string(), count.to_string());
        let label = imp.page_labels.borrow().get(n).cloned().flatten();
        imp.step.set_label(&match label {
            Some(l) => gettext_f(
                "Step {n} of {total}: {label}",
                &[("n", &number), ("total", &total), ("label", &l)],
            ),
            None => gettext_f("Step {n} of {total}", &[("n", &number), ("total", &total)]),
        });
    }
}
