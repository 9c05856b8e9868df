//! One Parquet file of one table and one partition. Rows are buffered by column up to a row group
//! (bounded in bytes, so memory stays bounded whatever the archive's size), the file is written
//! under a temporary name that does not end in `.parquet` (no reader globbing `*.parquet` ever
//! sees half a file), then renamed into place — unless the file already there has the same
//! fingerprint, in which case it is left untouched (same bytes, same modification time).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::file::metadata::{KeyValue, ParquetMetaDataReader};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The dataset's format, in every file's key-value metadata; part of the fingerprint, so a new
/// format rewrites every file.
pub const FORMAT: &str = "chatarchive.parquet.v1";
/// Key-value metadata keys.
pub const KEY_FINGERPRINT: &str = "chatarchive.fingerprint";
pub const KEY_FORMAT: &str = "chatarchive.format";
pub const KEY_ARCHIVE_ID: &str = "chatarchive.archive_id";
pub const KEY_TABLE: &str = "chatarchive.table";

/// A row group is written when its buffered values reach this many bytes (uncompressed). 64 MiB
/// of text compresses to row groups of roughly 10–25 MB: large enough for engines to scan in big
/// sequential reads, small enough to hold in memory while buffering.
const ROW_GROUP_BYTES: usize = 64 << 20;
/// ...or this many rows (narrow tables such as `current_thread`).
const ROW_GROUP_ROWS: usize = 1 << 20;

/// A column's Parquet type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text (`BYTE_ARRAY (STRING)`); JSON columns are text too.
    Text,
    /// `INT64`.
    Int,
    /// `BOOLEAN`.
    Bool,
    /// `INT64 (TIMESTAMP(MILLIS, true))`: UTC instants, what the archive's ISO text says.
    Time,
    /// Plain `BYTE_ARRAY`: file bytes.
    Bytes,
}

impl Kind {
    fn parquet_type(self) -> &'static str {
        match self {
            Kind::Text => "BYTE_ARRAY",
            Kind::Int | Kind::Time => "INT64",
            Kind::Bool => "BOOLEAN",
            Kind::Bytes => "BYTE_ARRAY",
        }
    }

    fn annotation(self) -> &'static str {
        match self {
            Kind::Text => " (STRING)",
            Kind::Time => " (TIMESTAMP(MILLIS,true))",
            _ => "",
        }
    }
}

/// One value of a row, already converted to its column's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Bytes(Vec<u8>),
}

/// The Parquet message type of a table's columns (every column OPTIONAL: a dataset of many
/// archives written by several versions stays readable with `union_by_name`).
pub fn schema_text(columns: &[(&str, Kind)]) -> String {
    let mut s = String::from("message schema {\n");
    for (name, kind) in columns {
        s.push_str(&format!(
            "  OPTIONAL {} {}{};\n",
            kind.parquet_type(),
            name,
            kind.annotation()
        ));
    }
    s.push('}');
    s
}

enum Buffer {
    Bytes(Vec<ByteArray>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

struct ColumnBuffer {
    values: Buffer,
    /// Definition levels: 1 for a value, 0 for NULL.
    defs: Vec<i16>,
}

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Written,
    Unchanged,
}

/// Writes bytes through to the file and hashes them: the fingerprint is computed over the row
/// groups exactly as written, without reading the file back.
struct Hashing {
    file: File,
    sha: Sha256,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

pub struct PartWriter {
    path: PathBuf,
    tmp: PathBuf,
    schema: String,
    metadata: Vec<(String, String)>,
    writer: Option<SerializedFileWriter<Hashing>>,
    columns: Vec<ColumnBuffer>,
    rows: usize,
    bytes: usize,
    pub total_rows: u64,
}

impl PartWriter {
    /// Starts `path` under the temporary name `tmp` (created with mode 0600; its folder is
    /// created, retried if another process removes an emptied folder at the same moment).
    pub fn create(
        path: &Path,
        tmp: &Path,
        columns: &[(&str, Kind)],
        metadata: Vec<(String, String)>,
    ) -> Result<PartWriter> {
        let schema = schema_text(columns);
        let parsed = parse_message_type(&schema).map_err(|e| out_err(path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).map_err(|e| out_err(path, e))?,
            ))
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_statistics_truncate_length(Some(64))
            .set_column_index_truncate_length(Some(64))
            .build();
        let file = create_private(tmp)?;
        let writer = SerializedFileWriter::new(
            Hashing {
                file,
                sha: Sha256::new(),
            },
            Arc::new(parsed),
            Arc::new(props),
        )
        .map_err(|e| out_err(tmp, e))?;
        let buffers = columns
            .iter()
            .map(|(_, kind)| ColumnBuffer {
                values: match kind {
                    Kind::Text | Kind::Bytes => Buffer::Bytes(Vec::new()),
                    Kind::Int | Kind::Time => Buffer::Int(Vec::new()),
                    Kind::Bool => Buffer::Bool(Vec::new()),
                },
                defs: Vec::new(),
            })
            .collect();
        Ok(PartWriter {
            path: path.to_path_buf(),
            tmp: tmp.to_path_buf(),
            schema,
            metadata,
            writer: Some(writer),
            columns: buffers,
            rows: 0,
            bytes: 0,
            total_rows: 0,
        })
    }

    /// Adds one row (one value per column, in the schema's order).
    pub fn push(&mut self, row: Vec<Value>) -> Result<()> {
        debug_assert_eq!(row.len(), self.columns.len());
        for (col, value) in self.columns.iter_mut().zip(row) {
            match (value, &mut col.values) {
                (Value::Null, _) => col.defs.push(0),
                (Value::Int(v), Buffer::Int(b)) => {
                    b.push(v);
                    col.defs.push(1);
                    self.bytes += 8;
                }
                (Value::Bool(v), Buffer::Bool(b)) => {
                    b.push(v);
                    col.defs.push(1);
                    self.bytes += 1;
                }
                (Value::Bytes(v), Buffer::Bytes(b)) => {
                    self.bytes += v.len() + 4;
                    b.push(ByteArray::from(v));
                    col.defs.push(1);
                }
                (v, _) => {
                    return Err(Error::Output {
                        path: self.path.clone(),
                        message: format!("internal: value {v:?} does not fit its column"),
                    })
                }
            }
        }
        self.rows += 1;
        self.total_rows += 1;
        if self.bytes >= ROW_GROUP_BYTES || self.rows >= ROW_GROUP_ROWS {
            self.flush_row_group()?;
        }
        Ok(())
    }

    fn flush_row_group(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let tmp = self.tmp.clone();
        let writer = self.writer.as_mut().expect("writer open until finish");
        let mut group = writer.next_row_group().map_err(|e| out_err(&tmp, e))?;
        for col in &mut self.columns {
            let mut w = group
                .next_column()
                .map_err(|e| out_err(&tmp, e))?
                .ok_or_else(|| out_err(&tmp, "internal: fewer columns in the schema"))?;
            let written = match &col.values {
                Buffer::Bytes(v) => {
                    w.typed::<ByteArrayType>()
                        .write_batch(v, Some(&col.defs), None)
                }
                Buffer::Int(v) => w.typed::<Int64Type>().write_batch(v, Some(&col.defs), None),
                Buffer::Bool(v) => w.typed::<BoolType>().write_batch(v, Some(&col.defs), None),
            };
            written.map_err(|e| out_err(&tmp, e))?;
            w.close().map_err(|e| out_err(&tmp, e))?;
            col.defs.clear();
            match &mut col.values {
                Buffer::Bytes(v) => v.clear(),
                Buffer::Int(v) => v.clear(),
                Buffer::Bool(v) => v.clear(),
            }
        }
        group.close().map_err(|e| out_err(&tmp, e))?;
        self.rows = 0;
        self.bytes = 0;
        Ok(())
    }

    /// Writes the footer and puts the file in place, or leaves the existing file untouched when
    /// its fingerprint is the same.
    pub fn finish(mut self) -> Result<Outcome> {
        self.flush_row_group()?;
        let mut writer = self.writer.take().expect("writer open until finish");
        writer.flush().map_err(|e| Error::io(&self.tmp, e))?;
        // Everything but the footer is written: the fingerprint covers the format, the schema
        // and the row groups' bytes.
        let mut sha = writer.inner().sha.clone();
        sha.update(FORMAT.as_bytes());
        sha.update(self.schema.as_bytes());
        for (k, v) in &self.metadata {
            sha.update(format!("\0{k}={v}").as_bytes());
        }
        let fingerprint = hex(&sha.finalize());
        for (k, v) in self.metadata.iter().cloned().chain([
            (KEY_FORMAT.to_string(), FORMAT.to_string()),
            (KEY_FINGERPRINT.to_string(), fingerprint.clone()),
        ]) {
            writer.append_key_value_metadata(KeyValue::new(k, v));
        }
        let hashing = writer.into_inner().map_err(|e| out_err(&self.tmp, e))?;
        hashing
            .file
            .sync_all()
            .map_err(|e| Error::io(&self.tmp, e))?;
        drop(hashing);
        if read_fingerprint(&self.path).as_deref() == Some(fingerprint.as_str()) {
            std::fs::remove_file(&self.tmp).map_err(|e| Error::io(&self.tmp, e))?;
            return Ok(Outcome::Unchanged);
        }
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(Outcome::Written)
    }
}

impl Drop for PartWriter {
    /// A file abandoned half-way (an error, Ctrl-C unwinding) leaves no temporary file behind.
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The fingerprint in an existing file's footer; None when there is no file or it is not ours.
pub fn read_fingerprint(path: &Path) -> Option<String> {
    key_value(path, KEY_FINGERPRINT)
}

/// One key of a Parquet file's key-value metadata (reads the footer only).
pub fn key_value(path: &Path, key: &str) -> Option<String> {
    let file = File::open(path).ok()?;
    let meta = ParquetMetaDataReader::new().parse_and_finish(&file).ok()?;
    meta.file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
}

fn create_private(path: &Path) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut last = None;
    // Another archive's export may remove a folder it emptied between our create_dir_all and
    // open: try again a few times.
    for _ in 0..5 {
        create_dirs(dir)?;
        match opts.open(path) {
            Ok(f) => return Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => last = Some(e),
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Err(Error::io(
        path,
        last.unwrap_or_else(|| std::io::Error::other("cannot create")),
    ))
}

/// Folders of the dataset: 0700 when we create them (the data is as private as the archive).
pub fn create_dirs(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| Error::io(dir, e))
}

fn out_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: format!("writing Parquet: {e}"),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_real_types() {
        let s = schema_text(&[
            ("id", Kind::Text),
            ("n", Kind::Int),
            ("at", Kind::Time),
            ("ok", Kind::Bool),
            ("data", Kind::Bytes),
        ]);
        assert!(s.contains("OPTIONAL BYTE_ARRAY id (STRING);"));
        assert!(s.contains("OPTIONAL INT64 at (TIMESTAMP(MILLIS,true));"));
        assert!(s.contains("OPTIONAL BOOLEAN ok;"));
        assert!(s.contains("OPTIONAL BYTE_ARRAY data;"));
        parse_message_type(&s).unwrap();
    }

    fn write(dir: &Path, rows: &[Vec<Value>]) -> Outcome {
        let cols = [("id", Kind::Text), ("n", Kind::Int), ("ok", Kind::Bool)];
        let mut w = PartWriter::create(
            &dir.join("t/part-x.parquet"),
            &dir.join("t/.part-x.1.tmp"),
            &cols,
            vec![(KEY_TABLE.into(), "t".into())],
        )
        .unwrap();
        for r in rows {
            w.push(r.clone()).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn same_rows_leave_the_file_alone_and_new_rows_replace_it() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            vec![
                Value::Bytes(b"a".to_vec()),
                Value::Int(1),
                Value::Bool(true),
            ],
            vec![Value::Null, Value::Null, Value::Bool(false)],
        ];
        assert_eq!(write(dir.path(), &rows), Outcome::Written);
        let path = dir.path().join("t/part-x.parquet");
        let first = read_fingerprint(&path).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(key_value(&path, KEY_FORMAT).as_deref(), Some(FORMAT));
        assert_eq!(write(dir.path(), &rows), Outcome::Unchanged);
        let mut more = rows.clone();
        more.push(vec![
            Value::Bytes(b"b".to_vec()),
            Value::Int(2),
            Value::Null,
        ]);
        assert_eq!(write(dir.path(), &more), Outcome::Written);
        assert_ne!(read_fingerprint(&path).unwrap(), first);
        // No temporary file is left behind either way.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("t"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["part-x.parquet"]);
    }

    #[test]
    fn an_abandoned_file_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join(".part-y.1.tmp");
        let w = PartWriter::create(
            &dir.path().join("part-y.parquet"),
            &tmp,
            &[("n", Kind::Int)],
            vec![],
        )
        .unwrap();
        assert!(tmp.exists());
        drop(w);
        assert!(!tmp.exists());
        assert!(!dir.path().join("part-y.parquet").exists());
    }
}
