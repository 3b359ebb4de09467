"""Shared test helpers: where the fixtures, recorded hosts and the real-world corpus live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
HOSTS = REPO / "tests" / "hosts"
# ../shared/corpus beside the repository (CI lays a copy of shared/ there too). Real third-party
# outputs are read from here in place, never copied into the repository.
CORPUS = REPO.parent / "shared" / "corpus"
NO_CORPUS = f"real-world corpus not found at {CORPUS} (it lives in ../shared/corpus beside the repository)"


def corpus_files(kind: str) -> list[Path]:
    """Every recorded output of one corpus kind (not the .expected.txt readings, not docs)."""
    root = CORPUS / kind
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".expected.txt") and p.suffix != ".md"
    )


def corpus_path(rel: str) -> Path:
    """One real recorded output, by its path in ../shared/corpus; the calling test skips without it."""
    p = CORPUS / rel
    if not p.is_file():
        pytest.skip(NO_CORPUS if not CORPUS.is_dir() else f"corpus file missing: {p}")
    return p


def corpus_text(rel: str) -> str:
    """A corpus file's text, decoded as the probe keeps a command's output (UTF-8, bad bytes replaced)."""
    return corpus_path(rel).read_bytes().decode("utf-8", "replace")


def expected_for(path: Path) -> Path | None:
    """The NAME.expected.txt beside a corpus file, if any (also tries without the extension)."""
    for cand in (path.with_name(path.name + ".expected.txt"), path.with_name(path.stem + ".expected.txt")):
        if cand.is_file():
            return cand
    return None


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=NO_CORPUS)
