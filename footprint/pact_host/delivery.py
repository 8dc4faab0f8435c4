"""The host's delivery worker: one background thread that sends the outbox's due events.

Each pass first turns due announcements of certificate changes into outbox rows (the
``PublishedEvent``s of :mod:`.announcements`, when the host knows its own URL), then claims one
due row at a time (:meth:`.outbox.OutboxStore.claim`), computes the answer to a request if it is
the row's first attempt (and keeps it), posts the event to the client's ``reply_to`` host, and
records the outcome. What counts as what:

* delivered: a 2xx answer to ``POST /3/events``;
* retried later (backoff, or the answer's ``Retry-After`` when longer: :func:`.outbox.next_delay`):
  no connection, a timeout, a 5xx, 401 (after the client renewed its token once), 408, 429, or an
  error of ours while computing the answer;
* failed at once: any other 4xx (the receiver refuses this event: sending it again will not
  help), or a client that is no longer in the credentials file or has no ``reply_to``.

Between passes the thread sleeps until the next row is due, at most :data:`POLL_S` (rows queued
by another host process, or retried by an operator, are seen within that time), and wakes at once
when this process queues an answer (:meth:`DeliveryWorker.wake`). Tests call
:meth:`DeliveryWorker.run_once` with a fake clock instead of starting the thread.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from .catalogue import Catalogue
from .credentials import Credentials
from .errors import RemoteHostError
from .outbox import Attempt, ClaimLost, Claimed, OutboxStore
from .replies import ClientFactory, answer_for, default_client

if TYPE_CHECKING:
    from .announcements import Announcer

log = logging.getLogger(__name__)
POLL_S = 15.0
MIN_WAIT_S = 1.0  # a due row another process holds is looked at again after this long
RETRIED_4XX = frozenset({401, 408, 429})


def is_permanent(status: int | None) -> bool:
    """True for a refusal that a later attempt would get again (a 4xx other than 401, 408, 429)."""
    return status is not None and 400 <= status < 500 and status not in RETRIED_4XX


class DeliveryWorker:
    def __init__(
        self,
        outbox: OutboxStore,
        credentials: Credentials,
        catalogue: Catalogue,
        make_client: ClientFactory = default_client,
        poll_s: float = POLL_S,
        announcer: Announcer | None = None,
    ) -> None:
        self.outbox = outbox
        self.announcer = announcer
        self.credentials = credentials
        self.catalogue = catalogue
        self.make_client = make_client
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ one pass

    def run_once(self, limit: int = 1000) -> int:
        """Queue due announcements, then attempt every due row (at most ``limit``); the number of
        attempts made."""
        if self.announcer is not None:
            try:
                self.announcer.run_once()
            except Exception:  # noqa: BLE001 - the database or a study failed us: answers are still sent, announcing is tried again
                log.exception("announcing footprints failed; tried again at the next pass")
        done = 0
        while done < limit and not self._stop.is_set():
            claimed = self.outbox.claim()
            if claimed is None:
                break
            self._deliver(claimed)
            done += 1
        return done

    def _deliver(self, claimed: Claimed) -> None:
        client = self.credentials.clients.get(claimed.client_id)
        if client is None or client.reply_to is None:
            attempt = Attempt(False, permanent=True, error=f"client {claimed.client_id!r} has no reply_to host in the credentials file (removed or changed)")
        else:
            try:
                event = claimed.event
                if event is None:
                    answer = answer_for(claimed.request, client, self.catalogue, claimed.source, self.outbox.now())
                    event = self.outbox.keep_event(claimed, answer)
                with self.make_client(client.reply_to) as remote:
                    remote.post_event(event)
                attempt = Attempt(True)
            except ClaimLost as lost:
                log.warning("%s", lost)
                return
            except RemoteHostError as error:
                attempt = Attempt(False, permanent=is_permanent(error.status), http_status=error.status, error=str(error), retry_after=error.retry_after)
            except Exception as error:  # noqa: BLE001 - a bug or a database error of ours: logged, retried later
                log.exception("outbox row %s: internal error", claimed.id)
                attempt = Attempt(False, error=f"internal error: {type(error).__name__}: {error}")
        status = self.outbox.finish(claimed, attempt)
        target = client.reply_to.url if client is not None and client.reply_to is not None else "(no reply host)"
        if status is None:
            log.warning("outbox row %s: the claim ended before the outcome was stored (cancelled, or the lease ran out)", claimed.id)
        elif status == "delivered":
            log.info("outbox row %s delivered to %s (%s)", claimed.id, target, claimed.client_id)
        else:
            log.warning("outbox row %s to %s: %s; now %s", claimed.id, target, attempt.error, status)

    # ------------------------------------------------------------ the thread

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="pact-outbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the attempt under way (an unfinished one is claimed again when its lease ends)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = self.poll_s
            try:
                self.run_once()
                due = self.outbox.next_due()
                if due is not None:
                    wait = min(max((due - self.outbox.now()).total_seconds(), MIN_WAIT_S), self.poll_s)
            except Exception:  # noqa: BLE001 - the database was unreachable: try again after a poll
                log.exception("outbox pass failed")
            self._wake.wait(wait)
            self._wake.clear()
