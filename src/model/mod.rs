//! GObject models fed by the worker's events. No widgets here.

mod account;
mod client;
mod connection_status;
mod dispatcher;
mod message_list;
mod message_object;
mod store_reader;

pub use self::{
    account::Account,
    client::Client,
    connection_status::ConnectionStatus,
    message_list::{MessageList, MAX_LOADED, PAGE},
    message_object::MessageObject,
    store_reader::StoreReader,
};
