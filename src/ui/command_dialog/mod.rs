//! The command dialog: lists what an entity offers (for a contact, on the
//! device chosen), then runs one command stage by stage with its forms,
//! notes and results. Closing it cancels a command between stages.

pub mod error_text;
mod notes;

use std::cell::RefCell;

use adw::{prelude::*, subclass::prelude::*};
use xmpp_parsers::jid::{BareJid, Jid};

pub use self::error_text::error_text;
use super::{
    form::{Bob, FormView},
    form_dialog::scrolled,
};
use crate::{
    core::xmpp::{
        modules::x0050_command_client::CommandItem,
        modules::x0050_commands::{Action, CommandError, CommandPayload},
    },
    i18n::gettext,
    model::{Client, CommandSession},
};

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct CommandDialog {
        pub session: RefCell<Option<CommandSession>>,
        pub candidates: RefCell<Vec<Jid>>,
        pub reply: RefCell<Option<CommandPayload>>,
        pub rows: RefCell<Vec<adw::ActionRow>>,
        pub title: adw::WindowTitle,
        pub stack: gtk::Stack,
        pub spinner: gtk::Spinner,
        pub entity_row: adw::ComboRow,
        pub devices: adw::PreferencesGroup,
        pub list: adw::PreferencesGroup,
        pub notes: gtk::Box,
        pub form_view: FormView,
        pub error_page: adw::StatusPage,
        pub action_bar: gtk::ActionBar,
        pub prev: gtk::Button,
        pub next: gtk::Button,
        pub complete: gtk::Button,
        pub again: gtk::Button,
        pub cancel: gtk::Button,
        pub close: gtk::Button,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for CommandDialog {
        const NAME: &'static str = "BalconyCommandDialog";
        type Type = super::CommandDialog;
        type ParentType = adw::Window;
    }

    impl ObjectImpl for CommandDialog {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().build();
        }
    }

    impl WidgetImpl for CommandDialog {}
    impl WindowImpl for CommandDialog {
        fn close_request(&self) -> glib::Propagation {
            if let Some(session) = self.session.borrow().as_ref() {
                session.cancel();
            }
            glib::Propagation::Proceed
        }
    }
    impl AdwWindowImpl for CommandDialog {}
}

glib::wrapper! {
    /// Runs ad-hoc commands on an entity.
    pub struct CommandDialog(ObjectSubclass<imp::CommandDialog>)
        @extends adw::Window, gtk::Window, gtk::Widget,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

impl CommandDialog {
    /// Opens the dialog on `candidates` (a contact's devices, or one
    /// address) through `account`, and lists the first one's commands.
    pub fn open(
        parent: &impl IsA<gtk::Window>,
        client: &Client,
        account: BareJid,
        candidates: Vec<Jid>,
        heading: &str,
    ) -> Self {
        let dialog = Self::prepare(parent, client, account, candidates);
        dialog.imp().title.set_title(heading);
        dialog.present();
        dialog.load_list();
        dialog
    }

    /// Opens the dialog straight on the command `node` (named `name`) of
    /// `entity`, without listing the entity's commands first.
    pub fn open_command(
        parent: &impl IsA<gtk::Window>,
        client: &Client,
        account: BareJid,
        entity: Jid,
        node: &str,
        name: &str,
    ) -> Self {
        let dialog = Self::prepare(parent, client, account, vec![entity]);
        dialog.present();
        dialog.run(node, name);
        dialog
    }

    /// The dialog over `parent` for `candidates` (the first one chosen).
    fn prepare(
        parent: &impl IsA<gtk::Window>,
        client: &Client,
        account: BareJid,
        candidates: Vec<Jid>,
    ) -> Self {
        let dialog: Self = glib::Object::builder()
            .property("transient-for", parent)
            .property("modal", true)
            .property("default-width", 560)
            .property("default-height", 680)
            .build();
        let imp = dialog.imp();
        if let Some(first) = candidates.first() {
            let session = CommandSession::new(client, account, first.clone());
            imp.session.replace(Some(session));
        }
        let names: Vec<String> = candidates.iter().map(Jid::to_string).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        imp.entity_row.set_model(Some(&gtk::StringList::new(&refs)));
        imp.devices.set_visible(candidates.len() > 1);
        imp.candidates.replace(candidates);
        dialog
    }

    fn build(&self) {
        let imp = self.imp();
        self.set_title(Some(&gettext("Commands")));
        let header = adw::HeaderBar::new();
        header.set_title_widget(Some(&imp.title));
        header.pack_end(&imp.spinner);

        imp.entity_row.set_title(&gettext("Device"));
        imp.entity_row.set_widget_name("command-entity");
        let devices = imp.devices.clone();
        devices.add(&imp.entity_row);
        imp.list.set_title(&gettext("Available Commands"));
        let list_box = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(18)
            .build();
        list_box.append(&devices);
        list_box.append(&imp.list);

        imp.notes.set_orientation(gtk::Orientation::Vertical);
        imp.notes.set_spacing(6);
        let form_box = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(18)
            .build();
        form_box.append(&imp.notes);
        form_box.append(&imp.form_view);

        imp.error_page.set_icon_name(Some("dialog-error-symbolic"));
        imp.error_page.set_widget_name("command-error");
        let loading = adw::StatusPage::builder().title(gettext("Asking…")).build();
        imp.stack.add_named(&loading, Some("loading"));
        imp.stack.add_named(&scrolled(&list_box, 640), Some("list"));
        imp.stack.add_named(&scrolled(&form_box, 640), Some("form"));
        imp.stack.add_named(&imp.error_page, Some("error"));
        // A command that completes with nothing to show still says so.
        let done = adw::StatusPage::builder()
            .icon_name("object-select-symbolic")
            .title(gettext("Done"))
            .description(gettext("The command finished."))
            .build();
        done.set_widget_name("command-done");
        imp.stack.add_named(&done, Some("done"));
        imp.stack.set_vexpand(true);

        for (b, label, name) in [
            (&imp.prev, gettext("_Previous"), "command-prev"),
            (&imp.next, gettext("_Next"), "command-next"),
            (&imp.complete, gettext("C_omplete"), "command-complete"),
            (&imp.again, gettext("_Other Commands"), "command-again"),
            (&imp.cancel, gettext("_Cancel"), "command-cancel"),
            (&imp.close, gettext("_Close"), "command-close"),
        ] {
            b.set_label(&label);
            b.set_use_underline(true);
            b.set_widget_name(name);
        }
        imp.action_bar.pack_start(&imp.cancel);
        imp.action_bar.pack_start(&imp.prev);
        imp.action_bar.pack_start(&imp.again);
        imp.action_bar.pack_end(&imp.complete);
        imp.action_bar.pack_end(&imp.next);
        imp.action_bar.pack_end(&imp.close);

        let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
        content.append(&header);
        content.append(&imp.stack);
        content.append(&imp.action_bar);
        self.set_content(Some(&content));

        let weak = self.downgrade();
        let act = move |action: Action| {
            let weak = weak.clone();
            move |_: &gtk::Button| {
                if let Some(d) = weak.upgrade() {
                    d.act(action);
                }
            }
        };
        imp.prev.connect_clicked(act(Action::Prev));
        imp.next.connect_clicked(act(Action::Next));
        imp.complete.connect_clicked(act(Action::Complete));
        let weak = self.downgrade();
        imp.cancel.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                if let Some(session) = d.session() {
                    session.cancel();
                }
                d.load_list();
            }
        });
        let weak = self.downgrade();
        imp.again.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                d.load_list();
            }
        });
        let weak = self.downgrade();
        imp.close.connect_clicked(move |_| {
            if let Some(d) = weak.upgrade() {
                d.close();
            }
        });
        let weak = self.downgrade();
        imp.entity_row.connect_selected_notify(move |row| {
            let Some(d) = weak.upgrade() else { return };
            let entity = d.imp().candidates.borrow().get(row.selected() as usize).cloned();
            if let (Some(entity), Some(session)) = (entity, d.session()) {
                if session.entity().as_ref() != Some(&entity) {
                    session.set_entity(entity);
                    d.load_list();
                }
            }
        });
        let escape = gtk::ShortcutController::new();
        escape.add_shortcut(gtk::Shortcut::new(
            gtk::ShortcutTrigger::parse_string("Escape"),
            Some(gtk::CallbackAction::new(|w, _| {
                if let Some(w) = w.downcast_ref::<gtk::Window>() {
                    w.close();
                }
                glib::Propagation::Stop
            })),
        ));
        self.add_controller(escape);
    }

    /// The session the dialog drives.
    pub fn session(&self) -> Option<CommandSession> {
        self.imp().session.borrow().clone()
    }

    /// The form view (for tests).
    pub fn form_view(&self) -> FormView {
        self.imp().form_view.clone()
    }

    /// The page shown: `loading`, `list`, `form` or `error`.
    pub fn page(&self) -> String {
        self.imp()
            .stack
            .visible_child_name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    /// The note banners shown (for tests).
    pub fn note_texts(&self) -> Vec<String> {
        notes::texts(&self.imp().notes)
    }

    /// The error shown (for tests).
    pub fn error_shown(&self) -> Option<String> {
        let imp = self.imp();
        (self.page() == "error").then(|| {
            imp.error_page
                .description()
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
    }

    /// The last answer (for tests).
    pub fn reply(&self) -> Option<CommandPayload> {
        self.imp().reply.borrow().clone()
    }

    fn busy(&self, busy: bool) {
        let imp = self.imp();
        imp.spinner.set_spinning(busy);
        imp.action_bar.set_sensitive(!busy);
    }

    fn show_buttons(&self, prev: bool, next: bool, complete: bool, finished: bool) {
        let imp = self.imp();
        imp.prev.set_visible(prev);
        imp.next.set_visible(next);
        imp.complete.set_visible(complete);
        imp.cancel.set_visible(prev || next || complete);
        imp.again.set_visible(finished);
        imp.close.set_visible(finished);
    }

    fn show_error(&self, error: &CommandError, listing: bool) {
        let imp = self.imp();
        imp.error_page.set_title(&if listing {
            gettext("No Commands Available")
        } else {
            gettext("The Command Did Not Run")
        });
        imp.again.set_label(&if listing {
            gettext("_Try Again")
        } else {
            gettext("_Other Commands")
        });
        imp.error_page.set_description(Some(&error_text(error)));
        imp.stack.set_visible_child_name("error");
        self.show_buttons(false, false, false, true);
        self.busy(false);
    }

    /// Lists the entity's commands.
    pub fn load_list(&self) {
        let Some(session) = self.session() else { return };
        let imp = self.imp();
        imp.title
            .set_subtitle(&session.entity().map(|e| e.to_string()).unwrap_or_default());
        imp.stack.set_visible_child_name("loading");
        self.show_buttons(false, false, false, false);
        self.busy(true);
        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            let result = session.list().await;
            let Some(d) = weak.upgrade() else { return };
            d.busy(false);
            match result {
                Ok(items) => d.show_list(&items),
                Err(e) => d.show_error(&e, true),
            }
        });
    }

    fn show_list(&self, items: &[CommandItem]) {
        let imp = self.imp();
        let group = imp.list.clone();
        for row in imp.rows.take() {
            group.remove(&row);
        }
        if items.is_empty() {
            group.set_description(Some(&gettext("This address offers no commands to you.")));
        } else {
            group.set_description(None);
        }
        for item in items {
            let row = adw::ActionRow::builder()
                .title(glib::markup_escape_text(&item.name))
                .activatable(true)
                .name(format!("command:{}", item.node))
                .build();
            row.add_suffix(&gtk::Image::from_icon_name("go-next-symbolic"));
            let (weak, node, name) = (self.downgrade(), item.node.clone(), item.name.clone());
            row.connect_activated(move |_| {
                if let Some(d) = weak.upgrade() {
                    d.run(&node, &name);
                }
            });
            group.add(&row);
            imp.rows.borrow_mut().push(row);
        }
        imp.stack.set_visible_child_name("list");
        self.show_buttons(false, false, false, false);
        imp.close.set_visible(true);
    }

    /// Starts the command at `node` (named `name`).
    pub fn run(&self, node: &str, name: &str) {
        let Some(session) = self.session() else { return };
        self.imp().title.set_title(name);
        self.busy(true);
        let (weak, node) = (self.downgrade(), node.to_owned());
        glib::spawn_future_local(async move {
            let result = session.start(&node).await;
            if let Some(d) = weak.upgrade() {
                d.answered(result);
            }
        });
    }

    fn act(&self, action: Action) {
        let Some(session) = self.session() else { return };
        let imp = self.imp();
        let submits = action != Action::Prev;
        let form = if submits { imp.form_view.form() } else { None };
        if submits && form.is_some() && !imp.form_view.check() {
            return;
        }
        self.busy(true);
        let weak = self.downgrade();
        glib::spawn_future_local(async move {
            let result = session.act(action, form.as_ref()).await;
            if let Some(d) = weak.upgrade() {
                d.answered(result);
            }
        });
    }

    fn answered(&self, result: Result<CommandPayload, CommandError>) {
        self.busy(false);
        let reply = match result {
            Ok(r) => r,
            Err(e) => return self.show_error(&e, false),
        };
        let imp = self.imp();
        notes::show(&imp.notes, &reply.notes);
        match reply.form() {
            Some(Ok(form)) => {
                imp.form_view.set_visible(true);
                imp.form_view.set_form(&form, &Bob::new(), reply.is_executing());
            }
            Some(Err(e)) => {
                imp.form_view.set_visible(false);
                tracing::warn!(error = %e, "unusable command form");
                return self.show_error(&CommandError::Malformed(e.to_string()), false);
            }
            None => imp.form_view.set_visible(false),
        }
        let nothing_to_show = !reply.is_executing() && reply.notes.is_empty() && reply.form.is_none();
        imp.stack
            .set_visible_child_name(if nothing_to_show { "done" } else { "form" });
        if reply.is_executing() {
            let default = reply.default_action();
            self.show_buttons(
                reply.allows(Action::Prev),
                reply.allows(Action::Next),
                reply.allows(Action::Complete),
                false,
            );
            for (button, action) in [(&imp.next, Action::Next), (&imp.complete, Action::Complete)] {
                if default == Some(action) {
                    button.add_css_class("suggested-action");
                    self.set_default_widget(Some(button));
                } else {
                    button.remove_css_class("suggested-action");
                }
            }
        } else {
            self.show_buttons(false, false, false, true);
            imp.again.set_label(&gettext("_Other Commands"));
            imp.close.add_css_class("suggested-action");
            self.set_default_widget(Some(&imp.close));
        }
        imp.reply.replace(Some(reply));
    }
}
