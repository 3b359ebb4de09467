"""The collection engine: runs collector groups, keeps each one's last good data, assembles, renders and
swaps in complete snapshots. The HTTP server only reads `Engine.published`."""

from __future__ import annotations

import gzip
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from raidwatch import __version__
from raidwatch.collectors import Collector, Contribution, create
from raidwatch.model import CollectorRun, Problem, Severity
from raidwatch.probe import Probe
from raidwatch.settings import Settings
from raidwatch.snapshot import CollectorStatus, Snapshot

log = logging.getLogger("raidwatch.daemon")

SLOW_COLLECTORS = frozenset({"smart"})


@dataclass
class _Slot:
    """The latest word from one collector, and the last good one."""

    run: CollectorRun | None = None
    contribution: Contribution = field(default_factory=Contribution)
    good: Contribution | None = None
    last_success: float | None = None
    last_run: float | None = None


@dataclass(frozen=True)
class Published:
    """What /metrics serves: rendered once per snapshot."""

    snapshot: Snapshot
    body: bytes
    body_gzip: bytes


class Engine:
    """Runs collector groups, assembles snapshots, renders them, swaps them in atomically."""

    def __init__(self, settings: Settings, probe: Probe, policy: Any, policy_path: str | None) -> None:
        self.settings = settings
        self.probe = probe
        self.policy = policy
        self.policy_path = policy_path
        self.collectors: list[Collector] = create(list(settings.collectors) if settings.collectors else None)
        self.slots: dict[str, _Slot] = {c.name: _Slot() for c in self.collectors}
        self._lock = threading.Lock()  # guards slots and the assembly
        self.published: Published | None = None
        self.last_fast_run: float | None = None
        self.builds = 0
        self.test_page_until: float | None = None  # unix time an operator's test page ends
        from raidwatch.history import History

        self.history = History.load(settings.state_file)

    def groups(self) -> tuple[list[Collector], list[Collector]]:
        fast = [c for c in self.collectors if c.name not in SLOW_COLLECTORS]
        slow = [c for c in self.collectors if c.name in SLOW_COLLECTORS]
        return fast, slow

    def run(self, group: list[Collector]) -> None:
        """Run one group of collectors and publish a new snapshot. Never raises."""
        from raidwatch.inventory import run_collectors

        try:
            _, results = run_collectors(self.probe, group)
        except Exception as exc:  # e.g. the probe's header could not be read
            log.error("collection failed: %s: %s", type(exc).__name__, exc)
            results = [
                (
                    CollectorRun(
                        c.name, False, 0.0, problems=(Problem(c.name, c.name, str(exc), Severity.CRITICAL),)
                    ),
                    Contribution(),
                )
                for c in group
            ]
        now = time.time()
        with self._lock:
            for run, contrib in results:
                slot = self.slots[run.name]
                slot.run, slot.last_run = run, now
                if run.success:
                    slot.contribution = slot.good = contrib
                    slot.last_success = now
                else:
                    # keep serving what it last read, alongside the problems of this run (marked stale)
                    slot.contribution = replace(slot.good or Contribution(), problems=contrib.problems)
            self._publish(now)

    def _publish(self, now: float) -> None:
        from raidwatch.exporter import render_metrics
        from raidwatch.findings import evaluate
        from raidwatch.inventory import build_inventory

        runs = [(s.run, s.contribution) for s in self.slots.values() if s.run is not None]
        try:
            header = self.probe.header()
            inv = build_inventory(header, runs, collected_at=now)
            evaluation = None
            gone = self.history.observe(inv, now)
            if self.policy is not None:
                host_policy = self.policy.for_host(header.hostname)
                evaluation = evaluate(inv, host_policy, extra=gone)
            stale = [
                n
                for n, s in self.slots.items()
                if s.run is not None and not s.run.success and not s.run.skipped
            ]
            statuses = tuple(
                CollectorStatus(
                    name=n,
                    success=s.run.success,
                    duration_seconds=s.run.duration_seconds,
                    last_run=s.last_run or now,
                    last_success=s.last_success,
                    skipped=s.run.skipped,
                    error="; ".join(p.message for p in s.run.problems) if not s.run.success else None,
                )
                for n, s in self.slots.items()
                if s.run is not None
            )
            snap = Snapshot(
                inventory=inv,
                evaluation=evaluation,
                taken_at=now,
                collectors=statuses,
                stale=bool(stale),
                stale_reason=f"collector(s) failing, serving their last good data: {', '.join(stale)}"
                if stale
                else None,
                policy_path=self.policy_path,
                build={"version": __version__, "python": sys.version.split()[0]},
            )
            body = render_metrics(snap, self._test_page(now))
        except Exception as exc:  # keep the last good snapshot, say why
            log.error(
                "could not assemble a snapshot (serving the previous one): %s: %s", type(exc).__name__, exc
            )
            if self.published is not None:
                old = self.published.snapshot
                if not old.stale:
                    snap = replace(old, stale=True, stale_reason=f"assembly failed: {exc}")
                    try:
                        body = render_metrics(snap, self._test_page(now))
                        self.published = Published(snap, body, gzip.compress(body, 6))
                    except Exception:  # the renderer itself fails: leave the old bytes in place
                        log.exception("renderer failed")
            return
        self.published = Published(snap, body, gzip.compress(body, 6))  # one reference swap
        self.builds += 1

    def reload(self, policy: Any, policy_path: str | None) -> None:
        with self._lock:
            self.policy, self.policy_path = policy, policy_path
            self._publish(time.time())

    # ---- test page: SIGUSR1 (the main loop calls these; the signal handler only counts)

    def _test_page(self, now: float):  # type: ignore[no-untyped-def]
        from raidwatch.exporter import TestPage

        until = self.test_page_until
        return TestPage(until=until) if until is not None and now < until else None

    def _rerender(self, now: float) -> None:
        """Render the published snapshot again (the test page changed); keep the old bytes on error."""
        from raidwatch.exporter import render_metrics

        pub = self.published
        if pub is None:
            return  # the first snapshot will carry it
        try:
            body = render_metrics(pub.snapshot, self._test_page(now))
        except Exception as exc:
            log.error("could not render the test page: %s: %s", type(exc).__name__, exc)
            return
        self.published = Published(pub.snapshot, body, gzip.compress(body, 6))

    def start_test_page(self, now: float | None = None) -> float:
        """Expose the test page for settings.test_page_duration from now (again if one runs)."""
        now = time.time() if now is None else now
        with self._lock:
            running = self.test_page_until is not None and now < self.test_page_until
            until = self.test_page_until = now + self.settings.test_page_duration
            self._rerender(now)
        log.info(
            "test page %s: raidwatch_test_page_active 1 and a critical finding code=test-page until %s "
            "(%.0fs); the shipped rules page with RaidwatchTestPage",
            "extended" if running else "started",
            time.strftime("%H:%M:%S", time.localtime(until)),
            self.settings.test_page_duration,
        )
        return until

    def tick_test_page(self, now: float | None = None) -> bool:
        """End an expired test page; True when one ended now."""
        now = time.time() if now is None else now
        if self.test_page_until is None or now < self.test_page_until:
            return False
        with self._lock:
            self.test_page_until = None
            self._rerender(now)
        log.info("test page ended: raidwatch_test_page_active 0")
        return True


def collection_loop(
    engine: Engine,
    group: list[Collector],
    interval: float,
    name: str,
    stop: threading.Event,
    on_done: Callable[[], None] | None = None,
) -> None:
    """Run one collector group every `interval` seconds until `stop` is set."""
    while not stop.is_set():
        started = time.monotonic()
        engine.run(group)
        if on_done is not None:
            on_done()
        took = time.monotonic() - started
        if took > interval:
            log.warning("%s collection took %.1fs, longer than its %.0fs interval", name, took, interval)
        stop.wait(max(interval - took, 1.0))
