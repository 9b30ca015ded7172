"""The ``hub`` command. Parses arguments, reads settings once, configures logging, dispatches; no work at import."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hub.config import Settings, load_settings
from hub.errors import HubError


def _cmd_dev_up(settings: Settings, args: argparse.Namespace) -> int:
    from hub.devstack import run_foreground

    return run_foreground(settings)


def _cmd_topics_apply(settings: Settings, args: argparse.Namespace) -> int:
    from hub.kafka_admin import apply_topology

    changes = apply_topology(settings.bootstrap(), settings.topic_prefix, settings.replication_factor)
    for change in changes:
        if change.action != "unchanged" or args.verbose:
            print(f"{change.action:<12} {change.topic}  {change.detail}".rstrip())
    changed = sum(c.action != "unchanged" for c in changes)
    print(f"{len(changes)} topics declared: {changed} changed, {len(changes) - changed} already as declared")
    return 0


def _cmd_topics_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.topology import TOPICS, qualified

    for spec in TOPICS:
        days = spec.retention_ms / 86_400_000
        name = qualified(settings.topic_prefix, spec.name)
        print(f"{name:<40} {spec.partitions:>2}p  {days:>4g}d  key={spec.key:<22} {spec.description}")
    return 0


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
    from hub.streams.worker import run_stage

    run_stage(settings, args.stage)
    return 0


def _cmd_replay(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.replay import replay

    stats = replay(
        settings,
        Path(args.file),
        progress=lambda s: print(f"  {s.lines} lines read, {s.produced} produced", file=sys.stderr),
    )
    print(
        f"{stats.lines} lines: {stats.produced} produced, {stats.blank} blank, "
        f"{stats.dead_lettered} dead-lettered (too large)"
    )
    return 0


def _connectors_config_path(args: argparse.Namespace) -> Path:
    import os

    # Read here, at the edge, like every other input of a command.
    return Path(args.config or os.environ.get("HUB_CONNECTORS_CONFIG") or "connectors.toml")


def _cmd_connectors_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.registry import load_types
    from hub.formats.registry import FORMATS

    types = load_types()
    print("connector types:")
    for name, ctype in sorted(types.items()):
        print(f"  {name:<24} {ctype.kind:<8} {ctype.origin}")
    print("formats:")
    for name, fmt in sorted(FORMATS.items()):
        print(f"  {name:<24} -> {fmt.raw_topic}")
    return 0


def _cmd_connectors_validate(settings: Settings, args: argparse.Namespace) -> int:
    from hub.connectors.config import ConfigFileError, load_config
    from hub.errors import ConfigError

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
    from hub.kafka_read import read_topic
    from hub.streams.deadletter import parse_headers
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


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hub.demo import run_demo

    return run_demo(settings, good=args.good, bad=args.bad, keep_running=args.keep_running)


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
    worker.add_argument("stage", choices=["normalise", "sink"])
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
    show.add_argument("--stage", default="normalise", choices=["connectors", "normalise", "sink"])
    show.add_argument("--limit", type=int, default=20)
    show.add_argument("--bytes", action="store_true", help="also print the start of the original bytes")
    show.set_defaults(func=_cmd_dlq_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        from hub.logging import configure_logging

        # The demo narrates on stdout; its own info logs would drown that (they are in the workers' log files).
        quiet = args.command == "demo" and not args.verbose and settings.log_level == "info"
        configure_logging(settings.model_copy(update={"log_level": "warning"}) if quiet else settings)
        code: int = args.func(settings, args)
        return code
    except HubError as exc:
        print(f"hub: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
