//! A shared handle to the store for async code: each call runs on tokio's
//! blocking pool so that SQLite never stalls the session loops.

use std::sync::{Arc, Mutex};

use super::{Store, StoreError};

/// Cheap to clone; all clones share one connection.
#[derive(Clone, Debug)]
pub struct StoreHandle(Arc<Mutex<Store>>);

impl StoreHandle {
    /// Wraps an open store.
    pub fn new(store: Store) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` with the store on the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .unwrap_or_else(|e| {
            Err(StoreError::Corrupt {
                table: "-",
                detail: format!("store task failed: {e}"),
            })
        })
    }
}
