#!/usr/bin/env bash
# Seeds the fuzz corpora from the hand-made fixtures (the corpora themselves are not committed).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/read_conversation corpus/split_and_canonicalize corpus/export
for f in ../fixtures/chatgpt-2024/conversations.json ../fixtures/chatgpt-2026/conversations-00*.json; do
    cp "$f" corpus/split_and_canonicalize/
    cp "$f" corpus/export/
done
python3 - <<'PY'
import json, hashlib, zipfile, io, glob
for f in glob.glob('../fixtures/chatgpt-20*/conversations*.json'):
    text = open(f, 'rb').read().decode('utf-8', 'surrogatepass')
    for c in json.loads(text):
        raw = json.dumps(c, ensure_ascii=False).encode('utf-8', 'surrogatepass')
        open('corpus/read_conversation/' + hashlib.sha1(raw).hexdigest(), 'wb').write(raw)
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    z.write('../fixtures/chatgpt-2026/conversations-001.json', 'conversations.json')
    z.writestr('user.json', '{"id": "user-fuzz"}')
open('corpus/export/small.zip', 'wb').write(buf.getvalue())
PY
