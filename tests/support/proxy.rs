//! A TCP relay in front of Prosody whose connections a test can cut, to
//! simulate a dead link without touching the server.

use std::sync::{
    atomic::{AtomicU64, Ordering},
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
}

async fn relay(client: TcpStream, server: TcpStream, received: Arc<AtomicU64>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = tokio::io::copy(&mut client_read, &mut server_write);
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = server_read.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            received.fetch_add(n as u64, Ordering::Relaxed);
            client_write.write_all(&buf[..n]).await?;
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

impl CuttableProxy {
    /// Relays a free loopback port to `target`.
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let received: Arc<AtomicU64> = Arc::default();
        let (registry, counter) = (links.clone(), received.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (target, counter) = (target.clone(), counter.clone());
                let link = tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&target).await {
                        relay(client, server, counter).await;
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
        }
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
