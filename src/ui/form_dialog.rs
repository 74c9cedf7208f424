//! The frame shared by dialogs that show a server's form (room settings,
//! account creation): a header with Cancel and one confirming button, and
//! three pages: waiting, the form with a problem line above it, and an
//! error.

use adw::prelude::*;

use super::form::FormView;
use crate::i18n::gettext;

/// A scrolled, width-limited column around `child`.
pub fn scrolled(child: &impl IsA<gtk::Widget>, max_width: i32) -> gtk::ScrolledWindow {
    let clamp = adw::Clamp::builder()
        .child(child)
        .maximum_size(max_width)
        .margin_top(18)
        .margin_bottom(18)
        .margin_start(12)
        .margin_end(12)
        .build();
    gtk::ScrolledWindow::builder()
        .child(&clamp)
        .hscrollbar_policy(gtk::PolicyType::Never)
        .vexpand(true)
        .build()
}

/// What the frame says.
pub struct FrameText {
    /// The window's title.
    pub title: String,
    /// Under the title (the room, the server).
    pub subtitle: String,
    /// The confirming button, with a mnemonic.
    pub confirm: String,
    /// Widget-name prefix for tests (`room-settings`, `registration`).
    pub name: &'static str,
    /// While waiting for the form.
    pub waiting: String,
    /// Above the reason when there is no form to show.
    pub failed: String,
}

/// The widgets of the frame.
#[derive(Debug)]
pub struct FormDialogFrame {
    /// The pages: `loading`, `form`, `error`.
    pub stack: gtk::Stack,
    /// The form.
    pub view: FormView,
    /// A problem line above the form.
    pub problem: gtk::Label,
    /// The error page.
    pub error_page: adw::StatusPage,
    /// The confirming button.
    pub confirm: gtk::Button,
    /// Busy indicator.
    pub spinner: gtk::Spinner,
}

impl FormDialogFrame {
    /// Builds the frame as `window`'s content; Cancel closes the window and
    /// `confirm` runs on the confirming button (the default widget).
    pub fn install(window: &adw::Window, text: FrameText, confirm: impl Fn() + 'static) -> Self {
        let frame = FormDialogFrame {
            stack: gtk::Stack::new(),
            view: FormView::new(),
            problem: gtk::Label::builder()
                .wrap(true)
                .xalign(0.0)
                .visible(false)
                .css_classes(["error"])
                .name(format!("{}-problem", text.name))
                .build(),
            error_page: adw::StatusPage::builder()
                .icon_name("dialog-error-symbolic")
                .title(text.failed)
                .name(format!("{}-error", text.name))
                .build(),
            confirm: gtk::Button::builder()
                .label(text.confirm)
                .use_underline(true)
                .name(format!("{}-confirm", text.name))
                .css_classes(["suggested-action"])
                .sensitive(false)
                .build(),
            spinner: gtk::Spinner::new(),
        };
        window.set_title(Some(&text.title));
        let header = adw::HeaderBar::new();
        header.set_show_end_title_buttons(false);
        header.set_title_widget(Some(&adw::WindowTitle::new(&text.title, &text.subtitle)));
        let cancel = gtk::Button::with_mnemonic(&gettext("_Cancel"));
        header.pack_start(&cancel);
        header.pack_end(&frame.confirm);
        header.pack_end(&frame.spinner);
        let content = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(12)
            .build();
        content.append(&frame.problem);
        content.append(&frame.view);
        let loading = adw::StatusPage::builder().title(text.waiting).build();
        frame.stack.add_named(&loading, Some("loading"));
        frame.stack.add_named(&scrolled(&content, 600), Some("form"));
        frame.stack.add_named(&frame.error_page, Some("error"));
        let body = gtk::Box::new(gtk::Orientation::Vertical, 0);
        body.append(&header);
        body.append(&frame.stack);
        window.set_content(Some(&body));
        window.set_default_widget(Some(&frame.confirm));
        let weak = window.downgrade();
        cancel.connect_clicked(move |_| {
            if let Some(w) = weak.upgrade() {
                w.close();
            }
        });
        frame.confirm.connect_clicked(move |_| confirm());
        frame
    }

    /// The page shown.
    pub fn page(&self) -> String {
        self.stack
            .visible_child_name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    /// Shows the form page.
    pub fn show_form(&self) {
        self.stack.set_visible_child_name("form");
        self.confirm.set_sensitive(true);
    }

    /// Shows `reason` on the error page (no form to keep).
    pub fn show_failure(&self, reason: &str) {
        self.error_page.set_description(Some(reason));
        self.stack.set_visible_child_name("error");
        self.confirm.set_sensitive(false);
    }

    /// Shows `problem` above the form, or hides the line.
    pub fn show_problem(&self, problem: Option<&str>) {
        self.problem.set_label(problem.unwrap_or_default());
        self.problem.set_visible(problem.is_some());
    }

    /// The problem line, if shown.
    pub fn problem_shown(&self) -> Option<String> {
        self.problem
            .is_visible()
            .then(|| self.problem.label().to_string())
    }

    /// Busy: the spinner runs and the button waits.
    pub fn set_busy(&self, busy: bool) {
        self.spinner.set_spinning(busy);
        self.confirm.set_sensitive(!busy && self.page() == "form");
    }
}
