"""``hub demo``: the first path and intercept routing on the embedded stack, narrated.

Starts the broker and PostgreSQL (unless HUB_KAFKA_BOOTSTRAP / HUB_DATABASE_URL point elsewhere), creates topics
and schema, starts the normalise, pseudonymise and sink workers and the router as child processes, replays a
sample file with valid and malformed lines, waits until every line is accounted for and prints what happened.
Then it routes one driver alarm (``hub.intercept_demo``): tram 654 on line 2 reports its GTFS-RT positions, the
police and the Ordnungsamt their units, the driver presses the emergency key, and the router's police and HAVAG
alerts are told in a few lines. The router and a normaliser of its own run on topics of their own (the prefix
``intercept.``), so the scenario's order (the live state, then the alarm) is not mixed into the replayed sample's
thousand events, whose days-old incidents the router would ignore on the wall clock anyway.
Last it prints where to look and stops everything it started.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from hub.config import Settings
from hub.connectors.replay import replay
from hub.console.passwords import hash_password
from hub.deadletter import parse_headers
from hub.devstack import stack_for
from hub.devstack.process import Child
from hub.errors import ConfigError, InvalidEventError
from hub.formats.registry import declared_topics
from hub.formats.replay import map_replay_record
from hub.intercept_demo import TRAM, narrate, scenario, send_all, wait_for_events
from hub.kafka_admin import apply_topology
from hub.kafka_produce import make_producer
from hub.kafka_read import read_topic
from hub.network.tram import load_tram_network
from hub.privacy.keys import KEY_DIR_ENV, KEY_ENV_PREFIX
from hub.privacy.setup import stage_policy
from hub.processes import StageProcess, free_port, spawn_console
from hub.samples import write_sample
from hub.store.events import count_events
from hub.store.migrate import migrate
from hub.store.register import transfer_counts
from hub.topology import dlq_topic, qualified

WAIT_S = 60.0
ALERT_WAIT_S = 30.0  # the router answers a driver alarm within a second or two
INTERCEPT_PREFIX = "intercept."  # added to the topic prefix: the intercept scenario's own topics and groups
LIVE_EVENTS = 5  # the scenario's canonical events before the alarm: two tram positions, three unit reports


def run_demo(settings: Settings, good: int, bad: int, keep_running: bool = False, out: TextIO = sys.stdout) -> int:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    started = time.monotonic()
    say("hub demo: NDJSON file -> raw topic -> faust normaliser -> canonical topics -> PostgreSQL")
    say("          canonical topics -> faust pseudonymiser -> share.<domain>.* topics + transfer register")
    say("          driver alarm, tram and unit positions -> normaliser -> faust router -> alerts.polizei, alerts.havag")
    if demo_keys_needed(settings, os.environ):
        # The pseudonymiser refuses to start without keys; the demo says out loud that it uses throwaway ones.
        settings = settings.model_copy(update={"pseudonym_keys": "demo"})
        say("      WARNING: DEMO pseudonymisation keys, derived from a public seed: anyone can recompute every")
        say("               pseudonym. Never run real data on them (configure keys, see docs/privacy.md).")
    say("[1/7] starting the embedded stack (Tansu broker, PostgreSQL) ...")
    with stack_for(settings) as endpoints:
        settings = settings.with_endpoints(endpoints.kafka_bootstrap, endpoints.database_url)
        say(f"      broker {settings.bootstrap()}, database {settings.database_conninfo()}")

        say("[2/7] creating topics and the database schema ...")
        routed = settings.model_copy(update={"topic_prefix": settings.topic_prefix + INTERCEPT_PREFIX})
        specs = declared_topics()  # with the raw topics of installed format packages: the workers expect them
        changes = apply_topology(settings.bootstrap(), settings.topic_prefix, settings.replication_factor, specs)
        changes += apply_topology(settings.bootstrap(), routed.topic_prefix, settings.replication_factor, specs)
        say(
            f"      {len(changes)} topics declared (half of them with the prefix {routed.topic_prefix!r} for the "
            f"intercept scenario), {sum(c.action == 'created' for c in changes)} created"
        )
        migrate(settings.database_conninfo())
        before = count_events(settings.database_conninfo())

        say(
            "[3/7] starting the workers (faust: normalise, pseudonymise, sink; router with its own normaliser, sink "
            "and alert store) ..."
        )
        logs = settings.state_dir / "logs"
        first_path = [
            StageProcess(settings, stage, free_port(), logs / f"worker-{stage}.log")
            for stage in ("normalise", "pseudonymise", "sink")
        ]
        intercept = [
            StageProcess(routed, "normalise", free_port(), logs / "worker-intercept-normalise.log"),
            StageProcess(routed, "router", free_port(), logs / "worker-router.log"),
            StageProcess(routed, "alert-store", free_port(), logs / "worker-alert-store.log"),
            # The scenario's positions in the events table: the console draws the tram and the unit from there.
            StageProcess(routed, "sink", free_port(), logs / "worker-intercept-sink.log"),
        ]
        workers = first_path + intercept
        try:
            for w in workers:
                w.start()
            for w in workers:
                w.wait_ready(timeout_s=60)
                name = w.stage if w in first_path else f"{w.stage} ({INTERCEPT_PREFIX})"
                say(f"      {name:<24} ready, metrics at {w.metrics_url}, log {w.log_path}")

            sample = write_sample(settings.state_dir / "demo" / "sample.ndjson", good, bad)
            expected_shares = _expected_shares(settings, sample)
            say(f"[4/7] replaying {sample} ({good} valid, {bad} malformed lines) ...")
            stats = replay(settings, sample)
            say(f"      {stats.produced} records produced to raw.replay.ndjson")

            say("[5/7] waiting until every record is stored or dead-lettered ...")
            counts = _wait_until_processed(first_path, workers, stats.produced, expected_shares, say)
            if counts is None:
                return 1
            _report(settings, stats.produced, before, counts, say)

            say(f"[7/7] intercept routing: a silent driver alarm on tram {TRAM} (topics {routed.topic_prefix}*) ...")
            if not _route_driver_alarm(routed, intercept[1], say):
                return 1
            _report_alert_store(routed, intercept[1], intercept[2], say)
            say("")
            say(
                f"logs: {logs}/ (one worker-<stage>.log per worker, worker-intercept-*.log for the scenario's, "
                "tansu.log, postgres.log)"
            )
            if not keep_running:
                say("to look around while it runs: hub demo --keep-running")
            else:
                console = _start_console(routed, logs, say)
                try:
                    _look_around(settings, routed, workers, say)
                    _wait_for_signal(workers, console)
                finally:
                    console.signal_stop()
                    console.wait_or_kill(20)
        finally:
            say("stopping workers and the embedded stack ...")
            # All at once: each takes a second or two to leave its group cleanly.
            with ThreadPoolExecutor(max_workers=len(workers)) as pool:
                list(pool.map(StageProcess.stop, workers))
    say(f"done in {time.monotonic() - started:.0f}s")
    return 0


@dataclass(frozen=True)
class _Counts:
    """The first path's counters once every record is through."""

    normalised_in: float
    normalise_dead: float
    shares: float
    pseudonymise_dead: float


def _wait_until_processed(
    first_path: list[StageProcess],
    workers: list[StageProcess],
    produced: int,
    expected_shares: int,
    say: Callable[[str], None],
) -> _Counts | None:
    """Poll the workers' metrics until every replayed record is stored or dead-lettered and shared; None (having
    said so) when that takes longer than ``WAIT_S``."""
    normalise, pseudonymise, sink = first_path
    deadline = time.monotonic() + WAIT_S
    while True:
        n_in = normalise.counter("hub_events_in_total", stage="normalise")
        n_dead = normalise.counter("hub_events_dead_lettered_total", stage="normalise")
        n_stored = sink.counter("hub_events_out_total", stage="sink")
        n_shares = pseudonymise.counter("hub_events_out_total", stage="pseudonymise")
        p_dead = pseudonymise.counter("hub_events_dead_lettered_total", stage="pseudonymise")
        say(
            f"      normalised {n_in - n_dead:>5.0f}  dead-lettered {n_dead:>4.0f}  stored {n_stored:>5.0f}"
            f"  shares {n_shares:>5.0f}"
        )
        # A dead-lettered canonical event yields no shares (at most one per domain); shares are counted only after
        # their transfers are in the register, so the register is complete once this holds.
        shared = n_shares + p_dead * MAX_SHARES_PER_EVENT >= expected_shares
        if n_in >= produced and n_stored >= n_in - n_dead and shared:
            return _Counts(n_in, n_dead, n_shares, p_dead)
        if time.monotonic() > deadline:
            say(f"      gave up after {WAIT_S:.0f}s; see the worker logs")
            return None
        for w in workers:
            w.check_alive()
        time.sleep(1.0)


def _report(settings: Settings, produced: int, rows_before: int, counts: _Counts, say: Callable[[str], None]) -> None:
    """What the first path did: records normalised and dead-lettered (a reason of each kind), rows, shares and
    transfers."""
    n_dead = counts.normalise_dead
    rows = count_events(settings.database_conninfo())
    say("[6/7] what happened:")
    say(f"      {produced} lines replayed")
    say(f"      {counts.normalised_in - n_dead:.0f} normalised into canonical CloudEvents on canon.* topics")
    say(f"      {n_dead:.0f} dead-lettered on dlq.normalise, each with its reason, for example:")
    letters = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, dlq_topic("normalise")))
    seen: set[str] = set()
    for letter in letters:
        h = parse_headers(letter.headers)
        if h.get("code") not in seen:
            seen.add(h.get("code", ""))
            say(f"        [{h.get('code')}] {h.get('reason', '')[:110]}")
    say(f"      {rows} rows in PostgreSQL table events ({rows - rows_before} new in this run)")
    transfers = transfer_counts(settings.database_conninfo())
    say(f"      {counts.shares:.0f} shares on share.<domain>.* topics, each with only what its domain may see")
    listed = ", ".join(f"{name} {n}" for name, n in transfers.items()) or "none"
    say(f"      {sum(transfers.values())} transfers to another agency's domain in the transfer register ({listed})")
    if counts.pseudonymise_dead:
        dead = counts.pseudonymise_dead
        say(f"      {dead:.0f} canonical events dead-lettered on dlq.pseudonymise (see hub dlq show)")


MAX_SHARES_PER_EVENT = 4  # polizei, ordnungsamt, havag, analytics: the most domains one kind goes to


def _route_driver_alarm(settings: Settings, router: StageProcess, say: Callable[[str], None]) -> bool:
    """Send the intercept scenario at the wall clock's now (the router's clock: positions must be fresh), wait for
    the police and the HAVAG alert, tell them. False (after saying why) when they do not arrive in time."""
    now = datetime.now(UTC)
    plan = scenario(now, alarm_id=f"{TRAM}-demo-{now:%Y%m%d%H%M%S}")
    seen = router.counter("hub_events_in_total", stage="router")
    producer = make_producer(settings.bootstrap(), "hub-demo", metadata_max_age_s=settings.kafka_metadata_max_age_s)
    try:
        send_all(producer, settings, plan.live)
        say(
            f"      tram {TRAM} on line 2 between {plan.last_stop.name} and {plan.next_stop.name} (GTFS-RT), "
            "3 police/Ordnungsamt unit reports sent"
        )
        # The live state first, then the alarm: the router must know where the tram and the units are.
        deadline = time.monotonic() + ALERT_WAIT_S
        while router.counter("hub_events_in_total", stage="router") < seen + LIVE_EVENTS:
            if time.monotonic() > deadline:
                say(f"      the router did not take in the positions within {ALERT_WAIT_S:.0f}s; see its log")
                return False
            router.check_alive()
            time.sleep(0.1)
        send_all(producer, settings, [plan.alarm])
        say(f"      driver alarm {plan.alarm_id} sent; waiting for the police and the HAVAG alert ...")
    finally:
        producer.close()
    try:
        police = wait_for_events(
            settings,
            "alerts.polizei",
            ALERT_WAIT_S,
            until=lambda events: any(e.data.get("incident_id") == plan.incident_id for e in events),
        )
        havag = wait_for_events(
            settings,
            "alerts.havag",
            ALERT_WAIT_S,
            until=lambda events: any(e.data.get("vehicle") == TRAM and e.time >= now for e in events),
        )
    except TimeoutError as exc:
        say(f"      no alert from the router: {exc}; see {router.log_path}")
        return False
    police_alert = [e for e in police if e.data.get("incident_id") == plan.incident_id][-1]
    havag_alert = [e for e in havag if e.data.get("vehicle") == TRAM and e.time >= now][-1]
    for line in narrate(police_alert.data, havag_alert.data, load_tram_network()):
        say(f"      {line}")
    return True


def demo_keys_needed(settings: Settings, environ: Mapping[str, str]) -> bool:
    """Whether the demo runs on the public demo keys: only without configured keys, and only on the embedded stack.

    Against an external broker or database (HUB_KAFKA_BOOTSTRAP / HUB_DATABASE_URL) the demo refuses to start
    without configured keys, and without a topic prefix of its own: its consumer groups are ``<prefix>hub-<stage>``,
    so with no prefix its pseudonymiser would join the production group and share production events (ConfigError).
    """
    external = [
        name
        for name, value in (
            ("HUB_KAFKA_BOOTSTRAP", settings.kafka_bootstrap),
            ("HUB_DATABASE_URL", settings.database_url),
        )
        if value is not None
    ]
    if not external:
        return not _keys_configured(environ)
    where = " and ".join(external)
    if settings.kafka_bootstrap is not None and not settings.topic_prefix:
        raise ConfigError(
            f"hub demo against external servers ({where} set) needs a topic prefix of its own "
            "(HUB_TOPIC_PREFIX=demo.): without one its topics and consumer groups are production's"
        )
    if not _keys_configured(environ) or settings.pseudonym_keys == "demo":
        raise ConfigError(
            f"hub demo against external servers ({where} set) does not run on the public demo keys: configure "
            f"keys ({KEY_DIR_ENV} or {KEY_ENV_PREFIX}<DOMAIN>, docs/privacy.md), or unset {where} to run the demo "
            "on its own embedded stack"
        )
    return False


def _keys_configured(environ: Mapping[str, str]) -> bool:
    """Whether the operator configured pseudonymisation keys (the demo then uses them instead of demo keys)."""
    return any(value and (name == KEY_DIR_ENV or name.startswith(KEY_ENV_PREFIX)) for name, value in environ.items())


def _expected_shares(settings: Settings, sample: Path) -> int:
    """How many shares the pseudonymiser makes of the sample's valid lines: one per domain receiving the kind whose
    purpose filter admits the event."""
    policy = stage_policy(settings)
    total = 0
    for line in sample.read_bytes().splitlines():
        try:
            records = map_replay_record(line)
        except InvalidEventError:
            continue
        total += sum(len(policy.recipients(r.event.hubkind, r.event.data)) for r in records)
    return total


def _look_around(settings: Settings, routed: Settings, workers: list[StageProcess], say: Callable[[str], None]) -> None:
    say("")
    say("running until Ctrl-C; in another terminal:")
    say(f"  export HUB_KAFKA_BOOTSTRAP={settings.bootstrap()}")
    say(f"  export HUB_DATABASE_URL='{settings.database_conninfo()}'")
    say(f"  HUB_TOPIC_PREFIX={routed.topic_prefix} .venv/bin/hub alerts tail --follow   # the alerts, live")
    say("  .venv/bin/hub alerts show <alert id>            # an alert's revisions, what changed, who acted")
    say("  .venv/bin/hub dlq show --stage normalise      # dead letters with reason and origin")
    say("  .venv/bin/hub transfers report --since 2020-01-01T00:00:00+00:00   # the transfer register")
    query = "select kind, count(*) from events group by 1"
    say(f"  psql \"$HUB_DATABASE_URL\" -c '{query}'")
    for w in workers:
        say(f"  curl {w.metrics_url}   # {w.log_path.stem.removeprefix('worker-')} metrics")


def _report_alert_store(
    routed: Settings, router: StageProcess, store: StageProcess, say: Callable[[str], None]
) -> None:
    """Wait until the alert store holds every alert revision the router sent, then say how many and where."""
    deadline = time.monotonic() + ALERT_WAIT_S
    while time.monotonic() < deadline:
        sent = router.counter("hub_events_out_total", stage="router")
        stored = store.counter("hub_events_out_total", stage="alert-store")
        if sent and stored >= sent:
            say(
                f"      {stored:.0f} alert revisions in the alert store (PostgreSQL), for the console and "
                f"`HUB_TOPIC_PREFIX={routed.topic_prefix} hub alerts tail`"
            )
            return
        store.check_alive()
        time.sleep(0.2)
    say(f"      the alert store did not take in the alerts within {ALERT_WAIT_S:.0f}s; see {store.log_path}")


def _start_console(routed: Settings, logs: Path, say: Callable[[str], None]) -> Child:
    """``hub console`` on the intercept scenario's topics, with one demo user per agency (random passwords, printed),
    ready once its /healthz answers."""
    users_file = routed.state_dir / "demo" / "console-users.toml"
    passwords = write_demo_users(users_file)
    port = routed.console_port if port_is_free(routed.console_host, routed.console_port) else free_port()
    console, url = spawn_console(routed, logs / "console.log", port=port, env={"HUB_CONSOLE_USERS": str(users_file)})
    say("")
    say(f"operator console: {url}/   (the intercept scenario's alerts, live; log {logs / 'console.log'})")
    for user, (agency, role, password) in passwords.items():
        say(f"  sign in as {user:<12} password {password}   ({agency}, {role}; demo only)")
    return console


def _wait_for_signal(workers: list[StageProcess], console: Child) -> None:
    stop = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop:
            for w in workers:
                w.check_alive()
            if not console.running():
                raise console.failure(f"exited ({console.exit_description()})")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


#: The demo's console users: one per agency (name, agency, role).
DEMO_USERS = (
    ("polizei", "polizei", "einsatzleitstelle"),
    ("havag", "havag", "leitstelle"),
    ("ordnungsamt", "ordnungsamt", "leitstelle"),
)


def write_demo_users(path: Path) -> dict[str, tuple[str, str, str]]:
    """A users file with one demo user per agency and a fresh random password each; user -> (agency, role,
    password). The passwords are printed by the demo and live only as long as its state dir."""
    path.parent.mkdir(parents=True, exist_ok=True)
    users: dict[str, tuple[str, str, str]] = {}
    lines = ["# hub demo --keep-running: demo users, new random passwords on every run", ""]
    for name, agency, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        users[name] = (agency, role, password)
        lines += [f"[users.{name}]", f'agency = "{agency}"', f'role = "{role}"']
        lines += [f'password_hash = "{hash_password(password)}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    path.chmod(0o600)
    return users


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host``:``port`` can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
