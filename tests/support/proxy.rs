//! A TCP relay in front of Prosody whose connections a test can cut, to
//! simulate a dead link without touching the server.

use std::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc, Mutex,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// A running relay.
pub struct CuttableProxy {
    /// `127.0.0.1:port` to connect to.
    pub addr: String,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
    received: Arc<AtomicU64>,
    frozen: Arc<AtomicBool>,
    stall: Arc<Stall>,
}

/// Relayed bytes (both ways), and the count at which the relay becomes a
/// black hole by itself (0: never).
#[derive(Default)]
struct Stall {
    relayed: AtomicU64,
    at: AtomicU64,
}

/// Copies one direction; while `frozen`, bytes vanish (a black hole).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counter: Option<Arc<AtomicU64>>,
    frozen: Arc<AtomicBool>,
    stall: Arc<Stall>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        let at = stall.at.load(Ordering::Relaxed);
        if at > 0 && stall.relayed.load(Ordering::Relaxed) >= at {
            frozen.store(true, Ordering::Relaxed);
        }
        if frozen.load(Ordering::Relaxed) {
            continue;
        }
        stall.relayed.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(c) = &counter {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        to.write_all(&buf[..n]).await?;
    }
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    received: Arc<AtomicU64>,
    frozen: Arc<AtomicBool>,
    stall: Arc<Stall>,
) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(client_read, server_write, None, frozen.clone(), stall.clone());
    let down = pump(server_read, client_write, Some(received), frozen, stall);
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

impl CuttableProxy {
    /// Relays a free loopback port to `target`.
    pub async fn start(target: String) -> Self {
        Self::start_on("127.0.0.1:0", target).await
    }

    /// Relays `listen` (`host:port`) to `target`.
    pub async fn start_on(listen: &str, target: String) -> Self {
        let listener = TcpListener::bind(listen).await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let received: Arc<AtomicU64> = Arc::default();
        let frozen: Arc<AtomicBool> = Arc::default();
        let stall: Arc<Stall> = Arc::default();
        let (registry, counter, black_hole, stalls) =
            (links.clone(), received.clone(), frozen.clone(), stall.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (target, counter, black_hole, stalls) = (
                    target.clone(),
                    counter.clone(),
                    black_hole.clone(),
                    stalls.clone(),
                );
                let link = tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&target).await {
                        relay(client, server, counter, black_hole, stalls).await;
                    }
                });
                registry.lock().expect("links").push(link);
            }
        });
        Self {
            addr,
            links,
            acceptor,
            received,
            frozen,
            stall,
        }
    }

    /// Becomes a black hole by itself once `bytes` more have been relayed
    /// (both ways together); `black_hole(false)` ends it.
    pub fn stall_after(&self, bytes: u64) {
        let now = self.stall.relayed.load(Ordering::Relaxed);
        self.stall.at.store(now + bytes, Ordering::Relaxed);
    }

    /// Silently drops everything both ways (connections stay open), as a
    /// dead link does; `false` lets traffic through again.
    pub fn black_hole(&self, on: bool) {
        if !on {
            self.stall.at.store(0, Ordering::Relaxed);
        }
        self.frozen.store(on, Ordering::Relaxed);
    }

    /// Bytes relayed from the server to clients so far (TLS included).
    pub fn bytes_to_clients(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Drops every open connection at once; new ones are still accepted.
    pub fn cut(&self) -> usize {
        let links: Vec<_> = self.links.lock().expect("links").drain(..).collect();
        let n = links.iter().filter(|l| !l.is_finished()).count();
        links.into_iter().for_each(|l| l.abort());
        n
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.cut();
        self.acceptor.abort();
    }
}

/// Prosody with http_file_share (25 MB) whose HTTPS uploads and downloads
/// go through a relay that a test can stall or cut; juliet and romeo are
/// registered and are each other's contacts.
pub fn file_sharing_behind_relay(
    runtime: &tokio::runtime::Runtime,
) -> (super::prosody::Prosody, CuttableProxy) {
    use super::prosody::{free_port, uploads_config_via, Prosody};
    let relay_port = free_port();
    let server = Prosody::start_with(&[], &uploads_config_via(25 * 1024 * 1024, Some(relay_port)));
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server.befriend("juliet", "romeo");
    let relay = runtime.block_on(CuttableProxy::start_on(
        &format!("127.0.0.1:{relay_port}"),
        format!("127.0.0.1:{}", server.https_port),
    ));
    (server, relay)
}
