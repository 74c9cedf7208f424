//! A `ServerConnector` that honours the account's server override, TLS mode,
//! extra CA and pinned certificates (tokio-xmpp's own connectors cannot).

use std::{
    borrow::Cow,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use futures::{SinkExt, StreamExt};
use sasl::common::ChannelBinding;
use tokio::{io::BufStream, net::TcpStream};
use tokio_rustls::{client::TlsStream, rustls::pki_types::ServerName, TlsConnector};
use tokio_xmpp::{
    connect::{DnsConfig, ServerConnector},
    error::{Error, ProtocolError},
    jid::Jid,
    parsers::starttls,
    xmlstream::{
        initiate_stream, FallibleStreamElement, PendingFeaturesRecv, ReadError, StreamHeader, Timeouts,
        XmppStreamElement,
    },
};

use crate::core::account::{AccountConfig, TlsMode};
use crate::core::xmpp::{
    connection::depth_limit::DepthLimited,
    connection::login_capture::{Captured, LoginCapture},
    connection::stream_tap::{StreamTap, Tapped},
    connection::tls::{AccountTls, CertificateInUse, ServerCertificate},
    modules::x0352_csi::{CsiSwitch, CsiWriter},
};

/// What is known of the connection in use: the server's address and the
/// certificate it presented (for the account's details).
#[derive(Debug, Clone, Default)]
pub struct ConnectionFacts {
    /// The address connected to.
    pub address: Arc<Mutex<Option<SocketAddr>>>,
    /// The certificate accepted.
    pub certificate: CertificateInUse,
}

impl ConnectionFacts {
    /// The address of the current connection.
    pub fn address(&self) -> Option<SocketAddr> {
        self.address.lock().ok().and_then(|a| *a)
    }

    /// The certificate of the current connection.
    pub fn certificate(&self) -> Option<ServerCertificate> {
        self.certificate.lock().ok().and_then(|c| c.clone())
    }
}

/// Connects one account, over STARTTLS or direct TLS.
#[derive(Clone)]
pub struct AccountConnector {
    dns: DnsConfig,
    mode: TlsMode,
    tls: AccountTls,
    csi: CsiSwitch,
    tap: StreamTap,
    address: Arc<Mutex<Option<SocketAddr>>>,
    /// The newest connection's login capture, until the login takes it.
    capture: Arc<Mutex<Option<LoginCapture>>>,
}

impl std::fmt::Debug for AccountConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConnector")
            .field("dns", &self.dns)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl AccountConnector {
    /// A connector for `account` using `tls`.
    pub fn new(account: &AccountConfig, tls: AccountTls) -> Self {
        let domain = account.jid.domain().as_str();
        let dns = match (&account.server, account.tls) {
            (Some(server), _) => DnsConfig::no_srv(&server.host, server.port),
            (None, TlsMode::StartTls) => DnsConfig::srv_default_client(domain),
            (None, TlsMode::DirectTls) => DnsConfig::srv_xmpps(domain),
        };
        Self {
            dns,
            mode: account.tls,
            tls,
            csi: CsiSwitch::default(),
            tap: StreamTap::default(),
            address: Arc::default(),
            capture: Arc::default(),
        }
    }

    /// Where the address connected to and the certificate accepted are
    /// kept.
    pub fn facts(&self) -> ConnectionFacts {
        ConnectionFacts {
            address: self.address.clone(),
            certificate: self.tls.accepted.clone(),
        }
    }

    /// The same connector, its connections watched through `tap` (the
    /// XML console).
    pub fn with_tap(mut self, tap: StreamTap) -> Self {
        self.tap = tap;
        self
    }

    /// The login capture of the connection made last (each connection
    /// arms its own; the login takes it and disarms it when done).
    pub fn take_capture(&self) -> Option<LoginCapture> {
        self.capture.lock().ok().and_then(|mut c| c.take())
    }

    /// Client state indication for this account's connections.
    pub fn csi(&self) -> &CsiSwitch {
        &self.csi
    }

    /// The TLS settings (and the slot holding a rejected certificate).
    pub fn tls(&self) -> &AccountTls {
        &self.tls
    }

    async fn handshake<S>(&self, io: S, domain: &str) -> Result<(TlsStream<S>, ChannelBinding), Error>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let name = ServerName::try_from(domain.to_owned())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let stream = TlsConnector::from(self.tls.config.clone())
            .connect(name, io)
            .await?;
        let (_, conn) = stream.get_ref();
        let binding = match conn.protocol_version() {
            Some(tokio_rustls::rustls::ProtocolVersion::TLSv1_3) => conn
                .export_keying_material(vec![0u8; 32], b"EXPORTER-Channel-Binding", None)
                .map(ChannelBinding::TlsExporter)
                .unwrap_or(ChannelBinding::None),
            _ => ChannelBinding::None,
        };
        Ok((stream, binding))
    }
}

fn header(domain: &str) -> StreamHeader<'_> {
    StreamHeader {
        to: Some(Cow::Borrowed(domain)),
        from: None,
        id: None,
    }
}

/// The header inside TLS: it names the account (RFC 6120 §4.7.1), so that
/// a server can offer its FAST tokens before authentication (XEP-0484).
fn secure_header<'a>(domain: &'a str, jid: &'a Jid) -> StreamHeader<'a> {
    StreamHeader {
        from: jid.node().map(|_| Cow::Owned(jid.to_bare().to_string())),
        ..header(domain)
    }
}

impl ServerConnector for AccountConnector {
    type Stream = BufStream<Captured<CsiWriter<Tapped<DepthLimited<TlsStream<TcpStream>>>>>>;

    async fn connect(
        &self,
        jid: &Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<(PendingFeaturesRecv<Self::Stream>, ChannelBinding), Error> {
        let domain = jid.domain().as_str();
        let tcp = self.dns.resolve().await?;
        if let Ok(mut slot) = self.address.lock() {
            *slot = tcp.peer_addr().ok();
        }
        // Chat is interactive: small stanzas must not wait for Nagle.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let (tls, binding) = match self.mode {
            TlsMode::DirectTls => self.handshake(tcp, domain).await?,
            TlsMode::StartTls => {
                let plain =
                    initiate_stream(BufStream::new(self.tap.wrap(tcp)), ns, header(domain), timeouts).await?;
                let (features, mut stream) = plain.recv_features::<FallibleStreamElement>().await?;
                if !features.can_starttls() {
                    return Err(ProtocolError::NoTls.into());
                }
                stream
                    .send(&XmppStreamElement::Starttls(starttls::Nonza::Request(
                        starttls::Request,
                    )))
                    .await?;
                loop {
                    match stream.next().await.map(|v| v.and_then(|v| v.into_read_error())) {
                        Some(Ok(XmppStreamElement::Starttls(starttls::Nonza::Proceed(_)))) => break,
                        Some(Ok(_)) | Some(Err(ReadError::SoftTimeout)) => (),
                        Some(Err(ReadError::HardError(e))) => return Err(e.into()),
                        Some(Err(ReadError::ParseError(e))) => {
                            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e).into())
                        }
                        None | Some(Err(ReadError::StreamFooterReceived)) => return Err(Error::Disconnected),
                    }
                }
                self.handshake(stream.into_inner().into_inner().into_inner(), domain)
                    .await?
            }
        };
        let capture = LoginCapture::armed();
        if let Ok(mut slot) = self.capture.lock() {
            *slot = Some(capture.clone());
        }
        let stream = initiate_stream(
            // The capture above the console's tap: the console sees the
            // server's own elements, not the login's stand-ins.
            BufStream::new(capture.wrap(self.csi.wrap(self.tap.wrap(DepthLimited::new(tls))))),
            ns,
            secure_header(domain, jid),
            timeouts,
        )
        .await?;
        Ok((stream, binding))
    }
}
