//! A nesting-depth limit on everything read from the server, applied to
//! the decrypted bytes before any XML parser sees them. Elements nested
//! deeper than [`MAX_DEPTH`] are cut out of the stream and replaced by one
//! empty [`MARKER`] element, so that the stanza that held them still
//! arrives, is recognised ([`holds_marker`]) and refused clearly, while
//! the connection (and stream management's count) goes on. Without this a
//! message nested 5,000 deep took 1.5 s to parse, and deeper ones
//! overflowed the stack in every recursive walk over the element.
//!
//! The scan is byte-level: in UTF-8 no byte of a multi-byte character is
//! `<`, `>`, `/` or a quote. Servers re-serialise what they route, but
//! comments, processing instructions and CDATA sections are still passed
//! through whole.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use xmpp_parsers::minidom::Element;

/// Open elements allowed, the stream's root counted (a stanza is at 2).
pub const MAX_DEPTH: usize = 64;
/// The longest tag (name and attributes) read; longer is a stream error.
pub const MAX_TAG_BYTES: usize = 1 << 20;
/// What stands in for a cut-out element.
pub const MARKER: &str = "balcony-too-deep";
/// Its namespace.
pub const MARKER_NS: &str = "urn:balcony:depth-limit";

const MARKER_XML: &[u8] = b"<balcony-too-deep xmlns='urn:balcony:depth-limit'/>";

/// The state of the scan between reads.
#[derive(Debug, Default)]
pub struct Scanner {
    /// Open elements passed on, the stream root included.
    depth: usize,
    /// Open elements being cut out (0: not cutting).
    cutting: usize,
    /// The tag being read, from its `<`.
    tag: Vec<u8>,
    /// The quote we are inside, within a tag.
    quote: Option<u8>,
    /// Subtrees cut out so far.
    pub cut: u64,
}

impl Scanner {
    /// Scans `input`, appending what may pass to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        for &b in input {
            if self.tag.is_empty() {
                if b == b'<' {
                    self.tag.push(b);
                } else if self.cutting == 0 {
                    out.push(b);
                }
                continue;
            }
            if self.tag.len() >= MAX_TAG_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the server sent an XML tag longer than {MAX_TAG_BYTES} bytes"),
                ));
            }
            self.tag.push(b);
            if self.tag.starts_with(b"<!") || self.tag.starts_with(b"<?") {
                if self.special_done() {
                    let tag = std::mem::take(&mut self.tag);
                    if self.cutting == 0 {
                        out.extend_from_slice(&tag);
                    }
                }
                continue;
            }
            match (self.quote, b) {
                (Some(q), _) if b == q => self.quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => self.quote = Some(b),
                (None, b'>') => {
                    let tag = std::mem::take(&mut self.tag);
                    self.tag_done(&tag, out);
                }
                (None, _) => {}
            }
        }
        Ok(())
    }

    /// Whether a comment, CDATA section, declaration or processing
    /// instruction in `tag` is complete.
    fn special_done(&self) -> bool {
        let t = &self.tag;
        if t.starts_with(b"<!--") {
            t.len() >= 7 && t.ends_with(b"-->")
        } else if t.starts_with(b"<![CDATA[") {
            t.ends_with(b"]]>")
        } else if t.starts_with(b"<?") {
            t.len() >= 4 && t.ends_with(b"?>")
        } else if b"<![CDATA[".starts_with(t) || b"<!--".starts_with(t) {
            false // not yet known which
        } else {
            t.ends_with(b">")
        }
    }

    fn tag_done(&mut self, tag: &[u8], out: &mut Vec<u8>) {
        if tag.starts_with(b"</") {
            if self.cutting > 0 {
                self.cutting -= 1;
            } else {
                self.depth = self.depth.saturating_sub(1);
                out.extend_from_slice(tag);
            }
            return;
        }
        let empty = tag.ends_with(b"/>");
        if self.cutting > 0 {
            if !empty {
                self.cutting += 1;
            }
            return;
        }
        let name_end = tag[1..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .map_or(tag.len(), |p| p + 1);
        let name = &tag[1..name_end];
        if name == b"stream" || name.ends_with(b":stream") {
            // A stream (re)start: everything before it is over.
            self.depth = 1;
            out.extend_from_slice(tag);
            return;
        }
        if self.depth >= MAX_DEPTH {
            self.cut += 1;
            tracing::warn!(
                limit = MAX_DEPTH,
                "elements nested too deep were cut out of a stanza"
            );
            out.extend_from_slice(MARKER_XML);
            if !empty {
                self.cutting = 1;
            }
            return;
        }
        if !empty {
            self.depth += 1;
        }
        out.extend_from_slice(tag);
    }
}

/// True when something was cut out of `element` (searched to the depth
/// the scan lets through, without recursion).
pub fn holds_marker(element: &Element) -> bool {
    let mut stack: Vec<&Element> = vec![element];
    while let Some(e) = stack.pop() {
        if e.is(MARKER, MARKER_NS) {
            return true;
        }
        stack.extend(e.children());
    }
    false
}

/// A byte stream whose reads are scanned by a [`Scanner`]; writes pass.
#[derive(Debug)]
pub struct DepthLimited<S> {
    inner: S,
    scanner: Scanner,
    pending: Vec<u8>,
    offset: usize,
}

impl<S> DepthLimited<S> {
    /// Wraps a connection's decrypted stream.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            scanner: Scanner::default(),
            pending: Vec::new(),
            offset: 0,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for DepthLimited<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.offset < this.pending.len() {
                let n = buf.remaining().min(this.pending.len() - this.offset);
                buf.put_slice(&this.pending[this.offset..this.offset + n]);
                this.offset += n;
                return Poll::Ready(Ok(()));
            }
            this.pending.clear();
            this.offset = 0;
            let mut raw = [0u8; 16 * 1024];
            let mut raw_buf = ReadBuf::new(&mut raw);
            match Pin::new(&mut this.inner).poll_read(cx, &mut raw_buf) {
                Poll::Ready(Ok(())) if raw_buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {
                    let filled = raw_buf.filled().to_vec();
                    this.scanner.feed(&filled, &mut this.pending)?;
                    // Everything may have been held back (a tag not yet
                    // complete, or cut out): read on.
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DepthLimited<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_in_chunks(input: &str, chunk: usize) -> String {
        let mut scanner = Scanner::default();
        let mut out = Vec::new();
        for part in input.as_bytes().chunks(chunk) {
            scanner.feed(part, &mut out).expect("scan");
        }
        String::from_utf8(out).expect("utf-8")
    }

    fn nested(depth: usize) -> String {
        format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth))
    }

    const ROOT: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

    #[test]
    fn what_is_within_the_limit_passes_unchanged_in_any_chunking() {
        let input = format!(
            "{ROOT}<message to='a@b' x='1>2' y=\"'/>\"><body>é &lt; ü</body><e/>{}</message>",
            nested(MAX_DEPTH - 2)
        );
        for chunk in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(scan_in_chunks(&input, chunk), input, "chunk {chunk}");
        }
    }

    #[test]
    fn one_level_past_the_limit_is_cut_out_and_marked() {
        // root (1) + message (2) + MAX_DEPTH - 2 levels: exactly at the limit.
        let at = format!("{ROOT}<message>{}</message><presence/>", nested(MAX_DEPTH - 2));
        assert_eq!(scan_in_chunks(&at, 5), at);
        let past = format!("{ROOT}<message>{}</message><presence/>", nested(MAX_DEPTH - 1));
        let cut = format!(
            "{ROOT}<message>{}{}{}</message><presence/>",
            "<a>".repeat(MAX_DEPTH - 2),
            String::from_utf8_lossy(MARKER_XML),
            "</a>".repeat(MAX_DEPTH - 2)
        );
        for chunk in [1, 3, 100] {
            assert_eq!(scan_in_chunks(&past, chunk), cut, "chunk {chunk}");
        }
        let stanza = format!(
            "<message xmlns='jabber:client'>{}{}{}</message>",
            "<a>".repeat(MAX_DEPTH - 2),
            String::from_utf8_lossy(MARKER_XML),
            "</a>".repeat(MAX_DEPTH - 2)
        );
        let element: Element = stanza.parse().expect("the cut stanza is well-formed");
        assert!(holds_marker(&element));
        let clean: Element = "<message xmlns='jabber:client'><body>hi</body></message>"
            .parse()
            .expect("xml");
        assert!(!holds_marker(&clean));
    }

    #[test]
    fn a_stream_restart_resets_the_depth_and_specials_pass_whole() {
        let input = format!(
            "{ROOT}<features/>{ROOT}<!-- a > b --><![CDATA[ <x> ]]><message>{}</message>",
            nested(MAX_DEPTH - 2)
        );
        assert_eq!(scan_in_chunks(&input, 2), input);
    }

    #[test]
    fn thousands_deep_is_cut_quickly_and_a_huge_tag_is_an_error() {
        let deep = format!("{ROOT}<message>{}</message>", nested(50_000));
        let started = std::time::Instant::now();
        let out = scan_in_chunks(&deep, 16 * 1024);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(out.matches(MARKER).count(), 1);
        let mut scanner = Scanner::default();
        let mut huge = b"<message a='".to_vec();
        huge.extend(std::iter::repeat_n(b'x', MAX_TAG_BYTES));
        assert!(scanner.feed(&huge, &mut Vec::new()).is_err());
    }
}
