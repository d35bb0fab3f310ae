//! One ClawDesk process per database: an advisory lock on `<db>.lock`,
//! released by the OS when the process exits, even on a crash.

use crate::error::{AppError, AppResult};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

pub(crate) struct ProcessLock {
    _file: File,
}

impl ProcessLock {
    pub fn acquire(db_path: &Path) -> AppResult<Self> {
        let mut lock_path = db_path.as_os_str().to_owned();
        lock_path.push(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| AppError::storage(format!("cannot open lock file: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(AppError::storage(format!(
                "{} is in use by another ClawDesk process (the app, `clawdesk serve` or \
                 `clawdesk migrate`): quit it first",
                db_path.display()
            ))),
            Err(TryLockError::Error(e)) => {
                Err(AppError::storage(format!("cannot lock database: {e}")))
            }
        }
    }
}
