"""Find third-party recorded outputs (../shared/corpus) copied into the repository, whole or edited.

Three checks, each over every file git tracks:
- the same content as a corpus file after whitespace is normalised (a copy);
- a corpus file's identity values (serial numbers, WWNs, WWIDs, UUIDs) anywhere in our data or generators
  (an edited copy keeps them, and a generator that borrowed a real disk's identity carries them);
- many of one corpus file's distinctive lines (lines no other corpus file has) in one file of ours
  (an edited copy that changed the identities keeps the rest of the text).
Test modules that assert what a real output parses to name its values on purpose; they are left out of
the last two checks. `python tests/corpus_guard.py` prints what it finds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
MIN_COPY = 64  # normalised characters: below this, files ("0", "none", an empty mdstat) say nothing
MIN_SHARED = 6  # distinctive lines one file of ours shares with one corpus file before it is a copy
MIN_SHARED_FRACTION = 0.25  # ... and the share of that file's lines they make up

# "key: value" / "key = value" / "key": "value" lines that name one device or array
_ID_KEYS = (
    r"serial(?:\s*(?:number|no\.?|num))?|sn|wwn|wwid|lu wwn device id|logical unit id|unique id(?:entifier)?"
    r"|uuid|array uuid|device uuid|namespace 1 ieee eui-64|scsi naa id|naa id|guid"
)
_ID_LINE = re.compile(rf'(?im)^\W*(?:{_ID_KEYS})\W*[:=]\s*"?([^"\n,]+?)"?\s*,?\s*$')
_UUID = re.compile(r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b")
_MD_UUID = re.compile(r"\b[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{8}\b")


def norm(data: bytes) -> bytes:
    return b" ".join(data.split())


def _distinct_id(value: str) -> str | None:
    v = re.sub(r"\s+", "", value.strip().strip('"'))
    if len(v) < 8 or not re.search(r"\d", v) or not re.search(r"[0-9A-Za-z]{4}", v):
        return None
    if set(v.upper()) <= set("X0-:.") or "REDACTED" in v.upper() or v.lower().startswith("0x0000000000"):
        return None
    return v.lower()


def identities(text: str) -> set[str]:
    """Values in a recorded output that name one physical device or array."""
    found = {v for m in _ID_LINE.finditer(text) if (v := _distinct_id(m.group(1)))}
    found |= {u.lower() for u in _UUID.findall(text) if not set(u) <= set("0-")}
    found |= {u.lower() for u in _MD_UUID.findall(text)}
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for k, v in node.items():
                    if isinstance(v, str) and re.fullmatch(rf"(?i)(?:{_ID_KEYS})", k.strip()):
                        if d := _distinct_id(v):
                            found.add(d)
                    elif (
                        isinstance(v, dict)
                        and k == "wwn"
                        and all(isinstance(v.get(x), int) for x in ("naa", "oui", "id"))
                    ):
                        found.add(f"{v['naa']:x}{v['oui']:06x}{v['id']:09x}")
                    else:
                        stack.append(v)
            elif isinstance(node, list):
                stack.extend(node)
    return found


def _lines(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        s = " ".join(line.split())
        if len(s) >= 16 and re.search(r"[A-Za-z]", s) and re.search(r"\d", s):
            out.add(s)
    return out


@dataclass
class Corpus:
    digests: dict[bytes, str] = field(default_factory=dict)  # normalised content -> corpus path
    ids: dict[str, str] = field(default_factory=dict)  # identity value -> corpus path
    lines: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # line -> corpus paths


def load_corpus(root: Path = CORPUS) -> Corpus:
    c = Corpus()
    for f in sorted(root.rglob("*")):
        if not f.is_file() or f.name == "SOURCES.md" or f.name.endswith(".expected.txt"):
            continue
        rel = str(f.relative_to(root))
        data = f.read_bytes()
        if len(norm(data)) >= MIN_COPY:
            c.digests.setdefault(norm(data), rel)
        text = data.decode("utf-8", "replace")
        for v in identities(text):
            c.ids.setdefault(v, rel)
        for line in _lines(text):
            c.lines[line].append(rel)
    return c


def tracked(repo: Path = REPO) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True).stdout
    return [n.decode() for n in out.split(b"\0") if n]


def asserts_real_values(name: str) -> bool:
    """Test modules name real outputs' values in their assertions; that is not a copy of the output."""
    return name.startswith("tests/test_") and name.endswith(".py")


def find(corpus: Corpus, repo: Path = REPO, names: list[str] | None = None) -> list[str]:
    findings = []
    id_pat = re.compile("|".join(re.escape(v) for v in sorted(corpus.ids, key=len, reverse=True)), re.I)
    for name in names if names is not None else tracked(repo):
        p = repo / name
        if p.is_symlink() or not p.is_file():
            continue
        data = p.read_bytes()
        n = norm(data)
        if len(n) >= MIN_COPY and n in corpus.digests:
            findings.append(f"copy: {name} == corpus {corpus.digests[n]}")
            continue
        if asserts_real_values(name) or name.endswith((".png", ".gz")):
            continue
        text = data.decode("utf-8", "replace")
        squeezed = re.sub(r"[\s:]", "", text).lower()
        for m in id_pat.finditer(text):
            findings.append(
                f"corpus identity {m.group(0)!r} in {name} (from corpus {corpus.ids[m.group(0).lower()]})"
            )
            break
        else:
            for v, src in corpus.ids.items():  # as smartctl spaces a WWN ("5 000c50 0a1b2c3d4")
                if len(v) >= 12 and re.fullmatch(r"[0-9a-f]+", v) and v in squeezed:
                    findings.append(f"corpus identity {v!r} in {name} (from corpus {src})")
                    break
        mine = _lines(text)
        shared: dict[str, int] = defaultdict(int)
        for line in mine:
            owners = corpus.lines.get(line)
            if owners and len(set(owners)) <= 2:
                for o in set(owners):
                    shared[o] += 1
        if shared:
            src, count = max(shared.items(), key=lambda kv: kv[1])
            if count >= MIN_SHARED and count >= MIN_SHARED_FRACTION * max(len(mine), 1):
                findings.append(
                    f"edited copy: {name} shares {count} of its {len(mine)} lines with corpus {src}"
                )
    return findings


if __name__ == "__main__":
    if not CORPUS.is_dir():
        sys.exit(f"corpus_guard: no corpus at {CORPUS}")
    found = find(load_corpus())
    print("\n".join(found) or "no copies")
    sys.exit(1 if found else 0)
