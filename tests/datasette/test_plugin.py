"""Unit tests of chatarchive's Datasette plugin, run by tests/e2e/datasette.rs
(`datasette_plugin_python_tests`) with the venv's Python:

- CHATARCHIVE_SITE: a folder written by `chatarchive datasette-metadata --out`, so the plugin
  tested is the one embedded in the binary;
- CHATARCHIVE_SEARCH_DB (optional): an archive of tests/search/corpus, for the shared search
  cases of tests/search/cases.json (the contract with `chatarchive search`).
"""

import importlib.util
import json
import os
import re
import sqlite3
import unittest
from pathlib import Path

SITE = Path(os.environ["CHATARCHIVE_SITE"])
_spec = importlib.util.spec_from_file_location(
    "chatarchive_plugin", SITE / "plugins" / "chatarchive_plugin.py"
)
plugin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plugin)

CASES = Path(__file__).resolve().parent.parent / "search" / "cases.json"
IMAGE_PROMPT_CASES = Path(__file__).resolve().parent.parent / "render" / "image_prompt_cases.json"


class Markdown(unittest.TestCase):
    def test_bold_lists_and_code_render(self):
        html = str(plugin.markdown_html("Some **bold** text\n\n- one\n- two\n\n```\nx < 1\n```"))
        self.assertIn("<strong>bold</strong>", html)
        self.assertIn("<li>one</li>", html)
        self.assertIn("x &lt; 1", html)

    def test_raw_html_is_text(self):
        html = str(
            plugin.markdown_html(
                "<script>document.body.setAttribute('x','1')</script>\n\n"
                '<img src="x" onerror="alert(1)">\n\n<b>bold?</b>'
            )
        )
        self.assertNotIn("<script", html)
        self.assertNotIn("<img", html)
        self.assertNotIn("<b>", html)
        self.assertIn("&lt;script&gt;", html)

    def test_remote_images_are_links_not_images(self):
        html = str(plugin.markdown_html("![a tracker](https://example.invalid/t.png)"))
        self.assertNotIn("<img", html)
        self.assertIn('href="https://example.invalid/t.png"', html)
        self.assertIn("[image: a tracker]", html)

    def test_script_links_are_dropped(self):
        for text in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "<javascript:alert(1)>",
            "[x](vbscript:msgbox(1))",
        ]:
            html = str(plugin.markdown_html(text))
            self.assertNotRegex(html.lower(), r'href="\s*(javascript|data|vbscript):', text)

    def test_links_do_not_leak_the_archive(self):
        html = str(plugin.markdown_html("[site](https://example.com)"))
        self.assertIn('rel="noopener noreferrer nofollow"', html)

    def test_plain_text_keeps_what_was_typed(self):
        html = str(plugin.plain_html("# not a heading\n<b>x</b> **y**"))
        self.assertIn("# not a heading\n&lt;b&gt;x&lt;/b&gt; **y**", html)


class Spans(unittest.TestCase):
    def test_marked_stretches_are_split_out_in_order(self):
        text = "thinking hard\n\nThe answer is **42**.\n\ncafé tool"
        spans = json.dumps(
            [{"start": 43, "end": 47, "kind": "tool_use"}, {"start": 0, "end": 13, "kind": "reasoning"}]
        )
        self.assertEqual(
            plugin.split_spans(text, spans),
            [
                ("reasoning", "thinking hard"),
                (None, "\n\nThe answer is **42**.\n\ncafé "),
                ("tool_use", "tool"),
            ],
        )

    def test_bad_spans_read_as_plain_text(self):
        for spans in ["not json", '[{"start": 5, "end": 99, "kind": "reasoning"}]',
                      '[{"start": 0, "end": 2, "kind": "telepathy"}]', None, "[1, null]"]:
            self.assertEqual(plugin.split_spans("hello", spans), [(None, "hello")], spans)


class ImagePrompts(unittest.TestCase):
    """The cases src/render/image_prompt.rs is checked against: the page and `show` agree."""

    def test_shared_cases(self):
        cases = json.loads(IMAGE_PROMPT_CASES.read_text(encoding="utf-8"))
        self.assertGreaterEqual(len(cases), 10)
        for case in cases:
            got = plugin.image_prompt(case["provider"], case["role"], case["recipient"], case["text"])
            want = case["expect"] and (case["expect"]["prompt"], case["expect"]["size"])
            self.assertEqual(got, want, case["case"])

    def test_the_prompt_is_shown_as_typed_text(self):
        html = str(plugin.image_prompt_html("<img src=x onerror=alert(1)> a *cat*", "1024x1024"))
        self.assertEqual(
            html,
            '<div class="plain image-prompt"><em>Image prompt (1024x1024):</em> '
            "&lt;img src=x onerror=alert(1)&gt; a *cat*</div>",
        )
        self.assertIn("<em>Image prompt:</em> a cat", str(plugin.image_prompt_html("a cat", None)))

    def test_the_conversation_page_shows_the_prompt_not_the_json(self):
        conn = sqlite3.connect(":memory:")
        conn.executescript(
            "CREATE TABLE conversations (id TEXT, title TEXT, provider TEXT, created_at TEXT,"
            " updated_at TEXT, model TEXT, deleted_import_id INTEGER, current_version INTEGER);"
            "CREATE TABLE message_attachments (message_id TEXT, sha256 TEXT, name TEXT,"
            " mime_type TEXT, size INTEGER, kind TEXT, file_id TEXT, conversation_id TEXT);"
            "CREATE TABLE attachments (sha256 TEXT, data BLOB);"
            "CREATE TABLE attachment_chunks (sha256 TEXT, seq INTEGER, data BLOB);"
            "CREATE TABLE canvas_documents (id TEXT, name TEXT, type TEXT, content TEXT,"
            " version_count INTEGER, conversation_id TEXT);"
            "CREATE TABLE canvas_document_versions (document_id TEXT, version INTEGER, message_id TEXT);"
            "CREATE TABLE messages (pk INTEGER PRIMARY KEY, id TEXT, role TEXT, content_type TEXT,"
            " text TEXT, created_at TEXT, hidden INTEGER, reasoning INTEGER, author_name TEXT,"
            " model TEXT, recipient TEXT, text_spans TEXT);"
            "CREATE TABLE current_thread_positions (conversation_id TEXT, position INTEGER,"
            " message_pk INTEGER);"
            "INSERT INTO conversations VALUES ('c1', 'Cat picture', 'chatgpt', NULL, NULL, NULL,"
            " NULL, 1);"
        )
        call = json.dumps({"prompt": "A tabby cat <b>on velvet</b>", "size": "1024x1024"}, indent=2)
        answer = json.dumps({"prompt": "Summarise", "temperature": 0.2})
        rows = [
            (1, "m1", "assistant", "text", call, 0, None),
            (2, "m2", "assistant", "code", call, 1, "dalle.text2im"),
            (3, "m3", "assistant", "text", answer, 0, None),
        ]
        for pk, mid, role, ct, text, hidden, recipient in rows:
            conn.execute(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, NULL, ?, 0, NULL, NULL, ?, NULL)",
                [pk, mid, role, ct, text, hidden, recipient],
            )
            conn.execute("INSERT INTO current_thread_positions VALUES ('c1', ?, ?)", [pk, pk])
        html = {m["id"]: str(m["html"]) for m in plugin._conversation(conn, "c1")["messages"]}
        for mid in ["m1", "m2"]:
            self.assertIn(
                "<em>Image prompt (1024x1024):</em> A tabby cat &lt;b&gt;on velvet&lt;/b&gt;", html[mid]
            )
            self.assertNotIn("&#34;prompt&#34;", html[mid])
            self.assertNotIn('"prompt"', html[mid])
        self.assertIn("temperature", html["m3"], "an answer that is JSON is left as written")


class Attachments(unittest.TestCase):
    def test_only_raster_images_are_images(self):
        self.assertEqual(plugin.raster_type(b"\x89PNG\r\n\x1a\n...."), "image/png")
        self.assertEqual(plugin.raster_type(b"\xff\xd8\xff\xe0"), "image/jpeg")
        self.assertEqual(plugin.raster_type(b"GIF89a"), "image/gif")
        self.assertEqual(plugin.raster_type(b"RIFF\x10\x00\x00\x00WEBPVP8 "), "image/webp")
        for other in [b"<svg xmlns=", b"<!doctype html>", b"%PDF-1.7", b"RIFF\x10\x00\x00\x00WAVE", b""]:
            self.assertIsNone(plugin.raster_type(other), other)

    def test_chunked_files_are_put_back_in_seq_order(self):
        conn = sqlite3.connect(":memory:")
        conn.executescript(
            "CREATE TABLE attachments (sha256 TEXT, data BLOB, chunk_count INTEGER, size INTEGER);"
            "CREATE TABLE attachment_chunks (sha256 TEXT, seq INTEGER, data BLOB);"
            "INSERT INTO attachments VALUES ('big', NULL, 3, 3), ('small', x'0102', 0, 2), ('broken', NULL, 2, 2);"
            "INSERT INTO attachment_chunks VALUES ('big', 2, x'33'), ('big', 0, x'11'), ('big', 1, x'22'),"
            " ('broken', 0, x'00');"
        )
        data, count, _ = plugin._stored_file(conn, "big")
        self.assertIsNone(data)
        self.assertEqual(b"".join(plugin._chunk(conn, "big", i) for i in range(count)), b"\x11\x22\x33")
        self.assertEqual(plugin._stored_file(conn, "small")[0], b"\x01\x02")
        self.assertIsNone(plugin._stored_file(conn, "broken"), "a piece is missing")
        self.assertIsNone(plugin._stored_file(conn, "none"))


class Search(unittest.TestCase):
    """The cases of src/query/terms.rs's own unit tests, ported with it."""

    def fts(self, q):
        kind, expression, contains = plugin.plan(q)
        self.assertEqual(kind, "fts", q)
        return expression, contains

    def e(self, q):
        return self.fts(q)[0]

    def test_code_like_terms_are_phrases_with_a_filter(self):
        self.assertEqual(self.fts("O(n)"), ('"o n"', ["o(n)"]))
        self.assertEqual(self.fts("log(n)"), ('"log n"', ["log(n)"]))
        self.assertEqual(self.fts("node.js"), ('"node js"', ["node.js"]))
        self.assertEqual(self.fts("--flag"), ('"flag"', ["--flag"]))
        self.assertEqual(self.fts("a/b"), ('"a b"', ["a/b"]))
        self.assertEqual(self.fts("C#"), ('"c#"', []))
        self.assertEqual(self.fts("C++"), ('"c++"', []))
        self.assertEqual(self.fts("don't"), ('"don t"', []))

    def test_plain_words_and_sentence_punctuation(self):
        self.assertEqual(self.e("rust lifetimes"), '"rust" "lifetimes"')
        self.assertEqual(self.fts("what is O(n)?"), ('"what" "is" "o n"', ["o(n)"]))
        self.assertEqual(self.e("and or"), '"and" "or"')
        self.assertEqual(self.e("(see O(n))"), '"see" "o n"')

    def test_operators_only_between_terms(self):
        self.assertEqual(self.e("NOT python"), '"not" "python"')
        self.assertEqual(self.e("rust NOT python"), '"rust" NOT "python"')
        self.assertEqual(self.e("rust AND"), '"rust" "and"')
        self.assertEqual(self.e("OR"), '"or"')
        self.assertEqual(self.fts("rust AND (C++ OR C#)"), ('"rust" AND ( "c++" OR "c#" )', []))
        self.assertEqual(
            self.fts("O(n) AND log(n)"), ('"o n" AND "log n"', ["o(n)", "log(n)"])
        )
        self.assertEqual(self.fts("O(n) OR log(n)"), ('"o n" OR "log n"', []))
        self.assertEqual(self.e("(rust OR go"), '( "rust" OR "go" )')
        self.assertEqual(self.e("rust OR go)"), '"rust" OR "go"')
        self.assertEqual(self.e("a AND NOT b"), '"a" "and" NOT "b"')

    def test_quotes_and_prefixes(self):
        self.assertEqual(self.e('"Borrow checker"'), '"borrow checker"')
        self.assertEqual(self.e("life*"), '"life"*')
        self.assertEqual(self.e('"borrow check"*'), '"borrow check"*')
        self.assertEqual(self.e('"unclosed quote'), '"unclosed quote"')
        self.assertEqual(self.e('"NOT" python'), '"not" "python"')

    def test_nothing_to_look_for_is_a_clear_error(self):
        with self.assertRaisesRegex(plugin.QueryError, "it has no letters or digits to look for"):
            plugin.plan("-- ?")
        with self.assertRaisesRegex(plugin.QueryError, "the search query is empty"):
            plugin.plan("   ")

    def test_unspaced_scripts_search_by_substring(self):
        self.assertEqual(plugin.plan("里斯本"), ("substring", "里斯本", ["里斯本"]))

    def test_snippets_are_escaped_before_highlighting(self):
        start, end = "\x01S\x02", "\x02E\x01"
        html = str(plugin._snippet_html(f"<b>x</b> {start}<script>{end} &amp;", start, end))
        self.assertEqual(html, "&lt;b&gt;x&lt;/b&gt; <mark>&lt;script&gt;</mark> &amp;amp;")

    def test_the_sql_functions_translate_and_refuse_quietly(self):
        self.assertEqual(plugin._sql_fts("node.js"), '"node js"')
        self.assertIsNone(plugin._sql_fts("-- ?"))
        self.assertEqual(plugin._sql_fts(""), '""')
        self.assertEqual(plugin._sql_contains("O(n)", "it is O(N) time"), 1)
        self.assertEqual(plugin._sql_contains("O(n)", "go, no"), 0)
        self.assertEqual(plugin._sql_contains("O(n) OR x", "go, no"), 1)


class SearchCaps(unittest.TestCase):
    def test_the_most_recent_matches_are_ranked_and_the_count_is_capped(self):
        conn = sqlite3.connect(":memory:")
        conn.executescript(
            "CREATE TABLE conversations (id TEXT, title TEXT, provider TEXT, deleted_import_id INT);"
            "CREATE TABLE messages (pk INTEGER PRIMARY KEY, conversation_id TEXT, id TEXT,"
            " role TEXT, created_at TEXT, text TEXT);"
            "CREATE TABLE current_thread_positions (message_pk INT);"
            "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content=messages, content_rowid=pk,"
            " tokenize=\"unicode61 remove_diacritics 2 tokenchars '+#'\");"
            "INSERT INTO conversations VALUES ('c', 'T', 'chatgpt', NULL);"
        )
        for i in range(1, 31):
            text = "O(n) here" if i % 3 == 0 else "go, no: o n"
            conn.execute("INSERT INTO messages VALUES (?, 'c', ?, 'user', '', ?)", [i, f"m{i}", text])
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        found = plugin._search(conn, "O(n)", 0, limit=100, ranked_cap=4)
        self.assertEqual(found["total"], 10, "only the texts with O(n), counted in full")
        self.assertEqual(found["ranked"], 4)
        self.assertEqual(sorted(h["message_id"] for h in found["hits"]), ["m18", "m21", "m24", "m27", "m30"][1:])
        self.assertIn("<mark>O(n)</mark>", str(found["hits"][0]["snippet"]))
        found = plugin._search(conn, "no", 0, limit=100)
        self.assertEqual(found["total"], 20)
        self.assertEqual(plugin._search(conn, "no", 0, role="assistant")["total"], 0)
        self.assertEqual(plugin._search(conn, "no", 0, provider="chatgpt")["total"], 20)


@unittest.skipUnless(CASES.exists(), "tests/search/cases.json is not on this branch yet")
class SharedCases(unittest.TestCase):
    """tests/search/cases.json: what `chatarchive search` produces, the plugin must too."""

    def test_expressions_and_filters(self):
        cases = json.loads(CASES.read_text())["cases"]
        self.assertTrue(cases)
        for case in cases:
            kind, expression, contains = plugin.plan(case["query"])
            self.assertEqual(
                expression if kind == "fts" else None, case["expression"], case["query"]
            )
            self.assertEqual(contains, case["contains"], case["query"])

    @unittest.skipUnless(os.environ.get("CHATARCHIVE_SEARCH_DB"), "no archive of the corpus")
    def test_hits(self):
        conn = sqlite3.connect(os.environ["CHATARCHIVE_SEARCH_DB"])
        for case in json.loads(CASES.read_text())["cases"]:
            found = plugin._search(conn, case["query"], 0, limit=1_000_000, ranked_cap=1_000_000)
            hits = sorted(f'{h["conversation_id"]}/{h["message_id"]}' for h in found["hits"])
            self.assertEqual(hits, sorted(case["hits"]), case["query"])


if __name__ == "__main__":
    unittest.main()
