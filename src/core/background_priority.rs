//! The worker's threads run at a lower priority than the interface once the
//! worker has started. While thousands of archived messages are caught up,
//! the worker parses and stores them on both cores of a small machine; at
//! the same priority the interface thread waited up to 7 ms for a core in
//! the middle of a frame. Lowered, the worker still gets every cycle the
//! interface does not use. Start-up itself (reading the accounts the
//! window waits for) runs at the normal priority.

use std::sync::{Arc, Mutex, PoisonError};

/// Nice steps below the normal priority.
pub const STEPS: i32 = 10;

/// A set of threads (a runtime's) lowered together, and any that join
/// after.
#[derive(Debug, Clone, Default)]
pub struct ThreadGroup {
    state: Arc<Mutex<GroupState>>,
}

#[derive(Debug, Default)]
struct GroupState {
    lowered: bool,
    threads: Vec<i32>,
}

impl ThreadGroup {
    /// Adds the calling thread (lowered at once when the group is).
    pub fn join(&self) {
        let tid = this_thread_id();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.threads.push(tid);
        if state.lowered {
            lower(tid);
        }
    }

    /// Removes the calling thread, which is ending.
    pub fn leave(&self) {
        let tid = this_thread_id();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.threads.retain(|t| *t != tid);
    }

    /// Lowers every thread of the group, now and from now on.
    pub fn lower_all(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.lowered {
            state.lowered = true;
            state.threads.iter().for_each(|tid| lower(*tid));
        }
    }
}

#[cfg(target_os = "linux")]
fn this_thread_id() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

#[cfg(not(target_os = "linux"))]
fn this_thread_id() -> i32 {
    0
}

/// Lowers thread `tid` of this process to [`STEPS`] below the process's
/// main thread (on Linux the nice value is per thread). A thread started
/// by a lowered one inherits its value and stays there, not lowered twice.
/// Best effort: a failure is logged, nothing else.
fn lower(tid: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid has no preconditions.
        let main_thread = unsafe { libc::getpid() };
        let result = nice_of(main_thread).and_then(|normal| {
            let target = (normal + STEPS).min(19);
            if nice_of(tid)? >= target {
                return Ok(());
            }
            // SAFETY: changes the scheduling priority of a thread of ours.
            let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, target) };
            if r == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
        if let Err(error) = result {
            tracing::debug!(%error, tid, "cannot lower a worker thread's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = tid;
}

/// The nice value of thread `tid` of this process.
#[cfg(target_os = "linux")]
fn nice_of(tid: i32) -> std::io::Result<i32> {
    // SAFETY: reads a thread's scheduling priority; errno is the calling
    // thread's own.
    unsafe {
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
        if now == -1 && *libc::__errno_location() != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(now)
    }
}

/// The calling thread's nice value.
#[cfg(target_os = "linux")]
pub fn this_thread_nice() -> std::io::Result<i32> {
    nice_of(this_thread_id())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn a_group_is_lowered_together_and_later_members_too() {
        let caller = this_thread_nice().expect("nice");
        let group = ThreadGroup::default();
        // A member that joined before: normal until the group is lowered.
        let (ask, asked) = mpsc::channel::<()>();
        let (tell, told) = mpsc::channel::<i32>();
        let member = {
            let group = group.clone();
            std::thread::spawn(move || {
                group.join();
                tell.send(this_thread_nice().expect("nice")).expect("send");
                asked.recv().expect("asked");
                tell.send(this_thread_nice().expect("nice")).expect("send");
                group.leave();
            })
        };
        let before = told.recv().expect("nice before");
        assert_eq!(before, caller, "members start at the normal priority");
        group.lower_all();
        ask.send(()).expect("ask");
        assert_eq!(told.recv().expect("nice after"), (before + STEPS).min(19));
        member.join().expect("member");
        // A member that joins later is lowered at once.
        let later = {
            let group = group.clone();
            std::thread::spawn(move || {
                group.join();
                this_thread_nice().expect("nice")
            })
        }
        .join()
        .expect("later");
        assert_eq!(later, (caller + STEPS).min(19));
        assert_eq!(
            this_thread_nice().expect("nice"),
            caller,
            "the caller keeps its priority"
        );
    }
}
