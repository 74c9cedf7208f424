//! A searchable list for fields with many options: a search entry over a
//! list view, so that even 10,000 options cost only the visible rows.

use std::{
    cell::{Cell, RefCell},
    collections::BTreeSet,
    rc::Rc,
};

use adw::prelude::*;

use super::field_editor::{own_group, widget_name, FieldEditor, Placement};
use crate::{
    core::forms::{Field, FieldOption},
    i18n::{gettext, ngettext_f},
};

type Bound = Rc<RefCell<Vec<(glib::WeakRef<gtk::CheckButton>, Rc<RefCell<usize>>)>>>;

struct Picker {
    options: Rc<Vec<FieldOption>>,
    chosen: Rc<RefCell<BTreeSet<usize>>>,
    bound: Bound,
    updating: Rc<Cell<bool>>,
}

impl Picker {
    fn refresh(&self) {
        self.updating.set(true);
        for (check, index) in self.bound.borrow().iter() {
            if let Some(check) = check.upgrade() {
                check.set_active(self.chosen.borrow().contains(&index.borrow()));
            }
        }
        self.updating.set(false);
    }

    fn summary(&self) -> String {
        let chosen = self.chosen.borrow();
        match chosen.len() {
            0 => gettext("Nothing chosen"),
            1 => chosen
                .iter()
                .next()
                .and_then(|i| self.options.get(*i))
                .map(|o| o.text().to_owned())
                .unwrap_or_default(),
            n => ngettext_f("{n} chosen", "{n} chosen", n as u32, &[("n", &n.to_string())]),
        }
    }
}

/// Options put in the list per main-loop turn once it fills; also what
/// it holds before the user turns to it, more than its 220 px show.
const CHUNK: usize = 12;
/// GTK 4.8's list view makes a row for up to this many items around what
/// it shows, whatever its height; beyond it more items cost no rows.
const ROWS_MADE: usize = 200;

/// Puts the first screenful of the indices `0..count` into `list`, and
/// returns what puts in the rest: a chunk per idle turn, so that no frame
/// has to make a hundred rows at once, and past [`ROWS_MADE`] the rest in
/// one go. The rest is asked for when the user turns to the list
/// (scrolls it, searches it or moves the focus into it):
/// a long form with many such lists makes no rows nobody looks at.
fn fill_on_demand(list: &gtk::StringList, count: usize) -> Rc<dyn Fn()> {
    let add = |list: &gtk::StringList, from: usize, to: usize| {
        let items: Vec<String> = (from..to).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        list.splice(from as u32, 0, &refs);
    };
    let first = count.min(CHUNK);
    add(list, 0, first);
    let started = Cell::new(first == count);
    let weak = list.downgrade();
    Rc::new(move || {
        if started.replace(true) {
            return;
        }
        let weak = weak.clone();
        let next = Cell::new(first);
        glib::idle_add_local_full(glib::Priority::DEFAULT_IDLE, move || {
            let Some(list) = weak.upgrade() else {
                return glib::ControlFlow::Break;
            };
            let from = next.get();
            let to = if from >= ROWS_MADE {
                count
            } else {
                (from + CHUNK).min(count)
            };
            add(&list, from, to);
            next.set(to);
            if to >= count {
                glib::ControlFlow::Break
            } else {
                glib::ControlFlow::Continue
            }
        });
    })
}

/// The picker for `field` over `options`; `multi` allows several choices.
pub fn editor(
    field: &Field,
    options: Vec<FieldOption>,
    multi: bool,
    changed: impl Fn() + 'static,
) -> FieldEditor {
    let chosen: BTreeSet<usize> = options
        .iter()
        .enumerate()
        .filter(|(_, o)| field.values.contains(&o.value))
        .map(|(i, _)| i)
        .collect();
    let picker = Rc::new(Picker {
        options: Rc::new(options),
        chosen: Rc::new(RefCell::new(chosen)),
        bound: Rc::default(),
        updating: Rc::default(),
    });
    let group = own_group(field);
    let summary = gtk::Label::builder()
        .label(picker.summary())
        .xalign(0.0)
        .css_classes(["dim-label"])
        .build();
    let search = gtk::SearchEntry::builder()
        .placeholder_text(gettext("Search choices"))
        .name(format!("{}:search", widget_name(field)))
        .build();

    let all = gtk::StringList::new(&[]);
    let fill_rest = fill_on_demand(&all, picker.options.len());
    let query = Rc::new(RefCell::new(String::new()));
    let filter = {
        let (options, query) = (picker.options.clone(), query.clone());
        gtk::CustomFilter::new(move |item| {
            let q = query.borrow();
            if q.is_empty() {
                return true;
            }
            let i: usize = item
                .downcast_ref::<gtk::StringObject>()
                .and_then(|s| s.string().parse().ok())
                .unwrap_or(usize::MAX);
            options
                .get(i)
                .is_some_and(|o| o.text().to_lowercase().contains(q.as_str()))
        })
    };
    let filtered = gtk::FilterListModel::new(Some(all), Some(filter.clone()));
    {
        let fill_rest = fill_rest.clone();
        // At the first key, not after the search's delay.
        search.connect_changed(move |_| fill_rest());
    }
    {
        let query = query.clone();
        search.connect_search_changed(move |s| {
            query.replace(s.text().to_lowercase());
            filter.changed(gtk::FilterChange::Different);
        });
    }

    let factory = gtk::SignalListItemFactory::new();
    let changed = Rc::new(changed);
    {
        let (picker, summary) = (picker.clone(), summary.clone());
        factory.connect_setup(move |_, item| {
            let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                return;
            };
            let check = gtk::CheckButton::builder()
                .margin_top(4)
                .margin_bottom(4)
                .margin_start(8)
                .margin_end(8)
                .build();
            let index = Rc::new(RefCell::new(usize::MAX));
            picker.bound.borrow_mut().push((check.downgrade(), index.clone()));
            let (picker, summary, changed) = (picker.clone(), summary.clone(), changed.clone());
            check.connect_toggled(move |c| {
                if picker.updating.get() {
                    return;
                }
                let i = *index.borrow();
                {
                    let mut chosen = picker.chosen.borrow_mut();
                    if !multi {
                        chosen.clear();
                    }
                    if c.is_active() {
                        chosen.insert(i);
                    } else {
                        chosen.remove(&i);
                    }
                }
                if !multi {
                    picker.refresh();
                }
                summary.set_label(&picker.summary());
                changed();
            });
            item.set_child(Some(&check));
        });
    }
    {
        let picker = picker.clone();
        factory.connect_bind(move |_, item| {
            let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                return;
            };
            let Some(check) = item.child().and_downcast::<gtk::CheckButton>() else {
                return;
            };
            let i: usize = item
                .item()
                .and_downcast::<gtk::StringObject>()
                .and_then(|s| s.string().parse().ok())
                .unwrap_or(usize::MAX);
            if let Some((_, index)) = picker
                .bound
                .borrow()
                .iter()
                .find(|(c, _)| c.upgrade().as_ref() == Some(&check))
            {
                index.replace(i);
            }
            check.set_label(picker.options.get(i).map(FieldOption::text));
            picker.updating.set(true);
            check.set_active(picker.chosen.borrow().contains(&i));
            picker.updating.set(false);
        });
    }
    let list = gtk::ListView::builder()
        .model(&gtk::NoSelection::new(Some(filtered)))
        .factory(&factory)
        .name(widget_name(field))
        .build();
    let scrolled = gtk::ScrolledWindow::builder()
        .child(&list)
        .min_content_height(220)
        .max_content_height(220)
        .hscrollbar_policy(gtk::PolicyType::Never)
        .build();
    {
        let fill_rest = fill_rest.clone();
        scrolled.vadjustment().connect_value_changed(move |_| fill_rest());
    }
    let focused = gtk::EventControllerFocus::new();
    focused.connect_enter(move |_| fill_rest());
    list.add_controller(focused);
    let frame = gtk::Frame::builder().child(&scrolled).build();
    let content = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(6)
        .build();
    content.append(&search);
    content.append(&frame);
    content.append(&summary);
    group.add(&content);
    FieldEditor::new(Placement::Group(group), &search, move || {
        let chosen = picker.chosen.borrow();
        chosen
            .iter()
            .filter_map(|i| picker.options.get(*i))
            .map(|o| o.value.clone())
            .collect()
    })
}
