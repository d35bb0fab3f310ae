//! Moving a `secrets.toml` into the OS keychain, on the first start that
//! finds one answering.
//!
//! Every entry is written, then every entry is read back and compared, and
//! only then is the file deleted. On any failure the file stays and stays in
//! use; entries already written to the keychain are left there (they are
//! copies, and the next start writes over them from the file again).
//! Entries the keychain has and the file does not are kept: the file wins
//! only where it has a value.

use super::keychain::KeychainStore;
use crate::config::secrets::SecretsFile;

/// Moves every entry of `file` into `keychain` and deletes the file;
/// returns how many entries moved. `Err` says why the file is kept (never
/// with a secret in it).
pub(super) fn into_keychain(file: &SecretsFile, keychain: &KeychainStore) -> Result<usize, String> {
    let secrets = file.load().map_err(|err| err.to_string())?;
    for (name, secret) in &secrets {
        keychain.set(name, secret)?;
    }
    let names: Vec<String> = secrets.keys().cloned().collect();
    let stored = keychain.get_many(&names)?;
    for (name, secret) in &secrets {
        match stored.get(name) {
            Some(back) if back == secret => {}
            Some(_) => return Err(format!("{name} read back different from what was written")),
            None => return Err(format!("{name} was not found after it was written")),
        }
    }
    file.remove().map_err(|err| err.to_string())?;
    Ok(secrets.len())
}
