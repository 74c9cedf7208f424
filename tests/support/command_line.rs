//! Running the `balcony` binary.

use std::process::{Command, Output};

/// `balcony --profile DIR account add JID` for an account on `server`,
/// trusting its test CA, plus `extra` options.
pub fn add_account(
    dir: &str,
    jid: &str,
    password_file: &std::path::Path,
    server: &super::prosody::Prosody,
    extra: &[&str],
    with_session_bus: bool,
) -> Output {
    let addr = server.c2s_addr();
    let ca = server.ca_path();
    let mut args = vec![
        "--profile",
        dir,
        "account",
        "add",
        jid,
        "--password-file",
        password_file.to_str().expect("utf-8 path"),
        "--server",
        &addr,
        "--trust-cert",
        ca.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    balcony(&args, with_session_bus)
}

/// Runs `balcony args…` in English. Without `with_session_bus` the child
/// sees no D-Bus session, hence no Secret Service.
pub fn balcony(args: &[&str], with_session_bus: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_balcony"));
    cmd.args(args).env("LC_ALL", "C.UTF-8");
    if !with_session_bus {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    }
    cmd.output().expect("run balcony")
}
