//! The XML console's tap on a connection: each connection's plaintext
//! passes through [`Tapped`], which, only while a console watches the
//! account, cuts both directions into elements ([`Splitter`]) and hands
//! them to the console. Closed, it costs one atomic load per read or write.

use std::{
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::core::xml_console::{ConsoleEntry, Direction, EntryKind, Splitter};

/// How many elements may wait for a console that is behind.
pub const CONSOLE_QUEUE: usize = 4096;

#[derive(Debug, Default)]
struct TapInner {
    on: AtomicBool,
    sink: Mutex<Option<async_channel::Sender<ConsoleEntry>>>,
    /// Elements left out because the console was behind.
    dropped: AtomicU64,
}

/// One account's switch: whether a console watches it, and where the
/// elements go. Shared by the account's connections; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct StreamTap(Arc<TapInner>);

impl StreamTap {
    /// Starts sending elements to `sink`, or stops with `None`.
    pub fn watch(&self, sink: Option<async_channel::Sender<ConsoleEntry>>) {
        let on = sink.is_some();
        if let Ok(mut slot) = self.0.sink.lock() {
            *slot = sink;
        }
        self.0.dropped.store(0, Ordering::Relaxed);
        self.0.on.store(on, Ordering::SeqCst);
    }

    /// Whether a console watches.
    pub fn is_on(&self) -> bool {
        self.0.on.load(Ordering::Relaxed)
    }

    fn send(&self, entries: Vec<ConsoleEntry>) {
        let Ok(mut slot) = self.0.sink.lock() else {
            return;
        };
        let Some(sink) = slot.as_ref() else {
            return;
        };
        for entry in entries {
            let dropped = self.0.dropped.load(Ordering::Relaxed);
            if dropped > 0 {
                let note = ConsoleEntry {
                    direction: entry.direction,
                    kind: EntryKind::Stream,
                    xml: format!("<!-- {dropped} elements left out: the console fell behind -->"),
                    unix_ms: entry.unix_ms,
                };
                if sink.try_send(note).is_ok() {
                    self.0.dropped.store(0, Ordering::Relaxed);
                }
            }
            match sink.try_send(entry) {
                Ok(()) => {}
                Err(async_channel::TrySendError::Full(_)) => {
                    self.0.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(async_channel::TrySendError::Closed(_)) => {
                    // The console went away without saying so.
                    *slot = None;
                    self.0.on.store(false, Ordering::SeqCst);
                    return;
                }
            }
        }
    }

    /// Wraps a new connection's plaintext stream.
    pub fn wrap<S>(&self, inner: S) -> Tapped<S> {
        Tapped {
            inner,
            tap: self.clone(),
            seen: false,
            split: None,
        }
    }
}

/// A byte stream whose elements a console may watch.
#[derive(Debug)]
pub struct Tapped<S> {
    inner: S,
    tap: StreamTap,
    /// Some bytes passed already (a console opened now starts mid-stream).
    seen: bool,
    /// Incoming and outgoing splitters, only while watched.
    split: Option<Box<(Splitter, Splitter)>>,
}

impl<S> Tapped<S> {
    /// The wrapped stream.
    pub fn into_inner(self) -> S {
        self.inner
    }

    fn observe(&mut self, direction: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if !self.tap.is_on() {
            self.split = None;
            self.seen = true;
            return;
        }
        let from_start = !self.seen;
        self.seen = true;
        let split = self.split.get_or_insert_with(|| {
            Box::new((
                Splitter::new(Direction::Incoming, from_start),
                Splitter::new(Direction::Outgoing, from_start),
            ))
        });
        let mut out = Vec::new();
        match direction {
            Direction::Incoming => split.0.feed(bytes, &mut out),
            Direction::Outgoing => split.1.feed(bytes, &mut out),
        }
        if !out.is_empty() {
            self.tap.send(out);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tapped<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = read {
            let filled = buf.filled();
            this.observe(Direction::Incoming, filled.get(before..).unwrap_or_default());
        }
        read
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tapped<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            this.observe(Direction::Outgoing, buf.get(..n).unwrap_or_default());
        }
        written
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

    #[tokio::test]
    async fn elements_reach_the_console_only_while_it_watches() {
        let tap = StreamTap::default();
        let (near, far) = tokio::io::duplex(4096);
        let mut ours = tap.wrap(near);
        let mut theirs = far;
        ours.write_all(b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>")
            .await
            .expect("write");
        let (tx, rx) = async_channel::bounded(8);
        tap.watch(Some(tx));
        ours.write_all(b"<presence/>").await.expect("write");
        theirs
            .write_all(b"<message><body>hi</body></message>")
            .await
            .expect("write");
        let mut buf = [0u8; 64];
        let n = ours.read(&mut buf).await.expect("read");
        assert_eq!(&buf[..n], b"<message><body>hi</body></message>");
        let first = rx.try_recv().expect("the presence");
        assert_eq!(
            (first.direction, first.xml.as_str()),
            (Direction::Outgoing, "<presence/>")
        );
        let second = rx.try_recv().expect("the message");
        assert_eq!(second.direction, Direction::Incoming);
        assert_eq!(second.kind, EntryKind::Message);
        tap.watch(None);
        ours.write_all(b"<presence/>").await.expect("write");
        assert!(ours.split.is_none(), "closed, nothing is split");
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_console_behind_loses_elements_and_is_told_how_many() {
        let tap = StreamTap::default();
        let (tx, rx) = async_channel::bounded(2);
        tap.watch(Some(tx));
        let mut ours = tap.wrap(tokio::io::sink());
        for _ in 0..5 {
            ours.write_all(b"<r/>").await.expect("write");
        }
        assert_eq!(rx.len(), 2);
        while rx.try_recv().is_ok() {}
        ours.write_all(b"<a/>").await.expect("write");
        let note = rx.try_recv().expect("note");
        assert!(note.xml.contains("3 elements left out"), "{}", note.xml);
        assert_eq!(rx.try_recv().expect("element").xml, "<a/>");
    }
}
