//! UI test helpers: finding widgets by name, pumping the main loop until a
//! condition holds, and saving screenshots to `target/screenshots/`.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use gtk::{glib, graphene, prelude::*};

/// Initialises libadwaita, translations, resources and our stylesheet.
pub fn init() {
    // As the app's `main` does: a stream given up after a fatal error
    // (an untrusted certificate) ends quietly.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(balcony::core::xmpp::connection::link::quiet_expected_stream_panic);
    adw::init().expect("libadwaita");
    balcony::i18n::init();
    balcony::ui::init_resources();
    balcony::ui::init_display();
}

fn walk(widget: &gtk::Widget, name: &str) -> Option<gtk::Widget> {
    if widget.widget_name() == name {
        return Some(widget.clone());
    }
    let mut child = widget.first_child();
    while let Some(c) = child {
        if let Some(found) = walk(&c, name) {
            return Some(found);
        }
        child = c.next_sibling();
    }
    None
}

/// Every descendant of `root` of type `T`, in widget order.
pub fn all<T: IsA<gtk::Widget>>(root: &impl IsA<gtk::Widget>) -> Vec<T> {
    fn collect<T: IsA<gtk::Widget>>(w: &gtk::Widget, out: &mut Vec<T>) {
        if let Some(t) = w.downcast_ref::<T>() {
            out.push(t.clone());
        }
        let mut child = w.first_child();
        while let Some(c) = child {
            collect(&c, out);
            child = c.next_sibling();
        }
    }
    let mut out = Vec::new();
    collect(root.as_ref(), &mut out);
    out
}

/// The descendant of `root` whose widget name is `name`.
pub fn find<T: IsA<gtk::Widget>>(root: &impl IsA<gtk::Widget>, name: &str) -> T {
    walk(root.as_ref(), name)
        .unwrap_or_else(|| panic!("no widget named {name:?}"))
        .downcast::<T>()
        .unwrap_or_else(|w| panic!("widget {name:?} is a {}", w.type_().name()))
}

/// Runs the main loop until `cond` holds, failing after `timeout`.
pub fn pump_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let ctx = glib::MainContext::default();
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for: {what}"
        );
        while ctx.pending() {
            ctx.iteration(false);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs the main loop for `d`.
pub fn pump_for(d: Duration) {
    let deadline = Instant::now() + d;
    pump_until("time to pass", d + Duration::from_secs(1), || {
        Instant::now() >= deadline
    });
}

/// The shown window of type `T` that is transient for `parent`.
pub fn dialog_of<T: IsA<gtk::Window> + IsA<glib::Object>>(parent: &impl IsA<gtk::Window>) -> Option<T> {
    let parent = parent.as_ref();
    let list = gtk::Window::toplevels();
    (0..list.n_items())
        .filter_map(|i| list.item(i).and_then(|o| o.downcast::<gtk::Window>().ok()))
        .filter(|w| w.is_visible() && w.transient_for().as_ref() == Some(parent))
        .find_map(|w| w.downcast::<T>().ok())
}

/// Renders `widget` as it is on screen and saves `target/screenshots/<name>.png`.
pub fn screenshot(widget: &impl IsA<gtk::Widget>, name: &str) -> PathBuf {
    let widget = widget.as_ref();
    pump_for(Duration::from_millis(300)); // let transitions finish
    gtk::test_widget_wait_for_draw(widget);
    let (w, h) = (widget.width(), widget.height());
    assert!(w > 0 && h > 0, "{name}: widget has no size");
    let paintable = gtk::WidgetPaintable::new(Some(widget));
    let snapshot = gtk::Snapshot::new();
    paintable.snapshot(&snapshot, w as f64, h as f64);
    let node = snapshot.to_node().expect("the widget drew something");
    let renderer = widget.native().and_then(|n| n.renderer()).expect("a renderer");
    let texture = renderer.render_texture(&node, Some(&graphene::Rect::new(0.0, 0.0, w as f32, h as f32)));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let path = dir.join(format!("{name}.png"));
    texture.save_to_png(&path).expect("save png");
    path
}

/// A profile in which `user`'s account was set up on `server` once (its
/// password kept in the profile), for the app to start on.
pub fn saved_profile(
    server: &super::prosody::Prosody,
    name: &str,
    user: &str,
    password: &str,
    runtime: &tokio::runtime::Runtime,
) -> balcony::core::profile::Profile {
    runtime.block_on(async {
        let setup = super::accounts::online(server, name, user, password).await;
        let profile = setup.profile.clone();
        setup.worker.shutdown();
        profile
    })
}

/// Screenshots of `widget` in the light style and in the dark one (`-dark`).
pub fn screenshot_styles(widget: &impl IsA<gtk::Widget>, name: &str) {
    screenshot(widget, name);
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(widget, &format!("{name}-dark"));
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);
}

/// The response button labelled `label` (mnemonic included) of a message
/// dialog, as shown (the dialog has a hidden second layout).
pub fn response_button(dialog: &adw::MessageDialog, label: &str) -> gtk::Button {
    all::<gtk::Button>(dialog)
        .into_iter()
        .find(|b| b.is_mapped() && b.label().as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no button {label:?}"))
}

/// `user`'s account set up once on `server` (its password kept in the
/// profile named `name`), then the app's window on that profile, online.
pub fn online_window(
    server: &super::prosody::Prosody,
    name: &str,
    user: &str,
    password: &str,
    runtime: &tokio::runtime::Runtime,
) -> (balcony::model::Client, balcony::ui::Window) {
    let profile = saved_profile(server, name, user, password, runtime);
    let client = balcony::model::Client::new(profile).expect("client");
    let window = balcony::ui::Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    pump_until(&format!("{user} online"), Duration::from_secs(20), || {
        client
            .primary_account()
            .is_some_and(|a| a.status() == balcony::model::ConnectionStatus::Online)
    });
    (client, window)
}

/// The app itself (registered and activated) on `profile`, with its
/// settings kept in the profile, and the window it opens.
pub fn app_window(
    profile: balcony::core::profile::Profile,
) -> (balcony::ui::Application, balcony::ui::Window) {
    let app = balcony::ui::Application::new(profile, true);
    app.register(None::<&gtk::gio::Cancellable>).expect("register");
    app.activate();
    pump_until("the window", Duration::from_secs(10), || {
        app.active_window().is_some()
    });
    let window = app
        .active_window()
        .and_downcast::<balcony::ui::Window>()
        .expect("window");
    (app, window)
}

/// [`app_window`] on `profile`, `width` × `height`, once its account is
/// online.
pub fn online_app_window(
    profile: balcony::core::profile::Profile,
    width: i32,
    height: i32,
) -> (balcony::ui::Application, balcony::ui::Window) {
    let (app, window) = app_window(profile);
    window.set_default_size(width, height);
    pump_until("online", Duration::from_secs(30), || {
        window
            .main_view()
            .account()
            .is_some_and(|a| a.status() == balcony::model::ConnectionStatus::Online)
    });
    (app, window)
}

/// Opens `window`'s main menu and clicks the item labelled `label` (as
/// shown, without its mnemonic), by real clicks.
pub fn click_main_menu_item(window: &impl IsA<gtk::Widget>, label: &str) {
    let menu = all::<gtk::MenuButton>(window)
        .into_iter()
        .find(|b| b.icon_name().as_deref() == Some("open-menu-symbolic"))
        .expect("the main menu");
    super::xinput::click(&menu);
    // The menu is built as it opens.
    pump_until("the menu", Duration::from_secs(20), || {
        menu.popover().is_some_and(|p| p.is_mapped())
    });
    let popover = menu.popover().expect("popover");
    let item = all::<gtk::Widget>(&popover)
        .into_iter()
        .find(|w| {
            w.type_().name() == "GtkModelButton"
                && w.property::<Option<String>>("text").as_deref() == Some(label)
        })
        .unwrap_or_else(|| panic!("no {label:?} in the main menu"));
    super::xinput::click(&item);
}

/// The first shown top-level window of type `T`, once there is one.
pub fn shown_toplevel<T: IsA<gtk::Window> + IsA<gtk::Widget> + IsA<glib::Object>>(what: &str) -> T {
    let mut found = None;
    pump_until(what, Duration::from_secs(20), || {
        found = gtk::Window::list_toplevels()
            .into_iter()
            .filter_map(|w| w.downcast::<T>().ok())
            .find(|w| w.upcast_ref::<gtk::Widget>().is_mapped());
        found.is_some()
    });
    found.expect("window")
}

/// A small window standing for a file manager: its label `name` drags the
/// file at `path` (XDND, as a file list). Gives the window and the label.
pub fn file_shelf(path: &std::path::Path, name: &str) -> (gtk::Window, gtk::Label) {
    use gtk::{gdk, gio};
    let shelf = gtk::Window::builder()
        .title("Files")
        .default_width(200)
        .default_height(120)
        .build();
    let handle = gtk::Label::new(Some(name));
    handle.set_size_request(200, 120);
    let source = gtk::DragSource::new();
    source.set_actions(gdk::DragAction::COPY);
    let dragged = path.to_path_buf();
    source.connect_prepare(move |_, _, _| {
        let files = gdk::FileList::from_array(&[gio::File::for_path(&dragged)]);
        Some(gdk::ContentProvider::for_value(&files.to_value()))
    });
    handle.add_controller(source);
    shelf.set_child(Some(&handle));
    shelf.present();
    pump_until("the shelf shown", Duration::from_secs(20), || handle.is_mapped());
    (shelf, handle)
}
