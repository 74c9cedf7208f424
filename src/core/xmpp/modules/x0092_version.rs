//! XEP-0092 Software Version: our name and version (no operating system:
//! that would tell strangers more than they need).

use xmpp_parsers::{ns, version::VersionResult};

use crate::core::xmpp::modules::{Answer, IqRequest, Module};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0092 software version",
    features: &[ns::VERSION],
    iq: Some(answer),
    ..Module::NONE
};

/// What our server runs and announces (for the account's details).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerInfo {
    /// Software name and version (XEP-0092), when it says.
    pub software: Option<String>,
    /// Its disco#info features, sorted.
    pub features: Vec<String>,
    /// How files are uploaded, when the server offers a way.
    pub upload: Option<UploadOffer>,
    /// Kontalk push providers, when the server has the push capability.
    pub push: Option<Vec<super::kontalk_push::PushProvider>>,
    /// The address connected to.
    pub address: Option<std::net::SocketAddr>,
    /// The certificate the server presented on this connection.
    pub certificate: Option<crate::core::xmpp::connection::tls::ServerCertificate>,
}

/// How the server takes files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOffer {
    /// XEP-0363, with the service's size limit when it says.
    HttpUpload {
        /// The largest file, in bytes.
        max_size: Option<u64>,
    },
    /// Kontalk's upload service.
    Kontalk,
}

/// Asks our server what it runs (XEP-0092) and what it announces
/// (disco#info); each part is left empty when the server does not say.
pub async fn server_info(ctx: &crate::core::xmpp::session::context::SessionContext) -> ServerInfo {
    use xmpp_parsers::{
        disco::{DiscoInfoQuery, DiscoInfoResult},
        jid::Jid,
        version::VersionQuery,
    };
    let server = Jid::from(ctx.account.domain().to_owned());
    let (version, info) = futures::join!(
        ctx.out.get(Some(server.clone()), VersionQuery),
        ctx.out.get(Some(server), DiscoInfoQuery { node: None })
    );
    let software = match version {
        Ok(Some(p)) => VersionResult::try_from(p).ok().map(|v| {
            let text = format!("{} {}", v.name.trim(), v.version.trim());
            text.trim().chars().take(80).collect()
        }),
        _ => None,
    };
    let features = match info {
        Ok(Some(p)) => DiscoInfoResult::try_from(p)
            .map(|i| i.features.into_iter().take(256).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let has = |ns: &str| features.iter().any(|f| f == ns);
    let push = if has(super::kontalk_push::NS) {
        Some(super::kontalk_push::providers(ctx).await)
    } else {
        None
    };
    let upload = match super::x0363_http_upload::service(ctx).await {
        Some(s) => Some(UploadOffer::HttpUpload { max_size: s.max_size }),
        None if has(super::kontalk_upload::NS) => Some(UploadOffer::Kontalk),
        None => None,
    };
    let certificate = ctx.connection.certificate();
    let address = ctx.connection.address();
    ServerInfo {
        software,
        features,
        upload,
        push,
        address,
        certificate,
    }
}

fn answer(request: &IqRequest<'_>) -> Option<Answer> {
    if request.is_set || !request.payload.is("query", ns::VERSION) {
        return None;
    }
    let result = VersionResult {
        name: "Balcony".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        os: None,
    };
    Some(Answer::Result(Some(result.into())))
}
