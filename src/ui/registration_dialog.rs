//! Creating an account (XEP-0077): the server's registration form, shown
//! by the forms renderer, prefilled with the address and password from the
//! setup page. A taken name or a refused answer can be corrected in place.

use std::cell::{OnceCell, RefCell};

use adw::{prelude::*, subclass::prelude::*};

use super::{
    connection_text::describe_error,
    form::{Bob, FormView},
    form_dialog::{FormDialogFrame, FrameText},
};
use crate::{
    core::{forms::Form, xmpp::modules::x0077_registration::RegistrationError},
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
        /// The username and password submitted in an earlier stage (a
        /// later stage, such as a verification code, does not repeat them).
        pub answered: RefCell<(Option<String>, Option<String>)>,
        pub created: RefCell<Option<Created>>,
        pub frame: OnceCell<FormDialogFrame>,
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
            .build();
        let weak = dialog.downgrade();
        let text = FrameText {
            title: gettext("Create Account"),
            subtitle: registration
                .jid()
                .map(|j| j.domain().to_string())
                .unwrap_or_default(),
            confirm: gettext("C_reate"),
            name: "registration",
            waiting: gettext("Connecting to the server…"),
            failed: gettext("The Account Was Not Created"),
        };
        let frame = FormDialogFrame::install(dialog.upcast_ref(), text, move || {
            if let Some(d) = weak.upgrade() {
                d.submit();
            }
        });
        let imp = dialog.imp();
        let _ = imp.frame.set(frame);
        imp.prefill.replace((username.to_owned(), password.to_owned()));
        imp.created.replace(Some(Box::new(created)));
        imp.registration.replace(Some(registration.clone()));
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

    fn frame(&self) -> &FormDialogFrame {
        self.imp().frame.get().expect("the frame is installed in open()")
    }

    /// The form view (for tests).
    pub fn form_view(&self) -> FormView {
        self.frame().view.clone()
    }

    /// The page shown: `loading`, `form` or `error`.
    pub fn page(&self) -> String {
        self.frame().page()
    }

    /// The problem shown above the form, if any (for tests).
    pub fn problem_shown(&self) -> Option<String> {
        self.frame().problem_shown()
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
        let frame = self.frame();
        match registration.state() {
            RegistrationState::Connecting => frame.set_busy(true),
            RegistrationState::Form(form) => {
                frame.set_busy(false);
                frame.view.set_form(&self.prefilled(form), &Bob::new(), true);
                frame.show_form();
            }
            RegistrationState::Submitting => {
                frame.show_problem(None);
                frame.set_busy(true);
            }
            RegistrationState::Registered => {
                imp.done.set(true);
                let form = frame.view.form();
                let value = |var: &str| {
                    form.as_ref()
                        .and_then(|f| f.field(var))
                        .map(|f| f.value().to_owned())
                };
                let earlier = imp.answered.borrow().clone();
                let (username, password) = (value("username").or(earlier.0), value("password").or(earlier.1));
                self.close();
                if let (Some(created), Some(u), Some(p)) = (imp.created.borrow().as_ref(), username, password)
                {
                    created(u, p);
                }
            }
            RegistrationState::Failed(e) => {
                frame.set_busy(false);
                let fatal = matches!(e, RegistrationError::Connect(_) | RegistrationError::Timeout);
                if frame.page() == "form" && !fatal {
                    // The answers stay as they were; correct and try again.
                    frame.show_problem(Some(&error_text(&e)));
                } else {
                    frame.show_failure(&error_text(&e));
                }
            }
        }
    }

    fn submit(&self) {
        let frame = self.frame();
        if !frame.view.check() {
            return;
        }
        let (Some(registration), Some(form)) = (self.imp().registration.borrow().clone(), frame.view.form())
        else {
            return;
        };
        let value = |var: &str| form.field(var).map(|f| f.value().to_owned());
        if let (Some(u), Some(p)) = (value("username"), value("password")) {
            self.imp().answered.replace((Some(u), Some(p)));
        }
        registration.submit(&form);
    }
}
