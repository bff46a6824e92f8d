"""Under ``takibi run``, acked forms are stored by a process of their own.

Storing an assessment (re-scoring, CTA evaluation, the confirmation) is CPU-bound Python. In the
process that answers Slack it would take the GIL from the threads whose acks Slack is timing; in a
process of its own it runs on another core when there is one, and at a much lower priority (``nice``)
when it shares the app's: under a burst the acks go first and the stores catch up after it. The inbox
is in the database, so a form the worker has not reached survives a restart of either process.

The parent keeps one worker alive: a worker that dies is started again (after a pause that grows
while it keeps dying); :meth:`FormWorkerProcess.stop` asks it to finish the form in hand and exit.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from types import FrameType
from typing import Any

from bot.settings import Settings

logger = logging.getLogger(__name__)

NICENESS = 15
"""How much lower the worker's CPU priority is than the listeners' (Linux nice values, 0 to 19). At 15
the worker gets a few percent of a core the app keeps busy, and all of an idle one."""
RESTART_PAUSES = (1.0, 5.0, 30.0)
ORPHAN_CHECK_SECONDS = 1.0


class FormWorkerProcess:
    """Starts, watches and stops the form worker process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._context = mp.get_context("spawn")
        self._process: Any = None
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._watchdog is None:
            self._spawn()
            self._watchdog = threading.Thread(target=self._watch, name="form-worker-watchdog", daemon=True)
            self._watchdog.start()

    def _spawn(self) -> None:
        self._process = self._context.Process(
            target=serve_forms, args=(self._settings,), name="takibi-forms", daemon=True
        )
        self._process.start()
        logger.info("form worker started (pid %s)", self._process.pid)

    def _watch(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._process.join(timeout=1.0)
            if self._process.is_alive() or self._stopping.is_set():
                continue
            pause = RESTART_PAUSES[min(failures, len(RESTART_PAUSES) - 1)]
            logger.warning(
                "form worker exited with %s; starting another in %.0f s", self._process.exitcode, pause
            )
            failures += 1
            if self._stopping.wait(pause):
                return
            self._spawn()

    def stop(self, timeout: float = 30.0) -> None:
        """Let the worker finish the form in hand (one transaction) and exit; kill it after ``timeout``."""
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.join()
        process = self._process
        if process is None or not process.is_alive():
            return
        process.terminate()
        process.join(timeout)
        if process.is_alive():
            logger.warning("form worker did not stop within %.0f s; killing it", timeout)
            process.kill()
            process.join(5)


def serve_forms(settings: Settings) -> None:
    """The worker process: build the app as ``takibi run`` does (same settings, same configuration) and
    drain the form inbox until SIGTERM."""
    from bot.app import build
    from bot.logs import configure_logging
    from bot.runner import freeze_startup_heap
    from handlers.inbox import FormWorker

    parent = os.getppid()
    os.nice(NICENESS)
    configure_logging(settings.log_level, settings.secret_values())
    takibi = build(settings)
    worker = FormWorker(takibi.forms)
    freeze_startup_heap()

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stop()

    def stop_when_orphaned() -> None:
        # The app was killed without stopping us (SIGKILL, OOM): its forms are for the next app's worker.
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        logger.warning("the app process is gone; form worker stopping")
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=stop_when_orphaned, name="form-worker-orphan", daemon=True).start()
    try:
        worker.run()
    finally:
        takibi.close()
