"""A connector type from a separate package: installed by pip (offline, from tests/fixtures), listed by
`hub connectors list`, run by `hub connectors run` into the real broker; a broken plug-in stops start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import Settings
from hub.kafka_read import read_topic
from hub.processes import settings_env
from hub.topology import dlq_topic, qualified, raw_topic
from tests.helpers.cli import hub
from tests.helpers.packages import install_fixture
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package installed by pip into a folder of its own (no index, no build tools needed)."""
    target = install_fixture("hub-connector-example", tmp_path_factory.mktemp("site"))
    assert (target / "hub_connector_example-0.1.0.dist-info" / "entry_points.txt").is_file()
    return target


def test_the_installed_package_type_is_listed_with_its_origin(site: Path) -> None:
    """`hub connectors list` shows the package's type next to the built-in ones, naming the package."""
    result = hub("connectors", "list", env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    assert "  example-sequence         polling  package hub-connector-example 0.1.0" in result.stdout
    assert "  http-poll                polling  built-in" in result.stdout


def test_the_package_type_runs_and_produces_to_the_broker(
    site: Path, endpoints: tuple[str, str], topic_prefix: str, topics: Topics, tmp_path: Path
) -> None:
    """`hub connectors run` runs an instance of the package's type until its source is finished; its records are
    on the raw topic with the instance's headers."""
    settings = Settings(kafka_bootstrap=endpoints[0], topic_prefix=topic_prefix, state_dir=tmp_path / "state")
    topics(raw_topic("replay", "ndjson"), dlq_topic("connectors"))
    config = tmp_path / "connectors.toml"
    config.write_text(
        '[connectors.depot-test-tram]\ntype = "example-sequence"\nformat = "replay-ndjson"\n'
        "count = 25\nbatch = 10\ninterval_s = 0.05\n"
    )
    env = {**settings_env(settings), "PYTHONPATH": str(site), "HUB_CONNECTORS_CONFIG": str(config)}
    assert hub("connectors", "validate", str(config), env=env).returncode == 0
    result = hub("connectors", "run", "depot-test-tram", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_topic(settings.bootstrap(), qualified(topic_prefix, raw_topic("replay", "ndjson")), idle_s=0.5)
    assert sorted(dict(r.headers)["hub_record_id"].decode() for r in records) == [f"seq-699-{n:06d}" for n in range(25)]
    assert {dict(r.headers)["hub_connector"] for r in records} == {b"depot-test-tram"}


def test_a_plugin_that_fails_to_import_stops_start_up(tmp_path: Path) -> None:
    """An installed entry point whose module cannot be imported makes every connectors command fail, naming it."""
    info = tmp_path / "acme_broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[hub.connectors]\nacme-feed = acme_broken_missing:Feed\n")
    result = hub("connectors", "list", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2
    assert "connector type 'acme-feed' from package acme-broken 1.0 failed to import" in result.stderr
    assert "ModuleNotFoundError" in result.stderr


def test_running_an_instance_the_file_does_not_define_is_an_error(tmp_path: Path) -> None:
    """`hub connectors run NAME` with a NAME not in the file exits 2 and lists the defined ones."""
    config = tmp_path / "c.toml"
    config.write_text('[connectors.a]\ntype = "file"\nformat = "replay-ndjson"\npath = "/x"\n')
    result = hub("connectors", "run", "b", "--config", str(config), env={"HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"})
    assert result.returncode == 2
    assert "defines no connector 'b' (defined: a)" in result.stderr


def test_run_serves_metrics_and_webhooks_until_sigterm(
    endpoints: tuple[str, str], topic_prefix: str, topics: Topics, tmp_path: Path
) -> None:
    """`hub connectors run` serves /metrics and its webhook routes, accepts a push, and exits 0 on SIGTERM."""
    import signal
    import urllib.request

    from hub.processes import free_port

    settings = Settings(kafka_bootstrap=endpoints[0], topic_prefix=topic_prefix, state_dir=tmp_path / "state")
    topics(raw_topic("replay", "ndjson"), dlq_topic("connectors"))
    hook_port, metrics_port = free_port(), free_port()
    config = tmp_path / "c.toml"
    config.write_text(
        f'[server]\nport = {hook_port}\n[connectors.hook]\ntype = "webhook"\nformat = "replay-ndjson"\n'
        'path = "/in"\nauth = "bearer"\nsecret = { env = "HUB_TEST_RUN_TOKEN" }\n'
    )
    env = {
        **os.environ,
        **settings_env(settings),
        "HUB_METRICS_PORT": str(metrics_port),
        "HUB_LOG_FORMAT": "json",
        "HUB_TEST_RUN_TOKEN": "tok",
    }
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub", "connectors", "run", "--all", "--config", str(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def posted() -> int | None:
            """The status of one POST to the webhook, None while its server is not up yet."""
            assert proc.poll() is None, log.read_text()[-3000:]
            req = urllib.request.Request(
                f"http://127.0.0.1:{hook_port}/in",
                data=b'{"id": "x-1"}\n',
                headers={"Authorization": "Bearer tok", "Content-Type": "application/x-ndjson"},
            )
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return int(resp.status)
            except urllib.error.HTTPError:
                raise
            except OSError:
                return None

        assert wait_until(posted, 30, "webhook server did not come up", interval_s=0.1) == 202
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as resp:
            metrics = resp.read().decode()
        assert 'hub_connector_records_produced_total{connector="hook"} 1.0' in metrics
        assert 'hub_connector_requests_total{connector="hook",status="202"} 1.0' in metrics
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert "connectors stopped" in log.read_text()
