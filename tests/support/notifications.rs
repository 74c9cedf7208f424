//! A notification server on the test's D-Bus session (the freedesktop
//! interface GLib's GNotification falls back to), recording what the app
//! shows and clicking a notification's default action.

use std::{cell::RefCell, rc::Rc, time::Duration};

use gtk::{gio, prelude::*};

const XML: &str = r#"
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>"#;

/// One notification as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The server's id for it.
    pub id: u32,
    /// Its title.
    pub summary: String,
    /// Its text.
    pub body: String,
    /// Its actions (id, label, id, label, …).
    pub actions: Vec<String>,
}

/// The running server.
pub struct NotificationServer {
    connection: gio::DBusConnection,
    /// What was shown, oldest first.
    pub shown: Rc<RefCell<Vec<Shown>>>,
}

impl NotificationServer {
    /// Registers the server and owns its name on the session bus.
    pub fn start() -> Self {
        let connection =
            gio::bus_get_sync(gio::BusType::Session, None::<&gio::Cancellable>).expect("session bus");
        let node = gio::DBusNodeInfo::for_xml(XML).expect("interface xml");
        let interface = node
            .lookup_interface("org.freedesktop.Notifications")
            .expect("interface");
        let shown: Rc<RefCell<Vec<Shown>>> = Rc::default();
        let record = shown.clone();
        connection
            .register_object("/org/freedesktop/Notifications", &interface)
            .method_call(move |_, _, _, _, method, params, invocation| match method {
                "Notify" => {
                    let text = |i: usize| params.child_value(i).get::<String>().unwrap_or_default();
                    let mut shown = record.borrow_mut();
                    let id = shown.len() as u32 + 1;
                    shown.push(Shown {
                        id,
                        summary: text(3),
                        body: text(4),
                        actions: params.child_value(5).get::<Vec<String>>().unwrap_or_default(),
                    });
                    invocation.return_value(Some(&(id,).to_variant()));
                }
                "GetCapabilities" => {
                    invocation.return_value(Some(&(vec!["actions", "body"],).to_variant()));
                }
                "GetServerInformation" => {
                    invocation.return_value(Some(&("balcony-test", "balcony", "1", "1.2").to_variant()));
                }
                _ => invocation.return_value(None),
            })
            .build()
            .expect("register the server");
        let owned = Rc::new(std::cell::Cell::new(false));
        let flag = owned.clone();
        let _owner = gio::bus_own_name_on_connection(
            &connection,
            "org.freedesktop.Notifications",
            gio::BusNameOwnerFlags::NONE,
            move |_, _| flag.set(true),
            |_, name| panic!("could not own {name}"),
        );
        super::ui::pump_until("the notification server's name", Duration::from_secs(5), || {
            owned.get()
        });
        NotificationServer { connection, shown }
    }

    /// Clicks notification `id` (its default action).
    pub fn click(&self, id: u32) {
        self.connection
            .emit_signal(
                None,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                Some(&(id, "default").to_variant()),
            )
            .expect("emit ActionInvoked");
    }
}
