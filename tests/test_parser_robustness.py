"""Every parser under hostile input: only ParseError escapes, time stays linear, one bad block keeps the rest.

(a) hypothesis over every parser, seeded from the real corpus (../shared/corpus, read in place) and the
    recorded hosts, with the mutations of issue #12: lines deleted, duplicated, shuffled; digit runs made
    huge; `.`, `-`, `inf`, `nan`, `1e999` inserted; Unicode digits; very long lines; binary junk.
(b) a linear-time check per parser: a real file, then the same file with one line made ~100x longer (or
    its numbers made of thousands of digits); the time ratio must stay within a generous factor of the
    size ratio. No wall-clock limit: times are compared with each other (best of several runs).
(c) one garbled block keeps the rest: mdstat, zpool status, hwraid, `raidwatch parse`.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, FIXTURES, HOSTS, NO_CORPUS, corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raidwatch.errors import ParseError

# ------------------------------------------------------------------------------------------- seeds


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def _corpus(kind: str, limit: int | None = None) -> list[str]:
    files = [p for p in corpus_files(kind) if not p.name.startswith("CASES-")]
    if limit is not None and len(files) > limit:
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return [_read(p) for p in files]


def _host_commands(*argv0: str) -> list[str]:
    """stdout of every recorded command of the hosts in tests/hosts whose argv starts with argv0."""
    out = []
    for cmd in sorted(HOSTS.glob("*/commands/*/cmd.json")):
        argv = json.loads(cmd.read_text()).get("argv", [])
        if tuple(argv[: len(argv0)]) == argv0 and (cmd.parent / "stdout").is_file():
            text = _read(cmd.parent / "stdout")
            if text.strip():
                out.append(text)
    return out


def _host_files(pattern: str) -> list[str]:
    return [_read(p) for p in sorted(HOSTS.glob(pattern)) if p.is_file()]


def _fixtures(kind: str) -> list[str]:
    """The project's own recorded outputs under tests/fixtures/<kind> (not their SOURCES.md)."""
    root = FIXTURES / kind
    return [_read(p) for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".md"]


def _dir_as_text(root: Path) -> str:
    """A directory of small attribute files as 'relative/path<TAB>value' lines (one line per file), so the
    mutations below can change values, drop files and repeat them like lines of any other text."""
    rows = []
    for p in sorted(root.rglob("*")):
        if p.is_file():
            value = _read(p).strip().replace("\n", " ")
            rows.append(f"{p.relative_to(root).as_posix()}\t{value}")
    return "\n".join(rows)


def _text_as_dir(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("\t")
        if sep:
            out[key] = value
    return out


def _md_sysfs_seeds() -> list[str]:
    root = CORPUS / "sysfs-md"
    dirs = sorted(root.glob("*/sys/block/md*/md")) if root.is_dir() else []
    dirs += sorted(HOSTS.glob("*/fs/sys/block/md*/md"))
    return [_dir_as_text(d) for d in dirs]


def _hwraid_seeds(tool: str) -> list[str]:
    """The corpus files each hwraid module claims (by its own detect), or every hwraid file for `None`."""
    from raidwatch.parsers.hwraid import tool_modules

    mods = {m.TOOL: m for m in tool_modules()}
    texts = [(_read(p)) for p in corpus_files("hwraid") if not p.name.startswith("CASES-")]
    if tool == "*":
        return texts
    return [t for t in texts if mods[tool].detect(t)]


# --------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """One parser entry point: how to find its seed texts and how to run it on a text."""

    name: str
    seeds: Callable[[], list[str]]
    run: Callable[[str], Any]


def _run_mdstat(text: str) -> Any:
    from raidwatch.parsers.mdstat import parse_mdstat

    return parse_mdstat(text, "mdstat")


def _run_mdadm(text: str) -> Any:
    from raidwatch.parsers import mdadm

    for fn in (mdadm.parse_mdadm_detail, mdadm.parse_mdadm_examine):
        with contextlib.suppress(ParseError):
            fn(text, "mdadm")
    mdadm.parse_raid10_layout(text)
    return mdadm.to_json(mdadm.parse_mdadm(text, "mdadm"))


def _run_smartctl_text(text: str) -> Any:
    from raidwatch.parsers.smartctl import parse_smartctl_text, split_smartctl_runs, to_json

    split_smartctl_runs(text)
    return to_json(parse_smartctl_text(text, "smartctl"))


def _run_smartctl_json(text: str) -> Any:
    from raidwatch.parsers.smartctl import parse_smartctl, to_json

    return to_json(parse_smartctl(text, "smartctl -j"))


def _run_diskutil(text: str) -> Any:
    from raidwatch.parsers import diskutil

    for fn in (
        diskutil.parse_appleraid_list,
        diskutil.parse_checkraid,
        diskutil.parse_appleraid_operation,
        diskutil.parse_appleraid_plist,
        diskutil.parse_diskutil_info_plist,
    ):
        with contextlib.suppress(ParseError):
            fn(text, "diskutil")
    return diskutil.to_json(diskutil.parse_diskutil(text, "diskutil"))


def _run_diskutil_list(text: str) -> Any:
    from raidwatch.parsers import diskutil_list as dl

    result = dl.parse_diskutil_list_plist(text, "diskutil list -plist")
    for d in result.disks:
        dl.needs_info(d)
        dl.info_argv(d.identifier)
        dl.is_physical_disk(d, None)
        dl.transport_from_protocol(d.identifier), dl.smart_transport(d.identifier)
    return result


def _run_plist(text: str) -> Any:
    from raidwatch.parsers import plist

    data = plist.load_plist(text, "plist")
    if isinstance(data, dict):
        for key in list(data)[:50]:
            plist.pstr(data, key), plist.pint(data, key), plist.pbool(data, key)
            plist.pdicts(data, key), plist.pstrings(data, key)
    return data


def _run_sysblock(text: str) -> Any:
    from raidwatch.parsers import sysblock as sb

    for line in text.splitlines()[:200]:
        sb.parse_size(line), sb.parse_flag(line), sb.parse_devno(line), sb.classify(line)
        sb.device_kind(line, False, False, False), sb.transport_from_link(line, line)
        sb.is_nvme_namespace(line), sb.is_nvme_path(line), sb.parent_from_link(line), sb.unescape_udev(line)
        sb.nvme_unit(line, line, line, line)
    return sb.parse_mountinfo(text, "mountinfo")


def _run_bcache(text: str) -> Any:
    from raidwatch.parsers import bcache

    out = []
    for line in text.splitlines()[:200]:
        bcache.device_of_link(line)
        for fn in (bcache.parse_cache_mode, bcache.parse_human_bytes, bcache.parse_state):
            with contextlib.suppress(ParseError):
                out.append(fn(line, "bcache"))
    return out


def _run_md_sysfs(text: str) -> Any:
    from raidwatch.parsers.md_sysfs import normalize_level, parse_md_sysfs, raid10_geometry

    files: dict[str, str] = {}
    devices: dict[str, dict[str, str]] = {}
    for key, value in _text_as_dir(text).items():
        if key.startswith("dev-") and "/" in key:
            dev, _, attr = key.partition("/")
            devices.setdefault(dev[4:], {})[attr] = value
        else:
            files[key] = value
    normalize_level(files.get("level", ""))
    result = parse_md_sysfs("md0", files, devices)
    if result.layout is not None:
        raid10_geometry(result.layout, result.raid_disks)
    return result


def _run_btrfs(text: str) -> Any:
    from raidwatch.parsers import btrfs

    for fn in (btrfs.parse_filesystem_show, btrfs.parse_device_stats):
        with contextlib.suppress(ParseError):
            fn(text, "btrfs")
    with contextlib.suppress(ParseError):
        btrfs.parse_error_stats(text, 1, "error_stats")
    for line in text.splitlines()[:100]:
        for word in line.split()[:20]:
            btrfs.parse_size(word)
    return btrfs.to_json(btrfs.parse_btrfs(text, "btrfs"))


def _run_btrfs_sysfs(text: str) -> Any:
    from raidwatch.parsers.btrfs import parse_btrfs_sysfs, profile_dirs

    allocation: dict[str, dict[str, str | None]] = {}
    devinfo: dict[str, dict[str, str]] = {}
    for key, value in _text_as_dir(text).items():
        parts = key.split("/")
        if parts[0] == "allocation" and len(parts) >= 3:
            allocation.setdefault(parts[1], {})[parts[2]] = value
        elif parts[0] == "devinfo" and len(parts) >= 3:
            devinfo.setdefault(parts[1], {})[parts[2]] = value.replace(" ", "\n")
    profile_dirs(list(allocation.get("data", {})))
    return parse_btrfs_sysfs("uuid", None, ["sda"], allocation, devinfo)


def _btrfs_sysfs_seeds() -> list[str]:
    rows = [
        "allocation/data/raid1\t1073741824",
        "allocation/metadata/raid1\t268435456",
        "allocation/system/raid1\t8388608",
        "allocation/data/single\t0",
        "devinfo/1/missing\t0",
        "devinfo/1/writeable\t1",
        "devinfo/1/replace_target\t0",
        "devinfo/1/error_stats\twrite_errs 0 read_errs 3 flush_errs 0 corruption_errs 0 generation_errs 0",
        "devinfo/2/missing\t1",
        "devinfo/2/writeable\t0",
        "devinfo/2/error_stats\twrite_errs 12 read_errs 0 flush_errs 0 corruption_errs 1 generation_errs 0",
    ]
    return ["\n".join(rows)]


def _run_zpool(text: str) -> Any:
    from raidwatch.parsers import zpool

    for fn in (zpool.parse_zpool_status, zpool.parse_zpool_list):
        with contextlib.suppress(ParseError):
            fn(text, "zpool")
    for line in text.splitlines()[:100]:
        zpool.parse_duration(line)
        for word in line.split()[:20]:
            zpool.parse_size(word), zpool.parse_count(word), zpool.parse_duration(word)
    return zpool.to_json(zpool.parse_zpool(text, "zpool"))


def _run_dmsetup(text: str) -> Any:
    from raidwatch.parsers import dmsetup as dm

    report = dm.parse_dmsetup(text, "dmsetup")
    parsers = {
        "raid": (dm.parse_raid_status, dm.parse_raid_table),
        "mirror": (dm.parse_mirror_status,),
        "cache": (dm.parse_cache_status, dm.parse_cache_table),
        "writecache": (dm.parse_writecache_status, dm.parse_writecache_table),
    }
    for name, lines in report.devices.items():
        dm.split_lvm_name(name)
        for line in lines:
            dm.raid_level(line.target)
            for fn in parsers.get(line.target, ()):
                with contextlib.suppress(ParseError):
                    fn(line.args, "dmsetup")
    return report


def _dmsetup_seeds() -> list[str]:
    return [
        *_corpus("hwraid/glensc-check-raid/dm"),
        *_host_commands("dmsetup"),
        "vg-lv_rmeta_0: 0 8192 linear 8:17 2048\n"
        "vg-lv: 0 2097152 raid raid1 2 AA 2097152/2097152 idle 0 0 -\n"
        "vg-lv: 0 2097152 raid raid1 3 0 region_size 4096 2 253:0 253:1 253:2 253:3\n"
        "m: 0 409600 mirror 2 253:4 253:5 400/400 1 AA 3 disk 253:3 A\n"
        "c: 0 409600 cache 8 27/2048 128 8/4096 42 17 3 1 0 0 1 1 writeback 2 migration_threshold 2048 "
        "smq 0 rw -\n"
        "c: 0 409600 cache 253:6 253:7 253:8 128 1 writeback smq 0\n"
        "w: 0 409600 writecache 0 1024 512 0 10 5\n"
        "w: 0 409600 writecache s 253:9 253:10 4096 2 high_watermark 50\n",
    ]


def _run_hwraid(text: str) -> Any:
    from raidwatch.parsers.hwraid import parse_hwraid, to_json

    return to_json(parse_hwraid(text, "hwraid"))


def _hwraid_module_target(tool: str) -> Target:
    def run(text: str) -> Any:
        from raidwatch.parsers.hwraid import to_json, tool_modules

        mod = next(m for m in tool_modules() if tool == m.TOOL)
        mod.detect(text)
        return to_json(mod.parse(text, tool))

    return Target(f"hwraid-{tool}", lambda: _hwraid_seeds(tool), run)


def _hwraid_tools() -> list[str]:
    from raidwatch.parsers.hwraid import tool_modules

    return [m.TOOL for m in tool_modules()]


TARGETS: list[Target] = [
    Target(
        "mdstat",
        lambda: _corpus("mdstat") + _fixtures("mdstat") + _host_files("*/fs/proc/mdstat"),
        _run_mdstat,
    ),
    Target("mdadm", lambda: _corpus("mdadm-detail") + _host_commands("mdadm"), _run_mdadm),
    Target(
        "smartctl-text",
        lambda: _corpus("smartctl-text") + _host_commands("smartctl")[:20],
        _run_smartctl_text,
    ),
    Target("smartctl-json", lambda: _corpus("smartctl-json", limit=40), _run_smartctl_json),
    Target("diskutil", lambda: _corpus("diskutil") + _host_commands("diskutil", "appleRAID"), _run_diskutil),
    Target("diskutil-list", lambda: _host_commands("diskutil", "list"), _run_diskutil_list),
    Target("plist", lambda: [t for t in _corpus("diskutil") if t.lstrip().startswith("<?xml")], _run_plist),
    Target(
        "sysblock",
        lambda: [
            *_host_files("*/fs/proc/self/mountinfo"),
            "\n".join([*_host_files("*/fs/sys/block/*/size"), *_host_files("*/fs/sys/block/*/dev")[:40]]),
        ],
        _run_sysblock,
    ),
    Target("bcache", lambda: ["\n".join(_host_files("*/fs/sys/block/*/bcache/*"))], _run_bcache),
    Target("md-sysfs", _md_sysfs_seeds, _run_md_sysfs),
    Target("btrfs", lambda: _corpus("btrfs") + _fixtures("btrfs") + _host_commands("btrfs"), _run_btrfs),
    Target("btrfs-sysfs", _btrfs_sysfs_seeds, _run_btrfs_sysfs),
    Target("zpool", lambda: _corpus("zpool") + _fixtures("zpool") + _host_commands("zpool"), _run_zpool),
    Target("dmsetup", _dmsetup_seeds, _run_dmsetup),
    Target("hwraid", lambda: _hwraid_seeds("*"), _run_hwraid),
    *(_hwraid_module_target(tool) for tool in _hwraid_tools()),
]
TARGET_NAMES = [t.name for t in TARGETS]
_SEEDS: dict[str, list[str]] = {}


def seeds(target: Target) -> list[str]:
    if target.name not in _SEEDS:
        _SEEDS[target.name] = [s for s in target.seeds() if s.strip()]
    return _SEEDS[target.name]


# ------------------------------------------------------------------------------------- mutations

JUNK_WORDS = (
    ".",
    "-",
    "inf",
    "nan",
    "1e999",
    "-1e999",
    "NaN",
    "-0",
    "1.",
    ".5",
    "0x",
    "%",
    "",
    "+1",
    "1_000",
)
# Arabic-Indic, Devanagari, fullwidth and mathematical digits are `\d` and int()-able; superscript two is
# str.isdigit() but not int()-able; U+FFFD is what a wrong decoding leaves
UNICODE_DIGITS = ("\u0663", "\u096d", "\uff13", "\U0001d7d7", "\u00b2", "\ufffd")
BINARY_JUNK = ("\x00", "\x1b[31m", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\ufeff", "\udcff", "\x7f")
_DIGITS_RE = re.compile(r"[0-9]+")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _pick(lines: list[str], n: int) -> int:
    return n % len(lines) if lines else 0


# Ops compound (a long line made long again): a mutated line is cut at LINE_CAP (still far over
# bounds.MAX_LINE) and no further op is applied once the text passes TEXT_CAP, so memory stays small.
LINE_CAP = 200_000
TEXT_CAP = 2_000_000


def mutate(text: str, ops: list[tuple[str, int, int]]) -> str:
    """Apply mutation ops (name, position, variant) to a text, line by line."""
    lines = text.splitlines()
    size = len(text)
    for op, pos, variant in ops:
        if size > TEXT_CAP:
            break
        if not lines:
            lines = [""]
        i = _pick(lines, pos)
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "shuffle":
            random.Random(variant).shuffle(lines)
        elif op == "swap":
            j = _pick(lines, variant)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "huge-digits":
            width = 5000 + variant % 100
            lines[i] = _DIGITS_RE.sub(lambda m, w=width: m.group()[0] * w, line, count=1 + variant % 3)
        elif op == "long-digits":
            width = 41 + variant % 40
            lines[i] = _DIGITS_RE.sub(lambda m, w=width: "9" * w, line)
        elif op == "junk-number":
            word = JUNK_WORDS[variant % len(JUNK_WORDS)]
            lines[i] = _NUMBER_RE.sub(word, line, count=1 + variant % 2)
        elif op == "junk-insert":
            word = JUNK_WORDS[variant % len(JUNK_WORDS)]
            at = (variant // 7) % (len(line) + 1)
            lines[i] = line[:at] + word + line[at:]
        elif op == "unicode-digits":
            digit = UNICODE_DIGITS[variant % len(UNICODE_DIGITS)]
            lines[i] = _DIGITS_RE.sub(lambda m, d=digit: d * len(m.group()), line)
        elif op == "long-line":  # (a line made long before is cut first: the stretch is not compounded)
            lines[i] = long_line(line[: LINE_CAP // 100], variant)
        elif op == "binary":
            junk = BINARY_JUNK[variant % len(BINARY_JUNK)]
            at = (variant // 11) % (len(line) + 1)
            lines[i] = line[:at] + junk + line[at:]
        elif op == "truncate":
            lines[i] = line[: variant % (len(line) + 1)]
        elif op == "blank-lines":  # a run of empty or blank lines (a `^\s*` under re.M runs across them)
            lines[i:i] = [" " * (variant % 3)] * (2000 + variant % 3000)
        if i < len(lines) and len(lines[i]) > LINE_CAP:
            lines[i] = lines[i][:LINE_CAP]
        size = sum(map(len, lines)) + len(lines)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def long_line(line: str, variant: int, factor: int = 2000) -> str:
    """One line made long in one of the ways that make backtracking regexes slow."""
    kind = variant % 6
    if kind == 0:  # every run of blanks made long
        return re.sub(r"[ \t]+", lambda m: m.group() * factor, line) if line.strip() else " " * factor
    if kind == 1:  # the line repeated on itself
        return " ".join([line] * max(1, factor // max(1, len(line) // 8)))
    if kind == 2:  # one word repeated
        words = line.split()
        if not words:
            return "x" * factor
        w = words[variant // 6 % len(words)]
        return line.replace(w, w * max(1, factor // max(1, len(w))), 1)
    if kind == 3:  # blanks, then the end of the line
        mid = len(line) // 2
        return line[:mid] + " " * factor + line[mid:]
    if kind == 4:  # a long tail without blanks
        return line + "x" * factor
    return line + " " * factor + "y"  # a long blank run before a last word


OPS = (
    "delete",
    "duplicate",
    "shuffle",
    "swap",
    "huge-digits",
    "long-digits",
    "junk-number",
    "junk-insert",
    "unicode-digits",
    "long-line",
    "binary",
    "truncate",
    "blank-lines",
)
op_strategy = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=4
)


def check_only_parse_errors(target: Target, text: str) -> None:
    """Only ParseError may leave the parser, and not the catch-all that mdadm and parse_hwraid wrap a
    parser's own bug in ("internal parser error"): that would be a bug too, only a politer one."""
    try:
        target.run(text)
    except ParseError as exc:
        assert str(exc), f"{target.name}: a ParseError without a message"
        assert "internal parser error" not in str(exc), f"{target.name}: {exc}"


def target(name: str) -> Target:
    return next(t for t in TARGETS if t.name == name)


def _seeds_or_skip(t: Target) -> list[str]:
    texts = seeds(t)
    if not texts:
        pytest.skip(NO_CORPUS if not CORPUS.is_dir() else f"{t.name}: no recorded output to start from")
    return texts


# ------------------------------------------------------------------ (a) only ParseError escapes


SWEEP_LINES = 10  # lines of the output each mutation class is applied to, one at a time


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_every_mutation_class_raises_only_parse_error(name):
    """Each mutation class once on a few lines of a real output (deterministic: every class is covered on
    every run, whatever hypothesis draws below)."""
    t = target(name)
    texts = _seeds_or_skip(t)
    text = max(texts[:8], key=len)
    n = max(1, len(text.splitlines()))
    for op in OPS:
        for pos in sorted({(k * n) // SWEEP_LINES for k in range(SWEEP_LINES)}):
            check_only_parse_errors(t, mutate(text, [(op, pos, 7 * pos + 3)]))


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_hypothesis_mutations_raise_only_parse_error(name):
    t = target(name)
    texts = _seeds_or_skip(t)

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.integers(0, len(texts) - 1), op_strategy)
    def check(i: int, ops: list[tuple[str, int, int]]) -> None:
        check_only_parse_errors(t, mutate(texts[i], ops))

    check()


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_arbitrary_text_raises_only_parse_error(name):
    t = target(name)

    @settings(max_examples=30, deadline=None, database=None)
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        check_only_parse_errors(t, text)

    check()


def test_numbers_are_bounded_ascii_and_finite():
    from raidwatch.parsers.bounds import round_int, to_float, to_hex, to_int

    assert to_int("123") == 123 and to_int(" 7 ") == 7 and to_int("-3", signed=True) == -3
    for bad in ("", ".", "-1", "+1", "1_000", "1e3", "\u0663", "\uff13", "\u00b2", "9" * 41, "9" * 5000):
        assert to_int(bad) is None, bad
    assert to_int("9" * 40) == int("9" * 40)
    assert to_float("12.5") == 12.5 and to_float(".5") == 0.5
    for bad in (".", "-", "inf", "nan", "1e999", "1.", "\u0663.5", "1" * 41):
        assert to_float(bad) is None, bad
    assert to_hex("0x1F") == 31 and to_hex("f" * 41) is None
    assert round_int(float("inf")) is None and round_int(float("nan")) is None and round_int(2.5) == 2


def test_a_line_over_the_limit_is_refused_naming_it():
    from raidwatch.parsers.bounds import MAX_LINE
    from raidwatch.parsers.smartctl import parse_smartctl_text

    text = "smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)\n" + "x" * (MAX_LINE + 1) + "\n"
    with pytest.raises(ParseError) as err:
        parse_smartctl_text(text, "sda.txt")
    assert err.value.line == 2 and f"{MAX_LINE + 1} characters" in str(err.value)


# ----------------------------------------------------------------------- (b) time is linear


def _best_of(fn: Callable[[], Any], n: int) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        with contextlib.suppress(ParseError):
            fn()
        best = min(best, time.perf_counter() - start)
    return best


LONG_FACTOR = 100  # one line made about this much longer
RATIO_SLACK = 8  # time ratio allowed over the size ratio (noise, caches, a parser's per-line constant)
LINES_PER_TARGET = 20
SEEDS_PER_TARGET = 3


def _stretched(line: str) -> list[tuple[str, str]]:
    """One line made ~LONG_FACTOR times longer in the ways that make backtracking regexes slow."""
    f = LONG_FACTOR
    mid = len(line) // 2
    out = [
        ("blanks", re.sub(r"[ \t]+", lambda m: m.group() * f, line)),
        ("repeated", " ".join([line] * f)),
        ("digits", re.sub(r"[0-9]+", lambda m: m.group() * f, line)),
        ("tail", line + " " * (len(line) * f) + "x"),
        ("mid-blanks", line[:mid] + " " * (len(line) * f) + line[mid:]),
        ("mid-digits", line[:mid] + "9" * (len(line) * f) + line[mid:]),
        ("blank-lines", line + "\n" * (f // 2) + " \n" * (f // 2)),
    ]
    words = line.split()
    if words:
        w = max(words, key=len)
        out.append(("word", line.replace(w, w * f, 1)))
    return [(k, v) for k, v in out if v != line]


def _linearity_failures(t: Target, text: str) -> list[str]:
    lines = text.splitlines()
    picks = sorted({(i * len(lines)) // LINES_PER_TARGET for i in range(LINES_PER_TARGET)})
    base = _best_of(lambda: t.run(text), 5)
    failures = []
    for i in picks:
        if not lines[i].strip():
            continue
        for kind, long_line in _stretched(lines[i]):
            mutated = "\n".join([*lines[:i], long_line, *lines[i + 1 :]])
            # the input's size in characters and in lines (a parser's per-line work counts too)
            size_ratio = max(len(mutated) / max(1, len(text)), mutated.count("\n") / max(1, text.count("\n")))
            took = _best_of(lambda m=mutated: t.run(m), 1)
            if took > RATIO_SLACK * size_ratio * base:  # measure both again, best of several, to damp noise
                base = min(base, _best_of(lambda: t.run(text), 7))
                took = _best_of(lambda m=mutated: t.run(m), 7)
            if took > RATIO_SLACK * size_ratio * base:
                why = f"{took / base:.0f}x the time for {size_ratio:.1f}x the size"
                failures.append(f"{t.name} line {i + 1} ({kind}): {why}")
    return failures


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_time_is_linear_in_a_long_line(name):
    """A real output, then the same with one line ~100x longer: the time grows no faster than the size
    (within RATIO_SLACK), for several lines of the file and several ways of making the line long."""
    t = target(name)
    texts = sorted(_seeds_or_skip(t), key=len)
    picks = {texts[0], texts[len(texts) // 2], texts[-1]}  # the smallest, a middling and the largest output
    failures = [f for text in sorted(picks)[:SEEDS_PER_TARGET] for f in _linearity_failures(t, text)]
    assert not failures, "\n".join(failures)


def test_hwraid_detection_reads_a_bounded_head():
    """Telling the tools apart costs the same for a huge output as for 64 KiB of it: detect_tool reads only
    the head, whatever the size (the issue's auto-detection ran every detector over every line)."""
    from raidwatch.parsers.bounds import DETECT_HEAD
    from raidwatch.parsers.hwraid import detect_tool

    texts = _seeds_or_skip(target("hwraid"))
    text = next(x for x in texts if "\n" in x and detect_tool(x) is not None)
    medium = text * (DETECT_HEAD // len(text) + 2)  # a little over the head
    huge = text * (50 * DETECT_HEAD // len(text) + 2)  # ~50 heads
    assert detect_tool(huge) is detect_tool(medium)
    t_medium = _best_of(lambda: detect_tool(medium), 5)
    t_huge = _best_of(lambda: detect_tool(huge), 5)
    assert t_huge <= RATIO_SLACK * t_medium, f"detection {t_huge / t_medium:.0f}x slower on ~50x the text"


# ----------------------------------------------------------------- (c) one bad block keeps the rest


def _corpus_file(rel: str) -> str:
    p = CORPUS / rel
    if not p.is_file():
        pytest.skip(NO_CORPUS if not CORPUS.is_dir() else f"corpus file missing: {p}")
    return _read(p)


def test_mdstat_one_garbled_array_keeps_the_others():
    from raidwatch.parsers.bounds import MAX_LINE
    from raidwatch.parsers.mdstat import parse_mdstat

    text = _corpus_file("mdstat/prometheus-procfs/mdstat")
    good = parse_mdstat(text, "mdstat")
    names = [a.name for a in good.arrays]
    assert len(names) >= 5 and not good.errors
    victim = names[2]
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith(f"{victim} :"))
    for garbled in (
        f"{victim} : rebuilding-ish raid1 sda[0]",  # not active/inactive
        lines[at] + " " + "x" * (MAX_LINE + 10),  # a line over the limit
    ):
        res = parse_mdstat("\n".join([*lines[:at], garbled, *lines[at + 1 :]]), "mdstat")
        assert [a.name for a in res.arrays] == [n for n in names if n != victim]
        assert len(res.errors) == 1 and res.errors[0].line == at + 1
        kept = {a.name: a for a in res.arrays}
        assert all(kept[a.name] == a for a in good.arrays if a.name != victim)
    # a status line whose counts are no numbers: that array is left out, not the file
    status = next(i for i in range(at + 1, len(lines)) if "[" in lines[i] and "/" in lines[i])
    bad = re.sub(r"\[(\d+)/", lambda m: "[" + "9" * 5000 + "/", lines[status], count=1)
    res = parse_mdstat("\n".join([*lines[:status], bad, *lines[status + 1 :]]), "mdstat")
    assert [a.name for a in res.arrays] == [n for n in names if n != victim]
    assert "not a number" in str(res.errors[0])


def test_zpool_one_garbled_pool_keeps_the_others():
    from raidwatch.parsers.zpool import parse_zpool_status

    a = _corpus_file("zpool/danjl1100-zpool-status-exporter/input-03-resilvered.txt")
    b = _corpus_file("zpool/danjl1100-zpool-status-exporter/input-06-removed.txt")
    b_name = parse_zpool_status(b).pools[0].name
    a_bad = a.replace("\tNAME        STATE", "\tNOPE        STATE", 1)  # its config has no NAME header
    text = a_bad.rstrip("\n") + "\n\n" + b
    with pytest.raises(ParseError):  # by default a pool is never dropped silently
        parse_zpool_status(text, "zpool status")
    res = parse_zpool_status(text, "zpool status", keep_going=True)
    assert [p.name for p in res.pools] == [b_name]
    assert res.pools[0] == parse_zpool_status(b).pools[0]
    assert len(res.errors) == 1 and "NAME STATE" in str(res.errors[0])


def test_btrfs_one_unreadable_filesystem_keeps_the_others():
    from raidwatch.parsers.bounds import MAX_LINE
    from raidwatch.parsers.btrfs import parse_filesystem_show

    a = _corpus_file("btrfs/linux-btrfs-ml-archive/rollo-fi-show-raid1-3dev.txt")
    b = _corpus_file("btrfs/linux-btrfs-ml-archive/rollo-fi-show-some-devices-missing.txt")
    first = a.splitlines()
    text = "\n".join([first[0], "x" * (MAX_LINE + 1), *first[1:]]) + "\n" + b
    with pytest.raises(ParseError):
        parse_filesystem_show(text)
    res = parse_filesystem_show(text, keep_going=True)
    assert res.filesystems == parse_filesystem_show(b).filesystems and len(res.errors) == 1


def test_hwraid_one_garbled_drive_keeps_the_others():
    from raidwatch.parsers.hwraid import parse_hwraid

    text = _corpus_file("hwraid/glensc-check-raid/megacli/megacli.pdlist.1")
    good = parse_hwraid(text, "pdlist")
    assert len(good.physical_drives) >= 4
    # garble the third drive's block: huge and broken numbers, junk state and size
    blocks = text.split("Enclosure Device ID:")
    for key, junk in (
        ("Media Error Count", "9" * 5000),
        ("Other Error Count", "."),
        ("Firmware state", "\x1b[31m\ufffd??"),
        ("Raw Size", "9" * 400 + ".5 TB [0x" + "f" * 60 + " Sectors]"),
    ):
        blocks[3], n = re.subn(rf"(?m)^{key}: .*$", f"{key}: {junk}", blocks[3])
        assert n == 1, key
    res = parse_hwraid("Enclosure Device ID:".join(blocks), "pdlist")
    assert [p.id for p in res.physical_drives] == [p.id for p in good.physical_drives]
    bad_id = good.physical_drives[2].id
    for before, after in zip(good.physical_drives, res.physical_drives, strict=True):
        if after.id != bad_id:
            assert after == before
    bad = next(p for p in res.physical_drives if p.id == bad_id)
    assert bad.status == "unknown" and bad.media_errors is None and bad.other_errors is None
    assert bad.size_bytes is None and bad.model == good.physical_drives[2].model
    assert any("unknown firmware state" in w for w in res.warnings)


def test_cli_parse_prints_the_readable_pools_and_names_the_unreadable_one(tmp_path, capsys):
    from raidwatch import cli

    a = _corpus_file("zpool/danjl1100-zpool-status-exporter/input-03-resilvered.txt")
    b = _corpus_file("zpool/danjl1100-zpool-status-exporter/input-06-removed.txt")
    f = tmp_path / "two-pools.txt"
    f.write_text(a.replace("\tNAME        STATE", "\tNOPE        STATE", 1).rstrip("\n") + "\n\n" + b)
    assert cli.main(["parse", "zpool", str(f), "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert len(doc["pools"]) == 1 and len(doc["errors"]) == 1
    assert err.count("\n") == 1 and "NAME STATE" in err and "Traceback" not in err
