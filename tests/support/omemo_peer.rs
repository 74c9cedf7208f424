//! An independent OMEMO client for interop tests: `tests/omemo_peer/peer.py`
//! (python-omemo with its oldmemo and twomemo backends over slixmpp, all
//! Debian packages), driven by JSON lines on its standard input and read
//! from its standard output.

use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Child, ChildStdin, Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};

use super::prosody::Prosody;

/// A running peer.
pub struct OmemoPeer {
    child: Child,
    stdin: ChildStdin,
    events: std::sync::mpsc::Receiver<Value>,
    /// Events read but not yet taken.
    seen: Vec<Value>,
    /// Its `ready` event.
    pub ready: Value,
    /// Its name in messages.
    pub name: String,
}

/// How a peer starts.
pub struct PeerOptions<'a> {
    /// Its OMEMO versions (`legacy`, `omemo2`).
    pub versions: &'a [&'a str],
    /// Send no presence (messages wait offline and in the archive).
    pub no_presence: bool,
}

impl Default for PeerOptions<'_> {
    fn default() -> Self {
        Self {
            versions: &["legacy", "omemo2"],
            no_presence: false,
        }
    }
}

impl OmemoPeer {
    /// Logs `user` in with its state in `data` (a directory; the same one
    /// again is the same device).
    pub fn start(server: &Prosody, user: &str, password: &str, data: &str, options: PeerOptions<'_>) -> Self {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/omemo_peer/peer.py");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("omemo-peers")
            .join(format!("{data}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("peer dir");
        let addr = server.c2s_addr();
        let (host, port) = addr.split_once(':').expect("host:port");
        let mut command = Command::new("/usr/bin/python3");
        command
            .arg(script)
            .args(["--jid", &format!("{user}@balcony.test"), "--password", password])
            .args(["--host", host, "--port", port, "--ca"])
            .arg(server.ca_path())
            .arg("--data")
            .arg(&dir)
            .args(["--versions", &options.versions.join(",")]);
        if options.no_presence {
            command.arg("--no-presence");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 (is python3-omemo installed? run `make deps`)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, events) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => {
                        if tx.send(v).is_err() {
                            break;
                        }
                    }
                    Err(_) => eprintln!("peer said: {line}"),
                }
            }
        });
        let mut peer = Self {
            child,
            stdin,
            events,
            seen: Vec::new(),
            ready: Value::Null,
            name: data.to_owned(),
        };
        peer.ready = peer.expect("ready", |_| true, Duration::from_secs(60));
        peer
    }

    /// Its device id.
    pub fn device_id(&self) -> u64 {
        self.ready["device_id"]["omemo2"]
            .as_u64()
            .or_else(|| self.ready["device_id"]["legacy"].as_u64())
            .expect("device id")
    }

    /// Sends a command.
    pub fn command(&mut self, command: Value) {
        writeln!(self.stdin, "{command}").expect("peer stdin");
        self.stdin.flush().expect("flush");
    }

    /// Sends `body` to `to` in `version`; waits for `sent`.
    pub fn send(&mut self, to: &str, body: &str, version: &str) -> Value {
        self.command(json!({"cmd": "send", "to": to, "body": body, "version": version}));
        self.expect("sent", |_| true, Duration::from_secs(60))
    }

    /// The first event of `kind` that `pick` accepts within `timeout`
    /// (earlier ones kept for later calls); panics on a fatal error.
    pub fn expect(&mut self, kind: &str, mut pick: impl FnMut(&Value) -> bool, timeout: Duration) -> Value {
        if let Some(i) = self.seen.iter().position(|v| v["event"] == kind && pick(v)) {
            return self.seen.remove(i);
        }
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.events.recv_timeout(left) {
                Ok(v) if v["event"] == kind && pick(&v) => return v,
                Ok(v) => {
                    assert!(
                        !(v["event"] == "error" && v["fatal"] == true),
                        "peer {} failed: {v}",
                        self.name
                    );
                    self.seen.push(v);
                }
                Err(_) => panic!(
                    "peer {}: no {kind} event within {timeout:?}; seen: {:?}",
                    self.name, self.seen
                ),
            }
        }
    }

    /// Every event of `kind` within `window`.
    pub fn all(&mut self, kind: &str, window: Duration) -> Vec<Value> {
        let deadline = std::time::Instant::now() + window;
        while let Ok(v) = self
            .events
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            self.seen.push(v);
        }
        let (taken, kept) = std::mem::take(&mut self.seen)
            .into_iter()
            .partition(|v| v["event"] == kind);
        self.seen = kept;
        taken
    }
}

impl Drop for OmemoPeer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"cmd": "quit"}));
        let _ = self.stdin.flush();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
