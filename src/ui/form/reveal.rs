//! Showing a long form's rows as the user comes near them. The rows beyond
//! the first screen are built hidden, in idle batches, and shown a few
//! fields at a time while less than two screens of form are left below the
//! view (scrolling, the keyboard moving the focus down, a bigger window).
//! A frame then lays out and draws the fields near the view, not every
//! field of a 200-field form, and the values of all of them are there from
//! the start: reading the form back and checking it never waits for a
//! scroll.

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
};

use adw::{prelude::*, subclass::prelude::*};

use super::form_view::FormView;

/// Fields shown per step (a step waits for the layout it caused).
const FIELDS_PER_STEP: usize = 1;

/// A widget built hidden, waiting to be shown.
struct Held {
    widget: gtk::Widget,
    page: usize,
    /// The field it belongs to; `None` for groups, text and tables, which
    /// are shown with the field after them.
    field: Option<usize>,
}

/// The hidden part of a form, in the order it was built.
#[derive(Default)]
pub struct Reveal {
    holding: Cell<bool>,
    queue: RefCell<VecDeque<Held>>,
    scheduled: RefCell<Option<glib::SourceId>>,
    watched: RefCell<Option<(gtk::Adjustment, Vec<glib::SignalHandlerId>)>>,
}

impl Reveal {
    /// From now on, widgets are built hidden.
    pub fn start_holding(&self) {
        self.holding.set(true);
    }

    /// Forgets what a previous form held, and stops watching its scroll.
    pub fn reset(&self) {
        self.holding.set(false);
        self.queue.borrow_mut().clear();
        if let Some(source) = self.scheduled.take() {
            source.remove();
        }
        if let Some((adj, handlers)) = self.watched.take() {
            for handler in handlers {
                adj.disconnect(handler);
            }
        }
    }

    /// How many widgets are still hidden.
    pub fn held(&self) -> usize {
        self.queue.borrow().len()
    }
}

impl FormView {
    fn reveal(&self) -> &Reveal {
        &self.imp().reveal
    }

    /// Adds `widget` (just built, of field `field` on page `page`) hidden
    /// when past the first screen.
    pub(super) fn hold(&self, widget: &impl IsA<gtk::Widget>, page: usize, field: Option<usize>) {
        let reveal = self.reveal();
        if !reveal.holding.get() {
            return;
        }
        widget.set_visible(false);
        reveal.queue.borrow_mut().push_back(Held {
            widget: widget.clone().upcast(),
            page,
            field,
        });
    }

    /// Checks, in an idle turn, whether more of the form should be shown.
    pub(super) fn reveal_soon(&self) {
        let reveal = self.reveal();
        if reveal.queue.borrow().is_empty() || reveal.scheduled.borrow().is_some() {
            return;
        }
        let weak = self.downgrade();
        let source = glib::idle_add_local_full(glib::Priority::DEFAULT_IDLE, move || {
            if let Some(view) = weak.upgrade() {
                view.reveal().scheduled.take();
                view.reveal_step();
            }
            glib::ControlFlow::Break
        });
        reveal.scheduled.replace(Some(source));
    }

    /// The scrolled window's adjustment the form is in, watched so that a
    /// scroll or a new layout looks again; `None` outside one.
    fn watch(&self) -> Option<gtk::Adjustment> {
        let scrolled = self
            .ancestor(gtk::ScrolledWindow::static_type())
            .and_downcast::<gtk::ScrolledWindow>()?;
        let adj = scrolled.vadjustment();
        let mut watched = self.reveal().watched.borrow_mut();
        if watched.as_ref().map(|(a, _)| a) != Some(&adj) {
            if let Some((old, handlers)) = watched.take() {
                for handler in handlers {
                    old.disconnect(handler);
                }
            }
            let look = |view: glib::WeakRef<FormView>| {
                move |_: &gtk::Adjustment| {
                    if let Some(view) = view.upgrade() {
                        view.reveal_soon();
                    }
                }
            };
            let handlers = vec![
                adj.connect_changed(look(self.downgrade())),
                adj.connect_value_changed(look(self.downgrade())),
            ];
            *watched = Some((adj.clone(), handlers));
        }
        Some(adj)
    }

    /// Shows the next few fields if less than two screens of form are
    /// left below the view. The layout this causes changes the adjustment,
    /// which looks again.
    fn reveal_step(&self) {
        if !self.is_mapped() {
            return;
        }
        let Some(adj) = self.watch() else {
            // Not scrolled: the whole form is on screen anyway.
            self.reveal_while(|_| true);
            return;
        };
        let screen = adj.page_size().max(300.0);
        let below = adj.upper() - adj.value() - adj.page_size();
        if below >= 2.0 * screen {
            return;
        }
        let page = self.page();
        let mut fields = 0;
        self.reveal_while(|held| {
            if fields >= FIELDS_PER_STEP {
                return false;
            }
            // Rows of other pages are not laid out: they do not count.
            if held.page == page && held.field.is_some() {
                fields += 1;
            }
            true
        });
    }

    /// Shows held widgets in order while `more` says so.
    fn reveal_while(&self, mut more: impl FnMut(&Held) -> bool) {
        loop {
            let next = {
                let mut queue = self.reveal().queue.borrow_mut();
                match queue.front() {
                    Some(held) if more(held) => queue.pop_front(),
                    _ => None,
                }
            };
            let Some(held) = next else { break };
            held.widget.set_visible(true);
        }
    }

    /// Shows everything up to and including the widgets of `fields` (e.g.
    /// the fields a check found wrong, so their problems can be read).
    pub(super) fn reveal_fields(&self, fields: &[usize]) {
        let shown: Vec<Held> = {
            let mut queue = self.reveal().queue.borrow_mut();
            match queue
                .iter()
                .rposition(|h| h.field.is_some_and(|f| fields.contains(&f)))
            {
                Some(last) => queue.drain(..=last).collect(),
                None => Vec::new(),
            }
        };
        for held in shown {
            held.widget.set_visible(true);
        }
    }
}
