//! The state file: JSON, written atomically (temp file in the same directory, fsync, rename).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use super::model::World;

/// Where the state lives on disk, and the revision last written there.
pub(crate) struct Store {
    path: PathBuf,
    /// Held across serialise-and-write so writes land in revision order.
    saved: tokio::sync::Mutex<u64>,
}

impl Store {
    /// Loads the world from `path`, or builds it with `seed` and writes it.
    pub(crate) fn open(path: &Path, seed: impl FnOnce() -> World) -> io::Result<(World, Store)> {
        let world = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<World>(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let world = seed();
                write_atomic(path, &serde_json::to_vec(&world)?)?;
                world
            }
            Err(e) => return Err(e),
        };
        let store = Store {
            path: path.to_owned(),
            saved: tokio::sync::Mutex::new(world.revision),
        };
        Ok((world, store))
    }

    /// Writes the world if it changed since the last write.
    pub(crate) async fn save(&self, world: &Mutex<World>) -> io::Result<()> {
        let mut saved = self.saved.lock().await;
        let snapshot = {
            let w = world.lock();
            (w.revision != *saved).then(|| (w.revision, serde_json::to_vec(&*w)))
        };
        let Some((revision, bytes)) = snapshot else {
            return Ok(());
        };
        let bytes = bytes?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomic(&path, &bytes))
            .await
            .map_err(io::Error::other)??;
        *saved = revision;
        Ok(())
    }
}

/// Replaces `path` with `bytes` so a reader sees either the old or the new file, never part.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "state path has no file name")
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    // Make the rename itself durable; not every platform can open a directory.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
