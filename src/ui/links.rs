//! Turns addresses in message text into links for a label's markup.

use gtk::glib;

const SCHEMES: &[&str] = &["https://", "http://", "xmpp:", "mailto:"];

/// Where a link ends: trailing punctuation belongs to the sentence.
fn trim_link(word: &str) -> &str {
    word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '"'])
}

/// Pango markup for `text` with every web, XMPP or mail address a link.
pub fn linkify(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while !rest.is_empty() {
        // The next word start at which a scheme begins.
        let mut previous_space = true;
        let found = rest.char_indices().find_map(|(i, c)| {
            let at_word_start = previous_space;
            previous_space = c.is_whitespace();
            let starts_link = SCHEMES.iter().any(|s| {
                rest[i..]
                    .get(..s.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(s))
            });
            (at_word_start && starts_link).then_some(i)
        });
        let Some(start) = found else {
            out.push_str(&glib::markup_escape_text(rest));
            break;
        };
        out.push_str(&glib::markup_escape_text(&rest[..start]));
        let word_end = rest[start..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |e| start + e);
        let link = trim_link(&rest[start..word_end]);
        let scheme_only = SCHEMES.iter().any(|s| link.eq_ignore_ascii_case(s));
        if scheme_only {
            out.push_str(&glib::markup_escape_text(link));
        } else {
            let escaped = glib::markup_escape_text(link);
            out.push_str(&format!("<a href=\"{escaped}\">{escaped}</a>"));
        }
        rest = &rest[start + link.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_marked_and_everything_else_escaped() {
        assert_eq!(
            linkify("See https://example.org/a?b=1&c=2, or <b>not</b>."),
            "See <a href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a>, or &lt;b&gt;not&lt;/b&gt;."
        );
        assert_eq!(
            linkify("xmpp:romeo@example.org?message"),
            "<a href=\"xmpp:romeo@example.org?message\">xmpp:romeo@example.org?message</a>"
        );
        assert_eq!(linkify("no links here: http://"), "no links here: http://");
        assert_eq!(
            linkify("ends in a link (mailto:n@example.org)"),
            "ends in a link (mailto:n@example.org)"
        );
    }
}
