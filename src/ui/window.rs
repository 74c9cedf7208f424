//! The main window: a stack of the setup page and the main view, a toast
//! overlay, and the certificate prompt.

use adw::{prelude::*, subclass::prelude::*};
use gtk::{gio, glib};

use super::{certificate_dialog, AccountSetup, MainView};
use crate::{
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

mod imp {
    use std::cell::{OnceCell, RefCell};

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(resource = "/im/balcony/Balcony/ui/window.ui")]
    pub struct Window {
        /// The client.
        pub client: RefCell<Option<Client>>,
        /// Window geometry is kept here.
        pub settings: RefCell<Option<gio::Settings>>,
        /// Alert sounds played for notifications (for tests).
        pub sounds_played: std::cell::Cell<u32>,
        /// True while another account is being added.
        pub adding_account: std::cell::Cell<bool>,
        /// Every toast shown, newest last (for tests and the log).
        pub toasts: RefCell<Vec<String>>,
        /// The password prompt on screen, if any (one at a time). Weak:
        /// libadwaita 1.2 crashes finalizing a message dialog with an entry
        /// row after it was destroyed, so nothing may outlive its close.
        pub password_prompt: glib::WeakRef<adw::MessageDialog>,
        #[template_child]
        pub toast_overlay: TemplateChild<adw::ToastOverlay>,
        #[template_child]
        pub stack: TemplateChild<gtk::Stack>,
        /// The setup page, once it has been needed.
        pub setup: OnceCell<AccountSetup>,
        #[template_child]
        pub loading_spinner: TemplateChild<gtk::Spinner>,
        #[template_child]
        pub main_view: TemplateChild<MainView>,
        #[template_child]
        pub start_error_page: TemplateChild<adw::StatusPage>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Window {
        const NAME: &'static str = "BalconyWindow";
        type Type = super::Window;
        type ParentType = adw::ApplicationWindow;

        fn class_init(klass: &mut Self::Class) {
            MainView::ensure_type();
            klass.bind_template();
            // The main view's shortcuts, also here: an accelerator is looked
            // up from the focused widget upwards, so with the focus outside
            // the main view (or nowhere) its own actions are not found.
            klass.install_action("main.start-conversation", None, |window, _, _| {
                window.main_view().ask_for_conversation();
            });
            klass.install_action("main.add-contact", None, |window, _, _| {
                window.main_view().ask_for_contact();
            });
            klass.install_action("main.search", None, |window, _, _| {
                window.main_view().start_search();
            });
            klass.install_action("main.quick-switch", None, |window, _, _| {
                window.main_view().quick_switch();
            });
            klass.install_action("main.join-room", None, |window, _, _| {
                window.main_view().ask_for_room();
            });
            klass.install_action("main.devices", None, |window, _, _| {
                window.main_view().open_devices();
            });
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for Window {}
    impl WidgetImpl for Window {}

    impl WindowImpl for Window {
        fn close_request(&self) -> glib::Propagation {
            self.obj().save_geometry();
            self.parent_close_request()
        }
    }

    impl ApplicationWindowImpl for Window {}
    impl AdwApplicationWindowImpl for Window {}
}

glib::wrapper! {
    /// Balcony's main window.
    pub struct Window(ObjectSubclass<imp::Window>)
        @extends gtk::Widget, gtk::Window, gtk::ApplicationWindow, adw::ApplicationWindow,
        @implements gio::ActionGroup, gio::ActionMap, gtk::Buildable, gtk::ConstraintTarget,
            gtk::Native, gtk::Root, gtk::ShortcutManager;
}

impl Window {
    /// A window for `client`, restoring its size from `settings`.
    pub fn new(app: Option<&gtk::Application>, client: &Client, settings: Option<gio::Settings>) -> Self {
        let window: Self = glib::Object::builder().build();
        if let Some(app) = app {
            window.set_application(Some(app));
        }
        if crate::config::is_devel() {
            window.add_css_class("devel");
        }
        if let Some(s) = &settings {
            window.set_default_size(s.int("window-width"), s.int("window-height"));
            if s.boolean("window-maximized") {
                window.maximize();
            }
        }
        window.imp().settings.replace(settings);
        window.install_account_actions();
        window.set_client(client);
        // The cached lists were read while the window was built: shown
        // now, the first frame has them rather than a loading page.
        client.show_cached_lists(CACHE_WAIT);
        window.choose_page();
        window.report_first_frame();
        window
    }

    /// With `BALCONY_REPORT_FIRST_FRAME` set, prints `first-frame <seconds
    /// since the epoch>` when the window's first frame has been drawn (the
    /// paint benchmark reads it).
    fn report_first_frame(&self) {
        if std::env::var_os("BALCONY_REPORT_FIRST_FRAME").is_none() {
            return;
        }
        self.connect_realize(|win| {
            let Some(clock) = win.frame_clock() else { return };
            let reported = std::cell::Cell::new(false);
            clock.connect_after_paint(move |_| {
                if !reported.replace(true) {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0);
                    println!("first-frame {now:.4}");
                    let _ = std::io::Write::flush(&mut std::io::stdout());
                }
            });
        });
    }

    /// The setup page, added to the stack when first needed.
    fn setup(&self) -> AccountSetup {
        let imp = self.imp();
        imp.setup
            .get_or_init(|| {
                let page: AccountSetup = glib::Object::new();
                if let Some(client) = imp.client.borrow().as_ref() {
                    page.set_client(client);
                }
                imp.stack.add_named(&page, Some("setup"));
                page
            })
            .clone()
    }

    fn install_account_actions(&self) {
        let add = gio::ActionEntry::builder("add-account")
            .activate(|win: &Self, _, _| win.add_another_account())
            .build();
        let cancel = gio::ActionEntry::builder("cancel-add-account")
            .activate(|win: &Self, _, _| {
                win.imp().adding_account.set(false);
                win.setup().start(false);
                win.choose_page();
            })
            .build();
        let shortcuts = gio::ActionEntry::builder("show-help-overlay")
            .activate(|win: &Self, _, _| win.show_shortcuts())
            .build();
        self.add_action_entries([add, cancel, shortcuts]);
    }

    /// The shortcuts window (`Ctrl+?`), built when first asked for: built
    /// with the window, it cost about 3 ms of the first paint.
    fn show_shortcuts(&self) {
        if let Some(shortcuts) = self.help_overlay() {
            shortcuts.present();
            return;
        }
        let path = format!("{}/ui/shortcuts_window.ui", crate::config::RESOURCE_BASE);
        let Some(shortcuts) =
            gtk::Builder::from_resource(&path).object::<gtk::ShortcutsWindow>("help_overlay")
        else {
            tracing::error!("ui/shortcuts_window.ui has no help_overlay object");
            return;
        };
        // As the window's help overlay it is modal to it, hidden on close,
        // and shows each shortcut's keys.
        self.set_help_overlay(Some(&shortcuts));
        shortcuts.present();
    }

    /// Shows the setup page for one more account; Cancel goes back.
    pub fn add_another_account(&self) {
        let imp = self.imp();
        imp.adding_account.set(true);
        self.setup().start(true);
        self.choose_page();
    }

    fn save_geometry(&self) {
        let Some(s) = self.imp().settings.borrow().clone() else {
            return;
        };
        let (w, h) = self.default_size();
        let results = [
            s.set_int("window-width", w),
            s.set_int("window-height", h),
            s.set_boolean("window-maximized", self.is_maximized()),
        ];
        if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
            tracing::warn!(error = %e, "could not save the window size");
        }
    }

    /// The page the stack shows (`loading`, `setup`, `main` or `error`).
    pub fn visible_page(&self) -> String {
        self.imp()
            .stack
            .visible_child_name()
            .map(|s| s.to_string())
            .unwrap_or_default()
    }

    /// The client it shows.
    pub fn client(&self) -> Option<Client> {
        self.imp().client.borrow().clone()
    }

    /// The setup page.
    pub fn setup_page(&self) -> AccountSetup {
        self.setup()
    }

    /// The main view.
    pub fn main_view(&self) -> MainView {
        self.imp().main_view.clone()
    }

    /// Shows a toast.
    pub fn toast(&self, text: &str) {
        let mut shown = self.imp().toasts.borrow_mut();
        // The same news twice in a row (one action, two failed requests)
        // is shown once.
        if shown.last().is_some_and(|last| last == text) {
            return;
        }
        if shown.len() >= 100 {
            shown.remove(0);
        }
        shown.push(text.to_owned());
        drop(shown);
        // The newest news replaces what is on screen rather than queueing.
        let toast = adw::Toast::new(text);
        toast.set_priority(adw::ToastPriority::High);
        self.imp().toast_overlay.add_toast(toast);
    }

    fn set_client(&self, client: &Client) {
        let imp = self.imp();
        imp.main_view.set_client(client);
        imp.client.replace(Some(client.clone()));
        client.set_interactive(self.is_active());
        self.connect_is_active_notify(glib::clone!(
            #[weak]
            client,
            move |win| client.set_interactive(win.is_active())
        ));
        client.connect_notify_local(
            Some("started"),
            glib::clone!(
                #[weak(rename_to = win)]
                self,
                move |_, _| win.choose_page()
            ),
        );
        client.connect_notify_local(
            Some("start-error"),
            glib::clone!(
                #[weak(rename_to = win)]
                self,
                move |_, _| win.choose_page()
            ),
        );
        client.connect_closure(
            "account-added",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |_: Client, account: Account| {
                    let imp = win.imp();
                    if imp.adding_account.replace(false) {
                        win.setup().start(false);
                        imp.main_view.set_account(&account);
                    }
                    win.toast(&gettext_f("Logged in as {jid}", &[("jid", &account.jid())]));
                    win.choose_page();
                }
            ),
        );
        client.connect_closure(
            "account-save-failed",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |_: Client, account: Account, _detail: String| {
                    win.toast(&gettext_f(
                        "Logged in as {jid}, but the account could not be saved",
                        &[("jid", &account.jid())],
                    ));
                }
            ),
        );
        client.connect_closure(
            "certificate-untrusted",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |client: Client, account: Account| win.ask_about_certificate(&client, &account)
            ),
        );
        client.connect_closure(
            "message-received",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |_: Client, account: Account, peer: String, _sender: String, body: String| {
                    win.notify_message(&account, &peer, &body);
                }
            ),
        );
        client.connect_closure(
            "room-joined",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |_: Client, _account: Account, room: String| win.imp().main_view.on_room_joined(&room)
            ),
        );
        client.connect_closure(
            "room-join-failed",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |_: Client, _account: Account, _room: String, why: String| win.toast(&why)
            ),
        );
        super::omemo_warning::watch(self, client);
        let settings = self.imp().settings.borrow().clone();
        super::remote_settings::watch(self, client, settings.as_ref());
        let weak = self.downgrade();
        super::decloak_dialog::watch(self.upcast_ref(), client, settings.as_ref(), move |text| {
            if let Some(win) = weak.upgrade() {
                win.toast(text);
            }
        });
        client.connect_closure(
            "subscription-request",
            false,
            glib::closure_local!(
                #[weak(rename_to = win)]
                self,
                move |client: Client,
                      account: Account,
                      from: String,
                      message: String,
                      fingerprint: String,
                      problem: String| {
                    let key = super::subscription_dialog::KeyShown {
                        fingerprint: &fingerprint,
                        problem: &problem,
                    };
                    win.ask_about_subscription(&client, &account, &from, &message, key);
                }
            ),
        );
    }

    /// Shows a desktop notification for a message that arrived while no
    /// window of ours has focus; clicking it opens the conversation.
    pub fn notify_message(&self, account: &Account, peer: &str, body: &str) {
        // Someone looking at the window sees the message there.
        if self.is_visible() && self.is_active() {
            return;
        }
        let settings = self.imp().settings.borrow().clone();
        let enabled = |key: &str| settings.as_ref().is_none_or(|s| s.boolean(key));
        if !enabled("notifications-enabled") {
            return;
        }
        let Some(app) = self.application() else { return };
        if enabled("sounds-enabled") {
            // The desktop's alert sound (GNOME plays its chosen alert).
            WidgetExt::display(self).beep();
            let imp = self.imp();
            imp.sounds_played.set(imp.sounds_played.get() + 1);
        }
        let notification = gio::Notification::new(peer);
        let preview: String = body.chars().take(NOTIFICATION_BODY_CHARS).collect();
        notification.set_body(Some(&preview));
        notification.set_default_action_and_target_value(
            "app.open-conversation",
            Some(&(account.jid(), peer.to_owned()).to_variant()),
        );
        app.send_notification(Some(&notification_id(&account.jid(), peer)), &notification);
    }

    /// The app's settings, when there are any.
    pub fn settings(&self) -> Option<gio::Settings> {
        self.imp().settings.borrow().clone()
    }

    /// The toasts shown so far (the last 100), oldest first.
    pub fn toasts_shown(&self) -> Vec<String> {
        self.imp().toasts.borrow().clone()
    }

    /// Tells the user, by a desktop notification when notifications are
    /// on, that a device of theirs controlled this client.
    pub fn notify_controlled(&self, text: &str) {
        let settings = self.imp().settings.borrow().clone();
        if settings.is_some_and(|s| !s.boolean("notifications-enabled")) {
            return;
        }
        let Some(app) = self.application() else { return };
        let notification = gio::Notification::new(&gettext("Controlled From Your Other Device"));
        notification.set_body(Some(text));
        app.send_notification(Some("remote-control"), &notification);
    }

    /// How many alert sounds notifications have played.
    pub fn sounds_played(&self) -> u32 {
        self.imp().sounds_played.get()
    }

    /// Opens the preferences, when there are settings to keep them in.
    pub fn show_preferences(&self) -> Option<adw::PreferencesWindow> {
        let settings = self.imp().settings.borrow().clone()?;
        let client = self.imp().client.borrow().clone();
        let preferences = super::preferences_window::build(self, &settings, client.as_ref());
        preferences.present();
        Some(preferences)
    }

    /// Opens a conversation from a notification.
    pub fn open_conversation(&self, account_jid: &str, peer: &str) {
        let imp = self.imp();
        let account = imp.client.borrow().as_ref().and_then(|c| c.account(account_jid));
        if let Some(account) = account {
            imp.main_view.set_account(&account);
        }
        imp.main_view.open_conversation(peer);
        if let Some(app) = self.application() {
            app.withdraw_notification(&notification_id(account_jid, peer));
        }
        self.present();
    }

    fn choose_page(&self) {
        let imp = self.imp();
        let Some(client) = imp.client.borrow().clone() else {
            return;
        };
        let page = if let Some(error) = client.start_error() {
            imp.start_error_page.set_icon_name(Some("dialog-error-symbolic"));
            let path = client
                .database_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            imp.start_error_page.set_description(Some(&gettext_f(
                // Translators: {detail} is the database's own message, in English.
                "Balcony could not open its message store, {path}, and left it as it is. The problem: {detail}",
                &[("path", &path), ("detail", &error)],
            )));
            "error"
        } else if !client.started() && client.primary_account().is_none() {
            self.spin_if_still_loading();
            "loading"
        } else if imp.adding_account.get() {
            "setup"
        } else if let Some(account) = imp
            .main_view
            .account()
            .filter(Account::saved)
            .or_else(|| client.primary_account())
        {
            imp.main_view.set_account(&account);
            "main"
        } else {
            "setup"
        };
        if page == "setup" {
            self.setup();
        }
        imp.stack.set_visible_child_name(page);
    }

    /// Shows the loading page's spinner if it is still on screen after
    /// [`SPINNER_AFTER`] (it is not, normally: the worker starts in a few
    /// milliseconds).
    fn spin_if_still_loading(&self) {
        let spinner = self.imp().loading_spinner.get();
        if spinner.is_visible() {
            return;
        }
        glib::timeout_add_local_once(
            SPINNER_AFTER,
            glib::clone!(
                #[weak(rename_to = win)]
                self,
                move || {
                    if win.visible_page() == "loading" {
                        spinner.set_visible(true);
                        spinner.set_spinning(true);
                    }
                }
            ),
        );
    }

    fn ask_about_certificate(&self, client: &Client, account: &Account) {
        let Some(cert) = account.pending_certificate() else {
            return;
        };
        let dialog = certificate_dialog::build(self, &account.jid(), &cert);
        dialog.connect_response(
            None,
            glib::clone!(
                #[weak(rename_to = win)]
                self,
                #[weak]
                client,
                #[weak]
                account,
                move |_, response| {
                    if response == certificate_dialog::RESPONSE_TRUST {
                        client.trust_certificate(&account);
                    } else {
                        account.set_pending_certificate(None);
                        win.setup().show_error(&gettext(
                            "The server’s certificate was not trusted, so Balcony did not connect.",
                        ));
                    }
                }
            ),
        );
        dialog.present();
    }
}

/// How long a new window waits for the cached lists read while it was
/// built; if they take longer, they come after the first frame.
const CACHE_WAIT: std::time::Duration = std::time::Duration::from_millis(150);

/// How long the loading page is shown before its spinner appears.
const SPINNER_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Characters of a message shown in its notification.
const NOTIFICATION_BODY_CHARS: usize = 200;

/// One notification per conversation: a newer message replaces it.
/// One notification per conversation: per account and peer.
fn notification_id(account: &str, peer: &str) -> String {
    format!("message-{account}-{peer}")
}
