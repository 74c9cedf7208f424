//! The GTK application: actions, shortcuts, the window and the client.

use adw::{prelude::*, subclass::prelude::*};
use gtk::{gio, glib};

use super::Window;
use crate::{config, core::profile::Profile, i18n::gettext, model::Client};

mod imp {
    use std::cell::{OnceCell, RefCell};

    use super::*;

    #[derive(Debug, Default)]
    pub struct Application {
        /// The profile everything is kept in.
        pub profile: OnceCell<Profile>,
        /// True when `--profile` was given (settings then live in it).
        pub explicit_profile: OnceCell<bool>,
        /// The client, created on first activation.
        pub client: RefCell<Option<Client>>,
        /// The client started before GTK's start-up, for the first
        /// activation to take.
        pub early_client: RefCell<Option<Client>>,
        /// The default profile's instance lock, held while the app runs.
        pub instance_lock: RefCell<Option<crate::core::profile::InstanceLock>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Application {
        const NAME: &'static str = "BalconyApplication";
        type Type = super::Application;
        type ParentType = adw::Application;
    }

    impl ObjectImpl for Application {}

    impl ApplicationImpl for Application {
        fn startup(&self) {
            self.parent_startup();
            // GTK starts reading the icon theme in a thread as soon as it
            // has one; the second icon path (ours and libadwaita's are added
            // a moment apart) made it drop what the thread had read, and read
            // it all again on this thread at the first icon shown (about 5 ms
            // of the first paint). A change of the theme setting has GTK read
            // it in its thread again, now.
            if let Some(settings) = gtk::Settings::default() {
                settings.notify("gtk-icon-theme-name");
            }
            self.obj().setup_actions();
        }

        fn activate(&self) {
            self.parent_activate();
            self.obj().present_window();
        }

        fn open(&self, files: &[gio::File], _hint: &str) {
            // xmpp: links, from the desktop or a second `balcony xmpp:…`.
            self.obj().present_window();
            let window = self.obj().active_window().and_downcast::<Window>();
            for file in files {
                if let Some(window) = &window {
                    window.open_xmpp_link(&file.uri());
                }
            }
        }

        fn shutdown(&self) {
            if let Some(client) = self.client.take() {
                client.shutdown();
            }
            self.obj().stop_early_client();
            self.parent_shutdown();
        }
    }

    impl GtkApplicationImpl for Application {}
    impl AdwApplicationImpl for Application {}
}

glib::wrapper! {
    /// Balcony's application object.
    pub struct Application(ObjectSubclass<imp::Application>)
        @extends gio::Application, gtk::Application, adw::Application,
        @implements gio::ActionGroup, gio::ActionMap;
}

impl Application {
    /// A new application on `profile`. With an explicit profile the app is
    /// not unique, so that several profiles can run side by side.
    pub fn new(profile: Profile, explicit_profile: bool) -> Self {
        let mut flags = gio::ApplicationFlags::HANDLES_OPEN;
        if explicit_profile {
            flags |= gio::ApplicationFlags::NON_UNIQUE;
        }
        let app: Self = glib::Object::builder()
            .property("application-id", config::APP_ID)
            .property("flags", flags)
            .build();
        // Also in development builds, whose app id differs: GTK and
        // libadwaita find our icons and stylesheet under this path.
        app.set_resource_base_path(Some(config::RESOURCE_BASE));
        let _ = app.imp().profile.set(profile);
        let _ = app.imp().explicit_profile.set(explicit_profile);
        app
    }

    /// Starts the client (its worker connects the stored accounts) before
    /// GTK starts up, so that logging in overlaps it, where this process
    /// is sure to be the app: an explicit profile is never shared (the app
    /// is not unique then), the default one when its instance lock is
    /// free. Otherwise the first activation starts it, as before.
    pub fn start_client_early(&self) {
        let imp = self.imp();
        let Some(profile) = imp.profile.get().cloned() else {
            return;
        };
        if !imp.explicit_profile.get().copied().unwrap_or(false) {
            match profile.lock_instance() {
                Some(lock) => {
                    imp.instance_lock.replace(Some(lock));
                }
                // Another process runs on this profile: this one will hand
                // its arguments to it.
                None => return,
            }
        }
        match Client::new(profile) {
            Ok(client) => {
                imp.early_client.replace(Some(client));
            }
            Err(e) => tracing::error!(error = %e, "could not start the worker early"),
        }
    }

    /// Stops a client started early that no window took (the process
    /// handed its arguments to another instance after all).
    pub fn stop_early_client(&self) {
        if let Some(client) = self.imp().early_client.take() {
            client.shutdown();
        }
    }

    fn setup_actions(&self) {
        let quit = gio::ActionEntry::builder("quit")
            .activate(|app: &Self, _, _| {
                for w in app.windows() {
                    w.close();
                }
                app.quit();
            })
            .build();
        let about = gio::ActionEntry::builder("about")
            .activate(|app: &Self, _, _| app.show_about())
            .build();
        let open_conversation = gio::ActionEntry::builder("open-conversation")
            .parameter_type(Some(&<(String, String)>::static_variant_type()))
            .activate(|app: &Self, _, target| {
                let Some((account, peer)) = target.and_then(|t| t.get::<(String, String)>()) else {
                    return;
                };
                app.present_window();
                if let Some(window) = app.active_window().and_downcast::<Window>() {
                    window.open_conversation(&account, &peer);
                }
            })
            .build();
        let preferences = gio::ActionEntry::builder("preferences")
            .activate(|app: &Self, _, _| {
                if let Some(window) = app.active_window().and_downcast::<Window>() {
                    window.show_preferences();
                }
            })
            .build();
        self.add_action_entries([quit, about, open_conversation, preferences]);
        self.set_accels_for_action("app.quit", &["<Primary>q"]);
        self.set_accels_for_action("win.show-help-overlay", &["<Primary>question"]);
        self.set_accels_for_action("app.preferences", &["<Primary>comma"]);
        self.set_accels_for_action("window.close", &["<Primary>w"]);
        self.set_accels_for_action("main.start-conversation", &["<Primary>n"]);
        self.set_accels_for_action("main.add-contact", &["<Primary><Shift>n"]);
        self.set_accels_for_action("main.search", &["<Primary>f"]);
        self.set_accels_for_action("main.quick-switch", &["<Primary>k"]);
        self.set_accels_for_action("main.join-room", &["<Primary>j"]);
        self.set_accels_for_action("main.devices", &["<Primary><Shift>d"]);
    }

    fn present_window(&self) {
        if let Some(w) = self.active_window() {
            w.present();
            return;
        }
        let imp = self.imp();
        let Some(profile) = imp.profile.get().cloned() else {
            return;
        };
        let early = imp.early_client.take();
        let client = match early.map(Ok).unwrap_or_else(|| Client::new(profile.clone())) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "could not start the worker");
                return;
            }
        };
        let settings_profile = imp
            .explicit_profile
            .get()
            .copied()
            .unwrap_or(false)
            .then_some(&profile);
        let settings = super::settings::open(settings_profile);
        let window = Window::new(Some(self.upcast_ref()), &client, settings);
        imp.client.replace(Some(client));
        window.present();
    }

    fn show_about(&self) {
        let about = adw::AboutWindow::builder()
            .application_name(gettext("Balcony"))
            .application_icon(config::APP_ID)
            .developer_name(gettext("The Balcony developers"))
            .version(config::VERSION)
            .website("https://balcony.im")
            .issue_url("https://balcony.im/issues")
            .license_type(gtk::License::Gpl30)
            .comments(gettext("Chat, and control your other devices, over XMPP"))
            // Translators: replace with your names, one per line.
            .translator_credits(gettext("translator-credits"))
            .build();
        if let Some(w) = self.active_window() {
            about.set_transient_for(Some(&w));
        }
        about.present();
    }
}
