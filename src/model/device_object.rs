//! One of our account's other online resources, for the Devices page.

use glib::{prelude::*, subclass::prelude::*};

use crate::core::remote_control::Device;

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::DeviceObject)]
    pub struct DeviceObject {
        /// Its full JID.
        #[property(get, construct_only)]
        pub jid: RefCell<String>,
        /// Its resource.
        #[property(get, construct_only)]
        pub resource: RefCell<String>,
        /// Its client's name, when known.
        #[property(get)]
        pub client: RefCell<String>,
        /// Its client's version, when known.
        #[property(get)]
        pub version: RefCell<String>,
        /// `pc`, `phone`, `web`, `bot`, …, or empty.
        #[property(get)]
        pub kind: RefCell<String>,
        /// Availability name.
        #[property(get)]
        pub show: RefCell<String>,
        /// Status message.
        #[property(get)]
        pub status: RefCell<String>,
        /// Last active, ms since the epoch.
        #[property(get)]
        pub last_active: Cell<i64>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for DeviceObject {
        const NAME: &'static str = "BalconyDevice";
        type Type = super::DeviceObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for DeviceObject {
        fn signals() -> &'static [glib::subclass::Signal] {
            static SIGNALS: std::sync::OnceLock<Vec<glib::subclass::Signal>> = std::sync::OnceLock::new();
            SIGNALS.get_or_init(|| vec![glib::subclass::Signal::builder("changed").build()])
        }
    }
}

glib::wrapper! {
    /// A device of ours.
    pub struct DeviceObject(ObjectSubclass<imp::DeviceObject>);
}

impl DeviceObject {
    /// A device object for `device`.
    pub fn new(device: &Device) -> Self {
        let obj: Self = glib::Object::builder()
            .property("jid", device.jid.as_str())
            .property("resource", device.jid.resource().as_str())
            .build();
        obj.update(device);
        obj
    }

    /// Applies what the worker learnt.
    pub fn update(&self, device: &Device) {
        let imp = self.imp();
        imp.client.replace(device.client.clone().unwrap_or_default());
        imp.version.replace(device.version.clone().unwrap_or_default());
        imp.kind.replace(device.kind.clone().unwrap_or_default());
        imp.show.replace(device.show.clone());
        imp.status.replace(device.status.clone());
        imp.last_active.set(device.last_active_ms);
        for p in ["client", "version", "kind", "show", "status", "last-active"] {
            self.notify(p);
        }
        self.emit_by_name::<()>("changed", &[]);
    }
}
