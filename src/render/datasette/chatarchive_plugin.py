"""chatarchive's Datasette plugin: reading an archive, not only querying it.

Written into DIR/plugins by `chatarchive datasette-metadata --out DIR` (embedded in the binary, so
it always matches the archive's schema). What it adds:

- the `conversation` canned query page renders a conversation's current thread in order, every
  message complete (read here without Datasette's row cap or cell truncation), Markdown rendered
  and sanitized, images inline, canvas documents, a call to the image generator as its prompt;
- the `search` canned query page: the same query language as `chatarchive search`, ranked, with
  snippets escaped before they are highlighted;
- `/<database>/-/attachments/<sha256>`: a stored file, served inline only when its bytes are a
  raster image (PNG, JPEG, GIF, WebP), anything else as a sandboxed download;
- links from every listed conversation to its page, and SQL functions (`chatarchive_fts`) so the
  canned queries accept what the command line accepts.

Everything an export holds is untrusted: Markdown is rendered by markdown-it-py with raw HTML
escaped, images from the Web are never loaded, and the HTML is cleaned again by nh3 (ammonia) with
an allow-list that has no <img>, no attributes that run script and only http(s)/mailto links.
"""

import functools
import json
import re
import secrets
import unicodedata
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

try:
    import nh3
    from markdown_it import MarkdownIt
except ImportError as e:  # pragma: no cover - a clear message instead of a bare traceback
    raise ImportError(
        "chatarchive's Datasette plugin needs markdown-it-py and nh3: "
        "pip install markdown-it-py nh3 (or datasette install markdown-it-py nh3)"
    ) from e

# ---------------------------------------------------------------------------------------------
# Markdown

_ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "ol": {"start"}, "span": {"class"}}


def _blocked_image(self, tokens, idx, options, env):
    # A Markdown image points at the Web: loading it would tell a third party that (and when) the
    # archive is read. Show its description and address as a plain link instead.
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    src = token.attrGet("src") or ""
    return '<a href="{}" title="image not loaded">[image: {}]</a>'.format(
        escape(src), escape(alt or src)
    )


_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_md.add_render_rule("image", _blocked_image)


def markdown_html(text):
    """Markdown → sanitized HTML (Markup). Raw HTML in the text comes out as text."""
    rendered = _md.render(text or "")
    return Markup(
        nh3.clean(
            rendered,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


def plain_html(text):
    """Text shown as typed (a user's message): escaped; the page keeps its line breaks."""
    return Markup('<div class="plain">{}</div>').format(text or "")


# ---------------------------------------------------------------------------------------------
# Search: the same reading of a query as `chatarchive search`, ported line for line from
# src/query/terms.rs (steps in docs/search.md; tests/search/cases.json pins the output and runs in
# tests/datasette/test_plugin.py). Typed words are literal terms: each becomes the phrase of its
# index tokens (`O(n)` → "o n"), a word with punctuation inside also a substring every hit must
# contain (`o(n)`), and AND/OR/NOT/parentheses are operators only between terms.


class QueryError(ValueError):
    pass


def _unspaced_script(c):
    o = ord(c)
    return (
        0x0E00 <= o <= 0x0EFF  # Thai, Lao
        or 0x1000 <= o <= 0x109F  # Myanmar
        or 0x1780 <= o <= 0x17FF  # Khmer
        or 0x3040 <= o <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= o <= 0x4DBF  # CJK extension A
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= o <= 0xD7AF  # Hangul syllables
        or 0xF900 <= o <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= o <= 0x2FA1F  # CJK extensions B-F
    )


_TOKEN_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Co"}


def token_char(c):
    """A character the index keeps inside a word: unicode61's letters, numbers and private use,
    and the archive's tokenchars + and #."""
    return c in "+#" or unicodedata.category(c) in _TOKEN_CATEGORIES


def plan(query):
    """("fts", expression, contains) or ("substring", text, [text]). Raises QueryError."""
    kind, expression, contains = _plan(query)
    return kind, expression, list(contains)


@functools.lru_cache(maxsize=256)
def _plan(query):
    # Cached: the SQL functions ask again for every row. Returns contains as a tuple (shared).
    q = (query or "").strip()
    if not q:
        raise QueryError("the search query is empty")
    if any(_unspaced_script(c) for c in q):
        needle = q.lower()
        return ("substring", needle, (needle,))
    expression, contains = _translate(q)
    return ("fts", expression, tuple(contains))


class _Word:
    def __init__(self, text, quoted=False, prefix=False, opens=0, closes=0):
        self.text, self.quoted, self.prefix = text, quoted, prefix
        self.opens, self.closes = opens, closes

    def is_operator_word(self):
        return (
            not self.quoted
            and self.opens == 0
            and self.closes == 0
            and self.text in ("AND", "OR", "NOT")
        )

    def tokens(self):
        out, current = [], []
        for c in self.text:
            if token_char(c):
                current.append(c)
            elif current:
                out.append("".join(current).lower())
                current = []
        if current:
            out.append("".join(current).lower())
        return out


def _words(q):
    """Step 1: whitespace separates words; a `"` at the start of a word runs to the next `"`
    (spaces included) or to the end; a `*` right after the closing quote makes it a prefix."""
    out, i, n = [], 0, len(q)
    while i < n:
        if q[i].isspace():
            i += 1
            continue
        if q[i] == '"':
            start = i + 1
            end = q.find('"', start)
            if end < 0:
                end = n
            w = _Word(q[start:end], quoted=True)
            i = end + 1
            if i < n and q[i] == "*":
                w.prefix = True
                i += 1
            out.append(w)
            continue
        start = i
        while i < n and not q[i].isspace():
            i += 1
        out.append(_bare_word(q[start:i]))
    return out


def _bare_word(text):
    """Step 2: a bare word's grouping parentheses, trailing sentence punctuation, prefix star."""
    opens = 0
    while text.startswith("("):
        text = text[1:]
        opens += 1
    closes = 0
    while text:
        last = text[-1]
        if last in ".,;:!?":
            text = text[:-1]
        elif last == ")" and text.count(")") > text.count("("):
            text = text[:-1]
            closes += 1
        else:
            break
    prefix = False
    if len(text) > 1 and text.endswith("*"):
        text = text[:-1]
        prefix = True
    return _Word(text, prefix=prefix, opens=opens, closes=closes)


def _needs_filter(text):
    """Punctuation inside a term (not an apostrophe: `don't` finds `don’t`) needs a substring
    filter: the phrase of `O(n)` alone would find "go, no"."""
    return any(
        not token_char(c) and not c.isspace() and c not in "'’" for c in text
    )


def _translate(q):
    """Steps 3-5: terms, operators, parentheses."""
    words = _words(q)

    def is_term(w):
        return not w.is_operator_word() and bool(w.tokens())

    # Step 3: AND/OR/NOT is an operator only after a term (or a closing parenthesis) and before
    # a word that is a term or opens a group.
    operator = [False] * len(words)
    after_term = False
    for i, w in enumerate(words):
        if w.is_operator_word() and after_term:
            nxt = words[i + 1] if i + 1 < len(words) else None
            operator[i] = nxt is not None and (
                is_term(nxt) or (nxt.opens > 0 and not nxt.is_operator_word())
            )
        after_term = not operator[i] and (bool(w.tokens()) or w.closes > 0)
    with_operators = any(operator)
    # Step 4: each term its phrase; punctuation inside a term adds a substring filter.
    items, contains, depth = [], [], 0
    for w, op in zip(words, operator):
        if with_operators:
            for _ in range(w.opens):
                items.append("(")
                depth += 1
        if op:
            items.append(w.text)
        else:
            tokens = w.tokens()
            if tokens:
                items.append('"{}"{}'.format(" ".join(tokens), "*" if w.prefix else ""))
                if _needs_filter(w.text):
                    f = w.text.lower()
                    if f not in contains:
                        contains.append(f)
        if with_operators:
            for _ in range(w.closes):
                if depth > 0:
                    items.append(")")
                    depth -= 1
    items.extend([")"] * depth)
    _clean_up(items)
    if not any(i.startswith('"') for i in items):
        raise QueryError(f"cannot search for {q!r}: it has no letters or digits to look for")
    # Step 6: with OR or NOT a hit may lack a term, so the phrases alone decide.
    if any(i in ("OR", "NOT") for i in items):
        contains = []
    return " ".join(items), contains


def _clean_up(items):
    """Step 5, last part (docs/search.md): drop `( )` pairs and operators without two sides,
    repeatedly; then write AND between a group and what stands beside it."""
    ops = ("AND", "OR", "NOT")
    while True:
        drop = None
        for i, cur in enumerate(items):
            prev = items[i - 1] if i > 0 else None
            nxt = items[i + 1] if i + 1 < len(items) else None
            if (cur == "(" and nxt == ")") or (
                cur in ops and (prev is None or prev == "(" or prev in ops or nxt is None or nxt == ")")
            ):
                drop = i
                break
        if drop is None:
            break
        if items[drop] == "(":
            del items[drop:drop + 2]
        else:
            del items[drop]
    i = 1
    while i < len(items):
        prev, cur = items[i - 1], items[i]
        ends = prev == ")" or prev.startswith('"')
        starts = cur == "(" or cur.startswith('"')
        if ends and starts and (prev == ")" or cur == "("):
            items.insert(i, "AND")
        i += 1


def _ascii_lower(text):
    # SQLite's lower(), which the command line's filter uses: ASCII letters only.
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def _contains_all(text, needles):
    lowered = _ascii_lower(text or "")
    return all(n in lowered for n in needles)


# ---------------------------------------------------------------------------------------------
# SQL functions for the canned queries

def _sql_fts(query):
    # No query yet (the search page opened empty): an expression that matches nothing. A query
    # that cannot be read gives NULL, which FTS5 rejects: the JSON API answers 400, and the page
    # says why.
    if not (query or "").strip():
        return '""'
    try:
        kind, expression, _ = _plan(query)
    except QueryError:
        return None
    # A substring query has no FTS form; as a phrase it still finds whole-token matches.
    return expression if kind == "fts" else '"{}"'.format(expression.replace('"', '""'))


def _sql_contains(query, text):
    """1 when text holds every substring the query requires (see plan), else 0."""
    try:
        _, _, contains = _plan(query)
    except QueryError:
        return 0
    return int(_contains_all(text, contains))


@hookimpl
def prepare_connection(conn):
    conn.create_function("chatarchive_fts", 1, _sql_fts, deterministic=True)
    conn.create_function("chatarchive_contains", 2, _sql_contains, deterministic=True)


# ---------------------------------------------------------------------------------------------
# Attachments

_RASTER = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def raster_type(head):
    """The image type the bytes are, when they are one a browser can only display."""
    for magic, mime in _RASTER:
        if head.startswith(magic):
            return mime
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _stored_file(conn, sha256):
    """(data or None, chunk_count, size) of a stored file, None when it is not stored whole (no
    row, or pieces missing). data is None for a file stored in attachment_chunks."""
    row = conn.execute(
        "SELECT data, chunk_count, size FROM attachments WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        return None
    data, chunk_count, size = row
    if data is not None:
        return (bytes(data), 0, len(data))
    count, low, high = conn.execute(
        "SELECT count(*), min(seq), max(seq) FROM attachment_chunks WHERE sha256 = ?", [sha256]
    ).fetchone()
    if not chunk_count or (count, low, high) != (chunk_count, 0, chunk_count - 1):
        return None
    return (None, chunk_count, size)


def _chunk(conn, sha256, seq):
    row = conn.execute(
        "SELECT data FROM attachment_chunks WHERE sha256 = ? AND seq = ?", [sha256, seq]
    ).fetchone()
    return bytes(row[0]) if row else b""


async def attachment(datasette, request, send):
    database = request.url_vars["database"]
    sha256 = request.url_vars["sha256"]
    await datasette.ensure_permissions(
        request.actor, [("view-database", database), "view-instance"]
    )
    try:
        db = datasette.get_database(database)
    except KeyError:
        return Response.text("no such database", status=404)
    if not _SHA256.match(sha256):
        return Response.text("not a sha256", status=404)
    stored = await db.execute_fn(lambda conn: _stored_file(conn, sha256))
    if stored is None:
        return Response.text("no such file in the archive", status=404)
    data, chunk_count, size = stored
    head = data[:16] if data is not None else (
        await db.execute_fn(lambda conn: _chunk(conn, sha256, 0))
    )[:16]
    # Every answer: never sniffed, and a document that could run script runs in a sandbox
    # (a unique origin: it cannot read the archive through ?sql=).
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, max-age=31536000, immutable",
    }
    mime = raster_type(head)
    if mime is None:
        mime = "application/octet-stream"
        headers["Content-Disposition"] = 'attachment; filename="{}.bin"'.format(sha256)
    if data is not None:
        return Response(data, status=200, headers=headers, content_type=mime)
    # A large file goes out piece by piece in seq order: memory stays at one 4 MiB piece.
    headers["Content-Type"] = mime
    headers["Content-Length"] = str(size)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [[k.lower().encode(), v.encode()] for k, v in headers.items()],
        }
    )
    for seq in range(chunk_count):
        piece = await db.execute_fn(lambda conn, seq=seq: _chunk(conn, sha256, seq))
        await send(
            {"type": "http.response.body", "body": piece, "more_body": seq + 1 < chunk_count}
        )
    return None


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/-/attachments/(?P<sha256>[^/]+)$", attachment)]


# ---------------------------------------------------------------------------------------------
# The conversation page

_ORIGINAL = {
    "chatgpt": "https://chatgpt.com/c/{}",
    "claude": "https://claude.ai/chat/{}",
}


# ---------------------------------------------------------------------------------------------
# ChatGPT's calls to its image generator: shown as the prompt, not the JSON argument. The same
# rule as src/render/image_prompt.rs; tests/render/image_prompt_cases.json checks both.

_IMAGE_TOOLS = {"dalle.text2im", "t2uay3k.sj1i4kz"}
# Without a recipient (2026 exports drop it) only an object limited to these arguments is a call:
# an answer that is JSON is left as written.
_IMAGE_ARGUMENTS = {
    "prompt", "size", "n", "referenced_image_ids", "transparent_background", "seeds",
    "aspect_ratio",
}


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")  # as serde_json: NaN and Infinity are refused


def image_prompt(provider, role, recipient, text):
    """(prompt, size or None) when the message is a call to the image generator, else None."""
    if provider != "chatgpt" or role != "assistant":
        return None
    if recipient is not None and recipient not in _IMAGE_TOOLS:
        return None  # `all` (an answer) or another tool
    text = (text or "").strip(" \t\n\r")
    if not text.startswith("{"):
        return None
    try:
        args = json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return None
    if not isinstance(args, dict):
        return None
    if recipient is None and not set(args) <= _IMAGE_ARGUMENTS:
        return None
    prompt, size = args.get("prompt"), args.get("size")
    if not isinstance(prompt, str) or not prompt.strip():
        return None
    return prompt, size if isinstance(size, str) else None


def image_prompt_html(prompt, size):
    """The prompt as typed text (the model wrote it from what the user asked), its size beside."""
    size = " ".join((size or "").split())
    label = f"Image prompt ({size}):" if size else "Image prompt:"
    return Markup('<div class="plain image-prompt"><em>{}</em> {}</div>').format(
        label, prompt.strip()
    )


def _conversation(conn, conversation_id):
    head = conn.execute(
        "SELECT id, title, provider, created_at, updated_at, model, deleted_import_id, "
        "current_version FROM conversations WHERE id = ?",
        [conversation_id],
    ).fetchone()
    if head is None:
        return None
    keys = ["id", "title", "provider", "created_at", "updated_at", "model", "deleted", "version"]
    conv = dict(zip(keys, head))
    template = _ORIGINAL.get(conv["provider"])
    conv["original_url"] = template.format(conv["id"]) if template else None

    # A ChatGPT upload is listed twice (the image part and metadata.attachments): one entry per
    # file, named as the user named it.
    # Shown inline only when the stored bytes are a raster image (what /-/attachments serves
    # inline): a name or type can say .png over an SVG.
    files = {}
    for message_id, sha256, name, mime, size, kind, file_id, head in conn.execute(
        "SELECT a.message_id, a.sha256, a.name, a.mime_type, a.size, a.kind, a.file_id, "
        "COALESCE(substr(f.data, 1, 16), (SELECT substr(c.data, 1, 16) FROM attachment_chunks c "
        "  WHERE c.sha256 = a.sha256 AND c.seq = 0)) "
        "FROM message_attachments a LEFT JOIN attachments f ON f.sha256 = a.sha256 "
        "WHERE a.conversation_id = ? ORDER BY a.rowid",
        [conversation_id],
    ):
        entries = files.setdefault(message_id, {})
        key = sha256 or file_id or name
        entry = entries.get(key)
        if entry is None:
            entries[key] = {
                "sha256": sha256,
                "name": name or file_id or "file",
                "image": head is not None and raster_type(bytes(head)) is not None,
                "size": size,
            }
        elif kind == "upload" and name:
            entry["name"] = name

    canvas = {}
    for doc_id, name, kind, content, count, message_id in conn.execute(
        "SELECT d.id, d.name, d.type, d.content, d.version_count, "
        "(SELECT v.message_id FROM canvas_document_versions v WHERE v.document_id = d.id "
        " ORDER BY v.version DESC LIMIT 1) "
        "FROM canvas_documents d WHERE d.conversation_id = ? ORDER BY d.id",
        [conversation_id],
    ):
        code = bool(kind) and kind.startswith("code")
        canvas.setdefault(message_id, []).append(
            {
                "name": name or "Canvas document",
                "type": kind,
                "versions": count,
                "html": Markup("<pre><code>{}</code></pre>").format(content)
                if code
                else markdown_html(content),
            }
        )

    messages = []
    placed = set()
    for (
        position, message_id, role, content_type, text, created_at, hidden, reasoning, author,
        model, recipient, spans,
    ) in conn.execute(
        "SELECT t.position, m.id, m.role, m.content_type, m.text, m.created_at, m.hidden, "
        "m.reasoning, m.author_name, m.model, m.recipient, m.text_spans "
        "FROM current_thread_positions t "
        "JOIN messages m ON m.pk = t.message_pk WHERE t.conversation_id = ? ORDER BY t.position",
        [conversation_id],
    ):
        attached = list(files.get(message_id, {}).values())
        docs = canvas.get(message_id, [])
        if docs:
            placed.add(message_id)
        if not (text or "").strip() and not attached and not docs:
            continue  # an empty message (parts [""]) reads as nothing
        call = image_prompt(conv["provider"], role, recipient, text)
        if call:
            body = image_prompt_html(*call)
        elif content_type in ("code", "execution_output") or role == "tool" and hidden:
            body = Markup("<pre><code>{}</code></pre>").format(text or "")
        else:
            render = plain_html if role == "user" else markdown_html
            body = Markup("").join(
                render(piece) if kind is None else _folded_span(kind, piece)
                for kind, piece in split_spans(text or "", spans)
                if piece.strip()
            )
        messages.append(
            {
                "position": position,
                "id": message_id,
                "role": role or "unknown",
                "author": author,
                "model": model,
                "created_at": created_at,
                # Folded: what the interface did not show (system prompts, tool calls) and
                # reasoning.
                "folded": bool(hidden) or bool(reasoning),
                "reasoning": bool(reasoning),
                "content_type": content_type,
                # What a folded message is: a call to a tool, or what the app did not show.
                "fold_label": "Reasoning"
                if reasoning
                else f"Call to {recipient}"
                if recipient and recipient != "all"
                else f"{content_type or 'message'} (not shown in the app)",
                "html": body if (text or "").strip() else Markup(""),
                "files": attached,
                "canvas": docs,
            }
        )
    # Documents whose last writer is not on the current thread still belong to the page.
    conv["other_canvas"] = [d for m, docs in canvas.items() if m not in placed for d in docs]
    conv["messages"] = messages
    return conv


_SPAN_LABELS = {
    "reasoning": "Reasoning",
    "tool_use": "Tool call",
    "tool_result": "Tool result",
    "attachment": "Attached text",
    "context": "Context",
}


def split_spans(text, spans_json):
    """[(kind or None, piece)] in order: messages.text_spans marks stretches of the text (in
    characters) that are reasoning, tool use, tool results, attachment text or injected context.
    Lenient like the Rust reader: an unknown kind or a bad bound reads as plain text."""
    try:
        spans = json.loads(spans_json) if spans_json else []
    except ValueError:
        spans = []
    out, at = [], 0
    for span in sorted(
        (sp for sp in spans if isinstance(sp, dict)), key=lambda sp: sp.get("start", -1)
    ):
        start, end, kind = span.get("start"), span.get("end"), span.get("kind")
        if (
            kind not in _SPAN_LABELS
            or not isinstance(start, int)
            or not isinstance(end, int)
            or not at <= start < end <= len(text)
        ):
            continue
        if start > at:
            out.append((None, text[at:start]))
        out.append((kind, text[start:end]))
        at = end
    if at < len(text):
        out.append((None, text[at:]))
    return out


def _folded_span(kind, piece):
    return Markup(
        '<details class="span span-{}"><summary>{}</summary><div class="plain">{}</div></details>'
    ).format(kind, _SPAN_LABELS[kind], piece.strip("\n"))


def _css_suffix(template, name):
    return template.startswith("query-") and template.endswith("-" + name + ".html")


async def _conversation_vars(datasette, database, request):
    conversation_id = (request.args.get("id") or "").strip()
    if not conversation_id:
        return {"chatarchive_conversation": None, "chatarchive_error": None}
    db = datasette.get_database(database)
    conv = await db.execute_fn(lambda conn: _conversation(conn, conversation_id))
    if conv is None:
        # An unambiguous start of an id, as the command line accepts.
        ids = await db.execute_fn(
            lambda conn: [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM conversations WHERE id >= ? AND id < ? || char(1114111) LIMIT 2",
                    [conversation_id, conversation_id],
                )
            ]
        )
        if len(ids) == 1:
            conv = await db.execute_fn(lambda conn: _conversation(conn, ids[0]))
    return {
        "chatarchive_conversation": conv,
        "chatarchive_error": None if conv else f"No conversation {conversation_id!r} in this archive.",
    }


# ---------------------------------------------------------------------------------------------
# The search page

PAGE_SIZE = 50


def _snippet_html(snippet, start, end):
    """Escape first, then turn the per-request markers into <mark>: nothing in the text can
    become markup."""
    escaped = str(escape(snippet or ""))
    return Markup(escaped.replace(start, "<mark>").replace(end, "</mark>"))


# As `chatarchive search` (src/query/search.rs): a common word matches most of the archive, so
# the count stops at COUNT_CAP and only the RANKED_CAP most recently archived matches are ranked.
COUNT_CAP = 10_000
RANKED_CAP = 2_000


def _search(conn, query, offset, limit=PAGE_SIZE, ranked_cap=RANKED_CAP, role=None, provider=None):
    kind, expression, contains = plan(query)
    conds, args = [], []
    if kind == "fts":
        conds.append("messages_fts MATCH ?")
        args.append(expression)
    for c in contains:
        # SQLite's lower() folds ASCII only, as the command line's filter does.
        conds.append("instr(lower(m.text), ?) > 0")
        args.append(c)
    # The command line's --role and --provider.
    if role:
        conds.append("m.role = ?")
        args.append(role)
    if provider:
        conds.append("c.provider = ?")
        args.append(provider)
    where = " AND ".join(conds)
    index_only = kind == "fts" and len(conds) == 1
    joined = "JOIN conversations c ON c.id = m.conversation_id"
    if kind == "fts" and index_only:
        source, pk, rank, order = "messages_fts", "rowid", "bm25(messages_fts)", "rowid DESC"
    elif kind == "fts":
        source = f"messages_fts JOIN messages m ON m.pk = messages_fts.rowid {joined}"
        pk, rank, order = "m.pk", "bm25(messages_fts)", "messages_fts.rowid DESC"
    else:
        source = f"messages m {joined}"
        pk, rank, order = "m.pk", "0.0", "m.created_at DESC, m.pk DESC"
    if index_only:
        total = conn.execute(f"SELECT count(*) FROM {source} WHERE {where}", args).fetchone()[0]
        capped = False
    else:
        counted = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where} LIMIT {COUNT_CAP + 1})",
            args,
        ).fetchone()[0]
        total, capped = min(counted, COUNT_CAP), counted > COUNT_CAP
    candidates = conn.execute(
        f"SELECT {pk}, {rank} FROM {source} WHERE {where} ORDER BY {order} LIMIT {int(ranked_cap)}",
        args,
    ).fetchall()
    ranked = len(candidates)
    if kind == "fts":
        # Best score first (bm25: lower is better), equal scores most recently archived first.
        candidates.sort(key=lambda c: (c[1], -c[0]))
    # Markers the text cannot contain: a fresh random token per request.
    token = secrets.token_hex(8)
    start, end = f"\x01{token}\x02", f"\x02{token}\x01"
    hits = []
    for pk_value, _ in candidates[offset : offset + limit]:
        row = conn.execute(
            "SELECT m.conversation_id, c.title, c.provider, m.id, m.role, m.created_at, m.text, "
            "EXISTS (SELECT 1 FROM current_thread_positions t WHERE t.message_pk = m.pk), "
            "c.deleted_import_id IS NOT NULL "
            "FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.pk = ?",
            [pk_value],
        ).fetchone()
        conversation_id, title, provider, message_id, role, created_at, text, current, deleted = row
        if contains:
            # A filter term is marked as typed (`O(n)`), not as the tokens `o` … `n`.
            snippet = _substring_snippet(text or "", contains[0], start, end)
        else:
            snippet = conn.execute(
                "SELECT snippet(messages_fts, 0, ?, ?, '…', 24) FROM messages_fts "
                "WHERE messages_fts MATCH ? AND rowid = ?",
                [start, end, expression, pk_value],
            ).fetchone()[0]
        hits.append(
            {
                "conversation_id": conversation_id,
                "title": title,
                "provider": provider,
                "message_id": message_id,
                "role": role,
                "created_at": created_at,
                "on_current_thread": bool(current),
                "deleted_upstream": bool(deleted),
                "snippet": _snippet_html(snippet, start, end),
            }
        )
    return {
        "kind": kind,
        "expression": expression,
        "contains": contains,
        "total": total,
        "capped": capped,
        "ranked": ranked,
        "hits": hits,
    }


def _substring_snippet(text, needle, start, end):
    """About 12 words either side of the first match, the match between the markers."""
    # ASCII folding keeps every position where it was (full lower-casing can change lengths).
    at = _ascii_lower(text).find(needle.lower())
    if at < 0:
        return text[:120]
    n = len(needle)
    a = max(0, at - 60)
    b = min(len(text), at + n + 60)
    return (
        ("…" if a > 0 else "")
        + text[a:at]
        + start
        + text[at : at + n]
        + end
        + text[at + n : b]
        + ("…" if b < len(text) else "")
    )


async def _search_vars(datasette, database, request):
    query = request.args.get("q") or ""
    try:
        offset = max(0, int(request.args.get("offset") or 0))
    except ValueError:
        offset = 0
    role = (request.args.get("role") or "").strip() or None
    provider = (request.args.get("provider") or "").strip() or None
    db = datasette.get_database(database)
    choices = await db.execute_fn(
        lambda conn: {
            "roles": [r[0] for r in conn.execute(
                "SELECT DISTINCT role FROM messages WHERE role IS NOT NULL ORDER BY role")],
            "providers": [r[0] for r in conn.execute(
                "SELECT DISTINCT provider FROM conversations ORDER BY provider")],
        }
    )
    result = {
        "chatarchive_query": query,
        "chatarchive_role": role or "",
        "chatarchive_provider": provider or "",
        "chatarchive_choices": choices,
        "chatarchive_results": None,
        "chatarchive_error": None,
    }
    if not query.strip():
        return result
    try:
        found = await db.execute_fn(
            lambda conn: _search(conn, query, offset, role=role, provider=provider)
        )
    except QueryError as e:
        result["chatarchive_error"] = str(e)
        return result
    except Exception as e:  # FTS5's own complaint about an expression, e.g. `rust AND`
        result["chatarchive_error"] = f"cannot search for {query!r}: {e}"
        return result
    found["offset"] = offset
    found["next_offset"] = offset + PAGE_SIZE if found["ranked"] > offset + PAGE_SIZE else None
    found["prev_offset"] = max(0, offset - PAGE_SIZE) if offset > 0 else None
    result["chatarchive_results"] = found
    return result


@hookimpl
def extra_template_vars(template, database, view_name, request, datasette):
    # By template name alone: Datasette 0.65 reports canned query pages as view "table".
    if request is None or database is None or not template:
        return {}
    if _css_suffix(template, "conversation"):
        return _conversation_vars(datasette, database, request)
    if _css_suffix(template, "search"):
        return _search_vars(datasette, database, request)
    return {}


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["chatarchive_conversation_url"] = functools.partial(_conversation_url, datasette)


def _conversation_url(datasette, database, conversation_id, message_id=None):
    """The conversation page (with base_url and Datasette's own encoding of the database name)."""
    url = "{}/conversation?id={}".format(
        datasette.urls.database(database), quote(conversation_id, safe="")
    )
    if message_id:
        url += "#m-" + quote(message_id, safe="")
    return url


# ---------------------------------------------------------------------------------------------
# Links from listings to the conversation page

# Where a column names a conversation (table or view → column), and which column to link.
_LINKS = {
    "conversations": {"title": "id"},
    "conversation_summary": {"conversation_id": "conversation_id", "title": "conversation_id"},
    "current_thread": {"conversation_id": "conversation_id"},
    "version_messages": {"conversation_id": "conversation_id"},
    None: {"conversation_id": "conversation_id"},  # canned and custom queries
}


def _plain(value):
    # Datasette hands render_cell a row whose foreign keys are expanded to {value, label}.
    return value.get("value") if isinstance(value, dict) else value


# Tables and views whose `text` Datasette cuts at truncate_cells_html: the cut ends with a link to
# the message on its conversation page, where it is complete. (table → message id column)
_TEXTS = {"messages": "id", "current_thread": "message_id", "version_messages": "message_id"}


def _long_text(row, value, table, database, datasette):
    limit = datasette.setting("truncate_cells_html") or 0
    if not limit or not isinstance(value, str) or len(value) <= limit:
        return None
    try:
        conversation_id, message_id = _plain(row["conversation_id"]), _plain(row[_TEXTS[table]])
    except (KeyError, IndexError):
        return None
    if not isinstance(conversation_id, str) or not isinstance(message_id, str):
        return None
    return Markup('{}… <a class="read-all" href="{}">(all {:,} characters)</a>').format(
        value[:limit],
        _conversation_url(datasette, database, conversation_id, message_id),
        len(value),
    )


def _is_archive(datasette, database):
    # Other databases served beside the archive keep Datasette's plain rendering.
    try:
        queries = datasette.metadata("queries", database=database) or {}
    except Exception:
        return False
    return "conversation" in queries


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table not in _LINKS and table not in _TEXTS:
        return None
    if not _is_archive(datasette, database):
        return None
    if column == "text" and table in _TEXTS:
        return _long_text(row, value, table, database, datasette)
    links = _LINKS.get(table)
    if not links or column not in links or value in (None, ""):
        return None
    try:
        conversation_id = _plain(row[links[column]])
    except (KeyError, IndexError):
        return None
    if not isinstance(conversation_id, str) or not isinstance(value, str):
        return None
    return Markup('<a href="{}">{}</a>').format(
        _conversation_url(datasette, database, conversation_id), value
    )
