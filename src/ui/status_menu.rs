//! The status menu: availability choices, Invisible (disabled, with its
//! reason, until the invisibility work lands), Offline, and a message.

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
    use std::{cell::RefCell, sync::OnceLock};

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
            self.obj().build_choices();
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
    fn build_choices(&self) {
        let imp = self.imp();
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
            if name == INVISIBLE {
                row.set_sensitive(false);
                row.set_subtitle(&gettext("Not supported by this version of Balcony yet"));
            }
            imp.choices.append(&row);
        }
        imp.choices.connect_row_activated(glib::clone!(
            #[weak(rename_to = menu)]
            self,
            move |_, row| {
                let name = row.widget_name().to_string();
                menu.choose(&name);
            }
        ));
        imp.message_entry.connect_activate(glib::clone!(
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
