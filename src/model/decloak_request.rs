//! A request to see our presence (XEP-0276) waiting for the user.

use glib::subclass::prelude::*;

use super::Account;
use crate::core::privacy::DecloakRequest;

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default)]
    pub struct DecloakRequestObject {
        /// The account asked.
        pub account: RefCell<Option<Account>>,
        /// The request as the worker reported it.
        pub request: RefCell<Option<DecloakRequest>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for DecloakRequestObject {
        const NAME: &'static str = "BalconyDecloakRequest";
        type Type = super::DecloakRequestObject;
    }

    impl ObjectImpl for DecloakRequestObject {}
}

glib::wrapper! {
    /// Someone asks to see an account's presence.
    pub struct DecloakRequestObject(ObjectSubclass<imp::DecloakRequestObject>);
}

impl DecloakRequestObject {
    /// Wraps `request` to `account`.
    pub fn new(account: &Account, request: DecloakRequest) -> Self {
        let obj: Self = glib::Object::new();
        obj.imp().account.replace(Some(account.clone()));
        obj.imp().request.replace(Some(request));
        obj
    }

    /// The account asked.
    pub fn account(&self) -> Option<Account> {
        self.imp().account.borrow().clone()
    }

    /// The request.
    pub fn request(&self) -> Option<DecloakRequest> {
        self.imp().request.borrow().clone()
    }

    /// Who asks (a bare JID), or empty.
    pub fn from(&self) -> String {
        self.imp()
            .request
            .borrow()
            .as_ref()
            .map(|r| r.from.to_string())
            .unwrap_or_default()
    }
}
