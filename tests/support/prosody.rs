//! Starts a real Prosody (Debian package) on free loopback ports with a
//! private data directory and a test CA plus leaf certificate made now.
//! Everything is torn down on drop, also when the test fails (the log is
//! printed then).

use std::{
    fs,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// The XMPP domain the test server serves.
pub const DOMAIN: &str = "balcony.test";
/// The test server's multi-user chat service.
pub const MUC_DOMAIN: &str = "conference.balcony.test";

/// Extra config for benches over a large archive: SQL storage, pages of
/// 100, no offline storage (messages go to the archive), errors-only log.
pub const ARCHIVE_CONFIG: &str =
    "storage = \"sql\"\nsql = { driver = \"SQLite3\", database = \"prosody.sqlite\" }\n\
     max_archive_query_results = 100\nmodules_disabled = { \"s2s\", \"offline\" }\n\
     log = { { levels = { min = \"error\" }, to = \"console\" } }";

/// The test server's HTTP file sharing service (XEP-0363).
pub const UPLOAD_DOMAIN: &str = "upload.balcony.test";

/// Extra config for HTTP file sharing (Prosody's own `http_file_share`)
/// served over HTTPS on 127.0.0.1 with the test CA's leaf, taking files up
/// to `limit` bytes. Uploads over Prosody's default body limit (10 MB) are
/// streamed to disk by the module rather than buffered.
pub fn uploads_config(limit: u64) -> String {
    uploads_config_via(limit, None)
}

/// [`uploads_config`], with the URLs handed out naming `external_port`
/// (a relay in front of the HTTPS port) instead of the HTTPS port.
pub fn uploads_config_via(limit: u64, external_port: Option<u16>) -> String {
    let external = external_port.map_or_else(|| "@HTTPS_PORT@".to_owned(), |p| p.to_string());
    format!(
        "https_ports = {{ @HTTPS_PORT@ }}\nhttps_interfaces = {{ \"127.0.0.1\" }}\n\
         https_ssl = {{ certificate = @CERTS@ .. \"/{DOMAIN}.crt\", key = @CERTS@ .. \"/{DOMAIN}.key\" }}\n\
         http_default_host = \"{UPLOAD_DOMAIN}\"\n\
         Component \"{UPLOAD_DOMAIN}\" \"http_file_share\"\n\
         \thttp_external_url = \"https://127.0.0.1:{external}/\"\n\
         \thttp_file_share_size_limit = {limit}\n\
         \thttp_file_share_daily_quota = {quota}\n",
        quota = limit * 100,
    )
}

/// Extra config for Kontalk's server side (`mod_balcony_kontalk`): its
/// upload box and push capability, served over HTTPS on 127.0.0.1, and no
/// XEP-0363, so that Kontalk's upload path is the one used. Start with
/// `Prosody::start_with(&["balcony_kontalk"], &kontalk_config())`.
pub fn kontalk_config() -> String {
    format!(
        "https_ports = {{ @HTTPS_PORT@ }}\nhttps_interfaces = {{ \"127.0.0.1\" }}\n\
         https_ssl = {{ certificate = @CERTS@ .. \"/{DOMAIN}.crt\", key = @CERTS@ .. \"/{DOMAIN}.key\" }}\n\
         http_default_host = \"{DOMAIN}\"\nhttp_external_url = \"https://127.0.0.1:@HTTPS_PORT@/\"\n"
    )
}

/// A running Prosody.
pub struct Prosody {
    dir: PathBuf,
    child: Option<Child>,
    /// STARTTLS port.
    pub c2s_port: u16,
    /// Direct TLS port.
    pub direct_tls_port: u16,
    /// HTTPS port (used by [`uploads_config`]).
    pub https_port: u16,
    /// Whether the config serves HTTPS on [`Self::https_port`].
    serves_https: bool,
    /// PEM of the test CA.
    pub ca_pem: String,
    /// DER of the server's leaf certificate.
    pub leaf_der: Vec<u8>,
}

/// A loopback port for a test server that was free a moment ago.
///
/// Never one handed out before in this process, and below the kernel's
/// ephemeral range where it can: a port asked of the kernel (bind to 0)
/// comes from that range, so between its release and the server binding
/// it, a client's outgoing connection or another of this process's
/// servers could take it, and a client then spoke TLS to a plaintext
/// listener ("received corrupt message of type InvalidContentType").
pub(crate) fn free_port() -> u16 {
    static HANDED_OUT: AtomicU32 = AtomicU32::new(0);
    static SPAN: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    const LOWEST: u32 = 10_000;
    let span = *SPAN.get_or_init(|| {
        let ephemeral_low = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|r| r.split_whitespace().next()?.parse::<u32>().ok())
            .unwrap_or(32_768);
        ephemeral_low
            .saturating_sub(LOWEST)
            .min(u32::from(u16::MAX) - LOWEST)
    });
    if span >= 1_000 {
        // Test binaries run one after another; each starts elsewhere.
        let start = std::process::id().wrapping_mul(2_654_435_761) % span;
        for _ in 0..span {
            let n = HANDED_OUT.fetch_add(1, Ordering::SeqCst);
            let Ok(port) = u16::try_from(LOWEST + (start + n) % span) else {
                continue;
            };
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn unique_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prosody");
    base.join(format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

/// A test CA and a leaf certificate for [`DOMAIN`] signed by it.
pub(crate) struct TestPki {
    pub(crate) ca_pem: String,
    pub(crate) leaf_pem: String,
    pub(crate) leaf_key_pem: String,
    pub(crate) leaf_key_der: Vec<u8>,
    pub(crate) leaf_der: Vec<u8>,
}

/// A validity from a year ago to 30 days ahead. rcgen's default ends in
/// 4096, and ejabberd's certificate store crashes on that: it sets a timer
/// for the expiry, and Erlang's timers reach about 49 days.
fn validity(params: &mut CertificateParams) {
    valid_between(params, -365, 30);
}

/// Valid from `from` days to `to` days from today.
fn valid_between(params: &mut CertificateParams, from: i64, to: i64) {
    use chrono::Datelike;
    let day = |offset: i64| {
        let t = chrono::Utc::now() + chrono::Duration::days(offset);
        rcgen::date_time_ymd(t.year(), t.month() as u8, t.day() as u8)
    };
    params.not_before = day(from);
    params.not_after = day(to);
}

/// What the server's leaf certificate is like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Leaf {
    /// For [`DOMAIN`], valid now.
    #[default]
    Good,
    /// For another name.
    WrongName,
    /// For [`DOMAIN`], expired a month ago.
    Expired,
}

pub(crate) fn make_pki() -> TestPki {
    make_pki_with(Leaf::Good)
}

/// A new test CA and a leaf of the `leaf` kind signed by it.
pub(crate) fn make_pki_with(leaf: Leaf) -> TestPki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    validity(&mut ca_params);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Balcony Test CA");
    let ca_key = KeyPair::generate().expect("ca key");
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");
    let name = if leaf == Leaf::WrongName {
        "wrong.example"
    } else {
        DOMAIN
    };
    // Also for 127.0.0.1: the HTTPS upload service is reached there.
    let mut leaf_params =
        CertificateParams::new(vec![name.to_owned(), "127.0.0.1".to_owned()]).expect("leaf params");
    leaf_params.distinguished_name.push(DnType::CommonName, name);
    validity(&mut leaf_params);
    if leaf == Leaf::Expired {
        valid_between(&mut leaf_params, -90, -30);
    }
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).expect("leaf cert");
    TestPki {
        ca_pem: ca.pem(),
        leaf_pem: leaf.pem(),
        leaf_key_pem: leaf_key.serialize_pem(),
        leaf_key_der: leaf_key.serialize_der(),
        leaf_der: leaf.der().to_vec(),
    }
}

fn lua_str(p: &Path) -> String {
    format!("{:?}", p.display().to_string())
}

impl Prosody {
    /// Starts a server with the given extra global config lines.
    pub fn start() -> Self {
        Self::start_with(&[], "")
    }

    /// Starts a server with extra modules and extra config text.
    pub fn start_with(extra_modules: &[&str], extra_config: &str) -> Self {
        for _ in 0..5 {
            if let Some(p) = Self::try_start(extra_modules, extra_config) {
                return p;
            }
        }
        panic!("Prosody did not start after 5 tries");
    }

    /// Starts a server whose certificate is of the `leaf` kind.
    pub fn start_with_leaf(leaf: Leaf) -> Self {
        for _ in 0..5 {
            if let Some(p) = Self::try_start_with(&[], "", leaf) {
                return p;
            }
        }
        panic!("Prosody did not start after 5 tries");
    }

    /// Gives the server a new CA and leaf of the `leaf` kind, and restarts it.
    pub fn replace_certificate(&mut self, leaf: Leaf) {
        let pki = make_pki_with(leaf);
        fs::write(self.dir.join(format!("certs/{DOMAIN}.crt")), &pki.leaf_pem).expect("crt");
        fs::write(self.dir.join(format!("certs/{DOMAIN}.key")), &pki.leaf_key_pem).expect("key");
        fs::write(self.dir.join("ca.pem"), &pki.ca_pem).expect("ca");
        self.ca_pem = pki.ca_pem;
        self.leaf_der = pki.leaf_der;
        self.restart();
    }

    fn try_start(extra_modules: &[&str], extra_config: &str) -> Option<Self> {
        Self::try_start_with(extra_modules, extra_config, Leaf::Good)
    }

    fn try_start_with(extra_modules: &[&str], extra_config: &str, leaf: Leaf) -> Option<Self> {
        let dir = unique_dir();
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("data")).expect("data dir");
        fs::create_dir_all(dir.join("certs")).expect("certs dir");
        let pki = make_pki_with(leaf);
        fs::write(dir.join(format!("certs/{DOMAIN}.crt")), &pki.leaf_pem).expect("crt");
        fs::write(dir.join(format!("certs/{DOMAIN}.key")), &pki.leaf_key_pem).expect("key");
        fs::write(dir.join("ca.pem"), &pki.ca_pem).expect("ca");
        let (c2s_port, direct_tls_port, https_port) = (free_port(), free_port(), free_port());
        let extra_config = extra_config
            .replace("@HTTPS_PORT@", &https_port.to_string())
            .replace("@CERTS@", &lua_str(&dir.join("certs")));
        let modules_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/prosody-modules");
        let mut modules = vec![
            "roster",
            "saslauth",
            "tls",
            "disco",
            "ping",
            "carbons",
            "mam",
            "smacks",
            "csi_simple",
            "blocklist",
            "pep",
            "version",
            "time",
            "uptime",
            "admin_adhoc",
            "adhoc",
            "balcony_sasl_audit",
            "balcony_csi_audit",
        ];
        modules.extend_from_slice(extra_modules);
        let modules: Vec<String> = modules.iter().map(|m| format!("{m:?}")).collect();
        let config = format!(
            r#"
run_as_root = true
pidfile = {pid}
data_path = {data}
plugin_paths = {{ {plugins} }}
interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s_port} }}
legacy_ssl_ports = {{ {direct_tls_port} }}
s2s_ports = {{ }}
http_ports = {{ }}
{https}
modules_disabled = {{ "s2s" }}
network_settings = {{ nagle = false }}
certificates = {certs}
authentication = "internal_hashed"
c2s_require_encryption = true
allow_registration = false
log = {{ {{ levels = {{ min = "debug" }}, to = "file", filename = {log} }} }}
modules_enabled = {{ {modules} }}
{extra_config}
VirtualHost "{DOMAIN}"
Component "{MUC_DOMAIN}" "muc"
    muc_room_locking = false
"#,
            https = if extra_config.contains("https_ports") {
                ""
            } else {
                "https_ports = { }"
            },
            pid = lua_str(&dir.join("prosody.pid")),
            data = lua_str(&dir.join("data")),
            plugins = lua_str(&modules_dir),
            certs = lua_str(&dir.join("certs")),
            log = lua_str(&dir.join("prosody.log")),
            modules = modules.join(", "),
        );
        let cfg = dir.join("prosody.cfg.lua");
        fs::write(&cfg, config).expect("config");
        let mut server = Prosody {
            dir,
            child: None,
            c2s_port,
            direct_tls_port,
            https_port,
            serves_https: extra_config.contains("https_ports"),
            ca_pem: pki.ca_pem,
            leaf_der: pki.leaf_der,
        };
        server.spawn().then_some(server)
    }

    /// Starts the process on the existing config; false if it did not listen.
    fn spawn(&mut self) -> bool {
        // A restart appends to the same log: only this start's lines count.
        let logged_before = self.log().len();
        let child = Command::new("prosody")
            .arg("--config")
            .arg(self.dir.join("prosody.cfg.lua"))
            .arg("-F")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prosody (is the prosody package installed? run `make deps`)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(|c| c.try_wait()) {
                eprintln!("prosody exited early; log:\n{}", self.log());
                self.child = None;
                return false; // port clash or similar
            }
            let up = |p| TcpStream::connect(("127.0.0.1", p)).is_ok();
            if up(self.c2s_port) && up(self.direct_tls_port) && (!self.serves_https || up(self.https_port)) {
                // A port it could not bind is only logged; it runs on.
                let log = self.log();
                let this_start = log.get(logged_before..).unwrap_or_default();
                if [
                    "Failed to open server port",
                    "Error binding encrypted port",
                    "Multiple services configured",
                ]
                .iter()
                .any(|clash| this_start.contains(clash))
                {
                    eprintln!("prosody could not bind a port; log:\n{log}");
                    self.stop();
                    return false;
                }
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("prosody did not listen in time; log:\n{}", self.log());
        false
    }

    /// Starts a stopped server again, on the same ports and data.
    pub fn restart(&mut self) {
        self.stop();
        for _ in 0..20 {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("Prosody did not come back on its ports");
    }

    /// Kills the server without a goodbye (SIGKILL: no stream errors, all
    /// sessions lost) and starts it again.
    pub fn crash_and_restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.restart();
    }

    /// The private directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `host:port` of the STARTTLS listener.
    pub fn c2s_addr(&self) -> String {
        format!("127.0.0.1:{}", self.c2s_port)
    }

    /// `host:port` of the direct TLS listener.
    pub fn direct_tls_addr(&self) -> String {
        format!("127.0.0.1:{}", self.direct_tls_port)
    }

    /// Path of the CA PEM.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Registers `user@DOMAIN` with `password`.
    pub fn register(&self, user: &str, password: &str) {
        let status = Command::new("prosodyctl")
            .arg("--config")
            .arg(self.dir.join("prosody.cfg.lua"))
            .args(["register", user, DOMAIN, password])
            .stdout(Stdio::null())
            .status()
            .expect("prosodyctl");
        assert!(status.success(), "prosodyctl register {user} failed");
    }

    /// Makes `a` and `b` (users of [`DOMAIN`]) contacts subscribed to each
    /// other both ways, by writing both rosters into the server's store.
    /// Call it before either logs in: Prosody reads a roster at login.
    pub fn befriend(&self, a: &str, b: &str) {
        let host = DOMAIN.replace('.', "%2e");
        let dir = self.dir.join("data").join(host).join("roster");
        fs::create_dir_all(&dir).expect("roster dir");
        for (user, contact) in [(a, b), (b, a)] {
            let path = dir.join(format!("{user}.dat"));
            let mut items = fs::read_to_string(&path)
                .ok()
                .and_then(|t| {
                    t.strip_prefix("return {\n")
                        .and_then(|t| t.strip_suffix("};\n"))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "\t[false] = { version = 1; pending = {}; };\n".to_owned());
            items.push_str(&format!(
                "\t[\"{contact}@{DOMAIN}\"] = {{ subscription = \"both\"; groups = {{}}; }};\n"
            ));
            fs::write(&path, format!("return {{\n{items}}};\n")).expect("roster file");
        }
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("prosody.log")).unwrap_or_default()
    }

    /// The verification code our Kontalk register module "sent" to `phone`.
    pub fn kontalk_code(&self, phone: &str) -> String {
        let marker = format!("code for {phone} is ");
        self.log()
            .lines()
            .find_map(|l| l.split(marker.as_str()).nth(1).map(|c| c.trim().to_owned()))
            .expect("the code was sent")
    }

    /// Lines of our audit module.
    pub fn audit_lines(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("balcony-audit:"))
            .map(str::to_owned)
            .collect()
    }

    /// Stops the server (SIGTERM, then SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("--- prosody log ({}) ---\n{}", self.dir.display(), self.log());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
