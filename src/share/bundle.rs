//! `brainclip pack`: one archive with what reproduces a run, and its unpacking for `verify`.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::Value;

use super::{ShareError, io, sha256};
use crate::script::STDLIB;
use crate::session::SCRIPT_COPY;

/// The file name ending of a bundle.
pub const BUNDLE_SUFFIX: &str = ".brainclip.tar.gz";

/// Unpacking stops past this many bytes: a bundle holds text, never data.
const MAX_UNPACKED_BYTES: u64 = 256 << 20;

/// What `pack` wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct PackReport {
    /// The bundle.
    pub bundle: PathBuf,
    /// The files in it.
    pub files: Vec<String>,
    /// What could not be bundled, and why.
    pub skipped: Vec<String>,
}

/// The manifest of a run directory (or an unpacked bundle).
pub(super) fn read_manifest(dir: &Path) -> Result<Value, ShareError> {
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(|_| ShareError::NotARun {
        path: dir.to_path_buf(),
        message: "no manifest.json: not a brainclip run directory".into(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ShareError::NotARun {
        path: path.clone(),
        message: format!("not a readable manifest: {e}"),
    })
}

/// The script's file name, as the manifest records its path.
pub(super) fn script_name(manifest: &Value) -> String {
    manifest["script"]
        .as_str()
        .and_then(|s| Path::new(s).file_name())
        .map_or_else(|| SCRIPT_COPY.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Write the bundle of `run_dir` to `out` (default: next to the run, named after it).
///
/// ```no_run
/// let report = brainclip::share::pack("runs/zero_shot-20261202-101500".as_ref(), None).unwrap();
/// println!("wrote {}", report.bundle.display());
/// ```
pub fn pack(run_dir: &Path, out: Option<&Path>) -> Result<PackReport, ShareError> {
    let manifest = read_manifest(run_dir)?;
    let script = std::fs::read(run_dir.join(SCRIPT_COPY)).map_err(|_| ShareError::NotARun {
        path: run_dir.to_path_buf(),
        message: format!(
            "no {SCRIPT_COPY}: only runs of `brainclip script` keep their script (notebook sessions and older runs do not)"
        ),
    })?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "manifest.json".into(),
            std::fs::read(run_dir.join("manifest.json")).map_err(io(run_dir))?,
        ),
        (
            "params.json".into(),
            serde_json::to_vec_pretty(&manifest["params"]).unwrap_or_default(),
        ),
        (format!("script/{}", script_name(&manifest)), script),
    ];
    if let Ok(metrics) = std::fs::read(run_dir.join("metrics.json")) {
        files.push(("metrics.json".into(), metrics));
    }
    let script_dir = manifest["script"]
        .as_str()
        .and_then(|s| Path::new(s).parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut skipped = Vec::new();
    for module in manifest["modules"].as_array().into_iter().flatten() {
        let import = module["import"].as_str().unwrap_or_default();
        let recorded = module["sha256"].as_str().unwrap_or_default();
        if module["stdlib"] == true {
            match STDLIB.iter().find(|m| m.path == import) {
                Some(m) if sha256(m.source.as_bytes()) == recorded => {
                    files.push((format!("stdlib/{import}.rhai"), m.source.as_bytes().to_vec()));
                }
                _ => skipped.push(format!(
                    "stdlib module `{import}`: this brainclip's differs from the one the run imported"
                )),
            }
            continue;
        }
        let (Some(file), Some("script")) = (module["file"].as_str(), module["relative_to"].as_str()) else {
            skipped.push(format!(
                "module `{import}`: it lies outside the script's folder, so another lab could not import it from the same place"
            ));
            continue;
        };
        match std::fs::read(script_dir.join(file)) {
            Ok(text) if sha256(&text) == recorded => files.push((format!("script/{file}"), text)),
            Ok(_) => skipped.push(format!("module `{import}` ({file}): changed since the run")),
            Err(e) => skipped.push(format!("module `{import}` ({file}): {e}")),
        }
    }
    let bundle = out.map_or_else(|| default_bundle_path(run_dir), Path::to_path_buf);
    write_archive(&bundle, &files)?;
    Ok(PackReport {
        bundle,
        files: files.into_iter().map(|(name, _)| name).collect(),
        skipped,
    })
}

fn default_bundle_path(run_dir: &Path) -> PathBuf {
    let name = run_dir
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    run_dir.with_file_name(format!("{name}{BUNDLE_SUFFIX}"))
}

/// A gzip-compressed tar with fixed times and modes (the same run packs to the same bytes),
/// written to a temporary file and renamed, so a failed pack leaves no partial bundle.
fn write_archive(path: &Path, files: &[(String, Vec<u8>)]) -> Result<(), ShareError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(folder).map_err(io(folder))?;
    let mut tar = tar::Builder::new(GzEncoder::new(temp, Compression::default()));
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes.as_slice()).map_err(io(path))?;
    }
    let temp = tar.into_inner().and_then(GzEncoder::finish).map_err(io(path))?;
    temp.persist(path).map_err(|e| ShareError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Unpack `bundle` into `into`: regular files only, inside `into`, at most 256 MiB in all.
pub(super) fn unpack(bundle: &Path, into: &Path) -> Result<(), ShareError> {
    let not_a_bundle = |message: String| ShareError::NotARun {
        path: bundle.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(bundle).map_err(io(bundle))?;
    let mut archive = tar::Archive::new(GzDecoder::new(file).take(MAX_UNPACKED_BYTES + 1));
    let entries = archive
        .entries()
        .map_err(|e| not_a_bundle(format!("not a bundle (a .tar.gz from brainclip pack): {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_a_bundle(format!("damaged bundle: {e}")))?;
        if !matches!(entry.header().entry_type(), tar::EntryType::Regular) {
            return Err(not_a_bundle(format!(
                "`{}` is not a plain file; bundles hold only files",
                entry.path().map(|p| p.display().to_string()).unwrap_or_default()
            )));
        }
        // unpack_in refuses absolute paths and `..`, so nothing lands outside `into`.
        let inside = entry
            .unpack_in(into)
            .map_err(|e| not_a_bundle(format!("cannot unpack: {e}")))?;
        if !inside {
            return Err(not_a_bundle("an entry points outside the bundle".into()));
        }
    }
    Ok(())
}
