//! Debug output that can reach a log without what must not: message text,
//! passwords and the values of submitted forms are shown by size only.

use std::fmt;

use xmpp_parsers::minidom::Element;

/// Text shown as its length.
pub struct Redacted<'a>(pub &'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes redacted>", self.0.len())
    }
}

/// An element shown by name, namespace and size, never its content (a
/// form submission carries private values).
pub struct Outline<'a>(pub &'a Element);

impl fmt::Debug for Outline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<{} xmlns='{}'> ({} children, content redacted)",
            self.0.name(),
            self.0.ns(),
            self.0.children().count()
        )
    }
}

/// An optional element as an [`Outline`].
pub fn outline(element: &Option<Element>) -> Option<Outline<'_>> {
    element.as_ref().map(Outline)
}
