//! One export on disk, whatever its container: a ZIP as downloaded, the same unpacked into a
//! folder, or a bare JSON file; or several of these making one export (a manifest and the ZIPs it
//! names: each ZIP is a further *part*). Lists the entries of every part, opens them as streams
//! (never extracting to disk), and identifies the export by a cheap fingerprint and by its sha256.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::json::hex;

/// A file inside an export, by its normalized name (`/` separators, no leading `./` or `/`,
/// the single top folder some re-zipping tools add removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// The name exactly as stored in the container.
    pub raw_name: String,
    pub size: u64,
    pub compressed_size: u64,
    /// The part of the export holding the entry: 0 is the path given, then one per added ZIP.
    pub part: usize,
}

impl Entry {
    pub fn basename(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
}

/// What the path given to `Export::open` is (`imports.source_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Zip,
    Folder,
    /// A bare JSON file (a `conversations.json`, a Claude manifest).
    File,
}

impl ExportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Zip => "zip",
            ExportKind::Folder => "folder",
            ExportKind::File => "file",
        }
    }
}

enum Container {
    Zip(zip::ZipArchive<File>),
    Dir(PathBuf),
    File(PathBuf),
}

/// One container of an export and where it is on disk.
struct Part {
    path: PathBuf,
    container: Container,
}

pub struct Export {
    pub path: PathBuf,
    /// `parts[0]` is the path given; further parts are ZIPs added with `add_zip`.
    parts: Vec<Part>,
    /// Every entry of every part, part by part.
    pub entries: Vec<Entry>,
    /// Size in bytes of the ZIP or bare file (total of all files for a folder), plus added parts.
    pub size: u64,
    /// The newest entry time of its ZIPs, as the ZIPs record it.
    pub zip_times: ZipTimes,
}

/// The newest modification time among the entries of an export's ZIPs, in seconds since the
/// epoch: `utc` from the extended-timestamp extra field (0x5455, UTC), `local` from the plain DOS
/// time (the packer's local time, zone unknown: off by up to 14 hours either way).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct ZipTimes {
    pub utc: Option<i64>,
    pub local: Option<i64>,
}

/// Where a file that an export refers to by name (a part its manifest names) is on disk.
#[derive(Debug, PartialEq)]
pub enum Located {
    Found(PathBuf),
    Missing,
    /// Inside the ZIP itself: a ZIP in a ZIP cannot be streamed without unpacking it first.
    InsideZip,
}

/// Deflate cannot shrink data by more than about 1032:1; an entry that claims more is corrupt or
/// built to make the reader inflate far more than the file holds (a ZIP bomb).
const MAX_DEFLATE_RATIO: u64 = 1100;
/// Below this, ratios are not judged (tiny entries have headers larger than their content).
const RATIO_CHECK_FROM: u64 = 1 << 20;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";

pub fn normalize_name(raw: &str) -> String {
    let mut n = raw.replace('\\', "/");
    while let Some(rest) = n.strip_prefix("./").or_else(|| n.strip_prefix('/')) {
        n = rest.to_string();
    }
    n
}

/// What macOS adds when it zips a folder (`__MACOSX/…/._name` resource forks, `.DS_Store`): not
/// part of the export, so it does not decide whether everything shares one folder.
fn is_os_litter(name: &str) -> bool {
    name.starts_with("__MACOSX/") || name.rsplit('/').next() == Some(".DS_Store")
}

/// Drops a folder that every entry shares (`export/conversations.json` → `conversations.json`).
/// A re-zipped export's macOS litter keeps its own names (and is kept, like any unknown entry).
fn strip_common_folder(entries: &mut [Entry]) {
    let first = match entries
        .iter()
        .find(|e| !is_os_litter(&e.name))
        .and_then(|e| e.name.split_once('/'))
    {
        Some((top, _)) => format!("{top}/"),
        None => return,
    };
    let shared = |e: &Entry| e.name.starts_with(&first) && !is_os_litter(&e.name);
    if entries.iter().all(|e| shared(e) || is_os_litter(&e.name)) {
        for e in entries.iter_mut().filter(|e| shared(e)) {
            e.name = e.name[first.len()..].to_string();
        }
    }
}

impl Export {
    pub fn open(path: &Path) -> Result<Export> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let mut entries = Vec::new();
            walk_dir(path, path, &mut entries).map_err(|e| Error::io(path, e))?;
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            // The folder an export was unpacked into, given instead of the export's own folder
            // inside it (`Downloads/export/<export folder>/conversations.json`): as for a ZIP.
            // Files are opened by `raw_name`, so only recognition sees the shorter names.
            strip_common_folder(&mut entries);
            let size = entries.iter().map(|e| e.size).sum();
            return Ok(Export {
                path: path.into(),
                parts: vec![Part {
                    path: path.into(),
                    container: Container::Dir(path.into()),
                }],
                entries,
                size,
                zip_times: ZipTimes::default(),
            });
        }
        let mut head = [0u8; 4];
        let n = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| Error::io(path, e))?;
        if head[..n].starts_with(ZIP_MAGIC) || head[..n].starts_with(EMPTY_ZIP_MAGIC) {
            let mut export = Export {
                path: path.into(),
                parts: Vec::new(),
                entries: Vec::new(),
                size: 0,
                zip_times: ZipTimes::default(),
            };
            export.add_zip(path)?;
            return Ok(export);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = Entry {
            name: name.clone(),
            raw_name: name,
            size: meta.len(),
            compressed_size: meta.len(),
            part: 0,
        };
        Ok(Export {
            path: path.into(),
            parts: vec![Part {
                path: path.into(),
                container: Container::File(path.into()),
            }],
            entries: vec![entry],
            size: meta.len(),
            zip_times: ZipTimes::default(),
        })
    }

    /// What the path given is.
    pub fn kind(&self) -> ExportKind {
        match self.parts.first().map(|p| &p.container) {
            Some(Container::Zip(_)) => ExportKind::Zip,
            Some(Container::Dir(_)) => ExportKind::Folder,
            _ => ExportKind::File,
        }
    }

    /// How many containers make up the export (1 unless ZIPs were added).
    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    /// Opens the ZIP at `path` as a further part of this export; its entries join `entries`.
    /// Returns the new part's number.
    pub fn add_zip(&mut self, path: &Path) -> Result<usize> {
        let part = self.parts.len();
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut archive = zip::ZipArchive::new(file).map_err(|e| {
            Error::export(path, format!("not a readable ZIP file ({e}); the download may be truncated or corrupt: download the export again"))
        })?;
        let mut entries = zip_entries(&mut archive, path, part, &mut self.zip_times)?;
        // A downloaded ZIP may have been re-zipped with a folder around everything. A further
        // part comes as the provider wrote it, and its one folder means something
        // (`memories/<uuid>.json`), so it is kept.
        if part == 0 {
            strip_common_folder(&mut entries);
        }
        self.parts.push(Part {
            path: path.into(),
            container: Container::Zip(archive),
        });
        self.entries.extend(entries);
        self.size += size;
        Ok(part)
    }

    /// Whether an entry of the folder given is itself one of the ZIPs added as a part (its
    /// contents are read through that part; the ZIP is not a file of the export of its own).
    pub fn is_added_part(&self, entry: &Entry) -> bool {
        match self.parts.first().map(|p| &p.container) {
            Some(Container::Dir(dir)) if entry.part == 0 => {
                let path = dir.join(&entry.raw_name);
                self.parts.iter().skip(1).any(|p| p.path == path)
            }
            _ => false,
        }
    }

    /// Finds a file the export names (e.g. a ZIP listed by a manifest) beside it: inside the
    /// folder given, or next to the file given.
    pub fn locate(&self, name: &str) -> Located {
        let base = name.rsplit('/').next().unwrap_or(name);
        match self.parts.first().map(|p| &p.container) {
            Some(Container::Dir(dir)) => self
                .entries
                .iter()
                .filter(|e| e.part == 0)
                .find(|e| e.name == name || e.basename() == base)
                .map(|e| Located::Found(dir.join(&e.raw_name)))
                .unwrap_or(Located::Missing),
            Some(Container::Zip(_)) => {
                if self
                    .entries
                    .iter()
                    .any(|e| e.part == 0 && (e.name == name || e.basename() == base))
                {
                    Located::InsideZip
                } else {
                    Located::Missing
                }
            }
            _ => {
                let beside = self
                    .path
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(normalize_name(name));
                if beside.is_file() {
                    Located::Found(beside)
                } else {
                    Located::Missing
                }
            }
        }
    }

    /// The file names of the path given and of every added part (they may carry the time the
    /// export was made).
    pub fn part_file_names(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter_map(|p| p.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect()
    }

    /// The file name of the part holding `entry`, for messages (`conversations-000.zip`).
    pub fn part_name(&self, entry: &Entry) -> Option<String> {
        (entry.part > 0).then(|| {
            self.parts[entry.part]
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }

    /// How an entry is named in messages: its name, prefixed by its ZIP when in an added part.
    pub fn display_name(&self, entry: &Entry) -> String {
        match self.part_name(entry) {
            Some(zip) => format!("{zip}/{}", entry.name),
            None => entry.name.clone(),
        }
    }

    /// The first entry with this name, in any part.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// A stream of one entry's bytes (decompressed for a ZIP).
    pub fn open_entry(&mut self, entry: &Entry) -> Result<Box<dyn Read + '_>> {
        let wrap = |e: io::Error, path: &Path| Error::io(path.join(&entry.raw_name), e);
        let part = self.parts.get_mut(entry.part).ok_or_else(|| {
            Error::export(&self.path, format!("no part {} in the export", entry.part))
        })?;
        match &mut part.container {
            Container::Zip(archive) => {
                let f = archive.by_name(&entry.raw_name).map_err(|e| {
                    Error::export(
                        &part.path,
                        format!("cannot read `{}` in the ZIP: {e}", entry.raw_name),
                    )
                })?;
                // The declared size bounds what we inflate, checked while streaming.
                Ok(Box::new(Bounded {
                    inner: f,
                    name: entry.raw_name.clone(),
                    limit: entry.size,
                    read: 0,
                }))
            }
            Container::Dir(dir) => {
                let p = dir.join(&entry.raw_name);
                Ok(Box::new(File::open(&p).map_err(|e| wrap(e, dir))?))
            }
            Container::File(p) => Ok(Box::new(File::open(&*p).map_err(|e| Error::io(&*p, e))?)),
        }
    }

    /// A cheap identity: for a ZIP its size and central directory (names, CRCs, sizes), so a
    /// repeat of a multi-GB export is recognised without reading it; for a folder or a bare file
    /// names, sizes and modification times.
    /// Every part counts: an export made of a manifest and its ZIPs changes when any ZIP does.
    pub fn fingerprint(&mut self) -> Result<String> {
        let mut h = Sha256::new();
        h.update(self.kind().as_str().as_bytes());
        h.update(self.size.to_le_bytes());
        for (n, part) in self.parts.iter_mut().enumerate() {
            if n > 0 {
                h.update(b"\0part\0");
                h.update(
                    part.path
                        .file_name()
                        .map(|f| f.as_encoded_bytes())
                        .unwrap_or_default(),
                );
            }
            fingerprint_part(part, n, &self.entries, &mut h)?;
        }
        Ok(hex(&h.finalize()))
    }

    /// Computes the export's sha256 (see `content_sha256`), covering added parts too. Returns a
    /// job to run on another thread: it only reads files by path.
    pub fn content_sha256_job(&self) -> impl FnOnce() -> Result<String> + Send + 'static {
        let root = self.path.clone();
        // Parts added beside a bare file are not covered by hashing the file alone; parts inside
        // a folder are (the folder's hash covers every file in it).
        let extra: Vec<PathBuf> = match self.parts.first().map(|p| &p.container) {
            Some(Container::Dir(_)) => Vec::new(),
            _ => self.parts.iter().skip(1).map(|p| p.path.clone()).collect(),
        };
        move || {
            if extra.is_empty() {
                return Export::content_sha256(&root);
            }
            let mut files: Vec<&Path> = std::iter::once(root.as_path())
                .chain(extra.iter().map(PathBuf::as_path))
                .collect();
            files.sort();
            let mut h = Sha256::new();
            for f in files {
                h.update(
                    f.file_name()
                        .map(|n| n.as_encoded_bytes())
                        .unwrap_or_default(),
                );
                h.update([0]);
                h.update(sha256_file(f)?.as_bytes());
                h.update([b'\n']);
            }
            Ok(hex(&h.finalize()))
        }
    }

    /// The sha256 of the file as downloaded; for a folder, of its sorted list of names and
    /// per-file sha256s. Runs on its own thread during an ingest (it is a plain sequential read).
    pub fn content_sha256(path: &Path) -> Result<String> {
        if path.is_dir() {
            let mut entries = Vec::new();
            walk_dir(path, path, &mut entries).map_err(|e| Error::io(path, e))?;
            entries.sort_by(|a, b| a.raw_name.cmp(&b.raw_name));
            let mut h = Sha256::new();
            for e in entries {
                h.update(e.raw_name.as_bytes());
                h.update([0]);
                h.update(sha256_file(&path.join(&e.raw_name))?.as_bytes());
                h.update([b'\n']);
            }
            return Ok(hex(&h.finalize()));
        }
        sha256_file(path)
    }
}

fn fingerprint_part(part: &mut Part, n: usize, entries: &[Entry], h: &mut Sha256) -> Result<()> {
    match &mut part.container {
        Container::Zip(archive) => {
            for i in 0..archive.len() {
                let f = archive
                    .by_index_raw(i)
                    .map_err(|e| Error::export(&part.path, e.to_string()))?;
                h.update(
                    f.name()
                        .map(|n| n.into_owned())
                        .unwrap_or_default()
                        .as_bytes(),
                );
                h.update([0]);
                h.update(f.crc32().to_le_bytes());
                h.update(f.size().to_le_bytes());
                h.update(f.compressed_size().to_le_bytes());
            }
        }
        Container::Dir(dir) => {
            for e in entries.iter().filter(|e| e.part == n) {
                let m = std::fs::metadata(dir.join(&e.raw_name))
                    .map_err(|err| Error::io(dir.join(&e.raw_name), err))?;
                h.update(e.raw_name.as_bytes());
                h.update([0]);
                h.update(m.len().to_le_bytes());
                h.update(mtime_nanos(&m).to_le_bytes());
            }
        }
        Container::File(p) => {
            let m = std::fs::metadata(&*p).map_err(|e| Error::io(&*p, e))?;
            h.update(mtime_nanos(&m).to_le_bytes());
        }
    }
    Ok(())
}

fn zip_entries(
    archive: &mut zip::ZipArchive<File>,
    path: &Path,
    part: usize,
    times: &mut ZipTimes,
) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let f = archive
            .by_index_raw(i)
            .map_err(|e| Error::export(path, format!("ZIP entry #{i} is unreadable: {e}")))?;
        if f.is_dir() {
            continue;
        }
        let raw_name = f
            .name()
            .map_err(|e| {
                Error::export(path, format!("ZIP entry #{i} has an unreadable name: {e}"))
            })?
            .to_string();
        let utc = f.extra_data_fields().find_map(|x| match x {
            zip::ExtraField::ExtendedTimestamp(t) => t.mod_time().map(i64::from),
            _ => None,
        });
        times.utc = times.utc.max(utc);
        times.local = times.local.max(f.last_modified().and_then(dos_seconds));
        check_declared_size(
            path,
            &raw_name,
            f.compression(),
            f.size(),
            f.compressed_size(),
        )?;
        entries.push(Entry {
            name: normalize_name(&raw_name),
            raw_name,
            size: f.size(),
            compressed_size: f.compressed_size(),
            part,
        });
    }
    Ok(entries)
}

/// Refuses, before reading anything, an entry whose declared size is impossible for how it is
/// compressed, so the sizes the ingest trusts afterwards are bounded by the file on disk.
fn check_declared_size(
    path: &Path,
    name: &str,
    method: zip::CompressionMethod,
    size: u64,
    compressed: u64,
) -> Result<()> {
    let impossible = match method {
        zip::CompressionMethod::Stored => size != compressed,
        _ => size > RATIO_CHECK_FROM && size / compressed.max(1) > MAX_DEFLATE_RATIO,
    };
    if impossible {
        return Err(Error::export(
            path,
            format!(
                "ZIP entry `{name}` claims to hold {size} bytes in {compressed} compressed bytes, which its \
                 compression ({method}) cannot produce: the ZIP is corrupt or built to exhaust memory \
                 (a ZIP bomb). Nothing was imported; download the export again"
            ),
        ));
    }
    Ok(())
}

/// A ZIP entry's bytes, failing as soon as more come out than the entry declared (the zip crate
/// checks this too; this keeps the bound ours, whatever the crate version does).
struct Bounded<R> {
    inner: R,
    name: String,
    limit: u64,
    read: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let too_big = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "ZIP entry `{}` inflates past its declared size of {} bytes: the ZIP is corrupt or a ZIP bomb",
                    self.name, self.limit
                ),
            )
        };
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            // The zip crate's own size check: say it in our words, naming the entry.
            Err(e) if e.to_string().contains("declared uncompressed size") => return Err(too_big()),
            Err(e) => return Err(e),
        };
        self.read += n as u64;
        if self.read > self.limit {
            return Err(too_big());
        }
        Ok(n)
    }
}

/// A DOS date and time as if it were UTC, in seconds since the epoch (None for the zero date
/// some packers write).
fn dos_seconds(t: zip::DateTime) -> Option<i64> {
    if t.month() == 0 || t.day() == 0 {
        return None;
    }
    let days =
        crate::model::time::days_from_civil(i64::from(t.year()), t.month().into(), t.day().into());
    Some(
        days * 86_400
            + i64::from(t.hour()) * 3600
            + i64::from(t.minute()) * 60
            + i64::from(t.second()),
    )
}

fn mtime_nanos(m: &std::fs::Metadata) -> u128 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f =
        BufReader::with_capacity(1 << 20, File::open(path).map_err(|e| Error::io(path, e))?);
    let mut h = Sha256::new();
    io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    Ok(hex(&h.finalize()))
}

/// Regular files below `dir`; symbolic links are not followed (an export never needs them).
fn walk_dir(root: &Path, dir: &Path, out: &mut Vec<Entry>) -> io::Result<()> {
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let ft = item.file_type()?;
        let p = item.path();
        if ft.is_dir() {
            walk_dir(root, &p, out)?;
        } else if ft.is_file() {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let size = item.metadata()?.len();
            out.push(Entry {
                name: normalize_name(&rel),
                raw_name: rel,
                size,
                compressed_size: size,
                part: 0,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry {
        Entry {
            name: normalize_name(name),
            raw_name: name.into(),
            size: 0,
            compressed_size: 0,
            part: 0,
        }
    }

    fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
        for (name, bytes) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn zips_beside_a_file_or_in_a_folder_become_parts() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("manifest-x.json"), br#"{"files": ["a.zip"]}"#).unwrap();
        write_zip(
            &d.join("a.zip"),
            &[("memories/u1.json", b"{}"), ("users.json", b"[]")],
        );

        // The manifest file itself: the ZIP is found beside it.
        let mut by_file = Export::open(&d.join("manifest-x.json")).unwrap();
        assert_eq!(by_file.locate("b.zip"), Located::Missing);
        let Located::Found(p) = by_file.locate("a.zip") else {
            panic!("a.zip not found beside the manifest")
        };
        assert_eq!(by_file.add_zip(&p).unwrap(), 1);
        let names: Vec<String> = by_file
            .entries
            .iter()
            .map(|e| by_file.display_name(e))
            .collect();
        // An added part keeps its one folder: it means something.
        assert_eq!(
            names,
            [
                "manifest-x.json",
                "a.zip/memories/u1.json",
                "a.zip/users.json"
            ]
        );
        let users = by_file.entry("users.json").unwrap().clone();
        let mut text = String::new();
        by_file
            .open_entry(&users)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "[]");
        let alone = Export::open(&d.join("manifest-x.json")).unwrap();
        let (f1, f2) = (by_file.fingerprint().unwrap(), {
            let mut a = alone;
            a.fingerprint().unwrap()
        });
        assert_ne!(f1, f2, "the parts count in the fingerprint");

        // The folder: same files, same sha256 as the manifest and its parts.
        let mut by_dir = Export::open(d).unwrap();
        let Located::Found(p) = by_dir.locate("a.zip") else {
            panic!("a.zip not found in the folder")
        };
        by_dir.add_zip(&p).unwrap();
        assert_eq!(by_dir.part_count(), 2);
        assert_eq!(
            (by_dir.content_sha256_job())().unwrap(),
            (by_file.content_sha256_job())().unwrap()
        );

        // A ZIP inside the ZIP cannot be streamed: said so, not "missing".
        write_zip(
            &d.join("outer.zip"),
            &[("manifest-x.json", b"{}"), ("a.zip", b"PK")],
        );
        let outer = Export::open(&d.join("outer.zip")).unwrap();
        assert_eq!(outer.locate("a.zip"), Located::InsideZip);
        assert_eq!(outer.locate("c.zip"), Located::Missing);
    }

    #[test]
    fn declared_sizes_must_be_possible_for_their_compression() {
        use zip::CompressionMethod::{Deflated, Stored};
        let p = Path::new("x.zip");
        assert!(check_declared_size(p, "a", Stored, 10, 10).is_ok());
        assert!(check_declared_size(p, "a", Stored, 11, 10).is_err());
        assert!(check_declared_size(p, "a", Deflated, 100 << 20, 1 << 20).is_ok());
        let bomb = check_declared_size(p, "c.json", Deflated, 2000 << 20, 1 << 20).unwrap_err();
        assert!(
            bomb.to_string().contains("`c.json` claims to hold"),
            "{bomb}"
        );
        // Tiny entries are not judged: their headers can outweigh their content.
        assert!(check_declared_size(p, "a", Deflated, 1 << 19, 1).is_ok());
    }

    #[test]
    fn a_zip_entry_stream_stops_at_its_declared_size() {
        let mut r = Bounded {
            inner: &b"0123456789"[..],
            name: "conversations.json".into(),
            limit: 4,
            read: 0,
        };
        let err = io::copy(&mut r, &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err
            .to_string()
            .contains("`conversations.json` inflates past its declared size of 4 bytes"));
        let mut exact = Bounded {
            inner: &b"0123"[..],
            name: "x".into(),
            limit: 4,
            read: 0,
        };
        assert_eq!(io::copy(&mut exact, &mut Vec::new()).unwrap(), 4);
    }

    #[test]
    fn names_are_normalized_and_a_common_folder_dropped() {
        assert_eq!(normalize_name("./a\\b.json"), "a/b.json");
        assert_eq!(normalize_name("/abs/x"), "abs/x");
        let mut es = vec![
            entry("export/conversations.json"),
            entry("export/img/a.png"),
        ];
        strip_common_folder(&mut es);
        assert_eq!(es[0].name, "conversations.json");
        assert_eq!(es[1].name, "img/a.png");
        let mut mixed = vec![entry("conversations.json"), entry("img/a.png")];
        strip_common_folder(&mut mixed);
        assert_eq!(mixed[1].name, "img/a.png");
        // Zipped again by macOS: its resource forks and .DS_Store do not hide the folder.
        let mut mac = vec![
            entry("__MACOSX/export/._conversations.json"),
            entry("export/.DS_Store"),
            entry("export/conversations.json"),
            entry("export/user.json"),
        ];
        strip_common_folder(&mut mac);
        let names: Vec<&str> = mac.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "__MACOSX/export/._conversations.json",
                "export/.DS_Store",
                "conversations.json",
                "user.json"
            ]
        );
    }
}
