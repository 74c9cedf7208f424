//! GObject models fed by the worker's events. No widgets here.

pub mod account;
mod cache_prefetch;
mod certificate_pins;
mod client;
mod command_session;
mod connection_status;
mod console_entry_object;
mod contact_object;
mod conversation_list;
mod conversation_object;
mod decloak_request;
mod device_object;
mod dispatcher;
pub mod encryption_text;
pub mod file_text;
mod message_list;
mod message_object;
mod registration;
pub mod remote_text;
pub mod request_text;
mod room_config;
mod room_object;
mod room_text;
mod roster;
mod roster_row;
mod store_reader;
mod upload_object;

pub use self::{
    account::Account,
    certificate_pins::PinnedCertificate,
    client::Client,
    command_session::CommandSession,
    connection_status::ConnectionStatus,
    console_entry_object::ConsoleEntryObject,
    contact_object::{show_name, ContactObject, SHOW_NAMES},
    conversation_object::ConversationObject,
    decloak_request::DecloakRequestObject,
    device_object::DeviceObject,
    message_list::{MessageList, MAX_LOADED, PAGE},
    message_object::MessageObject,
    registration::{Registration, RegistrationState},
    room_object::RoomObject,
    roster::Roster,
    roster_row::RosterRow,
    store_reader::StoreReader,
    upload_object::UploadObject,
};
