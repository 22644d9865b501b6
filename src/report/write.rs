//! Safe saves. Every file the application writes on a user's word (plans,
//! PNG reports, JSON and CSV exports, the GUI's recovery notes) goes through
//! [`write_atomic`], which is safe in a shared directory:
//!
//! - the temporary file is created with create-new (`O_EXCL`, a random name
//!   from `tempfile`) in the target's directory, so a symlink planted at a
//!   guessable name is never followed and the rename stays on one file
//!   system;
//! - it gets the target's permissions (a 0600 plan stays 0600), and a new
//!   file gets what `File::create` would give (0666 less the umask);
//! - write, fsync, rename over the target, fsync the directory, so after a
//!   crash the directory holds either the old file or the new one;
//! - a symlink keeps pointing where it did: the file it points to is written;
//! - a file with other hard links is rewritten in place (a rename would cut
//!   the links), after its new content was made durable beside it, so a
//!   crash half-way leaves that full copy (`.<name>.<random>.tmp`).
//!
//! `tempfile` does the create-new and the rename (`NamedTempFile::persist`);
//! resolving the link and syncing the directory are the two steps it leaves
//! to callers.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Links followed before giving up (the kernel's own limit is 40).
const MAX_LINK_HOPS: usize = 40;

/// Write `bytes` to `path` atomically (see the module documentation).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = resolve_links(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(meta) = &existing
        && !meta.is_file()
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "this is not a regular file; choose another name",
        ));
    }
    let dir = parent_dir(&target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Masked by the umask at creation, as `File::create` is; an existing
        // target's exact mode is set again below.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir)?;
    if let Some(meta) = &existing {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;

    if existing.as_ref().is_some_and(has_other_links) {
        rewrite_in_place(&target, bytes)?;
        // The durable copy is no longer needed; dropping it removes it.
        drop(tmp);
        return sync_dir(&dir);
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(&dir)
}

/// The file `path` finally names: symlinks followed (relative ones from the
/// link's own directory), also when the last one dangles, so a save through
/// it creates the file it points to.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = std::fs::read_link(&current)?;
                current = if to.is_absolute() {
                    to
                } else {
                    parent_dir(&current).join(to)
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINK_HOPS} symbolic links in a row; the link may point to itself"
    )))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn has_other_links(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 1
}

#[cfg(not(unix))]
fn has_other_links(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Overwrite a hard-linked file through its own inode, so every name sees
/// the new content.
fn rewrite_in_place(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(target)?;
    f.write_all(bytes)?;
    f.set_len(bytes.len() as u64)?;
    f.sync_all()
}

/// Make the rename durable: on Unix a directory entry reaches the disk only
/// when the directory itself is synced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_a_new_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.ron");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(entries(dir.path()), vec!["plan.ron"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_at_the_old_temporary_name_is_never_followed() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        // The names the old code used (`.<name>.tmp-<pid>`) and a few more.
        for name in [
            format!(".plan.ron.tmp-{}", std::process::id()),
            ".plan.ron.tmp".into(),
            ".plan.ron.".into(),
        ] {
            symlink(&victim, dir.path().join(name)).unwrap();
        }
        let path = dir.path().join("plan.ron");
        write_atomic(&path, b"new plan").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(&path).unwrap(), b"new plan");
        assert!(!std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn the_targets_permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o600, 0o640, 0o666, 0o444] {
            let path = dir.path().join(format!("plan-{mode:o}.ron"));
            std::fs::write(&path, b"old").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            write_atomic(&path, b"new").unwrap();
            let got = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(got, mode, "{}", path.display());
            assert_eq!(std::fs::read(&path).unwrap(), b"new");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_what_file_create_gives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("reference");
        std::fs::File::create(&reference).unwrap();
        let path = dir.path().join("new.ron");
        write_atomic(&path, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&path), mode(&reference));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_keeps_pointing_where_it_did() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let real = dir.path().join("real/plan.ron");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("plan.ron");
        symlink("real/plan.ron", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real/plan.ron"));
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A dangling link creates the file it names.
        let dangling = dir.path().join("later.ron");
        symlink("real/later.ron", &dangling).unwrap();
        write_atomic(&dangling, b"made").unwrap();
        assert_eq!(std::fs::read(dir.path().join("real/later.ron")).unwrap(), b"made");
        // A loop is an error, not a hang.
        let a = dir.path().join("a");
        symlink("b", &a).unwrap();
        symlink("a", dir.path().join("b")).unwrap();
        assert!(
            write_atomic(&a, b"x")
                .unwrap_err()
                .to_string()
                .contains("symbolic links")
        );
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_all_see_the_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.ron");
        std::fs::write(&path, b"a much longer old content").unwrap();
        let other = dir.path().join("other-name.ron");
        std::fs::hard_link(&path, &other).unwrap();
        write_atomic(&path, b"short").unwrap();
        assert_eq!(std::fs::read(&other).unwrap(), b"short");
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
        assert_eq!(entries(dir.path()), vec!["other-name.ron", "plan.ron"]);
    }

    #[test]
    fn a_directory_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("plans");
        std::fs::create_dir(&sub).unwrap();
        let err = write_atomic(&sub, b"x").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(sub.is_dir());
    }

    #[test]
    fn a_missing_directory_is_an_error_and_nothing_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/plan.ron");
        assert!(write_atomic(&path, b"x").is_err());
        assert!(entries(dir.path()).is_empty());
    }
}
