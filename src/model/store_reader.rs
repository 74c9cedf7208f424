//! Reads from the profile's database off the main thread, on a connection
//! of its own (SQLite's WAL lets it read while the worker writes).

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use crate::core::store::{Store, StoreError};

/// A shared read connection. Cheap to clone.
#[derive(Clone, Debug)]
pub struct StoreReader {
    store: Arc<Mutex<Store>>,
}

impl StoreReader {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self::from_store(Store::open(path)?))
    }

    /// Wraps an open store.
    pub fn from_store(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Runs `f` on a blocking thread and hands back its result.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        gio::spawn_blocking(move || {
            let store = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&store)
        })
        .await
        .unwrap_or_else(|_| {
            Err(StoreError::Corrupt {
                table: "messages",
                detail: "a read panicked".into(),
            })
        })
    }
}
