"""The outbox: every event the host sends is stored in the registry database before it is sent,
then delivered by the host's worker (:mod:`.delivery`) until the receiver accepts it.

Why a table and not a task in memory: the spec asks a host to retry an event with exponential
backoff for up to 72 hours, which outlives a process; and the answer to a request acknowledged
with ``200`` must not be lost if the host stops right after. So a received request and its
answer's row (table ``pact_outbox``, migration 0005) are written in one transaction
(:meth:`OutboxStore.add_request`); the answer itself is computed at the first attempt and kept, so
every retry sends the same CloudEvent (same id: receivers drop the copies). A ``PublishedEvent``
(:mod:`.announcements`) is written whole with its row (:meth:`OutboxStore.queue_event`).

**Schedule** (:func:`next_delay`): after the n-th failed attempt the next one waits
30 s x 2^(n-1), at most 1 hour, shortened at random by up to a quarter (:func:`retry_delay_s`;
jitter: hosts that failed together do not retry in step). When the receiver's answer says
``Retry-After`` (seconds or an HTTP date, RFC 9110 §10.2.3; on any status that is tried again, in
practice 429 and 503), the next attempt waits that long if it is longer than the backoff — never
less than the backoff (a receiver answering ``Retry-After: 0`` is not asked again at once), and
never more than :data:`MAX_RETRY_AFTER_S` (one odd header does not park the row for days). A
value that is neither is ignored (the backoff applies; the row's last error says so). No attempt
is scheduled 72 hours or more after the row was created: the row is then ``failed``. A permanent
refusal (a 4xx other than 401, 408, 429) fails it at once. ``footprint pact-host outbox retry``
gives a failed or cancelled row a new 72-hour window.

**One deliverer per row.** A worker claims one due row at a time with a single ``UPDATE`` that
sets a claim token and a lease (10 minutes); the row's id is chosen by a sub-select that is
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two host processes never wait for or take the same row)
and runs inside ``BEGIN IMMEDIATE`` on SQLite (one writer at a time). The outcome is written only
while the claim is still the worker's. A worker that dies mid-delivery leaves its lease to expire;
the row is then claimed again (the receiver may get that event twice, with one id).

Times come from the registry's clock, and the jitter from ``draw`` (a callable in [0, 1)): tests
drive the schedule without waiting.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..certification.registry import Registry
from ..certification.registry.models import OUTBOX_STATUSES, PactEventRow, PactOutboxRow
from .errors import PactHostError
from .events import event_row

DELIVERY_WINDOW = timedelta(hours=72)
FIRST_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
JITTER = 0.25  # a delay is shortened by up to this fraction
MAX_RETRY_AFTER_S = 6 * 3600.0  # a longer Retry-After is waited for this long
LEASE = timedelta(minutes=10)  # longer than one attempt (token + post, 30 s timeouts each)
MAX_ERROR_CHARS = 1000
DELTA_SECONDS = re.compile(r"[0-9]+")


class OutboxError(PactHostError):
    """An outbox row is unknown, or cannot be retried or cancelled in its state."""


class ClaimLost(PactHostError):
    """The worker's lease on a row ended (another worker took it, or an operator cancelled it)."""


def retry_delay_s(failed_attempts: int, draw: float) -> float:
    """Seconds between the ``failed_attempts``-th failed attempt and the next one.

    ``draw`` in [0, 1) picks the jitter: 0 gives the full delay, values towards 1 up to a quarter
    less. 30 s, 60 s, 120 s, … doubling, never more than 1 hour.
    """
    if failed_attempts < 1 or not 0.0 <= draw < 1.0:
        raise ValueError("failed_attempts must be at least 1 and draw in [0, 1)")
    full = min(FIRST_DELAY_S * 2.0 ** min(failed_attempts - 1, 32), MAX_DELAY_S)
    return full * (1.0 - JITTER * draw)


def retry_after_s(value: str, now: datetime) -> float | None:
    """The seconds a ``Retry-After`` value asks to wait from ``now``, or None when it is neither
    delta-seconds (ASCII digits) nor an HTTP date (IMF-fixdate, or the obsolete RFC 850 and
    asctime forms, which RFC 9110 §5.6.7 asks recipients to accept; a date without a zone is
    GMT). A date in the past asks for 0 s."""
    text = value.strip()
    if DELTA_SECONDS.fullmatch(text):
        return float(text)  # may be inf for absurdly many digits: capped by the caller
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def next_delay(failed_attempts: int, draw: float, retry_after: str | None, now: datetime) -> tuple[float, str]:
    """(seconds to the next attempt, a note for the row's last error) after the
    ``failed_attempts``-th failure: the backoff, or the receiver's ``Retry-After`` when longer
    (at most :data:`MAX_RETRY_AFTER_S`); a malformed ``Retry-After`` is ignored and noted."""
    backoff = retry_delay_s(failed_attempts, draw)
    if retry_after is None:
        return backoff, ""
    asked = retry_after_s(retry_after, now)
    shown = retry_after.strip()[:60]
    if asked is None:
        return backoff, f"Retry-After {shown!r} ignored (neither seconds nor an HTTP date)"
    if asked <= backoff:
        return backoff, ""
    if asked > MAX_RETRY_AFTER_S:
        return MAX_RETRY_AFTER_S, f"Retry-After {shown!r} asks for more than {MAX_RETRY_AFTER_S:.0f} s: waiting {MAX_RETRY_AFTER_S:.0f} s"
    return asked, f"waiting {asked:.0f} s as Retry-After {shown!r} asks"


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt gave."""

    delivered: bool
    permanent: bool = False  # the receiver refused for good: no retry
    http_status: int | None = None
    error: str = ""
    retry_after: str | None = None  # the receiver's Retry-After header, as sent


@dataclass(frozen=True)
class Claimed:
    """A row a worker holds: what it needs to send it."""

    id: int
    claim: str
    client_id: str
    source: str
    attempts: int
    event: dict[str, Any] | None  # None until the answer is computed (first attempt)
    request: dict[str, Any] | None  # the request it answers


@dataclass(frozen=True)
class OutboxEntry:
    """One row as operators see it (``footprint pact-host outbox list|show``)."""

    id: int
    status: str
    client_id: str
    event_id: str | None
    type: str | None
    request_event_id: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None  # None once finished
    deadline_at: datetime
    last_attempt_at: datetime | None
    last_http_status: int | None
    last_error: str
    finished_at: datetime | None
    claimed_by: str | None
    lease_until: datetime | None
    event: dict[str, Any] | None

    def to_dict(self, with_event: bool = True) -> dict[str, Any]:
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, datetime):
                data[name] = value.isoformat()
        if not with_event:
            data.pop("event")
        return data


def _new_row(now: datetime, **fields: Any) -> PactOutboxRow:
    """A pending outbox row, due ``now``, whose window ends 72 hours later."""
    return PactOutboxRow(status="pending", attempts=0, created_at=now, next_attempt_at=now, deadline_at=now + DELIVERY_WINDOW, last_error="", **fields)


def worker_name() -> str:
    """host:pid, shown to operators as the holder of a claim."""
    return f"{socket.gethostname()}:{os.getpid()}"[:60]


class OutboxStore:
    """The ``pact_outbox`` table of the registry database (thread-safe)."""

    def __init__(self, registry: Registry, draw: Callable[[], float] = random.random, name: str | None = None) -> None:
        self.registry = registry
        self.draw = draw
        self.name = name or worker_name()

    def now(self) -> datetime:
        return self.registry.clock.now()

    # ------------------------------------------------------------ queueing

    def add_request(self, request: Mapping[str, Any], client_id: str, answer_source: str) -> int | None:
        """Store a received ``RequestCreatedEvent`` and its answer's outbox row in one
        transaction; the outbox row's id, or None when the request was stored before."""
        now = self.now()
        try:
            with self.registry.writing() as session:
                received = event_row("received", request, client_id, now)
                session.add(received)
                session.flush()
                row = _new_row(now, request_row_id=received.id, client_id=client_id, source=answer_source)
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            return None

    @staticmethod
    def queue_event(session: Session, client_id: str, event: Mapping[str, Any], now: datetime) -> PactOutboxRow:
        """Add a ready event for ``client_id`` in the caller's transaction (a ``PublishedEvent``:
        :mod:`.announcements`), due ``now``, with a 72-hour window."""
        row = _new_row(
            now, client_id=client_id, source=str(event["source"]), event_id=str(event["id"]), type=str(event["type"]),
            body=json.dumps(event, ensure_ascii=False, sort_keys=True),
        )  # fmt: skip
        session.add(row)
        return row

    # ------------------------------------------------------------ the worker's side

    def _due(self, now: datetime):
        return (
            (PactOutboxRow.status == "pending")
            & (PactOutboxRow.next_attempt_at <= now)
            & or_(PactOutboxRow.lease_until.is_(None), PactOutboxRow.lease_until <= now)
        )

    def claim(self) -> Claimed | None:
        """Take the next due row (oldest due first) with a lease, or None when nothing is due."""
        now = self.now()
        token = f"{self.name}:{uuid.uuid4().hex[:12]}"
        pick = (
            select(PactOutboxRow.id)
            .where(self._due(now))
            .order_by(PactOutboxRow.next_attempt_at, PactOutboxRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders none (BEGIN IMMEDIATE serialises)
            .scalar_subquery()
        )
        claim = (
            update(PactOutboxRow)
            .where((PactOutboxRow.id == pick) & self._due(now))
            .values(claim=token, lease_until=now + LEASE)
            .returning(PactOutboxRow.id)
        )
        with self.registry.writing() as session:
            row_id = session.execute(claim).scalar()
            if row_id is None:
                return None
            row = session.get(PactOutboxRow, row_id)
            request = session.get(PactEventRow, row.request_row_id) if row.request_row_id is not None else None
            return Claimed(
                row.id, token, row.client_id, row.source, row.attempts,
                json.loads(row.body) if row.body else None, json.loads(request.body) if request is not None else None,
            )  # fmt: skip

    def _held(self, session: Session, claimed: Claimed) -> PactOutboxRow | None:
        query = select(PactOutboxRow).where(
            (PactOutboxRow.id == claimed.id) & (PactOutboxRow.claim == claimed.claim) & (PactOutboxRow.status == "pending")
        )
        return session.execute(query.with_for_update()).scalar()

    def keep_event(self, claimed: Claimed, event: Mapping[str, Any]) -> dict[str, Any]:
        """Store the computed answer before it is first sent (every retry sends these bytes)."""
        with self.registry.writing() as session:
            row = self._held(session, claimed)
            if row is None:
                raise ClaimLost(f"outbox row {claimed.id} is no longer held by {claimed.claim}")
            row.event_id, row.type = str(event["id"]), str(event["type"])
            row.body = json.dumps(event, ensure_ascii=False, sort_keys=True)
        return dict(event)

    def finish(self, claimed: Claimed, attempt: Attempt) -> str | None:
        """Record an attempt: delivered (and logged as ``sent``), failed, or rescheduled by the
        backoff. The row's status afterwards; None when the claim was lost (nothing written)."""
        now = self.now()
        with self.registry.writing() as session:
            row = self._held(session, claimed)
            if row is None:
                return None
            row.attempts += 1
            row.last_attempt_at, row.last_http_status = now, attempt.http_status
            row.last_error = attempt.error[:MAX_ERROR_CHARS]
            row.claim = row.lease_until = None
            if attempt.delivered:
                row.status, row.finished_at = "delivered", now
                self._log_sent(session, row, now)
            elif attempt.permanent:
                row.status, row.finished_at = "failed", now
            else:
                delay, note = next_delay(row.attempts, self.draw(), attempt.retry_after, now)
                if note:
                    row.last_error = f"{attempt.error} ({note})"[:MAX_ERROR_CHARS]
                following = now + timedelta(seconds=delay)
                if following >= row.deadline_at:
                    row.status, row.finished_at = "failed", now
                    row.last_error = f"gave up after {row.attempts} attempts (72-hour window ended): {row.last_error}"[:MAX_ERROR_CHARS]
                else:
                    row.next_attempt_at = following
            return row.status

    @staticmethod
    def _log_sent(session: Session, row: PactOutboxRow, now: datetime) -> None:
        event = json.loads(row.body)
        known = select(PactEventRow.id).where(
            (PactEventRow.direction == "sent") & (PactEventRow.source == event["source"]) & (PactEventRow.event_id == event["id"])
        )
        if session.execute(known).first() is None:  # a lease that ran out may have delivered it once already
            session.add(event_row("sent", event, row.client_id, now))

    def next_due(self) -> datetime | None:
        """When the earliest pending row becomes claimable (its attempt time, or its lease's end)."""
        with self.registry.reading() as session:
            waiting = session.execute(
                select(func.min(PactOutboxRow.next_attempt_at)).where((PactOutboxRow.status == "pending") & PactOutboxRow.lease_until.is_(None))
            ).scalar()
            leased = session.execute(
                select(func.min(PactOutboxRow.lease_until)).where((PactOutboxRow.status == "pending") & PactOutboxRow.lease_until.is_not(None))
            ).scalar()
        found = [t for t in (waiting, leased) if t is not None]
        return min(found) if found else None

    # ------------------------------------------------------------ operators

    def entries(self, status: str | None = None) -> list[OutboxEntry]:
        if status is not None and status not in OUTBOX_STATUSES:
            raise OutboxError(f"unknown outbox status {status!r} (one of {', '.join(OUTBOX_STATUSES)})")
        return self._entries(PactOutboxRow.status == status if status is not None else None)

    def entry(self, outbox_id: int) -> OutboxEntry:
        found = self._entries(PactOutboxRow.id == outbox_id)
        if not found:
            raise OutboxError(f"no outbox row {outbox_id}")
        return found[0]

    def _entries(self, condition) -> list[OutboxEntry]:
        query = select(PactOutboxRow, PactEventRow.event_id).outerjoin(PactEventRow, PactEventRow.id == PactOutboxRow.request_row_id)
        if condition is not None:
            query = query.where(condition)
        with self.registry.reading() as session:
            return [self._entry(row, request_id) for row, request_id in session.execute(query.order_by(PactOutboxRow.id))]

    @staticmethod
    def _entry(row: PactOutboxRow, request_event_id: str | None) -> OutboxEntry:
        return OutboxEntry(
            row.id, row.status, row.client_id, row.event_id, row.type, request_event_id, row.attempts, row.created_at,
            row.next_attempt_at if row.status == "pending" else None, row.deadline_at, row.last_attempt_at,
            row.last_http_status, row.last_error, row.finished_at, row.claim.rsplit(":", 1)[0] if row.claim else None,
            row.lease_until, json.loads(row.body) if row.body else None,
        )  # fmt: skip

    def retry(self, outbox_id: int, actor: str, reason: str = "") -> OutboxEntry:
        """Attempt a failed, cancelled or waiting row now, with a new 72-hour window; audited
        ``pact_outbox_retry``. A delivered row is refused (the receiver has it)."""
        now = self.now()

        def change(session: Session) -> dict[str, Any]:
            row = self._operated(session, outbox_id)
            if row.status == "delivered":
                raise OutboxError(f"outbox row {outbox_id} was delivered on {row.finished_at:%Y-%m-%d %H:%M:%S} UTC: nothing to retry")
            detail = self._detail(row, reason)
            row.status, row.finished_at = "pending", None
            row.next_attempt_at, row.deadline_at = now, max(row.deadline_at, now + DELIVERY_WINDOW)
            return detail

        self.registry.write_audited(actor, "pact_outbox_retry", change)
        return self.entry(outbox_id)

    def cancel(self, outbox_id: int, actor: str, reason: str = "") -> OutboxEntry:
        """Stop delivering a pending row; audited ``pact_outbox_cancel``. An attempt already under
        way may still reach the receiver (its outcome is then not recorded)."""
        now = self.now()

        def change(session: Session) -> dict[str, Any]:
            row = self._operated(session, outbox_id)
            if row.status != "pending":
                raise OutboxError(f"outbox row {outbox_id} is {row.status}: only a pending row can be cancelled")
            detail = self._detail(row, reason)
            row.status, row.finished_at = "cancelled", now
            return detail

        self.registry.write_audited(actor, "pact_outbox_cancel", change)
        return self.entry(outbox_id)

    @staticmethod
    def _operated(session: Session, outbox_id: int) -> PactOutboxRow:
        row = session.get(PactOutboxRow, outbox_id, with_for_update=True)
        if row is None:
            raise OutboxError(f"no outbox row {outbox_id}")
        return row

    @staticmethod
    def _detail(row: PactOutboxRow, reason: str) -> dict[str, Any]:
        return {"outbox_id": row.id, "event_id": row.event_id, "client_id": row.client_id, "previous_status": row.status, "attempts": row.attempts, "reason": reason}
