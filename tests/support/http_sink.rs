//! An HTTPS server on loopback that takes PUT bodies as fast as the
//! socket delivers them and throws them away, with a leaf of a new test
//! CA: for measuring an HTTP client's upload rate rather than a server's.

use std::sync::Arc;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use tokio_rustls::{
    rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
    TlsAcceptor,
};

/// A running sink.
pub struct HttpSink {
    /// `https://127.0.0.1:port/upload`.
    pub url: String,
    /// PEM of the CA that signed its certificate.
    pub ca_pem: String,
    task: tokio::task::JoinHandle<()>,
}

/// Handles requests on one connection until it closes.
async fn serve<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut s: S) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1024 * 1024];
    let mut head = Vec::new();
    loop {
        // Headers.
        let end = loop {
            if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = s.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            head.extend_from_slice(&buf[..n]);
            if head.len() > 64 * 1024 {
                return Ok(());
            }
        };
        let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
        let length: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if text.contains("expect: 100-continue") {
            s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        }
        let mut left = length.saturating_sub((head.len() - end) as u64);
        head.clear();
        while left > 0 {
            let n = s.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            if n as u64 > left {
                // The start of a next request.
                head.extend_from_slice(&buf[left as usize..n]);
                left = 0;
            } else {
                left -= n as u64;
            }
        }
        s.write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
            .await?;
        s.flush().await?;
    }
}

impl HttpSink {
    /// Starts a sink on a free loopback port.
    pub async fn start() -> Self {
        let pki = super::prosody::make_pki();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.leaf_key_der.clone()));
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("protocols")
                .with_no_client_auth()
                .with_single_cert(vec![CertificateDer::from(pki.leaf_der.clone())], key)
                .expect("server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = serve(tls).await;
                    }
                });
            }
        });
        Self {
            url: format!("https://127.0.0.1:{port}/upload"),
            ca_pem: pki.ca_pem,
            task,
        }
    }
}

impl Drop for HttpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
