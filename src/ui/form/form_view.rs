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
    field_editor::{Changed, FieldEditor},
    form_builder::{flowed, BuildState},
    media::Bob,
    problem_text::problem_text,
    reveal::Reveal,
};
use crate::{
    core::forms::{Form, FormKind},
    i18n::{gettext, gettext_f},
};

/// Fields built before the first frame: more than a screen holds.
const FIRST_FIELDS: usize = 12;
/// Fields built per idle batch after that.
const BATCH_FIELDS: usize = 4;

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
        pub build: RefCell<Option<BuildState>>,
        pub idle: RefCell<Option<glib::SourceId>>,
        pub reveal: Reveal,
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
            self.stack.set_hhomogeneous(false);
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
            obj.connect_map(|view| view.reveal_soon());
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

        fn dispose(&self) {
            // Off the scrolled window's adjustment, which may outlive us.
            self.reveal.reset();
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
        if let Some(source) = imp.idle.take() {
            source.remove();
        }
        imp.build.take();
        imp.reveal.reset();
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
        let mut build = BuildState::new(form, bob, editable, changed, &pages);
        for (n, page_box) in build.pages().iter().enumerate() {
            imp.stack.add_named(page_box, Some(&format!("page-{n}")));
        }
        imp.form.replace(Some(form.clone()));
        imp.nav.set_visible(pages.len() > 1);
        self.go_to(0);
        // What fills the first screen is built now; the rest follows in
        // idle batches, so that a long form shows at once.
        if !build.step(self, FIRST_FIELDS) {
            // The rest is built hidden and shown as the user comes near it.
            imp.reveal.start_holding();
            imp.build.replace(Some(build));
            let weak = self.downgrade();
            let source = glib::idle_add_local_full(glib::Priority::DEFAULT_IDLE, move || {
                let Some(view) = weak.upgrade() else {
                    return glib::ControlFlow::Break;
                };
                if view.build_more(BATCH_FIELDS) {
                    view.imp().idle.take();
                    glib::ControlFlow::Break
                } else {
                    glib::ControlFlow::Continue
                }
            });
            imp.idle.replace(Some(source));
        }
    }

    /// Builds up to `fields` more fields; true when the form is complete.
    fn build_more(&self, fields: usize) -> bool {
        let Some(mut build) = self.imp().build.take() else {
            return true;
        };
        let done = build.step(self, fields);
        if !done {
            self.imp().build.replace(Some(build));
        }
        self.reveal_soon();
        done
    }

    /// Whether every field has its editor (long forms are built in batches).
    pub fn is_complete(&self) -> bool {
        self.imp().build.borrow().is_none()
    }

    /// How many of the built widgets wait hidden until the user comes near
    /// them (see `reveal`).
    pub fn held_back(&self) -> usize {
        self.imp().reveal.held()
    }

    /// Builds whatever is still missing, at once.
    pub fn complete(&self) {
        if let Some(source) = self.imp().idle.take() {
            source.remove();
        }
        self.build_more(usize::MAX);
    }

    /// Records the editor of field `index` on page `page`.
    pub(super) fn add_editor(&self, index: usize, page: usize, editor: FieldEditor, problem: gtk::Widget) {
        let imp = self.imp();
        imp.problems.borrow_mut().insert(index, problem);
        imp.editors.borrow_mut().insert(index, editor);
        imp.page_of.borrow_mut().insert(index, page);
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
        // Only this field, with the values its editor holds now (the whole
        // form is not copied on each keystroke).
        let Some(mut field) = imp
            .form
            .borrow()
            .as_ref()
            .and_then(|f| f.fields.get(index).cloned())
        else {
            return;
        };
        if let Some(editor) = imp.editors.borrow().get(&index) {
            field.values = editor.values();
        }
        let problem = field.problem();
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
        self.complete();
        let Some(form) = self.form() else { return true };
        let invalid = form.validate();
        let wrong: Vec<usize> = invalid.iter().map(|p| p.index).collect();
        self.reveal_fields(&wrong);
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
        self.reveal_soon();
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
