"""How fast does takibi ack under load, against a Bolt app that does nothing but ack? Prints figures.

20 concurrent clients (``--clients``) send signed ``/takibi assess <account>`` commands and assess
``view_submission``s, alternately, for 60 seconds (``--duration``) to the real app in HTTP mode (its own
process, waitress, a fresh SQLite file or, with ``--postgres URL``, a fresh PostgreSQL database), with
the local Slack stand-in answering its Web API calls. Then the same load, in the same run, against a
minimal Bolt app (own process, same server) whose command listener only acks and opens a one-block
modal and whose submission listener only acks. Reports p50 / p99 / max ack latency (the HTTP round
trip the client sees), throughput and requests over 3 s for both, and the ratio; for each app, how long
after its trigger each command's modal opened (what the ack leaves out); finally how long the real app
took to store every accepted submission (work after the ack).

Targets: p99 under 300 ms, no request over 3 s, p99 under 2× the minimal app's.

On a machine with two CPUs or more, each app's server process (with takibi's form worker) is pinned to
the first CPU and the clients and the Slack stand-in to the others (``--no-pin`` turns this off): the
figures are then the app's own machine's, not a share of one the load generator and "Slack" crowd. A
PostgreSQL server on this machine is pinned with the stand-in, when the bench may: the database is the
app's neighbour, as in production.

    .venv/bin/python bench/ack.py                    # 60 s per app
    .venv/bin/python bench/ack.py --duration 10 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox import SlackDriver, SlackStandIn
from handlers.metadata import AssessMetadata
from storage.db import Database
from storage.enums import KeyPersonRole
from storage.migrate import upgrade
from storage.repositories import accounts, key_people
from storage.repositories.accounts import AccountInput

BOT_TOKEN = "xoxb-bench-ack"  # noqa: S105 - the stand-in takes any xoxb- token
CHANNEL = "C0CSSMB"
USERS = ("U0SATO", "U0SUZUKI", "U0EMILY", "U0JAMES", "U0TAKAHASHI")
SLOW = 3.0


@contextmanager
def fresh_database(backend: str, server_url: str | None, folder: Path) -> Iterator[str]:
    """A new database migrated to head: a SQLite file, or a uniquely named PostgreSQL database."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'ack.sqlite3'}"
        upgrade(url)
        yield url
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    assert server_url is not None
    name = f"takibi_bench_{uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# --- the two servers, each in its own process --------------------------------------------------


def pin(env: dict[str, str], role: str) -> None:
    """Keep this process on its CPUs (``BENCH_CPUS_APP`` / ``BENCH_CPUS_LOAD``: comma-separated)."""
    cpus = env.get(f"BENCH_CPUS_{role}")
    if cpus:
        os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})


@contextmanager
def local_postgres_on(cpus: list[int]) -> Iterator[int]:
    """Pin this machine's PostgreSQL server processes (the postmaster, so the backends it forks too) to
    ``cpus`` while the load runs, as the stand-in is: the database is the app's neighbour, not a share
    of the app's CPU. Yields how many processes were pinned (0 when none may be: another user's server,
    or none on this machine); their affinity is restored afterwards."""
    before: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not cpus:
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            pid = int(entry.name)
            previous = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, set(cpus))
        except (OSError, ValueError):  # gone meanwhile, or not ours to pin
            continue
        before[pid] = previous
    try:
        yield len(before)
    finally:
        for pid, previous in before.items():
            try:
                os.sched_setaffinity(pid, previous)
            except OSError:
                continue


def serve_takibi(env: dict[str, str], ready: Any) -> None:
    """The real app, as ``takibi run --http`` serves it."""
    from bot.app import build
    from bot.logs import configure_logging
    from bot.runner import HttpServer, freeze_startup_heap, wsgi_app
    from bot.settings import Settings

    pin(env, "APP")
    configure_logging("ERROR")  # as `takibi run` sets its logging up, quieter
    if env.get("BENCH_LOG"):
        logging.getLogger().addHandler(logging.FileHandler(env["BENCH_LOG"]))
    env = {name: value for name, value in env.items() if not name.startswith("BENCH_")}
    settings = Settings(_env_file=None, **env)  # type: ignore[arg-type]
    takibi = build(settings)
    # As `takibi run` stores forms (on PostgreSQL, in a worker process); no scheduled jobs, whose
    # catch-up at start would add a scoring pass to the load, and no deliverer (nothing is queued).
    takibi.start_form_worker()
    freeze_startup_heap()
    server = HttpServer(wsgi_app(takibi.bolt, takibi.healthy), port=0)
    signal.signal(signal.SIGTERM, lambda signum, frame: threading.Thread(target=server.close).start())
    ready.put(f"{server.url}/slack/events")
    try:
        server.serve()
    finally:
        takibi.close()


def serve_minimal(env: dict[str, str], ready: Any) -> None:
    """A Bolt app that only acks (and opens a one-block modal for the command): the floor."""
    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from slack_sdk.models.blocks import PlainTextObject, SectionBlock
    from slack_sdk.models.views import View

    from bot.runner import HttpServer, freeze_startup_heap, wsgi_app
    from bot.slack_api import build_web_client

    pin(env, "APP")
    logging.basicConfig(level=logging.CRITICAL)
    client = build_web_client(env["SLACK_BOT_TOKEN"], env["SLACK_API_URL"])
    app = App(signing_secret=env["SLACK_SIGNING_SECRET"], client=client, process_before_response=False)
    modal = View(
        type="modal",
        title=PlainTextObject(text="minimal"),
        blocks=[SectionBlock(text=PlainTextObject(text="ok"))],
    )

    @app.command("/takibi")
    def command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.view("assess")
    def submission(ack: Ack) -> None:
        ack()

    freeze_startup_heap()  # as takibi's runner does: the same plumbing
    server = HttpServer(wsgi_app(app, lambda: True), port=0)
    ready.put(f"{server.url}/slack/events")
    server.serve()


@dataclass(frozen=True)
class Served:
    url: str
    pid: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process and its live children (takibi's form worker) have used so far
    (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return own + sum(cpu_seconds(child) for child in children)


@contextmanager
def running(target: Callable[[dict[str, str], Any], None], env: dict[str, str]) -> Iterator[Served]:
    context = mp.get_context("spawn")
    ready = context.Queue()
    # Not a daemon: the real app starts its form worker process, and daemons may not have children.
    process = context.Process(target=target, args=(env, ready))
    process.start()
    try:
        yield Served(str(ready.get(timeout=60)), cast(int, process.pid))
    finally:
        process.terminate()
        process.join(timeout=60)
        if process.is_alive():
            process.kill()


# --- the load ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    kind: str
    user: str
    text: str = ""
    values: dict[str, Any] | None = None
    metadata: str = ""


@dataclass
class Result:
    name: str
    duration: float
    records: list[tuple[str, int, float, bool]]
    app_cpu: float = 0.0
    """CPU seconds the app's process used during the load (its work after the ack included)."""
    standin_cpu: float = 0.0
    """CPU seconds of this process (the stand-in answering the app, and the desk) during the load."""

    def latencies(self, kind: str | None = None) -> list[float]:
        return [elapsed for k, _, elapsed, _ in self.records if kind is None or k == kind]

    @property
    def accepted_submissions(self) -> int:
        return sum(
            1 for k, status, _, accepted in self.records if k == "submission" and status == 200 and accepted
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed(url: str, count: int) -> list[tuple[int, str]]:
    database = Database(url)
    made: list[tuple[int, str]] = []
    with database.unit_of_work() as session:
        for n in range(count):
            account = accounts.upsert_by_external_id(
                session,
                AccountInput(
                    external_id=f"ACK-{n:04d}",
                    name=f"株式会社ベンチ{n:04d}",
                    segment=("SMB", "MM", "EP")[n % 3],
                    owner_slack_id=USERS[n % len(USERS)],
                    mrr=Decimal(50_000 + n),
                ),
            )
            key_people.add(session, account_id=account.id, role=KeyPersonRole.PO, name=f"担当{n}")
            made.append((account.id, account.name))
    database.dispose()
    return made


def template_view(url: str, secret: str, standin: SlackStandIn, account_name: str) -> dict[str, Any]:
    with SlackDriver(url, secret, standin) as slack:
        slack.slash_command(f"assess {account_name}", user_id=USERS[0], channel_id=CHANNEL)

    def ready(s: SlackStandIn) -> bool:
        views = s.open_views(USERS[0])
        return bool(views) and views[-1]["callback_id"] == "assess"

    if not standin.wait_until(ready, timeout=30):
        raise SystemExit("the assess modal did not open")
    return standin.open_views(USERS[0])[-1]


def submission_values(view: dict[str, Any], account_id: int, n: int) -> dict[str, Any]:
    """What Slack sends when a user answers a few questions and saves (no key-people fields: only
    the owner may send those)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block["type"] != "input" or block_id.startswith(("person_", "renewal:")):
            continue
        element = block["element"]
        state: dict[str, Any] = {"type": element["type"]}
        if block_id == "assess_account":
            state["selected_option"] = {"value": str(account_id), "text": {"type": "plain_text", "text": "x"}}
        elif element["type"] == "radio_buttons" and block_id.startswith("question:"):
            options = element["options"]
            state["selected_option"] = options[n % len(options)]
        elif element["type"] == "datepicker":
            state["selected_date"] = element.get("initial_date")
        elif element["type"] == "plain_text_input":
            state["value"] = "30" if block_id == "tp_effort" else None
        elif element["type"] == "static_select":
            state["selected_option"] = element["options"][n % len(element["options"])]
        else:
            state["selected_option"] = None
        values[block_id] = {element["action_id"]: state}
    return values


def plan(view: dict[str, Any], books: list[tuple[int, str]], user: str) -> list[Work]:
    """One client's requests: for each account, open the assess modal, then save it."""
    work: list[Work] = []
    for n, (account_id, name) in enumerate(books):
        metadata = AssessMetadata(locale="ja", account_id=account_id, channel_id=CHANNEL).encode()
        work.append(Work("command", user, text=f"assess {name}"))
        work.append(
            Work("submission", user, values=submission_values(view, account_id, n), metadata=metadata)
        )
    return work


class Desk:
    """What the driver needs from the stand-in, served to the client process over a manager: trigger
    ids and response URLs the stand-in will honour, and applying view answers (none of it timed)."""

    def __init__(self, standin: SlackStandIn) -> None:
        self._standin = standin

    def identity(self) -> dict[str, str]:
        s = self._standin
        return {
            "team_id": s.team_id,
            "team_domain": s.team_domain,
            "app_id": s.app_id,
            "bot_user_id": s.bot_user_id,
        }

    def issue_trigger_id(self, user_id: str) -> str:
        return self._standin.issue_trigger_id(user_id)

    def new_response_url(
        self, user_id: str | None = None, channel_id: str | None = None, message_ts: str | None = None
    ) -> str:
        return self._standin.new_response_url(user_id=user_id, channel_id=channel_id, message_ts=message_ts)

    def apply_view_response(self, user_id: str, view_id: str, body: Any) -> None:
        self._standin.apply_view_response(user_id, view_id, body)

    def user_name(self, user_id: str) -> str | None:
        return self._standin.user_name(user_id)

    def channel_name(self, channel_id: str) -> str | None:
        return self._standin.channel_name(channel_id)


class DeskManager(BaseManager):
    pass


class RemoteStandIn:
    """The stand-in as the driver sees it, from the client process (duck-typed ``SlackStandIn``)."""

    def __init__(self, desk: Any) -> None:
        self._desk = desk
        identity = desk.identity()
        self.team_id, self.team_domain = identity["team_id"], identity["team_domain"]
        self.app_id, self.bot_user_id = identity["app_id"], identity["bot_user_id"]

    def issue_trigger_id(self, user_id: str) -> str:
        return str(self._desk.issue_trigger_id(user_id))

    def new_response_url(
        self, *, user_id: str | None = None, channel_id: str | None = None, message_ts: str | None = None
    ) -> str:
        return str(self._desk.new_response_url(user_id, channel_id, message_ts))

    def apply_view_response(self, user_id: str, view_id: str, body: Any) -> None:
        self._desk.apply_view_response(user_id, view_id, body)

    def user_name(self, user_id: str) -> str | None:
        name = self._desk.user_name(user_id)
        return None if name is None else str(name)

    def channel_name(self, channel_id: str) -> str | None:
        name = self._desk.channel_name(channel_id)
        return None if name is None else str(name)


def run_clients(  # noqa: PLR0917 - a process target takes its arguments by position
    address: tuple[str, int],
    authkey: bytes,
    url: str,
    secret: str,
    view: dict[str, Any],
    work: list[list[Work]],
    duration: float,
    out: Any,
) -> None:
    """The client process: ``len(work)`` threads, each sending its own requests one after another
    until ``duration`` is over; the records go back through ``out``."""
    DeskManager.register("desk")
    manager = DeskManager(address=address, authkey=authkey)
    manager.connect()
    standin = RemoteStandIn(manager.desk())  # type: ignore[attr-defined]
    records: list[tuple[str, int, float, bool]] = []
    slack = SlackDriver(url, secret, cast(SlackStandIn, standin), timeout=30)
    clients = len(work)
    start = threading.Barrier(clients + 1)
    stop_at = 0.0

    def client(n: int) -> None:
        start.wait()
        index = n * 7
        mine = work[n]
        while time.monotonic() < stop_at:
            item = mine[index % len(mine)]
            index += 1
            if item.kind == "command":
                answer = slack.slash_command(item.text, user_id=item.user, channel_id=CHANNEL)
                accepted = answer.status == 200
            else:
                assert item.values is not None
                answer = slack.view_submission(item.user, view, item.values, private_metadata=item.metadata)
                accepted = answer.status == 200 and answer.json is None
            records.append((item.kind, answer.status, answer.elapsed, accepted))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at = time.monotonic() + duration
    started = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    slack.close()
    out.put((time.monotonic() - started, records))


def load(  # noqa: PLR0917 - a script's one call site
    name: str,
    served: Served,
    secret: str,
    desk: tuple[tuple[str, int], bytes],
    view: dict[str, Any],
    work: list[list[Work]],
    *,
    duration: float,
) -> Result:
    """Run the clients in their own process, so their clocks do not wait on the stand-in's threads."""
    context = mp.get_context("spawn")
    out = context.Queue()
    address, authkey = desk
    process = context.Process(
        target=run_clients, args=(address, authkey, served.url, secret, view, work, duration, out)
    )
    app_before, standin_before = cpu_seconds(served.pid), time.process_time()
    process.start()
    elapsed, records = out.get(timeout=duration + 600)
    app_cpu, standin_cpu = cpu_seconds(served.pid) - app_before, time.process_time() - standin_before
    process.join(timeout=30)
    return Result(name, elapsed, records, app_cpu, standin_cpu)


def report(result: Result) -> None:
    everything = result.latencies()
    slow = sum(1 for value in everything if value > SLOW)
    failed = sum(1 for _, status, _, _ in result.records if status != 200)
    refused = sum(1 for k, status, _, ok in result.records if k == "submission" and status == 200 and not ok)
    rate = len(everything) / result.duration
    print(
        f"{result.name:8} {len(everything):6d} requests in {result.duration:5.1f} s = {rate:6.1f}/s   "
        f"ack p50 {statistics.median(everything) * 1000:6.1f} ms   "
        f"p99 {percentile(everything, 0.99) * 1000:6.1f} ms   max {max(everything) * 1000:7.1f} ms   "
        f"over 3 s: {slow}   non-200: {failed}   refused submissions: {refused}"
    )
    for kind, label in (("command", "/takibi assess"), ("submission", "view_submission")):
        values = result.latencies(kind)
        print(
            f"         {label:16} {len(values):6d}   p50 {statistics.median(values) * 1000:6.1f} ms   "
            f"p99 {percentile(values, 0.99) * 1000:6.1f} ms"
        )
    print(
        f"         CPU per request: app {result.app_cpu / len(everything) * 1000:5.2f} ms, "
        f"stand-in {result.standin_cpu / len(everything) * 1000:5.2f} ms "
        f"(app {result.app_cpu / result.duration:.0%} of a core during the load; takibi's app counts its "
        "form worker process)"
    )


def report_modals(result: Result, standin: SlackStandIn, issued_before: int) -> None:
    """What the ack figures leave out: how long after its trigger each command's modal opened (the
    ``views.open`` reaching the stand-in), and how many commands got none. A trigger expires after 3 s,
    so waiting that long lets every open still on its way arrive or fail."""
    time.sleep(SLOW + 0.5)
    triggers = standin.triggers()[issued_before:]
    waits = [t.used_at - t.issued_at for t in triggers if t.used_at is not None]
    commands = len(result.latencies("command"))
    print(
        f"         modal open (trigger → views.open): {len(waits)} of {commands} commands   "
        + (
            f"p50 {statistics.median(waits) * 1000:6.1f} ms   p99 {percentile(waits, 0.99) * 1000:6.1f} ms   "
            f"max {max(waits) * 1000:7.1f} ms"
            if waits
            else "none opened"
        )
    )


def assessments_stored(url: str) -> int:
    from sqlalchemy import func, select

    from storage.models import Assessment

    database = Database(url)
    try:
        with database.unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(Assessment)) or 0)
    finally:
        database.dispose()


def bench_config(folder: Path) -> Path:
    """The shipped takibi.yml, open to every workspace member (the bench's extra users)."""
    import yaml

    from bot.configfile import default_config_path

    data = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    data["access"]["members"] = {"everyone": True}
    path = folder / "takibi.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def drain(url: str, wanted: int, *, quiet_for: float = 15.0) -> tuple[int, float]:
    """Wait until ``wanted`` assessments are stored, or nothing new was stored for ``quiet_for``."""
    started = last_change = time.monotonic()
    stored = assessments_stored(url)
    while stored < wanted and time.monotonic() - last_change < quiet_for:
        time.sleep(0.5)
        now_stored = assessments_stored(url)
        if now_stored != stored:
            stored, last_change = now_stored, time.monotonic()
    return stored, last_change - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per app (default 60)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--postgres", default=None, help="run on a fresh PostgreSQL database on this server")
    parser.add_argument("--no-pin", action="store_true", help="let every process run on every CPU")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    app_cpus, load_cpus = (cpus[:1], cpus[1:]) if len(cpus) > 1 and not args.no_pin else ([], [])
    if load_cpus:
        os.sched_setaffinity(0, set(load_cpus))
    logging.basicConfig(level=logging.CRITICAL)
    backend = "postgresql" if args.postgres else "sqlite"
    secret = secrets.token_hex(16)
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(backend, args.postgres, Path(folder)) as url,
        local_postgres_on(load_cpus if backend == "postgresql" else []) as postgres_pinned,
        SlackStandIn() as standin,
    ):
        books = seed(url, args.accounts)
        users = [
            standin.add_user(f"bench{n:02d}", user_id=f"U0BENCH{n:02d}", locale="ja-JP")
            for n in range(args.clients)
        ]
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": standin.base_url,
            "TAKIBI_DATABASE_URL": url,
            "TAKIBI_CONFIG": str(bench_config(Path(folder))),
            "TAKIBI_LOG_LEVEL": "ERROR",  # the form worker process too (PostgreSQL), as the app's
            "BENCH_LOG": os.environ.get("BENCH_LOG", ""),
            "BENCH_CPUS_APP": ",".join(map(str, app_cpus)),
        }
        print(
            f"ack latency: {args.clients} clients, {args.duration:.0f} s per app, {backend}, "
            f"{args.accounts} accounts, {os.cpu_count()} CPUs"
            + (
                f"; app on CPU {app_cpus}, clients and stand-in on CPU {load_cpus}"
                if app_cpus
                else "; unpinned"
            )
            + (f", with PostgreSQL's {postgres_pinned} local processes" if postgres_pinned else "")
        )
        authkey = secrets.token_bytes(16)
        DeskManager.register("desk", callable=lambda: desk_object)
        desk_object = Desk(standin)
        manager = DeskManager(address=("127.0.0.1", 0), authkey=authkey)
        server = manager.get_server()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        desk = (cast(tuple[str, int], server.address), authkey)
        with running(serve_takibi, env) as served_takibi:
            view = template_view(served_takibi.url, secret, standin, books[0][1])
            work = [plan(view, books, user) for user in users]
            before = assessments_stored(url)
            issued = len(standin.triggers())
            takibi = load("takibi", served_takibi, secret, desk, view, work, duration=args.duration)
            report(takibi)
            report_modals(takibi, standin, issued)
            stored, took = drain(url, before + takibi.accepted_submissions)
            print(
                f"         stored {stored - before} of {takibi.accepted_submissions} accepted submissions; "
                f"the last {took:.1f} s after the load ended"
            )
        with running(serve_minimal, env) as served_minimal:
            issued = len(standin.triggers())
            minimal = load("minimal", served_minimal, secret, desk, view, work, duration=args.duration)
            report(minimal)
            report_modals(minimal, standin, issued)
        ours, floor = takibi.latencies(), minimal.latencies()
        print(
            f"ratio    p50 {statistics.median(ours) / statistics.median(floor):.2f}×   "
            f"p99 {percentile(ours, 0.99) / percentile(floor, 0.99):.2f}×   "
            f"throughput {len(ours) / takibi.duration / (len(floor) / minimal.duration):.2f}×"
        )


if __name__ == "__main__":
    main()
