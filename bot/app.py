"""The composition root: builds every long-lived object once, from settings, and wires them together.

Nothing is built at import. ``build()`` is what the runners, the CLI, the demo and the tests call, so
they all run the same app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import handlers
from bot import middleware
from bot.clock import utc_now
from bot.configfile import default_config_path, load_config
from bot.directory import UserDirectory
from bot.errors import handle_error
from bot.form_worker import FormWorkerProcess
from bot.middleware import AfterAckPool, InFlight
from bot.outbox import DeliveryThread
from bot.scheduler import JobScheduler
from bot.services import Services, build_services
from bot.settings import Settings, SettingsError
from bot.slack_api import build_web_client
from handlers import cta
from handlers.inbox import FormInbox, FormWorker
from scoring.config import TakibiConfig
from storage import migrate
from storage.db import Database, is_sqlite

logger = logging.getLogger(__name__)

FORM_POLL_SECONDS = 1.0
"""How often an idle form worker thread looks for retries come due (it is woken for new forms)."""
FORM_YIELD_SECONDS = 2.0
"""How long the form worker thread (SQLite) gives way to requests waiting for their ack before it stores
the next form anyway. Storing one holds the GIL for 20–30 ms, and every request in flight waits behind
it: under a sustained burst the ack's p99 was 66 ms with 0.5 s here, 53 ms with 2 s (bench/ack.py).
Slack times the ack; nobody times the confirmation, and the burst's forms are safe in the inbox."""
LISTENER_THREADS = 32
"""Bolt runs each listener here: the ack, then what must happen within the trigger's 3 seconds (building
a modal and ``views.open``, which waits on Slack for 100 ms or more). A listener waiting on Slack holds
its thread, so there are enough for the next acks not to queue behind those waits."""


@dataclass
class Takibi:
    settings: Settings
    config: TakibiConfig
    database: Database
    client: WebClient
    directory: UserDirectory
    bolt: App
    services: Services
    listener_executor: ThreadPoolExecutor
    after_ack: AfterAckPool
    forms: FormInbox
    in_flight: InFlight
    delivery: DeliveryThread
    scheduler: JobScheduler
    _delivering: bool = field(default=False, init=False)
    _scheduling: bool = field(default=False, init=False)
    _form_worker: FormWorker | FormWorkerProcess | None = field(default=None, init=False)

    def healthy(self) -> bool:
        try:
            with self.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def start_delivery(self) -> None:
        """Send the outbox (alerts, replies, confirmations) from this process."""
        if not self._delivering:
            self.delivery.start()
            self._delivering = True

    def start_background(self) -> None:
        """Start what runs beside the listeners: the deliverer, the scheduled jobs and, on PostgreSQL,
        the form worker process (``takibi run`` calls this; tests that only need the listeners do not).

        On SQLite, acked forms are stored by a thread of this process that gives way while requests wait
        for their ack: SQLite takes one writer at a time, and a second process would wait for the lock
        by polling, with a lower CPU priority while holding it — slower than the GIL it was meant to
        spare.
        """
        self.start_delivery()
        if not self._scheduling:
            self.scheduler.start()
            self._scheduling = True
        self.start_form_worker()

    def start_form_worker(self) -> None:
        """Drain the form inbox beside the listeners: a worker process on PostgreSQL, a thread of this
        process on SQLite (see above). Either also picks up what an earlier run left in the inbox."""
        if self._form_worker is not None:
            return
        if is_sqlite(self.database.engine.url):
            thread = FormWorker(
                self.forms,
                poll_seconds=FORM_POLL_SECONDS,
                busy=self.in_flight.busy,
                yield_seconds=FORM_YIELD_SECONDS,
            )
            self.forms.wake = thread.wake
            self._form_worker = thread
        else:
            self.forms.wake = lambda: None  # the worker process polls the inbox
            self._form_worker = FormWorkerProcess(self.settings)
        self._form_worker.start()

    def close(self) -> None:
        """Stop the jobs, let listeners finish the work they started after ack, stop the deliverer,
        then release the database."""
        if self._scheduling:
            self.scheduler.shutdown(wait=True)
            self._scheduling = False
        self.listener_executor.shutdown(wait=True, cancel_futures=False)
        self.forms.flush()
        if self._form_worker is not None:
            self._form_worker.stop()
            self._form_worker = None
        self.after_ack.shutdown()
        if self._delivering:
            self.delivery.stop()
            self._delivering = False
        self.database.dispose()


def open_database(settings: Settings) -> Database:
    """SQLite is migrated on start (zero set-up); PostgreSQL must already be at head, because several
    instances may share it and schema changes there are an operator's decision (`takibi db upgrade`)."""
    url = settings.database_url
    if is_sqlite(url):
        migrate.upgrade(url)
    else:
        at, head = migrate.current(url), migrate.head()
        if at != head:
            raise SettingsError(
                f"TAKIBI_DATABASE_URL: the database is at revision {at or 'none'}, takibi needs {head}; "
                "run `takibi db upgrade` first"
            )
    return Database(url)


def load_takibi_config(settings: Settings) -> TakibiConfig:
    """``TAKIBI_CONFIG`` or the shipped default; an invalid file raises ``ConfigFileError`` listing
    every problem with its line, and the app does not start."""
    return load_config(settings.config_path or default_config_path(), locale=settings.locale)


def build(
    settings: Settings,
    *,
    now: Callable[[], datetime] = utc_now,
    database: Database | None = None,
) -> Takibi:
    config = load_takibi_config(settings)
    client = build_web_client(settings.bot_token(), settings.slack_api_url)
    database = database or open_database(settings)
    services = build_services(settings, config, database, now=now)
    directory = UserDirectory(client, settings.locale)
    listener_executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="takibi-listener")
    bolt = App(
        name="takibi",
        signing_secret=settings.signing_secret(),
        client=client,
        process_before_response=False,
        logger=logging.getLogger("takibi.bolt"),
        listener_executor=listener_executor,
    )
    resources = middleware.install(bolt, directory, services.deps, engine=services.engine)
    bolt.error(handle_error)
    cta.attach(bolt, services.alerts)
    handlers.register(bolt)
    return Takibi(
        settings=settings,
        config=config,
        database=database,
        client=client,
        directory=directory,
        bolt=bolt,
        services=services,
        listener_executor=listener_executor,
        after_ack=resources.after_ack,
        forms=resources.forms,
        in_flight=resources.in_flight,
        delivery=DeliveryThread(services.deliverer),
        scheduler=services.scheduler(),
    )
