//! XEP-0066 Out of Band Data in messages: the URL of a shared file, with
//! Kontalk's hints on `<url>` (`type`, `length`, `encrypted`), which say
//! what the file is without asking the web server.

use xmpp_parsers::{
    message::Message,
    minidom::{rxml::xml_ncname, Element},
};

use crate::core::xmpp::modules::Module;

/// The namespace.
pub const NS: &str = "jabber:x:oob";

/// The module entry: announces that we read OOB URLs in messages.
pub const MODULE: Module = Module {
    name: "XEP-0066 out of band data",
    features: &[NS],
    ..Module::NONE
};

/// A file offered by URL, with the sender's hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OobFile {
    /// The http or https URL.
    pub url: String,
    /// Kontalk hint: MIME type.
    pub mime: Option<String>,
    /// Kontalk hint: length in bytes.
    pub length: Option<u64>,
    /// Kontalk hint: the content is encrypted.
    pub encrypted: bool,
    /// The description, when there is one.
    pub desc: Option<String>,
}

/// Why an OOB element was not taken as a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OobError {
    /// No `<url>`, or an empty one.
    #[error("no URL")]
    NoUrl,
    /// Not an http or https URL, or unreasonably long.
    #[error("not a web address")]
    NotWeb,
    /// A hint is not what the extension says.
    #[error("the {0} hint is malformed")]
    BadHint(&'static str),
}

/// The longest URL we take.
const MAX_URL: usize = 4096;

/// Reads an `<x xmlns='jabber:x:oob'>` element.
pub fn parse_element(x: &Element) -> Result<OobFile, OobError> {
    let url_el = x.get_child("url", NS).ok_or(OobError::NoUrl)?;
    let url = url_el.text().trim().to_owned();
    if url.is_empty() {
        return Err(OobError::NoUrl);
    }
    let lower = url.to_ascii_lowercase();
    if url.len() > MAX_URL
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.chars().any(char::is_whitespace)
    {
        return Err(OobError::NotWeb);
    }
    let mime = match url_el.attr("type").map(str::trim) {
        None | Some("") => None,
        Some(t)
            if t.len() <= 255
                && t.contains('/')
                && !t.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Some(t.to_ascii_lowercase())
        }
        Some(_) => return Err(OobError::BadHint("type")),
    };
    let length = match url_el.attr("length").map(str::trim) {
        None | Some("") => None,
        Some(n) => Some(n.parse::<u64>().map_err(|_| OobError::BadHint("length"))?),
    };
    let encrypted = match url_el.attr("encrypted").map(str::trim) {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(OobError::BadHint("encrypted")),
    };
    let desc = x
        .get_child("desc", NS)
        .map(|d| d.text().trim().chars().take(1000).collect::<String>())
        .filter(|d| !d.is_empty());
    Ok(OobFile {
        url,
        mime,
        length,
        encrypted,
        desc,
    })
}

/// The file a message offers: `None` when it has no OOB element; an
/// error when the element is there but unusable.
pub fn of(message: &Message) -> Option<Result<OobFile, OobError>> {
    message.payloads.iter().find(|p| p.is("x", NS)).map(parse_element)
}

/// The `<x xmlns='jabber:x:oob'>` for a file we send, with all three hints.
pub fn element(file: &OobFile) -> Element {
    let mut url = Element::builder("url", NS)
        .attr(
            xml_ncname!("encrypted").to_owned(),
            if file.encrypted { "true" } else { "false" },
        )
        .append(file.url.as_str());
    if let Some(mime) = &file.mime {
        url = url.attr(xml_ncname!("type").to_owned(), mime.as_str());
    }
    if let Some(length) = file.length {
        url = url.attr(xml_ncname!("length").to_owned(), length.to_string());
    }
    let mut x = Element::builder("x", NS).append(url.build());
    if let Some(desc) = &file.desc {
        x = x.append(Element::builder("desc", NS).append(desc.as_str()).build());
    }
    x.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<OobFile, OobError> {
        parse_element(&xml.parse::<Element>().expect("xml"))
    }

    #[test]
    fn kontalk_hints_round_trip() {
        let file = OobFile {
            url: "https://upload.example.org/a/photo.jpg".into(),
            mime: Some("image/jpeg".into()),
            length: Some(123_456),
            encrypted: false,
            desc: None,
        };
        let el = element(&file);
        let url = el.get_child("url", NS).expect("url");
        assert_eq!(url.attr("type"), Some("image/jpeg"));
        assert_eq!(url.attr("length"), Some("123456"));
        assert_eq!(url.attr("encrypted"), Some("false"));
        assert_eq!(parse_element(&el), Ok(file.clone()));
        let with_desc = OobFile {
            desc: Some("holiday".into()),
            encrypted: true,
            ..file
        };
        assert_eq!(parse_element(&element(&with_desc)), Ok(with_desc));
    }

    #[test]
    fn plain_oob_without_hints_is_a_file() {
        let f = parse("<x xmlns='jabber:x:oob'><url> https://h/x.pdf </url></x>").expect("file");
        assert_eq!(f.url, "https://h/x.pdf");
        assert_eq!((f.mime, f.length, f.encrypted), (None, None, false));
    }

    #[test]
    fn malformed_oob_is_refused_with_a_reason() {
        assert_eq!(parse("<x xmlns='jabber:x:oob'/>"), Err(OobError::NoUrl));
        assert_eq!(parse("<x xmlns='jabber:x:oob'><url/></x>"), Err(OobError::NoUrl));
        assert_eq!(
            parse("<x xmlns='jabber:x:oob'><url>file:///etc/passwd</url></x>"),
            Err(OobError::NotWeb)
        );
        assert_eq!(
            parse("<x xmlns='jabber:x:oob'><url>javascript:alert(1)</url></x>"),
            Err(OobError::NotWeb)
        );
        assert_eq!(
            parse("<x xmlns='jabber:x:oob'><url length='-5'>https://h/a</url></x>"),
            Err(OobError::BadHint("length"))
        );
        assert_eq!(
            parse("<x xmlns='jabber:x:oob'><url length='99999999999999999999999'>https://h/a</url></x>"),
            Err(OobError::BadHint("length"))
        );
        assert_eq!(
            parse("<x xmlns='jabber:x:oob'><url encrypted='maybe'>https://h/a</url></x>"),
            Err(OobError::BadHint("encrypted"))
        );
        assert_eq!(
            parse("<x xmlns='jabber:x:oob'><url type='no slash'>https://h/a</url></x>"),
            Err(OobError::BadHint("type"))
        );
        let long = format!(
            "<x xmlns='jabber:x:oob'><url>https://h/{}</url></x>",
            "a".repeat(5000)
        );
        assert_eq!(parse(&long), Err(OobError::NotWeb));
    }
}
