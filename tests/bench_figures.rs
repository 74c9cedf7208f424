//! The benches' own figures cannot lie: memory that could not be read is
//! reported as an error, never as a figure within budget.

mod support;

use std::path::Path;

use support::memory::{own_rss_mb, rss_line, vm_rss_mb};

#[test]
fn rss_is_an_error_when_proc_cannot_be_read() {
    let missing = vm_rss_mb(Path::new("/proc/no-such-process/status"));
    let line = rss_line(&[Ok(80.0), missing], 120.0, "test");
    assert!(
        line.starts_with("bench: rss n/a MB budget <= 120 error ("),
        "{line}"
    );
    assert!(!line.contains(" ok"), "{line}");
}

#[test]
fn rss_is_an_error_when_the_status_has_no_figure() {
    let dir = std::env::temp_dir().join(format!("balcony-rss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let status = dir.join("status");
    std::fs::write(&status, "Name:\tbalcony\nVmRSS:\tlots kB\n").expect("status");
    assert!(vm_rss_mb(&status).is_err());
    std::fs::write(&status, "Name:\tbalcony\n").expect("status");
    let line = rss_line(&[vm_rss_mb(&status)], 120.0, "test");
    assert!(line.contains(" error (no VmRSS line"), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rss_is_measured_and_judged_when_readable() {
    let own = own_rss_mb().expect("this process's VmRSS");
    assert!(own > 1.0 && own < 10_000.0, "{own}");
    assert!(rss_line(&[Ok(70.0), Ok(90.0), Ok(80.0)], 120.0, "t")
        .starts_with("bench: rss 80 MB budget <= 120 ok"));
    assert!(rss_line(&[Ok(130.0)], 120.0, "t").starts_with("bench: rss 130 MB budget <= 120 over"));
}
