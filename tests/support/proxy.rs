//! A TCP relay in front of Prosody whose connections a test can cut, to
//! simulate a dead link without touching the server.

use std::sync::{Arc, Mutex};

use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// A running relay.
pub struct CuttableProxy {
    /// `127.0.0.1:port` to connect to.
    pub addr: String,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl CuttableProxy {
    /// Relays a free loopback port to `target`.
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let registry = links.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                registry.lock().expect("links").push(link);
            }
        });
        Self {
            addr,
            links,
            acceptor,
        }
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
