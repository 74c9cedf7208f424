//! XEP-0352 Client State Indication. `<active/>` and `<inactive/>` are
//! nonzas, which tokio-xmpp's `StanzaStream` cannot send; so each
//! connection's plaintext byte stream goes through [`CsiWriter`], which
//! writes the nonza between two top-level elements (after a completed
//! flush, before the next element) once the session has armed it.

use std::{
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    task::{Context, Poll},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const ACTIVE: &[u8] = b"<active xmlns='urn:xmpp:csi:0'/>";
const INACTIVE: &[u8] = b"<inactive xmlns='urn:xmpp:csi:0'/>";

/// The account's wish, shared by the session and its connections.
#[derive(Debug, Clone, Default)]
pub struct CsiSwitch {
    inactive: Arc<AtomicBool>,
    /// Bumped each time a stream becomes usable (reset or resumed).
    live_streams: Arc<AtomicU64>,
}

impl CsiSwitch {
    /// Sets the wish; true if it changed.
    pub fn set_inactive(&self, inactive: bool) -> bool {
        self.inactive.swap(inactive, Ordering::SeqCst) != inactive
    }

    /// Whether the user is away from every window.
    pub fn is_inactive(&self) -> bool {
        self.inactive.load(Ordering::SeqCst)
    }

    /// The newest connection is negotiated: it may carry CSI nonzas now.
    pub fn stream_ready(&self) {
        self.live_streams.fetch_add(1, Ordering::SeqCst);
    }

    /// Wraps a new connection's plaintext stream.
    pub fn wrap<S>(&self, inner: S) -> CsiWriter<S> {
        CsiWriter {
            inner,
            switch: self.clone(),
            born_at: self.live_streams.load(Ordering::SeqCst),
            sent_inactive: false,
            at_boundary: true,
            pending: None,
        }
    }
}

/// A byte stream that slips CSI nonzas in between top-level elements.
#[derive(Debug)]
pub struct CsiWriter<S> {
    inner: S,
    switch: CsiSwitch,
    born_at: u64,
    sent_inactive: bool,
    at_boundary: bool,
    /// A nonza being written, and how much of it is out.
    pending: Option<(&'static [u8], usize)>,
}

impl<S: AsyncWrite + Unpin> CsiWriter<S> {
    fn armed(&self) -> bool {
        // Only once the session saw a stream negotiated after this
        // connection was made: never during TLS, SASL or binding.
        self.switch.live_streams.load(Ordering::SeqCst) > self.born_at
    }

    /// Writes any due nonza; Ready(Ok) when nothing is left to write.
    fn poll_nonza(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_none() && self.at_boundary && self.armed() {
            let want = self.switch.is_inactive();
            if want != self.sent_inactive {
                self.pending = Some((if want { INACTIVE } else { ACTIVE }, 0));
                self.sent_inactive = want;
            }
        }
        while let Some((bytes, done)) = self.pending {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &bytes[done..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending = (done + n < bytes.len()).then_some((bytes, done + n));
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for CsiWriter<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CsiWriter<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match this.poll_nonza(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            if n > 0 {
                this.at_boundary = false;
            }
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        if let Poll::Ready(Ok(())) = flushed {
            // Everything written so far is out: whole elements only.
            this.at_boundary = true;
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Makes the stream write something (a ping to our server), so that a
/// due nonza goes out now rather than with the next stanza.
pub fn kick(ctx: &crate::core::xmpp::session::context::SessionContext) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = ctx.out.get(None, xmpp_parsers::ping::Ping).await {
            tracing::debug!(error = %e, "CSI ping unanswered");
        }
    });
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test]
    async fn nonzas_go_between_elements_only_once_armed() {
        let switch = CsiSwitch::default();
        let mut w = switch.wrap(Vec::new());
        switch.set_inactive(true);
        w.write_all(b"<auth/>").await.expect("write");
        w.flush().await.expect("flush");
        assert_eq!(w.inner, b"<auth/>", "not during negotiation");
        switch.stream_ready();
        w.write_all(b"<iq>").await.expect("write");
        w.write_all(b"</iq>").await.expect("write");
        w.flush().await.expect("flush");
        switch.set_inactive(false);
        w.write_all(b"<r/>").await.expect("write");
        w.flush().await.expect("flush");
        let text = String::from_utf8(w.inner).expect("utf8");
        assert_eq!(
            text,
            "<auth/><inactive xmlns='urn:xmpp:csi:0'/><iq></iq><active xmlns='urn:xmpp:csi:0'/><r/>"
        );
    }
}
