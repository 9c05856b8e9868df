//! A `messages` row as the ingest writes it: one list of columns, one binder, and the statements
//! (stage, insert, update, move staged rows in) made from that list, so that none of them can
//! disagree with the others about which value goes where.

use std::sync::LazyLock;

use rusqlite::ToSql;

use crate::model::Message;

/// The columns of a message row, in the order `MessageRow::values` binds them (`?1` is `pk`), and
/// whether a newer version of the message rewrites the column.
const MESSAGE_COLUMNS: [(&str, bool); 24] = [
    ("pk", false),
    ("conversation_id", false),
    ("id", false),
    ("provider_message_id", true),
    ("parent_id", true),
    ("role", true),
    ("author_name", true),
    ("content_type", true),
    ("text", true),
    ("created_at", true),
    ("updated_at", true),
    ("model", true),
    ("status", true),
    ("recipient", true),
    ("end_turn", true),
    ("finish_reason", true),
    ("hidden", true),
    ("reasoning", true),
    ("raw", true),
    ("raw_sha256", true),
    ("revision_id", true),
    ("version_id", true),
    ("first_import_id", false),
    ("text_spans", true),
];

/// The statements that write message rows, made from `MESSAGE_COLUMNS` so that they and the
/// binder cannot disagree.
pub struct MessageSql {
    pub create_staging: String,
    pub stage: String,
    pub insert: String,
    pub update: String,
    pub unstage: String,
}

pub static MESSAGE_SQL: LazyLock<MessageSql> = LazyLock::new(|| {
    let names: Vec<&str> = MESSAGE_COLUMNS.iter().map(|(n, _)| *n).collect();
    let columns = names.join(", ");
    let values: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let values = values.join(", ");
    let sets: Vec<String> = MESSAGE_COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, (_, rewritten))| *rewritten)
        .map(|(i, (name, _))| format!("{name} = ?{}", i + 1))
        .collect();
    MessageSql {
        // No constraints, no triggers, in memory (`temp_store = MEMORY`).
        create_staging: format!(
            "CREATE TEMP TABLE IF NOT EXISTS staged_messages AS SELECT {columns} FROM main.messages WHERE 0"
        ),
        stage: format!("INSERT INTO temp.staged_messages ({columns}) VALUES ({values})"),
        insert: format!("INSERT INTO messages ({columns}) VALUES ({values})"),
        // Binds all 24 values; the ones it does not name are simply unused.
        update: format!("UPDATE messages SET {} WHERE pk = ?1", sets.join(", ")),
        unstage: format!(
            "INSERT INTO messages ({columns}) SELECT {columns} FROM temp.staged_messages"
        ),
    }
});

/// One message row as written: `MESSAGE_COLUMNS`, bound in one place.
pub struct MessageRow<'a> {
    pub pk: i64,
    pub conversation_id: &'a str,
    pub node_key: &'a str,
    pub m: &'a Message,
    pub raw_sha256: &'a str,
    pub revision_id: i64,
    pub version_id: i64,
    pub first_import_id: i64,
    pub text_spans: &'a Option<String>,
}

impl MessageRow<'_> {
    pub fn values(&self) -> [&dyn ToSql; 24] {
        let m = self.m;
        [
            &self.pk,
            &self.conversation_id,
            &self.node_key,
            &m.message_id,
            &m.parent_id,
            &m.role,
            &m.author_name,
            &m.content_type,
            &m.text,
            &m.created_at,
            &m.updated_at,
            &m.model,
            &m.status,
            &m.recipient,
            &m.end_turn,
            &m.finish_reason,
            &m.hidden,
            &m.reasoning,
            &m.raw,
            &self.raw_sha256,
            &self.revision_id,
            &self.version_id,
            &self.first_import_id,
            self.text_spans,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement takes the binder's 24 values, against the live schema.
    #[test]
    fn every_statement_binds_the_one_row() {
        let dir = tempfile::tempdir().unwrap();
        let archive = crate::archive::Archive::open(&dir.path().join("a.db")).unwrap();
        let conn = &archive.conn;
        conn.execute_batch(&MESSAGE_SQL.create_staging).unwrap();
        let m = Message::default();
        let row = MessageRow {
            pk: 1,
            conversation_id: "c",
            node_key: "n",
            m: &m,
            raw_sha256: "s",
            revision_id: 1,
            version_id: 1,
            first_import_id: 1,
            text_spans: &None,
        };
        for sql in [&MESSAGE_SQL.stage, &MESSAGE_SQL.insert, &MESSAGE_SQL.update] {
            let stmt = conn.prepare(sql).unwrap();
            assert_eq!(stmt.parameter_count(), row.values().len(), "{sql}");
        }
        // The update rewrites content, never the row's identity or first import.
        for kept in ["conversation_id =", " id =", "first_import_id ="] {
            assert!(!MESSAGE_SQL.update.contains(kept), "{}", MESSAGE_SQL.update);
        }
        conn.execute(&MESSAGE_SQL.stage, &row.values()[..]).unwrap();
        let staged: (i64, String, String) = conn
            .query_row(
                "SELECT pk, conversation_id, raw_sha256 FROM temp.staged_messages",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(staged, (1, "c".to_string(), "s".to_string()));
    }
}
