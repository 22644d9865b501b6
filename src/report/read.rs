//! Bounded file reads. Every file the application reads on a user's word
//! (plans, PNG reports, catalogs, the GUI's recovery notes) goes through
//! [`read_capped`]: special files are refused before they are opened for
//! reading, and at most `max_bytes + 1` bytes are ever read, whatever length
//! the file system reports (`/dev/zero`, FIFOs and `/proc` files report 0).

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why a bounded read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// The path names a directory, FIFO, device or socket.
    #[error("this is a {kind}, not a regular file")]
    NotAFile { kind: &'static str },
    /// More than `max` bytes; `size` is the length when the file system
    /// reported it, `None` when the read itself ran past the cap.
    #[error("the file is {}, more than the {max} bytes allowed", size_words(*.size))]
    TooLarge { size: Option<u64>, max: u64 },
}

/// "N bytes", or "larger" when the read ran past the cap unmeasured.
pub(super) fn size_words(size: Option<u64>) -> String {
    match size {
        Some(n) => format!("{n} bytes"),
        None => "larger".into(),
    }
}

/// What a file type is called in a message.
fn kind_name(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "character device";
        }
        if ft.is_block_device() {
            return "block device";
        }
        if ft.is_socket() {
            return "socket";
        }
    }
    "special file"
}

/// Open `path` for reading without blocking: on Unix with `O_NONBLOCK`, so a
/// FIFO swapped in after the type check cannot hang the open (the flag does
/// nothing to regular files).
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Read a whole regular file of at most `max_bytes` bytes.
///
/// The type is checked on the path first (a FIFO without a writer would block
/// `open`), then again on the open handle (the path may have changed in
/// between); the read goes through `Read::take(max_bytes + 1)`, so a file
/// that grows or lies about its length costs at most the cap in memory.
pub fn read_capped(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotAFile {
            kind: kind_name(meta.file_type()),
        });
    }
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            max: max_bytes,
        });
    }
    let file = open_nonblocking(path)?;
    let opened = file.metadata()?;
    if !opened.file_type().is_file() {
        return Err(ReadError::NotAFile {
            kind: kind_name(opened.file_type()),
        });
    }
    // The reported length is only a hint for the first allocation; the cap
    // decides. Clamped so a lying length cannot reserve more than the cap.
    let hint = usize::try_from(opened.len().min(max_bytes)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint);
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge {
            size: None,
            max: max_bytes,
        });
    }
    Ok(bytes)
}

/// [`read_capped`] for text: the bytes must be UTF-8. The error is the
/// message to show, prefixed with the path.
pub fn read_text_capped(path: &Path, max_bytes: u64) -> Result<String, String> {
    let origin = path.display();
    let bytes = read_capped(path, max_bytes).map_err(|e| format!("{origin}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{origin}: the file is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_small_file_and_refuses_one_byte_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_capped(&path, 10).unwrap(), b"0123456789");
        let err = read_capped(&path, 9).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { size: Some(10), max: 9 }), "{err}");
    }

    #[test]
    fn a_directory_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_capped(dir.path(), 1 << 20).unwrap_err();
        assert!(matches!(err, ReadError::NotAFile { kind: "directory" }), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_zero_is_refused_and_proc_files_are_capped() {
        let err = read_capped(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::NotAFile {
                    kind: "character device"
                }
            ),
            "{err}"
        );
        // /proc files are regular and report length 0: the cap still holds.
        let err = read_capped(Path::new("/proc/self/maps"), 8).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { size: None, max: 8 }), "{err}");
    }
}
