//! Running the `balcony` binary.

use std::process::{Command, Output};

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
