//! GObject models fed by the worker's events. No widgets here.

mod account;
mod client;
mod connection_status;
mod conversation_list;
mod conversation_object;
mod dispatcher;
mod message_list;
mod message_object;
mod store_reader;

pub use self::{
    account::Account,
    client::Client,
    connection_status::ConnectionStatus,
    conversation_object::ConversationObject,
    message_list::{MessageList, MAX_LOADED, PAGE},
    message_object::MessageObject,
    store_reader::StoreReader,
};
