//! Creating an account (XEP-0077): the server's registration form, shown
//! by the forms renderer, prefilled with the address and password from the
//! setup page. A taken name or a refused answer can be corrected in place.

use std::cell::RefCell;

use adw::{prelude::*, subclass::prelude::*};

use super::{
    connection_text::describe_error,
    form::{Bob, FormView},
};
use crate::{
    core::{forms::Form, xmpp::x0077_registration::RegistrationError},
    i18n::{gettext, gettext_f},
    model::{Registration, RegistrationState},
};

/// Called with the username and password of the created account.
type Created = Box<dyn Fn(String, String)>;

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct RegistrationDialog {
        pub registration: RefCell<Option<Registration>>,
        pub prefill: RefCell<(String, String)>,
        pub created: RefCell<Option<Created>>,
        pub stack: gtk::Stack,
        pub view: FormView,
        pub problem: gtk::Label,
        pub error_page: adw::StatusPage,
        pub submit: gtk::Button,
        pub spinner: gtk::Spinner,
        pub done: std::cell::Cell<bool>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for RegistrationDialog {
        const NAME: &'static str = "BalconyRegistrationDialog";
        type Type = super::RegistrationDialog;
        type ParentType = adw::Window;
    }

    impl ObjectImpl for RegistrationDialog {}
    impl WidgetImpl for RegistrationDialog {}
    impl WindowImpl for RegistrationDialog {
        fn close_request(&self) -> glib::Propagation {
            if !self.done.get() {
                if let Some(r) = self.registration.borrow().as_ref() {
                    r.cancel();
                }
            }
            glib::Propagation::Proceed
        }
    }
    impl AdwWindowImpl for RegistrationDialog {}
}

glib::wrapper! {
    /// Creates an account with the server's form.
    pub struct RegistrationDialog(ObjectSubclass<imp::RegistrationDialog>)
        @extends adw::Window, gtk::Window, gtk::Widget,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

/// Why creating the account failed, in the user's language.
pub fn error_text(error: &RegistrationError) -> String {
    match error {
        RegistrationError::Connect(e) => describe_error(e),
        RegistrationError::NotSupported => {
            gettext("This server does not allow creating accounts from an app. Its website may offer a way.")
        }
        RegistrationError::Conflict => gettext("This username is taken. Choose another one."),
        RegistrationError::MissingField(field) => gettext_f("“{field}” is required", &[("field", field)]),
        RegistrationError::Refused(detail) => gettext_f(
            "The server refused the registration: {detail}",
            &[("detail", detail)],
        ),
        RegistrationError::Malformed(detail) => gettext_f(
            "The answer could not be understood: {detail}",
            &[("detail", detail)],
        ),
        RegistrationError::Timeout => gettext("The server did not answer in time."),
    }
}

impl RegistrationDialog {
    /// Follows `registration`; `created` gets the new account's username and
    /// password once the server accepted it.
    pub fn open(
        parent: &impl IsA<gtk::Window>,
        registration: &Registration,
        username: &str,
        password: &str,
        created: impl Fn(String, String) + 'static,
    ) -> Self {
        let dialog: Self = glib::Object::builder()
            .property("transient-for", parent)
            .property("modal", true)
            .property("default-width", 520)
            .property("default-height", 640)
            .property("title", gettext("Create Account"))
            .build();
        let imp = dialog.imp();
        imp.prefill.replace((username.to_owned(), password.to_owned()));
        imp.created.replace(Some(Box::new(created)));
        imp.registration.replace(Some(registration.clone()));
        dialog.build(registration);
        let weak = dialog.downgrade();
        registration.connect_local("changed", false, move |_| {
            if let Some(d) = weak.upgrade() {
                d.refresh();
            }
            None
        });
        dialog.present();
        dialog.refresh();
        dialog
    }

    fn build(&self, registration: &Registration) {
        let imp = self.imp();
        let header = adw::HeaderBar::new();
        header.set_show_end_title_buttons(false);
        let server = registration
            .jid()
            .map(|j| j.domain().to_string())
            .unwrap_or_default();
        header.set_title_widget(Some(&adw::WindowTitle::new(&gettext("Create Account"), &server)));
        let cancel = gtk::Button::with_mnemonic(&gettext("_Cancel"));
        imp.submit.set_label(&gettext("C_reate"));
        imp.submit.set_use_underline(true);
        imp.submit.set_widget_name("registration-submit");
        imp.submit.add_css_class("suggested-action");
        header.pack_start(&cancel);
        header.pack_end(&imp.submit);
        header.pack_end(&imp.spinner);
        imp.problem.add_css_class("error");
        imp.problem.set_wrap(true);
        imp.problem.set_xalign(0.0);
        imp.problem.set_visible(false);
        imp.problem.set_widget_name("registration-problem");
        let content = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(12)
            .build();
        content.append(&imp.problem);
        content.append(&imp.view);
        let clamp = adw::Clamp::builder()
            .child(&content)
            .maximum_size(560)
            .margin_top(18)
            .margin_bottom(18)
            .margin_start(12)
            .margin_end(12)
            .build();
        let scrolled = gtk::ScrolledWindow::builder()
            .child(&clamp)
            .hscrollbar_policy(gtk::PolicyType::Never)
            .vexpand(true)
            .build();
        imp.error_page.set_icon_name(Some("dialog-error-symbolic"));
        imp.error_page.set_title(&gettext("The Account Was Not Created"));
        imp.error_page.set_widget_name("registration-error");
        let loading = adw::StatusPage::builder()
            .title(gettext("Connecting to the server…"))
            .build();
        imp.stack.add_named(&loading, Some("loading"));
        imp.stack.add_named(&scrolled, Some("form"));
        imp.stack.add_named(&imp.error_page, Some("error"));
        let body = gtk::Box::new(gtk::Orientation::Vertical, 0);
        body.append(&header);
        body.append(&imp.stack);
        self.set_content(Some(&body));
        self.set_default_widget(Some(&imp.submit));
        let weak = self.downgrade();
        cancel.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                d.close();
            }
        });
        let weak = self.downgrade();
        imp.submit.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                d.submit();
            }
        });
    }

    /// The form view (for tests).
    pub fn form_view(&self) -> FormView {
        self.imp().view.clone()
    }

    /// The page shown: `loading`, `form` or `error`.
    pub fn page(&self) -> String {
        self.imp()
            .stack
            .visible_child_name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    /// The problem shown above the form, if any (for tests).
    pub fn problem_shown(&self) -> Option<String> {
        let p = &self.imp().problem;
        p.is_visible().then(|| p.label().to_string())
    }

    fn prefilled(&self, mut form: Form) -> Form {
        let (username, password) = self.imp().prefill.borrow().clone();
        for (var, value) in [("username", username), ("password", password)] {
            if let Some(field) = form.field_mut(var) {
                if field.value().is_empty() && !value.is_empty() {
                    field.values = vec![value];
                }
            }
        }
        form
    }

    fn refresh(&self) {
        let imp = self.imp();
        let Some(registration) = imp.registration.borrow().clone() else {
            return;
        };
        let busy = matches!(
            registration.state(),
            RegistrationState::Connecting | RegistrationState::Submitting
        );
        imp.spinner.set_spinning(busy);
        imp.submit.set_sensitive(!busy && self.page() == "form");
        match registration.state() {
            RegistrationState::Connecting => imp.stack.set_visible_child_name("loading"),
            RegistrationState::Form(form) => {
                imp.view.set_form(&self.prefilled(form), &Bob::new(), true);
                imp.stack.set_visible_child_name("form");
                imp.submit.set_sensitive(true);
            }
            RegistrationState::Submitting => imp.problem.set_visible(false),
            RegistrationState::Registered => {
                imp.done.set(true);
                let form = imp.view.form();
                let value = |var: &str| {
                    form.as_ref()
                        .and_then(|f| f.field(var))
                        .map(|f| f.value().to_owned())
                };
                let (username, password) = (value("username"), value("password"));
                self.close();
                if let (Some(created), Some(u), Some(p)) = (imp.created.borrow().as_ref(), username, password)
                {
                    created(u, p);
                }
            }
            RegistrationState::Failed(e) => {
                if self.page() == "form"
                    && !matches!(e, RegistrationError::Connect(_) | RegistrationError::Timeout)
                {
                    // The answers stay as they were; correct and try again.
                    imp.problem.set_label(&error_text(&e));
                    imp.problem.set_visible(true);
                    imp.submit.set_sensitive(true);
                } else {
                    imp.error_page.set_description(Some(&error_text(&e)));
                    imp.stack.set_visible_child_name("error");
                    imp.submit.set_sensitive(false);
                }
            }
        }
    }

    fn submit(&self) {
        let imp = self.imp();
        if !imp.view.check() {
            return;
        }
        let (Some(registration), Some(form)) = (imp.registration.borrow().clone(), imp.view.form()) else {
            return;
        };
        registration.submit(&form);
    }
}
