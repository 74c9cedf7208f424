//! The account setup page: address, password, and an advanced part with
//! the server's host:port and direct TLS.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use super::connection_text::describe_error;
use crate::{
    config,
    core::{
        account::{parse_account_jid, AccountConfig, AccountJidError, ServerAddress, TlsMode},
        bridge::ConnectionState,
        credentials::{Password, PasswordStorage},
        history_sync::HistoryChoice,
        xmpp::connection::error::ConnectError,
    },
    i18n::gettext,
    model::{Account, Client},
};

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(resource = "/im/balcony/Balcony/ui/account_setup.ui")]
    pub struct AccountSetup {
        /// The client that logs in.
        pub client: RefCell<Option<Client>>,
        /// The account being set up and its state handler.
        pub watched: RefCell<Option<(Account, glib::SignalHandlerId)>>,
        #[template_child]
        pub app_icon: TemplateChild<gtk::Image>,
        #[template_child]
        pub jid_row: TemplateChild<adw::EntryRow>,
        #[template_child]
        pub password_row: TemplateChild<adw::PasswordEntryRow>,
        #[template_child]
        pub history_row: TemplateChild<adw::ComboRow>,
        #[template_child]
        pub advanced_row: TemplateChild<adw::ExpanderRow>,
        #[template_child]
        pub server_row: TemplateChild<adw::EntryRow>,
        #[template_child]
        pub direct_tls_switch: TemplateChild<gtk::Switch>,
        #[template_child]
        pub password_storage_group: TemplateChild<adw::PreferencesGroup>,
        #[template_child]
        pub password_file_switch: TemplateChild<gtk::Switch>,
        #[template_child]
        pub error_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub login_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub create_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub spinner: TemplateChild<gtk::Spinner>,
        #[template_child]
        pub cancel_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub heading: TemplateChild<gtk::Label>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for AccountSetup {
        const NAME: &'static str = "BalconyAccountSetup";
        type Type = super::AccountSetup;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            klass.bind_template();
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for AccountSetup {
        fn constructed(&self) {
            self.parent_constructed();
            let obj = self.obj();
            self.app_icon.set_icon_name(Some(config::APP_ID));
            super::super::history_choice::fill(&self.history_row, HistoryChoice::default());
            self.login_button.connect_clicked(glib::clone!(
                #[weak]
                obj,
                move |_| obj.submit()
            ));
            self.create_button.connect_clicked(glib::clone!(
                #[weak]
                obj,
                move |_| {
                    obj.create_account();
                }
            ));
            self.password_row.connect_entry_activated(glib::clone!(
                #[weak]
                obj,
                move |_| obj.submit()
            ));
            self.jid_row.connect_entry_activated(glib::clone!(
                #[weak(rename_to = password)]
                self.password_row,
                move |_| {
                    password.grab_focus();
                }
            ));
            for row in [&*self.jid_row, &*self.server_row] {
                row.connect_changed(|row| row.remove_css_class("error"));
            }
        }

        fn dispose(&self) {
            if let Some((account, handler)) = self.watched.take() {
                account.disconnect(handler);
            }
        }
    }

    impl WidgetImpl for AccountSetup {}
    impl BoxImpl for AccountSetup {}
}

glib::wrapper! {
    /// The page where a user adds their account.
    pub struct AccountSetup(ObjectSubclass<imp::AccountSetup>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl AccountSetup {
    /// Uses `client` to log in; shows the password-file choice only when no
    /// Secret Service is running.
    pub fn set_client(&self, client: &Client) {
        let imp = self.imp();
        client
            .bind_property(
                "secret-service-available",
                &*imp.password_storage_group,
                "visible",
            )
            .invert_boolean()
            .sync_create()
            .build();
        imp.client.replace(Some(client.clone()));
    }

    /// Readies the form for another account (empty, and cancellable), or
    /// for the first one again.
    pub fn start(&self, another: bool) {
        let imp = self.imp();
        if another {
            imp.jid_row.set_text("");
            imp.password_row.set_text("");
            imp.server_row.set_text("");
            imp.error_label.set_visible(false);
            self.set_busy(false);
        }
        imp.cancel_button.set_visible(another);
        imp.heading.set_label(&if another {
            // Translators: heading of the setup page when adding a second account.
            gettext("Add Another Account")
        } else {
            gettext("Welcome to Balcony")
        });
    }

    /// Shows an error under the form and ends the busy state.
    pub fn show_error(&self, message: &str) {
        let imp = self.imp();
        imp.error_label.set_label(message);
        imp.error_label.set_visible(true);
        self.set_busy(false);
    }

    fn set_busy(&self, busy: bool) {
        let imp = self.imp();
        imp.spinner.set_visible(busy);
        imp.login_button.set_sensitive(!busy);
        for row in [
            imp.jid_row.upcast_ref::<gtk::Widget>(),
            imp.password_row.upcast_ref(),
            imp.advanced_row.upcast_ref(),
        ] {
            row.set_sensitive(!busy);
        }
    }

    fn form(&self) -> Result<(AccountConfig, Password), String> {
        let imp = self.imp();
        let jid = parse_account_jid(&imp.jid_row.text()).map_err(|e| {
            imp.jid_row.add_css_class("error");
            match e {
                AccountJidError::NoLocalPart => gettext("Enter your full address, like juliet@example.org."),
                AccountJidError::Invalid(_) => gettext("This is not a valid XMPP address."),
            }
        })?;
        let password = Password::new(imp.password_row.text().as_str());
        if password.is_empty() {
            return Err(gettext("Enter your password."));
        }
        let server_text = imp.server_row.text();
        let server = if server_text.trim().is_empty() {
            None
        } else {
            Some(server_text.parse::<ServerAddress>().map_err(|_| {
                imp.server_row.add_css_class("error");
                imp.advanced_row.set_expanded(true);
                gettext("Enter the server as host:port, like xmpp.example.org:5222.")
            })?)
        };
        let tls = if imp.direct_tls_switch.is_active() {
            TlsMode::DirectTls
        } else {
            TlsMode::StartTls
        };
        Ok((
            AccountConfig {
                jid,
                server,
                tls,
                extra_ca_pem: None,
            },
            password,
        ))
    }

    /// Puts `address` in the address field and the cursor after it.
    pub fn prefill_address(&self, address: &str) {
        let row = &self.imp().jid_row;
        row.set_text(address);
        row.grab_focus();
        row.set_position(0);
    }

    /// Creates the account given on the page on its server (XEP-0077),
    /// with the server's form; once created, logs in with it.
    pub fn create_account(&self) -> Option<super::RegistrationDialog> {
        let imp = self.imp();
        let client = imp.client.borrow().clone()?;
        imp.error_label.set_visible(false);
        let (config, password) = match self.form() {
            Ok(v) => v,
            Err(message) => {
                self.show_error(&message);
                return None;
            }
        };
        let window = self.root().and_downcast::<gtk::Window>()?;
        let username = config.jid.node().map(|n| n.to_string()).unwrap_or_default();
        let domain = config.jid.domain().to_string();
        let registration = client.register(config);
        let weak = self.downgrade();
        let dialog = super::RegistrationDialog::open(
            &window,
            &registration,
            &username,
            password.expose(),
            move |user, password| {
                let Some(page) = weak.upgrade() else { return };
                page.imp().jid_row.set_text(&format!("{user}@{domain}"));
                page.imp().password_row.set_text(&password);
                page.submit();
            },
        );
        Some(dialog)
    }

    /// Validates the form and starts the login.
    pub fn submit(&self) {
        let imp = self.imp();
        let Some(client) = imp.client.borrow().clone() else {
            return;
        };
        imp.error_label.set_visible(false);
        let (config, password) = match self.form() {
            Ok(v) => v,
            Err(message) => {
                self.show_error(&message);
                return;
            }
        };
        let storage = if client.secret_service_available() {
            PasswordStorage::SecretService
        } else if imp.password_file_switch.is_active() {
            PasswordStorage::ProfileFile
        } else {
            PasswordStorage::None
        };
        self.set_busy(true);
        let jid = config.jid.to_string();
        let history = super::history_choice::selected(&imp.history_row);
        client.add_account(config, password, storage, history);
        if let Some((old, handler)) = imp.watched.take() {
            old.disconnect(handler);
        }
        if let Some(account) = client.account(&jid) {
            let handler = account.connect_local(
                "connection-changed",
                false,
                glib::clone!(
                    #[weak(rename_to = page)]
                    self,
                    #[upgrade_or]
                    None,
                    move |values| {
                        if let Some(account) = values.first().and_then(|v| v.get::<Account>().ok()) {
                            page.on_state(&account.connection_state());
                        }
                        None
                    }
                ),
            );
            imp.watched.replace(Some((account, handler)));
        }
    }

    fn on_state(&self, state: &ConnectionState) {
        match state {
            ConnectionState::Offline {
                error: Some(ConnectError::UntrustedCertificate(_)),
            } => {} // the window asks about the certificate
            ConnectionState::Offline { error: Some(e) } => self.show_error(&describe_error(e)),
            ConnectionState::Offline { error: None } => self.set_busy(false),
            _ => {}
        }
    }
}
