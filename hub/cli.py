"""The ``hub`` command. Parses arguments, reads settings once, configures logging, dispatches; no work at import."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from hub.config import Settings, load_settings
from hub.errors import HubError


def _cmd_dev_up(settings: Settings, args: argparse.Namespace) -> int:
    from hub.devstack import run_foreground

    return run_foreground(settings)


def _cmd_topics_apply(settings: Settings, args: argparse.Namespace) -> int:
    from hub.formats.registry import declared_topics
    from hub.kafka_admin import apply_topology

    changes = apply_topology(
        settings.bootstrap(), settings.topic_prefix, settings.replication_factor, declared_topics()
    )
    for change in changes:
        if change.action != "unchanged" or args.verbose:
            print(f"{change.action:<12} {change.topic}  {change.detail}".rstrip())
    changed = sum(c.action != "unchanged" for c in changes)
    print(f"{len(changes)} topics declared: {changed} changed, {len(changes) - changed} already as declared")
    return 0


def _cmd_topics_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.formats.registry import declared_topics
    from hub.topology import qualified

    for spec in declared_topics():
        name = qualified(settings.topic_prefix, spec.name)
        print(f"{name:<40} {spec.partitions:>2}p  key={spec.key:<22} {spec.description}")
        print(f"{'':<44} {_retention_text(spec.broker_configs())}")
    return 0


def _duration(ms: str) -> str:
    """``604800000`` -> ``7d``, ``3600000`` -> ``1h``, ``43200000`` -> ``12h``."""
    value = int(ms)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000)):
        if value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}ms"


def _retention_text(configs: dict[str, str]) -> str:
    """What a topic keeps and for how long, from its broker configs."""
    text = f"{configs['cleanup.policy']}, retention.ms={_duration(configs['retention.ms'])}"
    for key in ("segment.ms", "max.compaction.lag.ms", "delete.retention.ms"):
        if key in configs:
            text += f", {key}={_duration(configs[key])}"
    return text


def _cmd_db_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from hub.store.migrate import migrate

    applied = migrate(settings.database_conninfo())
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    print("database schema is up to date" + ("" if applied else " (nothing to apply)"))
    return 0


def _cmd_schemas_export(settings: Settings, args: argparse.Namespace) -> int:
    from hub.schemas import export_json_schemas

    for path in export_json_schemas(Path(args.directory)):
        print(path)
    return 0


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from hub.workers.run import run_stage

    # Key material is read here, at the edge, like every other input of a command.
    run_stage(settings, args.stage, os.environ)
    return 0


def _cmd_replay(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.replay import replay
    from hub.topology import dlq_topic

    stats = replay(
        settings,
        Path(args.file),
        progress=lambda s: print(f"  {s.lines} lines read, {s.produced} produced", file=sys.stderr),
    )
    print(stats.summary(dlq_topic("connectors")))
    # 1: the replay went through, but not every line reached the raw topic (the summary says how many and why).
    return 1 if stats.dead_lettered else 0


def _connectors_config_path(args: argparse.Namespace) -> Path:
    import os

    # Read here, at the edge, like every other input of a command.
    return Path(args.config or os.environ.get("HUB_CONNECTORS_CONFIG") or "connectors.toml")


def _cmd_connectors_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.registry import load_types
    from hub.formats.registry import load_formats

    types = load_types()
    formats = load_formats()
    print("connector types:")
    for name, ctype in sorted(types.items()):
        print(f"  {name:<24} {ctype.kind:<8} {ctype.origin}")
    print("formats:")
    for name, ftype in sorted(formats.items()):
        takes = "settings" if ftype.settings is not None else ""
        print(f"  {name:<24} -> {ftype.topic.name:<36} {takes:<8} {ftype.origin}")
        print(f"  {'':<24}    kinds: {', '.join(ftype.kinds)}")
    return 0


def _cmd_connectors_validate(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.config import load_config
    from hub.errors import ConfigError, ConfigFileError

    path = Path(args.file)
    try:
        config = load_config(path)
    except ConfigFileError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"hub: error: {exc}", file=sys.stderr)
        return 1
    pushed = 0
    print(f"{path}: {len(config.instances)} connector instance(s), all valid")
    for name, inst in config.instances.items():
        pushed += inst.type.kind == "push"
        print(f"  {name:<32} {inst.options.type:<12} {inst.format.name:<26} -> {inst.format.raw_topic}")
        if inst.format_settings is not None:
            print(f"  {'':<32} format_settings {inst.format_settings.decode()}")
        for ref in inst.secrets():
            try:
                ref.resolve()
            except ConfigError as exc:
                # Not an error here: secrets exist where the connectors run, not where the file is checked.
                print(f"note: connectors.{name}: {exc} (`hub connectors run` will need it)", file=sys.stderr)
    if pushed:
        print(f"webhook server: {config.server.host}:{config.server.port} ({pushed} webhook instance(s))")
    return 0


def _cmd_connectors_run(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.config import load_config
    from hub.connectors.runner import run_connectors
    from hub.errors import ConfigError

    config = load_config(_connectors_config_path(args))
    if args.all == bool(args.names):
        raise ConfigError("name the connector instances to run, or give --all (not both)")
    names = list(config.instances) if args.all else args.names
    return run_connectors(settings, config, names)


def _cmd_sample(settings: Settings, args: argparse.Namespace) -> int:
    from hub.samples import write_sample

    path = write_sample(Path(args.file), args.good, args.bad, args.seed)
    print(f"wrote {args.good} valid and {args.bad} malformed lines to {path}")
    return 0


def _cmd_dlq_show(settings: Settings, args: argparse.Namespace) -> int:
    from hub.deadletter import parse_headers
    from hub.kafka_read import read_topic
    from hub.topology import dlq_topic, qualified

    topic = qualified(settings.topic_prefix, dlq_topic(args.stage))
    records = read_topic(settings.bootstrap(), topic, limit=args.limit)
    for r in records:
        h = parse_headers(r.headers)
        print(f"{topic}@{r.partition}:{r.offset}  from {h.get('topic')}@{h.get('partition')}:{h.get('offset')}")
        print(f"  [{h.get('code')}] {h.get('reason')}")
        if args.bytes:
            print(f"  {r.value[:300]!r}")
    print(f"{len(records)} dead-letter record(s) shown from {topic}")
    return 0


def _cmd_dlq_replay(settings: Settings, args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from hub.errors import BrokerError
    from hub.jobs.dlq_replay import plan_replay
    from hub.kafka_produce import make_producer
    from hub.kafka_read import read_topic
    from hub.topology import dlq_topic, qualified

    topic = qualified(settings.topic_prefix, dlq_topic(args.stage))
    since = _aware(args.since, "--since") if args.since else None
    letters = read_topic(settings.bootstrap(), topic)
    plan = plan_replay(letters, settings.topic_prefix, codes=args.code or (), since=since)
    chosen = plan.send[: args.limit] if args.limit is not None else plan.send
    print(f"{len(letters)} dead letter(s) in {topic}; {len(plan.send)} selected, {len(plan.skipped)} not replayable")
    for letter, why in plan.skipped:
        print(f"  skipped {topic}@{letter.partition}:{letter.offset}: {why}")
    if args.dry_run:
        for r in chosen:
            print(f"  would send {topic}@{r.letter.partition}:{r.letter.offset} -> {r.topic} ({len(r.value)} bytes)")
        print(f"dry run: {len(chosen)} record(s) would be sent back, nothing sent")
        return 0
    if not chosen:
        print("nothing to send back")
        return 0
    producer = make_producer(settings.bootstrap(), "hub-dlq-replay", linger_ms=5)
    try:
        producer.require(*sorted({r.topic for r in chosen}))
        print(f"sending {len(chosen)} record(s) back ...", file=sys.stderr)
        producer.send_confirmed((r.topic, r.key, r.value, r.headers) for r in chosen)
    except KafkaError as exc:
        raise BrokerError(f"sending back from {topic} failed: {exc}") from exc
    finally:
        producer.close()
    per_topic: dict[str, int] = {}
    for r in chosen:
        per_topic[r.topic] = per_topic.get(r.topic, 0) + 1
    where = ", ".join(f"{name} {count}" for name, count in sorted(per_topic.items()))
    print(f"sent back {len(chosen)} record(s), each confirmed by the broker: {where}")
    return 0


def _aware(text: str, option: str) -> datetime:
    """An ISO 8601 time with a UTC offset from the command line; a naive time is ambiguous and refused."""
    from hub.errors import ConfigError

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not an ISO 8601 time, e.g. 2026-11-20T00:00:00+01:00") from None
    if moment.tzinfo is None:
        raise ConfigError(f"{option} {text!r} has no UTC offset; write e.g. 2026-11-20T00:00:00+01:00")
    return moment


def _cmd_transfers_report(settings: Settings, args: argparse.Namespace) -> int:
    from hub.privacy.register import format_transfers
    from hub.store.register import transfers_since

    since = _aware(args.since, "--since")
    until = _aware(args.until, "--until") if args.until else None
    rows = transfers_since(settings.database_conninfo(), since, until, args.recipient)
    print(format_transfers(rows, args.format))
    return 0


def _cmd_reidentify(settings: Settings, args: argparse.Namespace) -> int:
    from hub.errors import StoreUnavailable
    from hub.privacy.vault import request_problem
    from hub.store.vault import reidentify

    pseudonym = args.pseudonym.strip()
    problem = request_problem(args.reason)
    if problem is not None:
        # Not sent: the audit keeps the reason, and this one must not be kept. Nothing was asked or revealed.
        print(f"hub: refused before asking the database: the reason has {problem}.", file=sys.stderr)
        print(f"hub: a reason names the case and why, e.g. {_REASON_EXAMPLE!r}", file=sys.stderr)
        return 3
    conninfo = settings.database_conninfo()
    try:
        result = reidentify(conninfo, pseudonym, args.reason)
    except StoreUnavailable as exc:
        # No audit row can be written without the database: say so, with a local trace on stderr (to the log).
        asked = pseudonym if _is_pseudonym(pseudonym) else "(not a pseudonym)"
        print(f"hub: error: {exc}; nothing was revealed and NO audit row could be written", file=sys.stderr)
        print(
            f"hub: local trace: re-identification attempt at {datetime.now().astimezone().isoformat()} by database "
            f"login {_login_of(conninfo)!r} (os user {_os_user()!r}) for {asked} not performed: database unreachable",
            file=sys.stderr,
        )
        return 2
    audit = f"(recorded in the re-identification audit as #{result.audit_id})"
    if result.outcome == "revealed":
        for r in result.revealed:
            print(f"{pseudonym}  {r.field} ({r.domain}): {r.original}")
        print(audit)
        return 0
    why = {
        "not_found": "no such pseudonym in the vault (never made, or expired with its data)",
        "refused_role": "your database login is not a member of hub_police",
        "refused_reason": f"the reason has {result.problem}",
        "refused_pseudonym": "that is not a pseudonym (ps1.<kid>.<26 characters>)",
    }[result.outcome]
    print(f"hub: {'not found' if result.outcome == 'not_found' else 'refused'}: {why} {audit}", file=sys.stderr)
    return 1 if result.outcome == "not_found" else 3


_REASON_EXAMPLE = "Rückruf beim Anrufer zu Vorgang E-2026-11-123"


def _login_of(conninfo: str) -> str:
    """The login a conninfo names; when it names none, libpq's default: $PGUSER, else the os user."""
    import os

    import psycopg

    try:
        return str(psycopg.conninfo.conninfo_to_dict(conninfo).get("user") or os.environ.get("PGUSER") or _os_user())
    except psycopg.ProgrammingError:
        return "(unreadable conninfo)"


def _os_user() -> str:
    import getpass

    return getpass.getuser()


def _is_pseudonym(text: str) -> bool:
    from hub.privacy.pseudonym import is_pseudonym

    return is_pseudonym(text)


def _cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from hub.store.vault import verify_audit

    check = verify_audit(settings.database_conninfo())
    head = (
        f"head #{check.head_id} {check.head_hash}" if check.head_id is not None else f"empty, anchor {check.head_hash}"
    )
    if check.ok:
        print(f"re-identification audit intact: {check.rows} row(s), {head}")
        return 0
    print(
        f"hub: re-identification audit BROKEN at row #{check.first_bad_id} ({check.rows} checked): {check.problem}",
        file=sys.stderr,
    )
    return 4


def _cmd_retention_purge(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC

    from hub.privacy.retention import RetentionPeriods
    from hub.store.retention import purge, reclaim

    now = _aware(args.now, "--now") if args.now else datetime.now(UTC)
    periods = RetentionPeriods.from_settings(settings)
    results = purge(settings.database_conninfo(), periods, now, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for r in results:
        older = (
            f"older than {r.cutoff.isoformat(timespec='seconds')}"
            if r.cutoff
            else f"expired by {now.isoformat(timespec='seconds')}"
        )
        print(f"{r.table:<24} {r.retention_class:<9} {verb} {r.rows:>7}  ({older})")
    total = sum(r.rows for r in results)
    print(f"{total} row(s) {verb}" + (" (dry run: nothing deleted)" if args.dry_run else ""))
    if args.dry_run or args.vacuum == "none":
        return 0
    for done in reclaim(settings.database_conninfo(), results, args.vacuum):
        if done.mode == "skipped":
            print(
                f"VACUUM skipped for {done.table}: only its owner may vacuum it (autovacuum makes the space reusable)"
            )
            continue
        print(
            f"VACUUM{' FULL' if done.mode == 'full' else ''} {done.table}: "
            f"{done.bytes_before / 1e6:.1f} MB -> {done.bytes_after / 1e6:.1f} MB on disk"
        )
    return 0


def _cmd_aggregates_publish(settings: Settings, args: argparse.Namespace) -> int:
    from hub.jobs.aggregates import publish_week

    result = publish_week(settings, args.week, dry_run=args.dry_run)
    print(f"{result.shares_read} analytics incident share(s) read")
    for agg in result.aggregates:
        if agg.area == "cell":
            where = f"{agg.cell} ({agg.lat:.5f}, {agg.lon:.5f}) {agg.week}"
        elif agg.area == "band":
            where = f"city-wide {agg.week} band {agg.band}"
        else:
            where = f"city-wide {agg.week}"
        table = "frozen" if agg.revision == 0 else f"correction {agg.revision}"
        if agg.retracted:
            print(f"  {where} [{table}]: retracted {', '.join(agg.retracted)} (now fewer than {agg.min_count})")
            continue
        counts = ", ".join(f"{cat} {n}" for cat, n in agg.counts.items()) or "-"
        hidden = f"; fewer than {agg.min_count}: {', '.join(agg.suppressed)}" if agg.suppressed else ""
        print(f"  {where} [{table}]: {counts}{hidden}")
    if result.held_back:
        print(f"{result.held_back} late arrival(s) held back until their correction shows a count")
    if result.late:
        print("warning: the week ended more than 7 days ago; analytics shares of its first days may have expired")
    cells = sum(a.area == "cell" and not a.retracted for a in result.aggregates)
    bands = sum(a.area == "band" and not a.retracted for a in result.aggregates)
    made = f"{len(result.aggregates)} new aggregate(s) ({cells} cells, {bands} hour-of-week bands)"
    if result.sent:
        print(f"{made}; {result.messages_sent} message(s) of the week sent to share.praevention.aggregates")
    else:
        print(f"{made} this run would publish; dry run: nothing stored or sent")
    return 0


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hub.demo import run_demo

    return run_demo(settings, good=args.good, bad=args.bad, keep_running=args.keep_running)


def _cmd_eval_intercept(settings: Settings, args: argparse.Namespace) -> int:
    from hub.eval.intercept import run

    return run(args)


def _cmd_acks_serve(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from hub.acks_http import load_tokens, token_variables
    from hub.console.pg import open_store
    from hub.console.server import Served, run_console
    from hub.errors import ConfigError
    from hub.topology import ALERT_DOMAINS

    # The tokens are read here, at the edge, like every other input of a command.
    tokens = load_tokens(os.environ)
    if not tokens:
        variables = ", ".join(token_variables(d)[0] for d in ALERT_DOMAINS)
        raise ConfigError(
            f"no acknowledgement token is configured, so no domain would be served: set one of {variables}"
        )

    def started(served: Served) -> None:
        for domain in served.domains:
            print(f"serving acknowledgements of {domain}: POST {served.url}/acks/{domain}")
        for domain in ALERT_DOMAINS:
            if domain not in served.domains:
                print(f"not serving {domain}: no HUB_ACK_TOKEN_{domain.upper()} (or _FILE) is set")
        print(f"metrics: {served.metrics_url}; stop with Ctrl-C", flush=True)

    host = args.host if args.host is not None else settings.acks_host
    port = args.port if args.port is not None else settings.acks_port
    # The console without people: its machine endpoints (and the API) for systems with a bearer token.
    return run_console(settings, {}, tokens, open_store, host, port, started)


def _cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from hub.acks_http import load_tokens
    from hub.console.pg import open_store
    from hub.console.server import Served, run_console
    from hub.console.users import load_users
    from hub.errors import ConfigError

    users = load_users(settings.console_users)
    # The tokens are read here, at the edge, like every other input of a command.
    tokens = load_tokens(os.environ)
    if not users and not tokens:
        raise ConfigError(
            "nobody could use the console: set HUB_CONSOLE_USERS to a users file (`hub console hash-password` makes "
            "the hashes) or give a system a token (HUB_ACK_TOKEN_<DOMAIN>)"
        )

    def started(served: Served) -> None:
        print(f"console: {served.url}/ ({served.users} user(s) can sign in)")
        for domain in served.domains:
            print(f"systems of {domain}: bearer token on {served.url}/api/... and POST {served.url}/acks/{domain}")
        print(f"metrics: {served.metrics_url}; stop with Ctrl-C", flush=True)

    host = args.host if args.host is not None else settings.console_host
    port = args.port if args.port is not None else settings.console_port
    return run_console(settings, users, tokens, open_store, host, port, started)


def _cmd_console_hash_password(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from hub.console.passwords import hash_password
    from hub.errors import ConfigError

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < args.min_length:
        raise ConfigError(f"a password needs at least {args.min_length} characters")
    print(hash_password(password))
    return 0


def _cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    from hub.alerts_cli import run

    return run(settings, args)


def _add_alerts(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alerts = sub.add_parser("alerts", help="the alert store: tail, show, acknowledge").add_subparsers(
        dest="alerts", required=True
    )
    tail = alerts.add_parser("tail", help="one line per stored revision, newest last (local time, stops by name)")
    tail.add_argument("--domain", choices=["polizei", "havag", "ordnungsamt"], help="one domain's alerts only")
    tail.add_argument("--follow", action="store_true", help="then wait for new revisions until Ctrl-C")
    tail.add_argument("--limit", type=int, default=20, help="revisions shown first (default 20)")
    show = alerts.add_parser("show", help="an alert's revisions with what changed, and its actions")
    show.add_argument("alert_id", metavar="ID")
    ack = alerts.add_parser("ack", help="acknowledge (or resolve) the latest revision, checked against the store")
    ack.add_argument("alert_id", metavar="ID")
    ack.add_argument("--revision", type=int, required=True, metavar="N", help="the revision you saw (the latest)")
    ack.add_argument("--by", metavar="NAME", help="who acknowledges (default: the login name)")
    ack.add_argument("--resolve", action="store_true", help="resolve: dealt with, the router clears the alert down")
    ack.add_argument("--note", metavar="TEXT", help="a remark recorded with the action")
    for parser in (tail, show, ack):
        parser.set_defaults(func=_cmd_alerts)


def _add_console(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    console = sub.add_parser(
        "console", help="the operator console: pages, API, live stream, CAP, acknowledgements (docs/console.md)"
    )
    console.add_argument("--host", help="address to listen on (default: $HUB_CONSOLE_HOST, else 127.0.0.1)")
    console.add_argument("--port", type=int, help="port (default: $HUB_CONSOLE_PORT, else 8480; 0 picks one)")
    console.set_defaults(func=_cmd_console)
    console_sub = console.add_subparsers(dest="console", metavar="COMMAND")
    hash_cmd = console_sub.add_parser(
        "hash-password", help="print the scrypt hash of a password read from the prompt (or one line of stdin)"
    )
    hash_cmd.add_argument("--min-length", type=int, default=12, help="refuse shorter passwords (default 12)")
    hash_cmd.set_defaults(func=_cmd_console_hash_password)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub",
        description="Event-driven integration hub for HAVAG, Polizei and Ordnungsamt in Halle (Saale). "
        "Settings come from HUB_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="start the embedded stack, run the pipeline on sample data, report, stop")
    demo.add_argument("--good", type=int, default=1000, help="valid sample records (default 1000)")
    demo.add_argument("--bad", type=int, default=100, help="malformed sample lines (default 100)")
    demo.add_argument("--keep-running", action="store_true", help="keep everything running until Ctrl-C")
    demo.add_argument("-v", "--verbose", action="store_true", help="also print the hub's info logs")
    demo.set_defaults(func=_cmd_demo)

    dev = sub.add_parser("dev", help="the embedded development stack").add_subparsers(dest="dev", required=True)
    dev.add_parser(
        "up", help="start the embedded broker and PostgreSQL (for unset HUB_KAFKA_BOOTSTRAP/HUB_DATABASE_URL)"
    ).set_defaults(func=_cmd_dev_up)

    topics = sub.add_parser("topics", help="the declared Kafka topics").add_subparsers(dest="topics", required=True)
    apply = topics.add_parser("apply", help="create missing topics and verify all (idempotent)")
    apply.add_argument("-v", "--verbose", action="store_true", help="also list topics already as declared")
    apply.set_defaults(func=_cmd_topics_apply)
    topics.add_parser("list", help="print the declared topology").set_defaults(func=_cmd_topics_list)

    db = sub.add_parser("db", help="the PostgreSQL store").add_subparsers(dest="db", required=True)
    db.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=_cmd_db_migrate)

    schemas = sub.add_parser("schemas", help="the canonical model").add_subparsers(dest="schemas", required=True)
    export = schemas.add_parser("export", help="write the JSON Schema of every model to DIR")
    export.add_argument("directory", metavar="DIR")
    export.set_defaults(func=_cmd_schemas_export)

    worker = sub.add_parser("worker", help="run one stream-processing stage until SIGINT/SIGTERM")
    worker.add_argument("stage", choices=["normalise", "pseudonymise", "router", "sink", "alert-store"])
    worker.set_defaults(func=_cmd_worker)

    replay = sub.add_parser("replay", help="file-replay connector: produce an NDJSON file to raw.replay.ndjson")
    replay.add_argument("file", metavar="FILE")
    replay.set_defaults(func=_cmd_replay)

    connectors = sub.add_parser(
        "connectors", help="connector instances: list types, validate a config, run"
    ).add_subparsers(dest="connectors", required=True)
    connectors.add_parser("list", help="connector types (built-in or from packages) and formats").set_defaults(
        func=_cmd_connectors_list
    )
    validate = connectors.add_parser("validate", help="check a connectors TOML file; exit 1 listing every problem")
    validate.add_argument("file", metavar="FILE")
    validate.set_defaults(func=_cmd_connectors_validate)
    run = connectors.add_parser("run", help="run connector instances until SIGINT/SIGTERM (/metrics served)")
    run.add_argument("names", nargs="*", metavar="NAME", help="instances of the config file to run")
    run.add_argument("--all", action="store_true", help="run every instance of the config file")
    run.add_argument(
        "--config", metavar="FILE", help="connectors file (default: $HUB_CONNECTORS_CONFIG, else connectors.toml)"
    )
    run.set_defaults(func=_cmd_connectors_run)

    sample = sub.add_parser("sample", help="write a sample NDJSON replay file with valid and malformed lines")
    sample.add_argument("file", metavar="FILE")
    sample.add_argument("--good", type=int, default=1000)
    sample.add_argument("--bad", type=int, default=100)
    sample.add_argument("--seed", type=int, default=2026)
    sample.set_defaults(func=_cmd_sample)

    dlq = sub.add_parser("dlq", help="dead-letter topics").add_subparsers(dest="dlq", required=True)
    show = dlq.add_parser("show", help="print dead-letter records with reason and origin")
    show.add_argument(
        "--stage",
        default="normalise",
        choices=["connectors", "normalise", "pseudonymise", "router", "sink", "alert-store"],
    )
    show.add_argument("--limit", type=int, default=20)
    show.add_argument("--bytes", action="store_true", help="also print the start of the original bytes")
    show.set_defaults(func=_cmd_dlq_show)
    again = dlq.add_parser(
        "replay",
        help="send dead letters back to the topic they were read from (key, bytes and headers as they were)",
        description="Send a stage's dead letters back to the input topic each was read from, once the cause is "
        "fixed. Each record goes back with its original key, bytes and headers and a hub_replayed_from header. A "
        "connector's dead letters are source input: read them again through the connector. Records that fail again "
        "become new dead letters; choose with --code and --since.",
    )
    again.add_argument("--stage", required=True, choices=["normalise", "pseudonymise", "router", "sink", "alert-store"])
    again.add_argument("--code", action="append", metavar="CODE", help="only this reason code (repeatable)")
    again.add_argument("--since", metavar="TIME", help="only letters that failed at or after this ISO 8601 time")
    again.add_argument("--limit", type=int, metavar="N", help="at most N records (the oldest first, per partition)")
    again.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")
    again.set_defaults(func=_cmd_dlq_replay)

    transfers = sub.add_parser("transfers", help="the transfer register (SOG LSA §§ 26, 28)").add_subparsers(
        dest="transfers", required=True
    )
    report = transfers.add_parser("report", help="print every transfer to another agency's domain since a time")
    report.add_argument(
        "--since", required=True, metavar="TIME", help="ISO 8601 with offset, e.g. 2026-11-20T00:00:00+01:00"
    )
    report.add_argument("--until", metavar="TIME", help="up to (not including) this time")
    report.add_argument("--recipient", choices=["polizei", "havag", "ordnungsamt", "analytics", "praevention"])
    report.add_argument("--format", default="table", choices=["table", "csv", "json"])
    report.set_defaults(func=_cmd_transfers_report)

    reid = sub.add_parser(
        "reidentify",
        help="police only: the original value of a pseudonym, for a database login in hub_police, with a reason",
    )
    reid.add_argument("pseudonym", metavar="PSEUDONYM")
    reid.add_argument(
        "--reason",
        required=True,
        help="the case reference and why, no personal data (e.g. 'Rückruf beim Anrufer zu Vorgang E-2026-11-123'); "
        "recorded in the audit with your database login",
    )
    reid.set_defaults(func=_cmd_reidentify)

    audit = sub.add_parser("audit", help="the re-identification audit").add_subparsers(dest="audit", required=True)
    verify = audit.add_parser("verify", help="check the audit's hash chain; print its head (note it elsewhere)")
    verify.set_defaults(func=_cmd_audit_verify)

    retention = sub.add_parser("retention", help="retention classes").add_subparsers(dest="retention", required=True)
    purge = retention.add_parser("purge", help="delete expired rows; report per table and retention class")
    purge.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    purge.add_argument("--now", metavar="TIME", help="purge as of this time (ISO 8601 with offset; default: now)")
    purge.add_argument(
        "--vacuum",
        choices=("plain", "full", "none"),
        default="plain",
        help="after deleting, VACUUM the tables deleted from: plain (default; space reusable, no blocking lock) or "
        "full (rewrites them: space back to the OS and the deleted values gone from the files; locks each table "
        "while it runs)",
    )
    purge.set_defaults(func=_cmd_retention_purge)

    aggregates = sub.add_parser("aggregates", help="aggregates for prevention work").add_subparsers(
        dest="aggregates", required=True
    )
    publish = aggregates.add_parser(
        "publish", help="counts per grid cell, hour-of-week band and category of one week, to praevention"
    )
    publish.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2026-W47")
    publish.add_argument(
        "--dry-run", action="store_true", help="print what this run would publish; store and send nothing"
    )
    publish.set_defaults(func=_cmd_aggregates_publish)
    acks = sub.add_parser("acks", help="acknowledgements of alerts over HTTP").add_subparsers(
        dest="acks", required=True
    )
    acks_serve = acks.add_parser(
        "serve",
        help="the console for systems only: POST /acks/<domain> (bearer token per domain, checked against the alert "
        "store) until SIGINT/SIGTERM: docs/acks.md",
    )
    acks_serve.add_argument("--host", help="address to listen on (default: $HUB_ACKS_HOST, else 127.0.0.1)")
    acks_serve.add_argument("--port", type=int, help="port (default: $HUB_ACKS_PORT, else 8470; 0 picks one)")
    acks_serve.set_defaults(func=_cmd_acks_serve)
    _add_console(sub)
    _add_alerts(sub)
    from hub.reports.run import add_arguments as add_report

    add_report(sub)
    sub.add_parser(
        "sim", help="seeded Halle scenario fed through the real connectors (`hub sim --help` for its options)"
    )
    evaluate = sub.add_parser("eval", help="evaluations").add_subparsers(dest="eval", required=True)
    intercept = evaluate.add_parser(
        "intercept",
        help="time to contact: intercept recommendation vs a routed baseline and a naive dispatch, by day and by "
        "night, on a seeded Halle world with cars routed on its streets",
    )
    from hub.eval.intercept import add_arguments

    add_arguments(intercept)
    intercept.set_defaults(func=_cmd_eval_intercept)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["sim"]:
        # The simulator parses its own options (it reads no hub settings): hand them over untouched.
        from hub.sim.serve import main as simulate

        return simulate(arguments[1:])
    args = build_parser().parse_args(arguments)
    try:
        settings = load_settings()
        from hub.kafka_security import install
        from hub.logging import configure_logging

        install(settings)  # every Kafka client of this process connects with the settings' TLS and SASL

        # The demo narrates on stdout; its own info logs would drown that (they are in the workers' log files).
        quiet = args.command == "demo" and not args.verbose and settings.log_level == "info"
        configure_logging(settings.model_copy(update={"log_level": "warning"}) if quiet else settings)
        code: int = args.func(settings, args)
        return code
    except HubError as exc:
        print(f"hub: error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        # A file read as text that is not (a binary file given as a policy, a key, a users file): one line.
        print(f"hub: error: a file given to hub is not text in {exc.encoding} (at byte {exc.start})", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.filename is None:
            raise  # not a file that could not be read: a bug or the network, with its traceback
        print(f"hub: error: cannot read {exc.filename}: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
