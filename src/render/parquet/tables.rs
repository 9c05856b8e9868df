//! The tables the dataset publishes: for each, the SQL that lists its partitions and the SQL
//! that reads one partition's rows, and its columns with their Parquet kind and what
//! `--pseudonymize` / `--no-raw` do to them. docs/parquet.md lists the same; a test checks that
//! every column here is documented there.

use super::writer::Kind;

/// What an export option does to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Kept as is.
    Plain,
    /// An identifier (or a hash that identifies content): HMAC-SHA256 under `--pseudonymize`.
    Id,
    /// Personal data about the account holder or their machine (email, name, phone number,
    /// source path): left out under `--pseudonymize`.
    Personal,
    /// The raw JSON (which repeats ids, names and emails): left out under `--no-raw` and
    /// `--pseudonymize`.
    Raw,
}

pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub role: Role,
}

pub struct Table {
    pub name: &'static str,
    /// `SELECT DISTINCT provider, account` of the rows: one file per pair.
    pub partitions: &'static str,
    /// The rows of one partition (`?1` provider, `?2` account, NULL matched with `IS`), the
    /// columns in `columns` order.
    pub rows: &'static str,
    pub columns: &'static [Column],
    /// The archive table this one publishes column for column (but `provider`, the partition,
    /// and `omitted`); a test fails when that table gains a column not classified here.
    pub source: Option<&'static str>,
    /// Columns of `source` deliberately left out, each for a reason given beside it.
    pub omitted: &'static [&'static str],
    /// Written only with `--with-bytes`.
    pub bytes: bool,
}

const fn c(name: &'static str, kind: Kind, role: Role) -> Column {
    Column { name, kind, role }
}

use Kind::{Bool, Bytes, Int, Text, Time};
use Role::{Id, Personal, Plain, Raw};

pub const TABLES: &[Table] = &[
    Table {
        name: "conversations",
        partitions: "SELECT DISTINCT provider, account_id FROM conversations",
        rows: "SELECT c.id, c.account_id, c.title, c.summary, c.created_at, c.updated_at, c.model,
                      c.is_archived, c.message_count, c.current_version, c.current_version_id,
                      c.first_import_id, c.last_seen_import_id, c.deleted_import_id
               FROM conversations c WHERE c.provider = ?1 AND c.account_id IS ?2",
        columns: &[
            c("id", Text, Id),
            c("account_id", Text, Id),
            c("title", Text, Plain),
            c("summary", Text, Plain),
            c("created_at", Time, Plain),
            c("updated_at", Time, Plain),
            c("model", Text, Plain),
            c("is_archived", Bool, Plain),
            c("message_count", Int, Plain),
            c("current_version", Int, Plain),
            c("current_version_id", Int, Plain),
            c("first_import_id", Int, Plain),
            c("last_seen_import_id", Int, Plain),
            c("deleted_import_id", Int, Plain),
        ],
        source: Some("conversations"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "conversation_versions",
        partitions: "SELECT DISTINCT provider, account_id FROM conversations",
        rows: "SELECT v.id, v.conversation_id, v.version, v.content_sha256, v.first_import_id,
                      v.title, v.summary, v.created_at, v.updated_at, v.current_node_key,
                      v.message_count, v.node_count, v.tree_key, v.tree_kind, v.problems,
                      v.envelope
               FROM conversation_versions v JOIN conversations c ON c.id = v.conversation_id
               WHERE c.provider = ?1 AND c.account_id IS ?2",
        columns: &[
            c("id", Int, Plain),
            c("conversation_id", Text, Id),
            c("version", Int, Plain),
            c("content_sha256", Text, Id),
            c("first_import_id", Int, Plain),
            c("title", Text, Plain),
            c("summary", Text, Plain),
            c("created_at", Time, Plain),
            c("updated_at", Time, Plain),
            c("current_node_key", Text, Id),
            c("message_count", Int, Plain),
            c("node_count", Int, Plain),
            c("tree_key", Text, Plain),
            c("tree_kind", Text, Plain),
            c("problems", Text, Raw),
            c("envelope", Text, Raw),
        ],
        source: Some("conversation_versions"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "messages",
        partitions: "SELECT DISTINCT provider, account_id FROM conversations",
        rows: "SELECT m.pk, m.conversation_id, m.id, m.provider_message_id, m.parent_id, m.role,
                      m.author_name, m.content_type, m.text, m.text_spans, m.created_at,
                      m.updated_at, m.model, m.status, m.recipient, m.end_turn, m.finish_reason,
                      m.hidden, m.reasoning, m.raw_sha256, m.revision_id, m.version_id,
                      m.first_import_id, m.raw
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
               WHERE c.provider = ?1 AND c.account_id IS ?2",
        columns: &[
            c("pk", Int, Plain),
            c("conversation_id", Text, Id),
            c("id", Text, Id),
            c("provider_message_id", Text, Id),
            c("parent_id", Text, Id),
            c("role", Text, Plain),
            c("author_name", Text, Plain),
            c("content_type", Text, Plain),
            c("text", Text, Plain),
            c("text_spans", Text, Plain),
            c("created_at", Time, Plain),
            c("updated_at", Time, Plain),
            c("model", Text, Plain),
            c("status", Text, Plain),
            c("recipient", Text, Plain),
            c("end_turn", Bool, Plain),
            c("finish_reason", Text, Plain),
            c("hidden", Bool, Plain),
            c("reasoning", Bool, Plain),
            c("raw_sha256", Text, Id),
            c("revision_id", Int, Plain),
            c("version_id", Int, Plain),
            c("first_import_id", Int, Plain),
            c("raw", Text, Raw),
        ],
        source: Some("messages"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "current_thread",
        partitions: "SELECT DISTINCT provider, account_id FROM conversations",
        rows: "SELECT t.conversation_id, t.position, m.id AS message_id, m.pk AS message_pk, m.role, m.content_type,
                      m.created_at, m.hidden, m.reasoning
               FROM current_thread_positions t
               JOIN messages m ON m.pk = t.message_pk
               JOIN conversations c ON c.id = t.conversation_id
               WHERE c.provider = ?1 AND c.account_id IS ?2",
        columns: &[
            c("conversation_id", Text, Id),
            c("position", Int, Plain),
            c("message_id", Text, Id),
            c("message_pk", Int, Plain),
            c("role", Text, Plain),
            c("content_type", Text, Plain),
            c("created_at", Time, Plain),
            c("hidden", Bool, Plain),
            c("reasoning", Bool, Plain),
        ],
        source: None,
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "message_attachments",
        partitions: "SELECT DISTINCT provider, account_id FROM conversations",
        rows: "SELECT a.conversation_id, a.message_id, a.asset_pointer, a.file_id, a.kind,
                      a.sha256, a.name, a.mime_type, a.size, a.width, a.height, a.extracted_text,
                      a.first_import_id
               FROM message_attachments a JOIN conversations c ON c.id = a.conversation_id
               WHERE c.provider = ?1 AND c.account_id IS ?2",
        columns: &[
            c("conversation_id", Text, Id),
            c("message_id", Text, Id),
            c("asset_pointer", Text, Id),
            c("file_id", Text, Id),
            c("kind", Text, Plain),
            c("sha256", Text, Id),
            c("name", Text, Personal),
            c("mime_type", Text, Plain),
            c("size", Int, Plain),
            c("width", Int, Plain),
            c("height", Int, Plain),
            c("extracted_text", Text, Plain),
            c("first_import_id", Int, Plain),
        ],
        source: Some("message_attachments"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "attachments",
        partitions: "SELECT DISTINCT i.provider, i.account_id
                     FROM attachments a JOIN imports i ON i.id = a.first_import_id",
        rows: "SELECT a.sha256, a.size, a.mime_type, a.chunk_count, a.first_import_id
               FROM attachments a JOIN imports i ON i.id = a.first_import_id
               WHERE i.provider = ?1 AND i.account_id IS ?2",
        columns: &[
            c("sha256", Text, Id),
            c("size", Int, Plain),
            c("mime_type", Text, Plain),
            c("chunk_count", Int, Plain),
            c("first_import_id", Int, Plain),
        ],
        source: Some("attachments"),
        omitted: &["data"], // the bytes: `attachment_bytes`, with --with-bytes
        bytes: false,
    },
    Table {
        name: "attachment_bytes",
        partitions: "SELECT DISTINCT i.provider, i.account_id
                     FROM attachments a JOIN imports i ON i.id = a.first_import_id",
        // Small files whole (seq 0), large ones as their stored 4 MiB chunks: no row over 4 MiB.
        rows: "SELECT a.sha256, 0 AS seq, a.data FROM attachments a JOIN imports i ON i.id = a.first_import_id
               WHERE i.provider = ?1 AND i.account_id IS ?2 AND a.data IS NOT NULL
               UNION ALL
               SELECT k.sha256, k.seq, k.data FROM attachment_chunks k
               JOIN attachments a ON a.sha256 = k.sha256
               JOIN imports i ON i.id = a.first_import_id
               WHERE i.provider = ?1 AND i.account_id IS ?2",
        columns: &[
            c("sha256", Text, Id),
            c("seq", Int, Plain),
            c("data", Bytes, Plain),
        ],
        source: None,
        omitted: &[],
        bytes: true,
    },
    Table {
        name: "imports",
        partitions: "SELECT DISTINCT provider, account_id FROM imports",
        rows: "SELECT id, account_id, source, source_kind, source_size, source_sha256,
                      source_fingerprint, export_time, started_at, finished_at,
                      conversations_total, conversations_new, conversations_changed,
                      conversations_unchanged, conversations_deleted, conversations_restored,
                      conversations_skipped_forgotten, messages_new, unknown_content_types,
                      tool_version, warnings, partial, export_time_source
               FROM imports WHERE provider = ?1 AND account_id IS ?2",
        columns: &[
            c("id", Int, Plain),
            c("account_id", Text, Id),
            c("source", Text, Personal),
            c("source_kind", Text, Plain),
            c("source_size", Int, Plain),
            c("source_sha256", Text, Id),
            c("source_fingerprint", Text, Personal),
            c("export_time", Time, Plain),
            c("started_at", Time, Plain),
            c("finished_at", Time, Plain),
            c("conversations_total", Int, Plain),
            c("conversations_new", Int, Plain),
            c("conversations_changed", Int, Plain),
            c("conversations_unchanged", Int, Plain),
            c("conversations_deleted", Int, Plain),
            c("conversations_restored", Int, Plain),
            c("conversations_skipped_forgotten", Int, Plain),
            c("messages_new", Int, Plain),
            c("unknown_content_types", Text, Plain),
            c("tool_version", Text, Plain),
            c("warnings", Text, Raw),
            c("partial", Bool, Plain),
            c("export_time_source", Text, Plain),
        ],
        source: Some("imports"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "accounts",
        partitions: "SELECT DISTINCT provider, id FROM accounts",
        rows: "SELECT id, email, name, phone_number, first_import_id, last_import_id, raw
               FROM accounts WHERE provider = ?1 AND id IS ?2",
        columns: &[
            c("id", Text, Id),
            c("email", Text, Personal),
            c("name", Text, Personal),
            c("phone_number", Text, Personal),
            c("first_import_id", Int, Plain),
            c("last_import_id", Int, Plain),
            c("raw", Text, Raw),
        ],
        source: Some("accounts"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "projects",
        partitions: "SELECT DISTINCT provider, account_id FROM projects",
        rows: "SELECT id, account_id, name, description, instructions, is_private, creator_id,
                      created_at, updated_at, doc_count, current_version, current_version_id,
                      first_import_id, last_seen_import_id, deleted_import_id
               FROM projects WHERE provider = ?1 AND account_id IS ?2",
        columns: &[
            c("id", Text, Id),
            c("account_id", Text, Id),
            c("name", Text, Plain),
            c("description", Text, Plain),
            c("instructions", Text, Plain),
            c("is_private", Bool, Plain),
            c("creator_id", Text, Id),
            c("created_at", Time, Plain),
            c("updated_at", Time, Plain),
            c("doc_count", Int, Plain),
            c("current_version", Int, Plain),
            c("current_version_id", Int, Plain),
            c("first_import_id", Int, Plain),
            c("last_seen_import_id", Int, Plain),
            c("deleted_import_id", Int, Plain),
        ],
        source: Some("projects"),
        omitted: &[],
        bytes: false,
    },
    Table {
        name: "memories",
        partitions: "SELECT DISTINCT r.provider, m.account_id
                     FROM memories m JOIN memory_records r ON r.id = m.record_id",
        rows: "SELECT m.id, m.record_id, m.import_id, m.account_id, m.project_id, m.text
               FROM memories m JOIN memory_records r ON r.id = m.record_id
               WHERE r.provider = ?1 AND m.account_id IS ?2",
        columns: &[
            c("id", Int, Plain),
            c("record_id", Int, Plain),
            c("import_id", Int, Plain),
            c("account_id", Text, Id),
            c("project_id", Text, Id),
            c("text", Text, Plain),
        ],
        source: Some("memories"),
        omitted: &[],
        bytes: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Archive;

    #[test]
    fn each_table_names_its_columns_in_order_and_publishes_every_source_column() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::open(&dir.path().join("a.db")).unwrap();
        for t in TABLES {
            let declared: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
            let stmt = a.conn.prepare(t.rows).unwrap();
            assert_eq!(
                stmt.column_names().collect::<Vec<_>>(),
                declared,
                "{}: the rows SQL and the column list differ",
                t.name
            );
            let Some(source) = t.source else { continue };
            let mut live: Vec<String> = a
                .conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([source], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(!live.is_empty(), "{source}: no such table");
            live.retain(|c| c != "provider" && !t.omitted.contains(&c.as_str()));
            live.sort();
            let mut declared = declared;
            declared.sort();
            assert_eq!(
                live, declared,
                "{}: publish every column of `{source}` (with its kind and role, and in \
                 docs/parquet.md) or list it in `omitted`",
                t.name
            );
        }
    }
}
