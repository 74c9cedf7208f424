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
//!
//! After a Bind2 login (XEP-0386) the session is bound already, but
//! tokio-xmpp's stanza stream sends its own bind request. The capture
//! then answers that request itself ([`LoginCapture::answer_bind`]): the
//! request never reaches the server, and the reader gets a bind result
//! with the JID the server bound.

use std::{
    collections::VecDeque,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    task::{ready, Context, Poll, Waker},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use tokio_xmpp::minidom::{rxml::xml_ncname, Element};

use crate::core::xml_console::{Direction, Splitter, MAX_ENTRY};

/// Elements kept at most: a login exchanges a handful.
const KEPT: usize = 16;

/// What the reader gets for a kept element.
pub const STAND_IN: &[u8] = b"<r xmlns='urn:xmpp:sm:3'/>";

const SASL2: &str = "urn:xmpp:sasl:2";
const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";

/// Answering the stanza stream's bind request after a Bind2 login.
#[derive(Debug)]
struct BindAnswer {
    /// The JID the server bound.
    jid: String,
    /// Our outgoing elements while the request is awaited.
    splitter: Splitter,
    /// The request was answered.
    answered: bool,
}

#[derive(Debug)]
struct State {
    splitter: Splitter,
    kept: VecDeque<String>,
    /// A SASL2 success passed: the features after it are kept too.
    succeeded: bool,
    bind: Option<BindAnswer>,
    /// The bind result for the reader, between two incoming elements.
    injected: Option<Vec<u8>>,
    /// The reader waiting for bytes (woken for the bind result).
    reader: Option<Waker>,
}

#[derive(Debug)]
struct Inner {
    /// Translating (until the login is done).
    armed: AtomicBool,
    /// Watching outgoing bytes for the bind request.
    answering: AtomicBool,
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
            answering: AtomicBool::new(false),
            state: Mutex::new(State {
                splitter: Splitter::unmasked(Direction::Incoming),
                kept: VecDeque::new(),
                succeeded: false,
                bind: None,
                injected: None,
                reader: None,
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

    /// The login bound `jid` with Bind2: the stanza stream's own bind
    /// request is answered here with it. What was kept is forgotten; the
    /// capture disarms itself once the reader has the answer.
    pub fn answer_bind(&self, jid: &str) {
        if let Ok(mut state) = self.0.state.lock() {
            state.kept.clear();
            state.bind = Some(BindAnswer {
                jid: jid.to_owned(),
                splitter: Splitter::unmasked_mid_stream(Direction::Outgoing),
                answered: false,
            });
        }
        self.0.answering.store(true, Ordering::SeqCst);
    }

    /// Takes outgoing `bytes` while the bind request is awaited: the
    /// request is answered, anything else is returned to go out.
    fn intercept(&self, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut forward = Vec::new();
        let Ok(mut state) = self.0.state.lock() else {
            return Ok(bytes.to_vec());
        };
        let state = &mut *state;
        let Some(bind) = state.bind.as_mut() else {
            self.0.answering.store(false, Ordering::SeqCst);
            return Ok(bytes.to_vec());
        };
        let mut entries = Vec::new();
        bind.splitter.feed(bytes, &mut entries);
        for entry in entries {
            if entry.xml.len() >= MAX_ENTRY {
                return Err(io::Error::other("an element too large during resource binding"));
            }
            match (!bind.answered).then(|| bind_request_id(&entry.xml)).flatten() {
                Some(id) => {
                    bind.answered = true;
                    state.injected = Some(bind_result(&id, &bind.jid).into_bytes());
                    if let Some(reader) = state.reader.take() {
                        reader.wake();
                    }
                }
                None => forward.extend_from_slice(entry.xml.as_bytes()),
            }
        }
        if bind.answered && bind.splitter.between_elements() {
            state.bind = None;
            self.0.answering.store(false, Ordering::SeqCst);
        }
        Ok(forward)
    }

    /// The bind result waiting for the reader, if any; once taken the
    /// login is over.
    fn take_injected(&self, waker: &Waker) -> Option<Vec<u8>> {
        let mut state = self.0.state.lock().ok()?;
        match state.injected.take() {
            Some(bytes) => {
                state.reader = None;
                drop(state);
                self.disarm();
                Some(bytes)
            }
            None => {
                if state.bind.is_some() {
                    state.reader = Some(waker.clone());
                }
                None
            }
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
            && !self.0.answering.load(Ordering::Relaxed)
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
            backlog: Vec::new(),
        }
    }
}

/// The id of the resource-binding request `xml`, if it is one.
fn bind_request_id(xml: &str) -> Option<String> {
    let element: Element = format!("<w xmlns='jabber:client'>{xml}</w>")
        .parse::<Element>()
        .ok()?
        .children()
        .next()
        .cloned()?;
    (element.name() == "iq" && element.attr("type") == Some("set") && element.has_child("bind", BIND))
        .then(|| element.attr("id").map(str::to_owned))
        .flatten()
}

/// The result of the bind request `id`: bound to `jid`.
fn bind_result(id: &str, jid: &str) -> String {
    let result = Element::builder("iq", "jabber:client")
        .attr(xml_ncname!("type").to_owned(), "result")
        .attr(xml_ncname!("id").to_owned(), id)
        .append(
            Element::builder("bind", BIND)
                .append(Element::builder("jid", BIND).append(jid))
                .build(),
        )
        .build();
    String::from(&result)
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
    /// Outgoing bytes held while the bind request was awaited, to go out
    /// before anything else.
    backlog: Vec<u8>,
}

impl<S: AsyncWrite + Unpin> Captured<S> {
    /// Writes the backlog out.
    fn poll_backlog(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.backlog.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.backlog))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.backlog.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
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
            if !this.passing {
                if let Some(answer) = this.capture.take_injected(cx.waker()) {
                    this.pending = answer;
                    continue;
                }
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
        let this = &mut *self;
        ready!(this.poll_backlog(cx))?;
        if this.capture.0.answering.load(Ordering::Relaxed) {
            let forward = this.capture.intercept(buf)?;
            this.backlog.extend_from_slice(&forward);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_backlog(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_backlog(cx))?;
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

    #[tokio::test]
    async fn after_bind2_the_bind_request_is_answered_here_and_never_sent() {
        let capture = LoginCapture::armed();
        let (near, mut far) = tokio::io::duplex(8192);
        let mut ours = capture.wrap(near);
        far.write_all(HEADER).await.expect("write");
        let _ = read_all(&mut ours, HEADER.len()).await;
        capture.answer_bind("j@b/Balcony~x<");
        // The request, in two writes as a writer may cut it.
        ours.write_all(b"<iq type='set' id='resource-binding'><bind xmlns='urn:ietf:para")
            .await
            .expect("write");
        ours.write_all(b"ms:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>")
            .await
            .expect("write");
        ours.flush().await.expect("flush");
        let answer = bind_result("resource-binding", "j@b/Balcony~x<");
        let seen = read_all(&mut ours, answer.len()).await;
        assert_eq!(seen, answer);
        assert!(seen.contains("id='resource-binding'"), "{seen}");
        assert!(seen.contains("<jid>j@b/Balcony~x&lt;</jid>"), "{seen}");
        // What follows goes out untouched, and the server never saw the
        // request.
        let enable = b"<enable xmlns='urn:xmpp:sm:3' resume='true'/>";
        ours.write_all(enable).await.expect("write");
        ours.flush().await.expect("flush");
        let mut got = vec![0u8; enable.len()];
        far.read_exact(&mut got).await.expect("read");
        assert_eq!(got, enable);
        // Incoming bytes pass untouched again.
        far.write_all(b"<enabled xmlns='urn:xmpp:sm:3'/>")
            .await
            .expect("write");
        let _ = read_all(&mut ours, "<enabled xmlns='urn:xmpp:sm:3'/>".len()).await;
        assert!(ours.passing);
    }

    #[test]
    fn only_bind_requests_are_answered() {
        assert_eq!(
            bind_request_id("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
                .as_deref(),
            Some("b1")
        );
        assert_eq!(
            bind_request_id("<iq type='get' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"),
            None
        );
        assert_eq!(
            bind_request_id("<iq type='set' id='b1'><query xmlns='jabber:iq:roster'/></iq>"),
            None
        );
        assert_eq!(bind_request_id("<iq type='set' id='b1'><bind"), None);
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
