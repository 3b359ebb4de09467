"""The collection engine: runs collector groups, keeps each one's last good data, assembles, renders and
swaps in complete snapshots. The HTTP server only reads `Engine.published`.

Every collector run happens in a worker thread of its own, with a deadline. The group waits for its
runs a bounded time (half its interval), publishes, and goes on: a run that has not returned by its
deadline is **wedged** — its slot keeps serving the last good data (with their age), the collector is
stale, a finding and metrics say so, and it is not started again while that run is still stuck (at most
one thread per collector). When the run finally returns, its result is used like any other. Freshness is
per collector: wedged, failed (its latest run failed: a critical problem or an exception) or stale (its
last success older than its group's interval plus its deadline); `health()` and `watchdog_ok()` read it.
"""

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
from raidwatch.findings import Blindness
from raidwatch.model import CollectorRun, Problem, Severity
from raidwatch.probe import Probe
from raidwatch.settings import Settings
from raidwatch.snapshot import CollectorStatus, Snapshot

log = logging.getLogger("raidwatch.daemon")

SLOW_COLLECTORS = frozenset({"smart"})
GROUPS = ("fast", "smart")
# Default deadlines of one run: twice the group's interval, at least DEADLINE_FLOOR, at most the cap (SMART
# may need long: its sweep reads every disk, 4 at a time, each bounded by the collector's own timeout).
DEADLINE_FLOOR = 60.0
DEADLINE_CAP = {"fast": 900.0, "smart": 1800.0}
# States of a collector's freshness: the first three are fine, the last three are blind.
FINE = ("fresh", "pending", "skipped")
BLIND = ("wedged", "failed", "stale")


def group_of(name: str) -> str:
    """The group a collector runs in: "smart" (its own, slow schedule) or "fast"."""
    return "smart" if name in SLOW_COLLECTORS else "fast"


def default_deadline(group: str, interval: float) -> float:
    """How long one run of a collector of `group` may take before it counts as wedged."""
    return min(max(2.0 * interval, DEADLINE_FLOOR), DEADLINE_CAP.get(group, DEADLINE_CAP["fast"]))


@dataclass
class _InFlight:
    """A run that has started and not returned yet."""

    started: float  # unix time
    started_mono: float
    thread: threading.Thread | None = None
    waited: bool = True  # the group that started it still waits for it (False: it publishes itself)
    reported: bool = False  # "wedged" was logged


@dataclass
class _Slot:
    """The latest word from one collector, and the last good one."""

    run: CollectorRun | None = None  # the latest finished run
    contribution: Contribution = field(default_factory=Contribution)
    good: Contribution | None = None
    last_success: float | None = None
    last_run: float | None = None
    failing_since: float | None = None  # first failed run of the current streak
    in_flight: _InFlight | None = None
    starts: int = 0  # runs started
    held_back: int = 0  # runs not started because the previous one had not returned


@dataclass(frozen=True)
class Freshness:
    """One collector's freshness at a moment: `state` is one of FINE or BLIND."""

    name: str
    state: str
    since: float | None = None  # when it became blind
    why: str = ""
    age: float | None = None  # seconds since its last success; None if it never succeeded
    deadline: float = 0.0
    limit: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state in FINE


@dataclass(frozen=True)
class Published:
    """What /metrics serves: rendered once per snapshot."""

    snapshot: Snapshot
    body: bytes
    body_gzip: bytes


class Engine:
    """Runs collector groups, assembles snapshots, renders them, swaps them in atomically."""

    def __init__(
        self,
        settings: Settings,
        probe: Probe,
        policy: Any,
        policy_path: str | None,
        timeouts: dict[str, float] | None = None,
    ) -> None:
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
        self.started_at = time.time()
        # per group: how long one run may take. Settings may name them (collector_timeout, smart_timeout);
        # `timeouts` (tests, embedding) wins.
        self.timeouts: dict[str, float] = {
            "fast": float(
                getattr(settings, "collector_timeout", None) or default_deadline("fast", settings.interval)
            ),
            "smart": float(
                getattr(settings, "smart_timeout", None) or default_deadline("smart", settings.smart_interval)
            ),
        }
        self.timeouts.update(timeouts or {})
        # the configuration: loaded at start-up; SIGHUP reloads report through note_reload
        self.config_loaded_at = self.started_at
        self.reload_ok = True
        self.reload_error: str | None = None
        self.reload_attempted_at: float | None = None
        from raidwatch.history import History

        self.history = History.load(settings.state_file)

    def groups(self) -> tuple[list[Collector], list[Collector]]:
        fast = [c for c in self.collectors if group_of(c.name) == "fast"]
        slow = [c for c in self.collectors if group_of(c.name) == "smart"]
        return fast, slow

    # ---- schedule: deadlines and freshness limits

    def interval(self, name: str) -> float:
        """The interval of the group a collector runs in."""
        return self.settings.smart_interval if group_of(name) == "smart" else self.settings.interval

    def deadline(self, name: str) -> float:
        """How long one run of the collector may take before it is wedged."""
        return self.timeouts[group_of(name)]

    def limit(self, name: str) -> float:
        """How old the collector's last good data may be and still count as fresh: a run starts every
        interval and may take up to its deadline."""
        return self.interval(name) + self.deadline(name)

    # ---- running collectors

    def run(self, group: list[Collector]) -> None:
        """Run one group of collectors and publish a new snapshot. Never raises, never blocks longer than
        half the group's interval (or its deadline, if shorter): what has not returned by then publishes
        itself when it does."""
        started: list[tuple[Collector, _InFlight]] = []
        with self._lock:
            for col in group:
                flight = self._start(col)
                if flight is not None:
                    started.append((col, flight))
        for col, flight in started:
            if flight.thread is None:
                continue
            patience = min(self.interval(col.name) / 2.0, self.deadline(col.name))
            flight.thread.join(max(flight.started_mono + patience - time.monotonic(), 0.0))
        with self._lock:
            for _col, flight in started:
                flight.waited = False  # from now on it publishes its own result
            self._publish(time.time())

    def _start(self, col: Collector) -> _InFlight | None:
        """Start one run of `col` in a worker thread (lock held); None when its previous run is still out."""
        slot = self.slots.setdefault(col.name, _Slot())
        if slot.in_flight is not None:
            slot.held_back += 1
            log.debug(
                "collector %s: its run started %.0fs ago has not returned; not starting another",
                col.name,
                time.time() - slot.in_flight.started,
            )
            return None
        flight = _InFlight(started=time.time(), started_mono=time.monotonic())
        thread = threading.Thread(
            target=self._work, args=(col, flight), daemon=True, name=f"collector-{col.name}"
        )
        flight.thread = thread
        slot.in_flight = flight
        slot.starts += 1
        try:
            thread.start()
        except RuntimeError as exc:  # no thread to be had (TasksMax, memory): a failed run, said loudly
            slot.in_flight = None
            log.error("collector %s: could not start a worker thread: %s", col.name, exc)
            problem = Problem(
                col.name, col.name, f"could not start a worker thread: {exc}", Severity.CRITICAL
            )
            self._store(
                slot, CollectorRun(col.name, False, 0.0, problems=(problem,)), Contribution(), time.time()
            )
            return None
        return flight

    def _work(self, col: Collector, flight: _InFlight) -> None:
        """A worker thread: one run of one collector, its result stored whenever it comes."""
        from raidwatch.inventory import run_collectors

        run: CollectorRun | None = None
        contrib = Contribution()
        try:
            _header, results = run_collectors(self.probe, [col])
            run, contrib = results[0]
        except Exception as exc:  # e.g. the probe's header could not be read
            log.error("collector %s: %s: %s", col.name, type(exc).__name__, exc)
            problem = Problem(
                col.name, col.name, f"collector failed: {type(exc).__name__}: {exc}", Severity.CRITICAL
            )
            run = CollectorRun(col.name, False, time.monotonic() - flight.started_mono, problems=(problem,))
        finally:
            if run is None:  # not an Exception (SystemExit from a plugin, ...): still a result, never a ghost
                problem = Problem(col.name, col.name, "collector run ended abnormally", Severity.CRITICAL)
                run = CollectorRun(
                    col.name, False, time.monotonic() - flight.started_mono, problems=(problem,)
                )
            finished = time.time()
            took = time.monotonic() - flight.started_mono
            with self._lock:
                slot = self.slots.setdefault(col.name, _Slot())
                if slot.in_flight is flight:
                    slot.in_flight = None
                self._store(slot, run, contrib, finished)
                deadline = self.deadline(col.name)
                if took > deadline:
                    log.warning(
                        "collector %s returned after %.0fs (wedged past its %.0fs deadline); its result is "
                        "used again",
                        col.name,
                        took,
                        deadline,
                    )
                elif took > self.interval(col.name):
                    log.warning(
                        "collector %s took %.1fs, longer than its %.0fs interval",
                        col.name,
                        took,
                        self.interval(col.name),
                    )
                if not flight.waited:
                    self._publish(finished)

    def _store(self, slot: _Slot, run: CollectorRun, contrib: Contribution, now: float) -> None:
        """Keep a finished run's result (lock held): a failed run keeps serving the last good data."""
        slot.run, slot.last_run = run, now
        if run.success:
            slot.contribution = slot.good = contrib
            slot.last_success = now
            slot.failing_since = None
        else:
            # keep serving what it last read, alongside the problems of this run (marked stale)
            slot.contribution = replace(slot.good or Contribution(), problems=contrib.problems)
            if slot.failing_since is None:
                slot.failing_since = now

    # ---- freshness

    def freshness(self, name: str, now: float | None = None) -> Freshness:
        """How fresh one collector's data are at `now` (unix time)."""
        now = time.time() if now is None else now
        slot = self.slots.get(name) or _Slot()
        deadline, limit = self.deadline(name), self.limit(name)
        age = None if slot.last_success is None else max(now - slot.last_success, 0.0)

        def state(s: str, since: float | None = None, why: str = "") -> Freshness:
            return Freshness(name, s, since, why, age, deadline, limit)

        flight = slot.in_flight
        if flight is not None and now - flight.started > deadline:
            return state(
                "wedged",
                flight.started,
                f"its run has not returned after {now - flight.started:.0f}s (deadline {deadline:.0f}s); "
                "not started again until it does",
            )
        run = slot.run
        if run is not None and run.skipped:
            return state("skipped")
        if run is not None and not run.success:
            why = "; ".join(p.message for p in run.problems if p.severity is Severity.CRITICAL)
            why = why or "; ".join(p.message for p in run.problems) or "its latest run failed"
            return state("failed", slot.failing_since or slot.last_run, why)
        if slot.last_success is not None and age is not None and age > limit:
            return state(
                "stale",
                slot.last_success + limit,
                f"no successful run for {age:.0f}s (its limit is {limit:.0f}s: interval "
                f"{self.interval(name):.0f}s + deadline {deadline:.0f}s)",
            )
        if run is None and flight is None and now - self.started_at > limit:
            return state(
                "stale",
                self.started_at + limit,
                f"has not run in the {now - self.started_at:.0f}s since start-up",
            )
        return state("pending" if run is None else "fresh")

    def freshness_all(self, now: float | None = None) -> list[Freshness]:
        now = time.time() if now is None else now
        return [self.freshness(n, now) for n in list(self.slots)]

    def health(self, now: float | None = None) -> tuple[bool, str]:
        """(ok, one line) for /healthz: ok only with a snapshot published, every collector that applies
        fresh, and none wedged. The line names the worst offenders (wedged, then failed, then stale)."""
        now = time.time() if now is None else now
        if self.published is None:
            return False, "starting: no snapshot yet"
        bad = [f for f in self.freshness_all(now) if not f.ok]
        if not bad:
            return True, "ok"
        bad.sort(key=lambda f: (BLIND.index(f.state), -(now - (f.since or now))))
        shown = [f"{f.name} {f.state}: {f.why}" for f in bad[:3]]
        more = f"; and {len(bad) - 3} more" if len(bad) > 3 else ""
        return False, "; ".join(shown) + more

    def watchdog_ok(self, now: float | None = None) -> bool:
        """For sd_notify WATCHDOG=1: the fast collection loop is alive — each fast collector that is not
        out on a run finished one (successful or not) within its limit. A wedged collector does NOT stop
        the pings: a restart cannot end a read stuck in the kernel (D state), the stuck thread can even
        keep the old process from exiting, and a restart loop would blank every other collector's data
        each time. A wedge is loud instead (finding, metric, alert, /healthz 503); a dead loop restarts."""
        now = time.time() if now is None else now
        for name, slot in list(self.slots.items()):
            if group_of(name) != "fast":
                continue
            f = self.freshness(name, now)
            if f.state == "wedged":
                continue
            last = slot.last_run if slot.last_run is not None else self.started_at
            if slot.in_flight is None and now - last > f.limit:
                return False
        return True

    # ---- configuration reloads

    def note_reload(self, ok: bool, when: float | None = None, error: str | None = None) -> None:
        """Record a reload (SIGHUP): accepted or rejected (the running configuration kept), and re-render
        the published snapshot so raidwatch_config_reload_success says so at once."""
        when = time.time() if when is None else when
        with self._lock:
            self.reload_ok = ok
            self.reload_error = None if ok else (error or "rejected")
            self.reload_attempted_at = when
            if ok:
                self.config_loaded_at = when
            pub = self.published
            if pub is not None:
                self._rerender(
                    when,
                    replace(
                        pub.snapshot,
                        config_reload_success=self.reload_ok,
                        config_loaded_at=self.config_loaded_at,
                    ),
                )

    # ---- assembling snapshots

    def _statuses(self, now: float) -> tuple[tuple[CollectorStatus, ...], list[Blindness], list[str]]:
        """Per collector: its status and freshness, the blind ones, and a phrase per stale one."""
        statuses: list[CollectorStatus] = []
        blind: list[Blindness] = []
        phrases: list[str] = []
        for name, slot in self.slots.items():
            f = self.freshness(name, now)
            if slot.run is None and f.ok:
                continue  # not run yet and not overdue: nothing to say about it
            if f.state == "wedged" and slot.in_flight is not None and not slot.in_flight.reported:
                slot.in_flight.reported = True
                log.error(
                    "collector %s: no result after %.0fs (its deadline): wedged; serving its last good data "
                    "(%s) and not starting it again until it returns",
                    name,
                    now - slot.in_flight.started,
                    "none yet" if f.age is None else f"{f.age:.0f}s old",
                )
            run = slot.run
            flight = slot.in_flight
            stale = not f.ok
            statuses.append(
                CollectorStatus(
                    name=name,
                    success=run.success if run is not None else None,
                    duration_seconds=run.duration_seconds
                    if run is not None
                    else (now - flight.started if flight is not None else 0.0),
                    last_run=slot.last_run,
                    last_success=slot.last_success,
                    skipped=run.skipped if run is not None else None,
                    error="; ".join(p.message for p in run.problems)
                    if run is not None and not run.success
                    else None,
                    stale=stale,
                    wedged=f.state == "wedged",
                    data_age_seconds=f.age,
                    stale_since=f.since if stale else None,
                    stale_reason=f.why if stale else None,
                )
            )
            if stale:
                blind.append(Blindness(name, f.state, f.since or now, f.why, f.age))
                phrases.append(f"{name} ({f.state})")
        return tuple(statuses), blind, phrases

    def _publish(self, now: float) -> None:
        """Assemble, render and swap in a snapshot (lock held); on error keep the previous one, stale."""
        from raidwatch.exporter import render_metrics
        from raidwatch.findings import evaluate
        from raidwatch.inventory import build_inventory

        runs = [(s.run, s.contribution) for s in self.slots.values() if s.run is not None]
        try:
            header = self.probe.header()
            inv = build_inventory(header, runs, collected_at=now)
            statuses, blind, phrases = self._statuses(now)
            evaluation = None
            gone = self.history.observe(inv, now)
            if self.policy is not None:
                host_policy = self.policy.for_host(header.hostname)
                evaluation = evaluate(inv, host_policy, extra=gone, blind=blind)
            snap = Snapshot(
                inventory=inv,
                evaluation=evaluation,
                taken_at=now,
                collectors=statuses,
                stale=bool(phrases),
                stale_reason=f"collector(s) not fresh, serving their last good data: {', '.join(phrases)}"
                if phrases
                else None,
                policy_path=self.policy_path,
                build={"version": __version__, "python": sys.version.split()[0]},
                config_reload_success=self.reload_ok,
                config_loaded_at=self.config_loaded_at,
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

    def _rerender(self, now: float, snapshot: Snapshot | None = None) -> None:
        """Render the published snapshot (or `snapshot`, a changed copy of it) again; keep the old bytes on
        error."""
        from raidwatch.exporter import render_metrics

        pub = self.published
        if pub is None:
            return  # the first snapshot will carry it
        snap = snapshot or pub.snapshot
        try:
            body = render_metrics(snap, self._test_page(now))
        except Exception as exc:
            log.error("could not render the snapshot again: %s: %s", type(exc).__name__, exc)
            return
        self.published = Published(snap, body, gzip.compress(body, 6))

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
    """Run one collector group every `interval` seconds until `stop` is set. Each round is bounded (see
    Engine.run); an unexpected error is logged and the loop goes on."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            engine.run(group)
        except Exception as exc:  # Engine.run never raises; if it ever does, the loop must not die
            log.error("%s collection failed: %s: %s", name, type(exc).__name__, exc)
        if on_done is not None:
            on_done()
        took = time.monotonic() - started
        stop.wait(max(interval - took, 1.0))
