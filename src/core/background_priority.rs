//! The worker's threads run at a lower priority than the interface. While
//! thousands of archived messages are caught up, the worker parses and
//! stores them on both cores of a small machine; at the same priority the
//! interface thread waited up to 7 ms for a core in the middle of a frame.
//! Lowered, the worker still gets every cycle the interface does not use.

/// Nice steps below the thread that starts the worker.
pub const STEPS: i32 = 10;

/// Lowers the calling thread's priority by [`STEPS`] (on Linux the nice
/// value is per thread). Best effort: a failure is logged, nothing else.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid, getpriority and setpriority only read and change
        // the calling thread's scheduling attributes.
        let result = unsafe {
            let tid = libc::gettid() as libc::id_t;
            *libc::__errno_location() = 0;
            let now = libc::getpriority(libc::PRIO_PROCESS, tid);
            if now == -1 && *libc::__errno_location() != 0 {
                -1
            } else {
                libc::setpriority(libc::PRIO_PROCESS, tid, (now + STEPS).min(19))
            }
        };
        if result != 0 {
            tracing::debug!(error = %std::io::Error::last_os_error(), "cannot lower a worker thread's priority");
        }
    }
}

/// The calling thread's nice value.
#[cfg(target_os = "linux")]
pub fn this_thread_nice() -> std::io::Result<i32> {
    // SAFETY: as above, reads the calling thread's attributes only.
    unsafe {
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t);
        if now == -1 && *libc::__errno_location() != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(now)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn lowers_only_the_calling_thread() {
        let before = this_thread_nice().expect("nice");
        let lowered = std::thread::spawn(|| {
            let before = this_thread_nice().expect("nice");
            lower_this_thread();
            (before, this_thread_nice().expect("nice"))
        })
        .join()
        .expect("thread");
        assert_eq!(lowered.1, (lowered.0 + STEPS).min(19));
        assert_eq!(
            this_thread_nice().expect("nice"),
            before,
            "the caller keeps its priority"
        );
    }
}
