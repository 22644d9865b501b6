//! Hostile input (issue 15): special files, oversize files, PNG text bombs,
//! absurd numbers and huge counts end with a clear message, never a hang,
//! an abort or a silently wrong figure.

use clusterforge::model::*;
use clusterforge::report::{PlanFileError, load_plan, plan_to_ron};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Run `f` on a thread and fail the test if it has not returned in `secs`
/// (a blocking read would otherwise hang the whole test run).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not finish within {secs} s"))
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_as_a_device() {
    let err = within(10, || load_plan(Path::new("/dev/zero")).unwrap_err());
    assert!(matches!(err, PlanFileError::NotAFile { .. }), "{err}");
    assert!(err.to_string().contains("character device"), "{err}");
    assert_eq!(err.exit_code(), 2);
}

#[cfg(unix)]
#[test]
fn a_fifo_without_a_writer_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plan.ron");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let path = fifo.clone();
    let err = within(10, move || load_plan(&path).unwrap_err());
    assert!(matches!(err, PlanFileError::NotAFile { .. }), "{err}");
    assert!(err.to_string().contains("FIFO"), "{err}");
    // The catalog reader refuses it the same way.
    let path = fifo.clone();
    let msg = within(10, move || clusterforge::cli::load_catalog(Some(&path)).unwrap_err());
    assert!(msg.contains("FIFO"), "{msg}");
}

#[test]
fn a_directory_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_plan(dir.path()).unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn an_oversize_plan_and_catalog_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ron");
    // Sparse: 64 MiB + 1 byte on paper, nothing on disk.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(clusterforge::report::plan_file::MAX_PLAN_BYTES + 1).unwrap();
    let err = load_plan(&path).unwrap_err();
    assert!(matches!(err, PlanFileError::TooLarge { size: Some(_), .. }), "{err}");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(clusterforge::cli::MAX_CATALOG_BYTES + 1).unwrap();
    let msg = clusterforge::cli::load_catalog(Some(&path)).unwrap_err();
    assert!(msg.contains("more than"), "{msg}");
}

/// A PNG report whose plan chunk is 100 MB of spaces, zlib-compressed
/// (~100 KB on disk), placed before the real plan chunk.
fn png_bomb() -> Vec<u8> {
    use std::io::Write;
    let good =
        clusterforge::report::png::encode_rgb_with_plan(1, 1, &[0, 0, 0], &plan_to_ron(&Plan::default())).unwrap();
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![b' '; 100_000_000]).unwrap();
    let compressed = enc.finish().unwrap();
    let mut data = clusterforge::report::png::PLAN_CHUNK_KEYWORD.as_bytes().to_vec();
    data.extend_from_slice(&[0, 1, 0, 0, 0]);
    data.extend_from_slice(&compressed);
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iTXt");
    chunk.extend_from_slice(&data);
    let mut crc = flate2::Crc::new();
    crc.update(b"iTXt");
    crc.update(&data);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    // After the signature (8 bytes) and IHDR (25 bytes).
    let mut out = good[..33].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&good[33..]);
    out
}

#[test]
fn a_png_text_bomb_is_refused_quickly_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.png");
    let bytes = png_bomb();
    assert!(bytes.len() < 1_000_000, "the bomb is small on disk: {}", bytes.len());
    std::fs::write(&path, &bytes).unwrap();
    let err = within(30, move || load_plan(&path).unwrap_err());
    assert!(matches!(err, PlanFileError::BadReport { .. }), "{err}");
    assert!(
        err.to_string().contains("inflates to more than 67108864 bytes"),
        "{err}"
    );
}

fn onprem_preset() -> Plan {
    clusterforge::report::presets::preset("onprem-finance")
        .expect("preset exists")
        .plan()
        .expect("preset parses")
}

fn first_onprem(plan: &mut Plan) -> (SiteId, &mut OnPremSite) {
    plan.sites
        .iter_mut()
        .find_map(|s| match &mut s.kind {
            SiteKind::OnPrem(o) => Some((s.id.clone(), o)),
            _ => None,
        })
        .expect("an on-prem site")
}

#[test]
fn pue_1e308_is_a_located_error_and_simulate_refuses_it() {
    let catalog = Catalog::builtin();
    let mut plan = onprem_preset();
    let (site, onprem) = first_onprem(&mut plan);
    onprem.pue = 1e308;
    let problems = plan.validate(&catalog);
    let p = problems
        .iter()
        .find(|p| p.message.contains("PUE"))
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert_eq!((p.severity, &p.subject), (Severity::Error, &Subject::Site(site)));
    assert!(p.to_string().contains("PUE 1e308 is outside 1-3"), "{p}");
    let err = clusterforge::sim::simulate(&plan, &catalog, 1, &clusterforge::sim::Progress::new()).unwrap_err();
    assert!(err.to_string().contains("PUE 1e308"), "{err}");
}

#[test]
fn negative_opex_is_a_located_error() {
    let catalog = Catalog::builtin();
    let mut plan = onprem_preset();
    let (site, onprem) = first_onprem(&mut plan);
    onprem.operations_usd_per_year = -5e6;
    let problems = plan.validate(&catalog);
    assert!(
        problems.iter().any(|p| p.severity == Severity::Error
            && p.subject == Subject::Site(site.clone())
            && p.message.contains("operating cost")),
        "{problems:?}"
    );
}
