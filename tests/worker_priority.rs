//! The worker's threads yield to the window: once the worker has started,
//! every one of them runs 10 nice steps below the process's main thread,
//! also those started later by a thread already lowered (which inherit its
//! value and were lowered a second time, to 19). Read from /proc, as `top`
//! shows it.

mod support;

use std::time::{Duration, Instant};

use balcony::core::account::TlsMode;
use support::{
    accounts::{add, autoconnect_worker, config, wait_online},
    profiles,
    prosody::Prosody,
};

/// The nice values of this process's worker threads.
fn worker_nice() -> Vec<i32> {
    let mut found = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return found;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("balcony-worker") {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis: state is the
        // first, nice the seventeenth.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if let Some(nice) = rest.split_whitespace().nth(16).and_then(|n| n.parse().ok()) {
            found.push(nice);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_threads_run_ten_steps_below_the_window_none_lower() {
    let base = balcony::core::background_priority::this_thread_nice().expect("nice");
    let server = Prosody::start();
    server.register("nurse", "pw-n");
    let worker = autoconnect_worker(profiles::fresh("worker-priority"));
    add(
        &worker,
        config(
            "nurse",
            &server.c2s_addr(),
            TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
        "pw-n",
    );
    // A login, its store writes and the password saved: threads of the
    // blocking pool are started by lowered threads along the way.
    wait_online(&worker.events()).await;
    let started = Instant::now();
    let want = (base + 10).min(19);
    loop {
        let nice = worker_nice();
        assert!(nice.len() >= 2, "worker threads not found: {nice:?}");
        if nice.iter().all(|n| *n == want) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "worker threads at {nice:?}, not all at {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.shutdown();
}
