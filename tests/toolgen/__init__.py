"""Our own renderers of storage tools' outputs (smartctl, zpool, storcli, ssacli, diskutil).

Each module renders one tool's documented output format from values we choose; nothing in here is, or is
derived from, a third-party recorded output (those are read in place from ../shared/corpus by the tests).
"""
