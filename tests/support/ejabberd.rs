//! Starts a real ejabberd 23.01 (Debian package) as a private node beside
//! the system service: free loopback ports (c2s with STARTTLS required, and
//! the Erlang distribution, so no epmd), its own config, cookie, spool and
//! log under CARGO_TARGET_TMPDIR, and the test CA plus leaf certificate of
//! prosody.rs. ejabberdctl runs the node as the `ejabberd` user (through
//! su), so the tests must run as root and the directory is chowned to it.
//! Every process of the node (ejabberdctl, su, sh, beam.smp, and the port
//! programs erl_child_setup, eimp, memsup, inet_gethost, ctl clients)
//! inherits `BALCONY_EJABBERD_DIR`; stop and Drop SIGTERM beam.smp, then SIGKILL
//! whatever still carries it. The log is printed when the test panics.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use super::prosody::{free_port, make_pki};
pub use super::prosody::{DOMAIN, MUC_DOMAIN};

/// Environment variable set to the private directory on every process the
/// node starts: how stop finds them all, whatever their parent is now.
const MARKER: &str = "BALCONY_EJABBERD_DIR";

/// Erlang resolver config ejabberdctl points the node at (Debian's).
const INETRC: &str = "{lookup,[\"file\",\"native\"]}.\n\
                      {host,{127,0,0,1}, [\"localhost\",\"hostalias\"]}.\n\
                      {file, resolv, \"/etc/resolv.conf\"}.\n";

/// A running private ejabberd node.
pub struct Ejabberd {
    dir: PathBuf,
    node: String,
    child: Option<Child>,
    /// STARTTLS port.
    pub c2s_port: u16,
    /// Erlang distribution port (ejabberdctl reaches the node there).
    pub dist_port: u16,
    /// PEM of the test CA.
    pub ca_pem: String,
    /// DER of the server's leaf certificate.
    pub leaf_der: Vec<u8>,
}

/// A fresh private directory and a node name unique to it.
fn unique() -> (PathBuf, String) {
    static N: AtomicU32 = AtomicU32::new(0);
    let tag = format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ejabberd");
    (base.join(&tag), format!("balcony-{tag}@localhost"))
}

/// ejabberd.yml. Set BALCONY_EJABBERD_LOGLEVEL=debug for every stanza in
/// the log (ten times longer); not below info, start() waits for a line.
fn config(dir: &Path, c2s_port: u16) -> String {
    let loglevel = std::env::var("BALCONY_EJABBERD_LOGLEVEL").unwrap_or_else(|_| "info".into());
    let quoted = |name: &str| format!("{:?}", dir.join(name).display().to_string());
    format!(
        r#"hosts: ["{DOMAIN}"]
loglevel: {loglevel}
log_rotate_count: 0
certfiles: [{pem}]
ca_file: {ca}
listen:
  - port: {c2s_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    starttls_required: true
auth_password_format: scram
disable_sasl_mechanisms: ["digest-md5", "x-oauth2"]
s2s_access: none
acl:
  admin: {{user: ["admin@{DOMAIN}"]}}
  local: {{user_regexp: ""}}
access_rules:
  local: {{allow: local}}
  c2s: {{allow: all}}
  announce: {{allow: admin}}
  configure: {{allow: admin}}
  muc_create: {{allow: local}}
  pubsub_createnode: {{allow: local}}
api_permissions:
  "console commands": {{from: [ejabberd_ctl], who: all, what: "*"}}
modules:
  mod_adhoc: {{}}
  mod_announce: {{access: announce}}
  mod_blocking: {{}}
  mod_caps: {{}}
  mod_carboncopy: {{}}
  mod_configure: {{}}
  mod_disco: {{}}
  mod_last: {{}}
  mod_mam: {{default: always}}
  mod_muc:
    hosts: ["{MUC_DOMAIN}"]
    access: [allow]
    access_admin: [{{allow: admin}}]
    access_create: muc_create
    access_persistent: muc_create
    access_mam: [allow]
    history_size: 20
    default_room_options: {{mam: true}}
  mod_offline: {{}}
  mod_ping: {{}}
  mod_privacy: {{}}
  mod_private: {{}}
  mod_pubsub:
    access_createnode: pubsub_createnode
    plugins: [flat, pep]
    force_node_config: {{"storage:bookmarks": {{access_model: whitelist}}}}
  mod_roster: {{versioning: true}}
  mod_stream_mgmt: {{}}
  mod_vcard: {{search: false}}
  mod_version: {{}}
"#,
        pem = quoted("server.pem"),
        ca = quoted("ca.pem"),
    )
}

impl Ejabberd {
    /// Starts a node; retries on fresh ports if one was taken meanwhile.
    pub fn start() -> Self {
        for _ in 0..5 {
            if let Some(server) = Self::try_start() {
                return server;
            }
        }
        panic!("ejabberd did not start after 5 tries");
    }

    fn try_start() -> Option<Self> {
        let (dir, node) = unique();
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("spool")).expect("spool dir");
        fs::create_dir_all(dir.join("logs")).expect("logs dir");
        let pki = make_pki();
        let pem = format!("{}{}", pki.leaf_pem, pki.leaf_key_pem);
        fs::write(dir.join("server.pem"), pem).expect("server pem");
        fs::write(dir.join("ca.pem"), &pki.ca_pem).expect("ca");
        let c2s_port = free_port();
        let dist_port = std::iter::repeat_with(free_port)
            .find(|p| *p != c2s_port)
            .expect("a second port");
        fs::write(dir.join("ejabberd.yml"), config(&dir, c2s_port)).expect("config");
        let cookie = format!("balcony{:016x}", rand::random::<u64>());
        let ctl_config = format!(
            "ERL_OPTIONS=\"-setcookie {cookie} -env ERL_CRASH_DUMP_BYTES 0 \
             -kernel inet_dist_use_interface {{127,0,0,1}}\"\n"
        );
        fs::write(dir.join("ejabberdctl.cfg"), ctl_config).expect("ctl config");
        fs::write(dir.join("inetrc"), INETRC).expect("inetrc");
        let chown = Command::new("chown")
            .args(["-R", "ejabberd:ejabberd"])
            .arg(&dir)
            .status()
            .expect("chown");
        assert!(
            chown.success(),
            "chown to ejabberd failed (tests must run as root)"
        );
        let mut server = Ejabberd {
            dir,
            node,
            child: None,
            c2s_port,
            dist_port,
            ca_pem: pki.ca_pem,
            leaf_der: pki.leaf_der,
        };
        server.spawn().then_some(server)
    }

    /// ejabberdctl aimed at this node (append the command).
    fn ctl_command(&self) -> Command {
        let mut cmd = Command::new("ejabberdctl");
        let d = &self.dir;
        for (flag, path) in [
            ("--config-dir", d.clone()),
            ("--config", d.join("ejabberd.yml")),
            ("--ctl-config", d.join("ejabberdctl.cfg")),
            ("--logs", d.join("logs")),
            ("--spool", d.join("spool")),
        ] {
            cmd.arg(flag).arg(path);
        }
        cmd.args(["--node", self.node.as_str()])
            .env("ERL_DIST_PORT", self.dist_port.to_string())
            .env(MARKER, &self.dir)
            .stdin(Stdio::null());
        for var in ["EJABBERD_OPTS", "MNESIA_OPTIONS", "EJABBERD_LOG_PATH", "VMARGS"] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// Starts the node on the existing config; false if it did not listen.
    fn spawn(&mut self) -> bool {
        let console = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("console.log"))
            .expect("console log");
        let child = self
            .ctl_command()
            .arg("foreground-quiet")
            .stdout(console.try_clone().expect("console log"))
            .stderr(console)
            .spawn()
            .expect("start ejabberdctl (is the ejabberd package installed? run `make deps`)");
        self.child = Some(child);
        // ejabberd logs this once the listener is open, after all modules
        // have started; a bare connect could reach whoever took the port.
        let ready = format!("Start accepting TCP connections at 127.0.0.1:{} ", self.c2s_port);
        let log_path = self.dir.join("logs/ejabberd.log");
        let seen = fs::metadata(&log_path).map_or(0, |m| m.len() as usize);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(|c| c.try_wait()) {
                eprintln!("ejabberd exited early; log:\n{}", self.log());
                self.stop();
                return false; // port clash or similar
            }
            let log = fs::read(&log_path).unwrap_or_default();
            let new = log.get(seen..).unwrap_or_default();
            if new.windows(ready.len()).any(|w| w == ready.as_bytes()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("ejabberd did not listen in time; log:\n{}", self.log());
        self.stop();
        false
    }

    /// Stops the node and starts it again, on the same ports and data.
    pub fn restart(&mut self) {
        self.stop();
        for _ in 0..20 {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("ejabberd did not come back on its ports");
    }

    /// The private directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `host:port` of the STARTTLS listener.
    pub fn c2s_addr(&self) -> String {
        format!("127.0.0.1:{}", self.c2s_port)
    }

    /// Path of the CA PEM.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Runs `ejabberdctl COMMAND ARGS..` against the node (a new Erlang VM:
    /// about half a second) and returns its output; panics if it fails.
    pub fn ctl(&self, args: &[&str]) -> String {
        let out = self.ctl_command().args(args).output().expect("ejabberdctl");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "ejabberdctl {} failed ({}): {stdout}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Registers `user@DOMAIN` with `password`.
    pub fn register(&self, user: &str, password: &str) {
        self.ctl(&["register", user, DOMAIN, password]);
    }

    /// The server log so far, then what the node printed itself (critical
    /// messages, and errors from before logging started such as a
    /// distribution port in use).
    pub fn log(&self) -> String {
        let mut log = fs::read_to_string(self.dir.join("logs/ejabberd.log")).unwrap_or_default();
        let console = fs::read_to_string(self.dir.join("console.log")).unwrap_or_default();
        if !console.trim().is_empty() {
            log.push_str("--- console ---\n");
            log.push_str(&console);
        }
        log
    }

    /// Processes carrying our marker: (pid, command name).
    fn processes(&self) -> Vec<(libc::pid_t, String)> {
        let marker = format!("{MARKER}={}", self.dir.display());
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| {
                let pid: libc::pid_t = entry.file_name().to_str()?.parse().ok()?;
                let environ = fs::read(entry.path().join("environ")).ok()?;
                if !environ.split(|b| *b == 0).any(|var| var == marker.as_bytes()) {
                    return None;
                }
                let comm = fs::read_to_string(entry.path().join("comm")).ok()?;
                Some((pid, comm.trim().to_owned()))
            })
            .collect()
    }

    fn signal(pid: libc::pid_t, signal: libc::c_int) {
        // SAFETY: kill(2) on a pid we just found carrying our marker.
        unsafe { libc::kill(pid, signal) };
    }

    /// Stops the node: SIGTERM to beam.smp (a clean shutdown, 1-3 s), then
    /// SIGKILL to every process still carrying the marker.
    pub fn stop(&mut self) {
        let mut child = self.child.take();
        if let Some(child) = child.as_mut() {
            for (pid, comm) in self.processes() {
                if comm == "beam.smp" {
                    Self::signal(pid, libc::SIGTERM);
                }
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        for _ in 0..100 {
            let left = self.processes();
            if left.is_empty() {
                break;
            }
            for (pid, _) in left {
                Self::signal(pid, libc::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Ejabberd {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("--- ejabberd log ({}) ---\n{}", self.dir.display(), self.log());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
