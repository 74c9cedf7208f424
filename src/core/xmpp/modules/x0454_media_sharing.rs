//! OMEMO media sharing (XEP-0454): a file shared in an encrypted chat is
//! a message whose whole body is an `aesgcm://` URL (the key in its
//! fragment), with no OOB element, since one would show the URL to the
//! server. Sealing and opening the file is in [`crate::core::files::aesgcm`].

use xmpp_parsers::message::Message;

use crate::core::{
    files::{aesgcm, mime_from_name, name_from_url, FileAttachment},
    message::MessageEncryption,
    xmpp::modules::x0384_omemo_receive,
};

/// The encrypted file `message` shares: its body is one `aesgcm://` URL
/// and it came encrypted (an unencrypted message would have shown the key
/// to the server, and is left a plain link).
pub fn shared_file(message: &Message) -> Option<FileAttachment> {
    if x0384_omemo_receive::encryption_of(message) != MessageEncryption::Omemo {
        return None;
    }
    let body = message.get_best_body_cloned(vec![]).map(|(_, b)| b)?;
    let url = body.trim();
    if url.contains(char::is_whitespace) || aesgcm::parse(url).is_err() {
        return None;
    }
    let mime = mime_from_name(&name_from_url(url)).to_owned();
    Some(FileAttachment::offered(url, Some(mime), None, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp_parsers::minidom::Element;

    fn message(body: &str, read: bool) -> Message {
        let mut m = Message::chat(None);
        m.bodies.insert(Default::default(), body.to_owned());
        if read {
            m.payloads
                .push(Element::builder("read", x0384_omemo_receive::LOCAL_NS).build());
        }
        m
    }

    #[test]
    fn only_an_encrypted_message_whose_body_is_the_url_shares_a_file() {
        let url = format!("aesgcm://upload.example.org/x/photo.png#{}", "ab".repeat(44));
        let file = shared_file(&message(&url, true)).expect("a file");
        assert_eq!(file.name, "photo.png");
        assert_eq!(file.mime.as_deref(), Some("image/png"));
        assert!(shared_file(&message(&url, false)).is_none(), "sent in the clear");
        assert!(shared_file(&message(&format!("look {url}"), true)).is_none());
        assert!(shared_file(&message("aesgcm://h/a#00", true)).is_none());
    }
}
