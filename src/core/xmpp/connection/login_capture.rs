//! What the server sends during a SASL2 login, element by element.
//!
//! tokio-xmpp 6 reads the stream with a fixed element type that has no
//! SASL2 nonzas and no `<stream:features>` after the stream start, and an
//! element it cannot type breaks its reader (the element's header is a
//! hard error; its remaining events then look like the stream's end). So
//! while a login runs, this layer below the reader cuts the incoming bytes
//! into top-level elements ([`Splitter`], unmasked) and keeps each SASL2
//! element, and the features that follow a SASL2 success, for the login
//! to read; the reader gets a stand-in it can type instead (`<r/>` of
//! XEP-0198, which nothing answers during a login). Everything else passes
//! as it came. After the login the layer passes bytes through untouched;
//! it costs one atomic load per read then. The XML console is above this
//! layer and sees the real elements.

use std::{
    collections::VecDeque,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    task::{ready, Context, Poll},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::core::xml_console::{Direction, Splitter};

/// Elements kept at most: a login exchanges a handful.
const KEPT: usize = 16;

/// What the reader gets for a kept element.
pub const STAND_IN: &[u8] = b"<r xmlns='urn:xmpp:sm:3'/>";

const SASL2: &str = "urn:xmpp:sasl:2";

#[derive(Debug)]
struct State {
    splitter: Splitter,
    kept: VecDeque<String>,
    /// A SASL2 success passed: the features after it are kept too.
    succeeded: bool,
}

#[derive(Debug)]
struct Inner {
    /// Translating (until the login is done).
    armed: AtomicBool,
    state: Mutex<State>,
}

/// One connection's capture; cheap to clone.
#[derive(Debug, Clone)]
pub struct LoginCapture(Arc<Inner>);

impl LoginCapture {
    /// An armed capture for a connection whose first byte it will see.
    pub fn armed() -> Self {
        Self(Arc::new(Inner {
            armed: AtomicBool::new(true),
            state: Mutex::new(State {
                splitter: Splitter::unmasked(Direction::Incoming),
                kept: VecDeque::new(),
                succeeded: false,
            }),
        }))
    }

    /// The login is done: bytes pass untouched from the next element on,
    /// and what was kept is forgotten.
    pub fn disarm(&self) {
        self.0.armed.store(false, Ordering::SeqCst);
        if let Ok(mut state) = self.0.state.lock() {
            state.kept.clear();
        }
    }

    /// The oldest kept element not taken yet.
    pub fn take_next(&self) -> Option<String> {
        self.0.state.lock().ok()?.kept.pop_front()
    }

    /// Cuts `bytes` into elements; what the reader gets instead.
    fn translate(&self, bytes: &[u8], out: &mut Vec<u8>) {
        let Ok(mut state) = self.0.state.lock() else {
            out.extend_from_slice(bytes);
            return;
        };
        let mut entries = Vec::new();
        state.splitter.feed(bytes, &mut entries);
        for entry in entries {
            let xml = entry.xml;
            let sasl2 = xml.split('>').next().is_some_and(|tag| tag.contains(SASL2));
            let name = element_name(&xml).unwrap_or_default();
            let keep = sasl2 || (state.succeeded && name == "features");
            if sasl2 && name == "success" {
                state.succeeded = true;
            }
            if keep {
                if state.kept.len() >= KEPT {
                    state.kept.pop_front();
                }
                state.kept.push_back(xml);
                out.extend_from_slice(STAND_IN);
            } else {
                out.extend_from_slice(xml.as_bytes());
            }
        }
    }

    /// Whether bytes may pass untouched now: disarmed, and no element
    /// half read.
    fn passes(&self) -> bool {
        !self.0.armed.load(Ordering::Relaxed)
            && self
                .0
                .state
                .lock()
                .map(|s| s.splitter.between_elements())
                .unwrap_or(true)
    }

    /// `inner`, its incoming bytes translated while a login runs.
    pub fn wrap<S>(&self, inner: S) -> Captured<S> {
        Captured {
            inner,
            capture: self.clone(),
            pending: Vec::new(),
            passing: false,
        }
    }
}

/// The local name of an element's start tag.
fn element_name(xml: &str) -> Option<&str> {
    let rest = xml.strip_prefix('<')?;
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    let name = &rest[..end];
    Some(name.rsplit(':').next().unwrap_or(name))
}

/// A byte stream whose incoming elements a login may read.
#[derive(Debug)]
pub struct Captured<S> {
    inner: S,
    capture: LoginCapture,
    /// Translated bytes the reader has not taken yet.
    pending: Vec<u8>,
    /// The login is over: no more translation.
    passing: bool,
}

impl<S> Captured<S> {
    /// The wrapped stream.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Captured<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.drain(..n);
                return Poll::Ready(Ok(()));
            }
            if this.passing || this.capture.passes() {
                this.passing = true;
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            let mut chunk = [0u8; 4096];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
            let mut out = std::mem::take(&mut this.pending);
            this.capture.translate(read.filled(), &mut out);
            this.pending = out;
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Captured<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const HEADER: &[u8] =
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x'>";

    async fn read_all(ours: &mut Captured<tokio::io::DuplexStream>, want: usize) -> String {
        let mut buf = vec![0u8; 8192];
        let mut got = 0;
        while got < want {
            let n = ours.read(&mut buf[got..]).await.expect("read");
            assert!(n > 0, "eof");
            got += n;
        }
        String::from_utf8_lossy(&buf[..got]).into_owned()
    }

    #[tokio::test]
    async fn sasl2_elements_are_kept_and_the_reader_gets_stand_ins() {
        let capture = LoginCapture::armed();
        let (near, mut far) = tokio::io::duplex(8192);
        let mut ours = capture.wrap(near);
        let features = "<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-1</mechanism></authentication></stream:features>";
        far.write_all(HEADER).await.expect("write");
        far.write_all(features.as_bytes()).await.expect("write");
        let seen = read_all(&mut ours, HEADER.len() + features.len()).await;
        assert!(seen.ends_with(features), "the first features pass: {seen}");
        assert!(seen.starts_with("<stream:stream"));
        // Split across reads, with the token unmasked.
        far.write_all(b"<challenge xmlns='urn:xmpp:sasl:2'>cj1h</chal")
            .await
            .expect("write");
        far.write_all(b"lenge><success xmlns='urn:xmpp:sasl:2'><authorization-identifier>j@b/r</authorization-identifier><token xmlns='urn:xmpp:fast:0' token='secret-token:x' expiry='2030-01-01T00:00:00Z'/></success><stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")
            .await
            .expect("write");
        let seen = read_all(&mut ours, 3 * STAND_IN.len()).await;
        assert_eq!(seen.as_bytes(), STAND_IN.repeat(3).as_slice());
        assert_eq!(
            capture.take_next().as_deref(),
            Some("<challenge xmlns='urn:xmpp:sasl:2'>cj1h</challenge>")
        );
        assert!(capture.take_next().expect("success").contains("secret-token:x"));
        assert!(capture
            .take_next()
            .expect("features")
            .starts_with("<stream:features>"));
        assert_eq!(capture.take_next(), None);
        // Done: stanzas pass untouched.
        capture.disarm();
        let iq = "<iq type='result' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>j@b/r</jid></bind></iq>";
        far.write_all(iq.as_bytes()).await.expect("write");
        assert_eq!(read_all(&mut ours, iq.len()).await, iq);
        assert!(ours.passing);
    }

    #[tokio::test]
    async fn disarming_mid_element_waits_for_its_end() {
        let capture = LoginCapture::armed();
        let (near, mut far) = tokio::io::duplex(8192);
        let mut ours = capture.wrap(near);
        far.write_all(HEADER).await.expect("write");
        far.write_all(b"<message><body>one</bo").await.expect("write");
        let _ = read_all(&mut ours, HEADER.len()).await;
        capture.disarm();
        far.write_all(b"dy></message><presence/>").await.expect("write");
        let seen = read_all(&mut ours, "<message><body>one</body></message><presence/>".len()).await;
        assert_eq!(seen, "<message><body>one</body></message><presence/>");
    }

    #[test]
    fn only_a_few_elements_are_kept() {
        let capture = LoginCapture::armed();
        let mut out = Vec::new();
        capture.translate(HEADER, &mut out);
        for i in 0..100 {
            capture.translate(
                format!("<challenge xmlns='urn:xmpp:sasl:2'>{i}</challenge>").as_bytes(),
                &mut out,
            );
        }
        assert_eq!(capture.0.state.lock().expect("lock").kept.len(), KEPT);
        assert_eq!(
            capture.take_next().as_deref(),
            Some("<challenge xmlns='urn:xmpp:sasl:2'>84</challenge>")
        );
    }
}
