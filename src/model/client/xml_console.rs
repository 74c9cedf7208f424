//! The XML console in the model: watching an account's connection, and
//! sending what the user typed.

use xmpp_parsers::jid::BareJid;

use crate::{
    core::{
        bridge::Command,
        xml_console::{self, ConsoleEntry, RawXmlError},
        xmpp::connection::stream_tap::CONSOLE_QUEUE,
    },
    i18n::{gettext, gettext_f},
    model::{Account, ConnectionStatus},
};

use super::Client;

/// Why typed XML was not sent, for people.
pub fn raw_error_text(error: &RawXmlError) -> String {
    match error {
        RawXmlError::Empty => gettext("There is nothing to send."),
        RawXmlError::TooLong => gettext("This is longer than the console sends at once."),
        RawXmlError::TooMany => gettext_f(
            "The console sends at most {n} stanzas at once.",
            &[("n", &xml_console::MAX_RAW_STANZAS.to_string())],
        ),
        RawXmlError::NotXml(detail) => {
            gettext_f("This is not well-formed XML: {detail}", &[("detail", detail)])
        }
        RawXmlError::NotAStanza(what) => gettext_f(
            "Only <message/>, <presence/> and <iq/> can be sent, not {what}.",
            &[("what", what)],
        ),
        RawXmlError::Invalid(name, detail) => gettext_f(
            "This <{name}/> is not valid: {detail}",
            &[("name", name), ("detail", detail)],
        ),
    }
}

impl Client {
    /// Starts watching `account`'s connection: its elements arrive on the
    /// receiver until [`Client::stop_watching_stream`].
    pub fn watch_stream(&self, account: &Account) -> Option<async_channel::Receiver<ConsoleEntry>> {
        let jid: BareJid = account.jid().parse().ok()?;
        let (tx, rx) = async_channel::bounded(CONSOLE_QUEUE);
        self.send(Command::WatchStream { jid, sink: Some(tx) });
        Some(rx)
    }

    /// Stops watching `account`'s connection (the console closed).
    pub fn stop_watching_stream(&self, account: &Account) {
        if let Ok(jid) = account.jid().parse::<BareJid>() {
            self.send(Command::WatchStream { jid, sink: None });
        }
    }

    /// Sends the XML the user typed on `account`, or says why not.
    pub fn send_raw_xml(&self, account: &Account, text: &str) -> Result<(), String> {
        let stanzas = xml_console::parse_raw(text).map_err(|e| raw_error_text(&e))?;
        if account.status() != ConnectionStatus::Online {
            return Err(gettext("You are offline. Connect first, then send."));
        }
        let jid: BareJid = account
            .jid()
            .parse()
            .map_err(|_| gettext("This account’s address is not valid."))?;
        self.send(Command::SendRawStanzas { jid, stanzas });
        Ok(())
    }
}
