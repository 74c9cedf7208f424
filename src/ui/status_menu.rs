//! The status menu: availability choices, Invisible (offered where the
//! server supports it, otherwise disabled with the reason), Offline, and a
//! message; while invisible, whom we are visible to.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use crate::{core::bridge::Availability, i18n::gettext};

/// Name used for the Offline choice.
pub const OFFLINE: &str = "offline";
/// Name used for the Invisible choice.
pub const INVISIBLE: &str = "invisible";

/// The translated label of a status name.
pub fn status_label(name: &str) -> String {
    match name {
        "available" => gettext("Available"),
        "chat" => gettext("Free for Chat"),
        "away" => gettext("Away"),
        "xa" => gettext("Extended Away"),
        "dnd" => gettext("Do Not Disturb"),
        INVISIBLE => gettext("Invisible"),
        _ => gettext("Offline"),
    }
}

mod imp {
    use std::{
        cell::{Cell, RefCell},
        sync::OnceLock,
    };

    use glib::subclass::Signal;

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate, glib::Properties)]
    #[template(resource = "/im/balcony/Balcony/ui/status_menu.ui")]
    #[properties(wrapper_type = super::StatusMenu)]
    pub struct StatusMenu {
        /// The status name shown on the button.
        #[property(get)]
        pub shown: RefCell<String>,
        #[template_child]
        pub button: TemplateChild<gtk::MenuButton>,
        #[template_child]
        pub current_dot: TemplateChild<gtk::Box>,
        #[template_child]
        pub current_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub popover: TemplateChild<gtk::Popover>,
        #[template_child]
        pub choices: TemplateChild<gtk::ListBox>,
        #[template_child]
        pub message_entry: TemplateChild<gtk::Entry>,
        #[template_child]
        pub visible_to_label: TemplateChild<gtk::Label>,
        /// Whether the server offers invisibility (`None`: not known yet).
        pub invisibility: Cell<Option<bool>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for StatusMenu {
        const NAME: &'static str = "BalconyStatusMenu";
        type Type = super::StatusMenu;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    #[glib::derived_properties]
    impl ObjectImpl for StatusMenu {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| {
                // The user picked a status (name) with a message.
                vec![Signal::builder("status-chosen")
                    .param_types([String::static_type(), String::static_type()])
                    .build()]
            })
        }

        fn constructed(&self) {
            self.parent_constructed();
            self.obj().connect_entry();
            // The choices are built when the popover first opens: built
            // with the window, their rows were about a seventh of its
            // widgets, none of them on screen.
            self.popover.connect_show(glib::clone!(
                #[weak(rename_to = menu)]
                self.obj(),
                move |_| menu.build_choices()
            ));
        }
    }

    impl WidgetImpl for StatusMenu {}
    impl BoxImpl for StatusMenu {}
}

glib::wrapper! {
    /// A button with a popover to choose one's status.
    pub struct StatusMenu(ObjectSubclass<imp::StatusMenu>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

fn dot(css: &str) -> gtk::Box {
    let dot = gtk::Box::builder().valign(gtk::Align::Center).build();
    dot.add_css_class("presence-dot");
    dot.add_css_class(css);
    dot
}

impl StatusMenu {
    /// Builds the choices, once.
    fn build_choices(&self) {
        let imp = self.imp();
        if imp.choices.first_child().is_some() {
            return;
        }
        let names = Availability::ALL
            .iter()
            .map(|a| a.as_str())
            .chain([INVISIBLE, OFFLINE]);
        for name in names {
            let row = adw::ActionRow::builder()
                .title(status_label(name))
                .activatable(true)
                .name(name)
                .build();
            row.add_prefix(&dot(name));
            imp.choices.append(&row);
        }
        self.set_invisibility(imp.invisibility.get());
        imp.choices.connect_row_activated(glib::clone!(
            #[weak(rename_to = menu)]
            self,
            move |_, row| {
                let name = row.widget_name().to_string();
                menu.choose(&name);
            }
        ));
    }

    fn connect_entry(&self) {
        self.imp().message_entry.connect_activate(glib::clone!(
            #[weak(rename_to = menu)]
            self,
            move |_| {
                let current = menu.shown();
                let name = if current == OFFLINE || current.is_empty() {
                    "available".to_owned()
                } else {
                    current
                };
                menu.choose(&name);
            }
        ));
    }

    fn row(&self, name: &str) -> Option<adw::ActionRow> {
        let mut child = self.imp().choices.first_child();
        while let Some(widget) = child {
            if widget.widget_name() == name {
                return widget.downcast().ok();
            }
            child = widget.next_sibling();
        }
        None
    }

    /// Offers Invisible when the server supports it (`Some(true)`);
    /// otherwise disables it and says why (`None`: not known yet).
    pub fn set_invisibility(&self, supported: Option<bool>) {
        self.imp().invisibility.set(supported);
        let Some(row) = self.row(INVISIBLE) else { return };
        row.set_sensitive(supported == Some(true));
        row.set_subtitle(&match supported {
            Some(true) => gettext("Appear offline, and still chat"),
            Some(false) => gettext("Your server does not support invisibility"),
            None => gettext("Available once connected, if your server supports it"),
        });
    }

    /// Shows whom we are visible to while invisible (nothing otherwise).
    pub fn set_visible_to(&self, invisible: bool, to: &[String]) {
        let label = &self.imp().visible_to_label;
        label.set_visible(invisible);
        label.set_label(&if to.is_empty() {
            gettext("Visible to nobody")
        } else {
            crate::i18n::gettext_f("Visible to {contacts}", &[("contacts", &to.join(", "))])
        });
    }

    /// The line saying whom we are visible to, as shown.
    pub fn visible_to_text(&self) -> Option<String> {
        let label = &self.imp().visible_to_label;
        label.is_visible().then(|| label.label().to_string())
    }

    /// Whether the Invisible choice can be picked.
    pub fn invisible_offered(&self) -> bool {
        self.imp().invisibility.get() == Some(true)
    }

    /// Emits `status-chosen` as if the user picked `name`.
    pub fn choose(&self, name: &str) {
        let imp = self.imp();
        imp.popover.popdown();
        let message = imp.message_entry.text().to_string();
        self.emit_by_name::<()>("status-chosen", &[&name.to_owned(), &message]);
    }

    /// Shows `name` on the button; `message` fills the entry.
    pub fn show_status(&self, name: &str, message: &str) {
        let imp = self.imp();
        imp.current_label.set_label(&status_label(name));
        for class in imp.current_dot.css_classes() {
            if class != "presence-dot" {
                imp.current_dot.remove_css_class(&class);
            }
        }
        imp.current_dot.add_css_class(name);
        if imp.message_entry.text() != message {
            imp.message_entry.set_text(message);
        }
        imp.shown.replace(name.to_owned());
        self.notify_shown();
    }

    /// Connects to `status-chosen`.
    pub fn connect_status_chosen<F: Fn(&Self, String, String) + 'static>(
        &self,
        f: F,
    ) -> glib::SignalHandlerId {
        self.connect_closure(
            "status-chosen",
            false,
            glib::closure_local!(move |menu: &Self, name: String, message: String| f(menu, name, message)),
        )
    }
}
