"""Announcing footprints: a ``PublishedEvent`` to each client that may see a footprint whose
certificate the registry issued, renewed or revoked.

PACT v3 lets a data owner tell its data recipients that footprints were published, updated or
deprecated (``PublishedEvent``; the spec's lifecycle section): the event carries only their ids
(``data.pfIds``) and the recipient fetches them with GetFootprint. What is announced comes from
the registry's ``pact_announcements`` rows, which the registry writes in the transaction of the
change (migration 0006):

=========  ===========================================================================
change     ids in ``pfIds``
=========  ===========================================================================
issued     the new footprint (``Active``)
renewed    the new footprint, and the one it replaces (now ``Deprecated``) if served
revoked    the footprint (now ``Deprecated``, see :mod:`.catalogue`)
=========  ===========================================================================

A suspension, a reinstatement, an expiry or a revoked signing key is not announced (see
docs/pact-api.md).

**Who gets it:** every client of the credentials file with an events endpoint (``reply_to``)
that may see the footprint under its ``access`` — the test GetFootprint applies,
:meth:`.credentials.Client.sees` — with only the ids it may see; a client that may see none of
them gets nothing. The rows due in one pass become one event per client. The outbox rows and the
announcements' new status are written in one transaction in which the announcements are locked
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite) and read again, so two
host processes on one registry announce a change once. Delivery, retries and the operators'
``outbox list|show|retry|cancel`` are the outbox's (:mod:`.outbox`).

A footprint that is not served (its certified study is not under ``--studies`` yet, the
certificate is suspended or fails the integrity check) is looked at again every :data:`RECHECK`
for 72 hours from the change; then its row is ``unserved`` (logged). The events' ``source`` is the
host's own URL (``--public-url``): without it nothing is announced and the rows wait.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..certification.registry import CertificateRecord, Registry
from ..certification.registry.models import ANNOUNCEMENT_STATUSES, PactAnnouncementRow
from .catalogue import Catalogue
from .credentials import Credentials
from .events import PUBLISHED, new_event
from .errors import PactHostError
from .outbox import DELIVERY_WINDOW, OutboxStore

log = logging.getLogger(__name__)
RECHECK = timedelta(minutes=1)  # a footprint not served yet (its study file is copied later…)
MAX_PER_PASS = 500
NOT_SERVED = "its footprint is not served (certified study not under --studies, certificate suspended, or failing the integrity check)"

Served = Mapping[str, tuple[CertificateRecord, dict[str, Any]]]  # certificate number → (record, footprint)


@dataclass(frozen=True)
class Announcement:
    """One ``pact_announcements`` row as operators see it (``footprint pact-host announcements``)."""

    id: int
    certificate_number: str
    change: str
    status: str
    created_at: datetime
    next_check_at: datetime | None  # None once done
    done_at: datetime | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}


def announcements(registry: Registry, status: str | None = None) -> list[Announcement]:
    """The rows, oldest first (``status``: one of waiting, queued, nobody, unserved)."""
    if status is not None and status not in ANNOUNCEMENT_STATUSES:
        raise PactHostError(f"unknown announcement status {status!r} (one of {', '.join(ANNOUNCEMENT_STATUSES)})")
    query = select(PactAnnouncementRow).order_by(PactAnnouncementRow.id)
    if status is not None:
        query = query.where(PactAnnouncementRow.status == status)
    with registry.reading() as session:
        return [
            Announcement(
                r.id, r.certificate_number, r.change, r.status, r.created_at,
                r.next_check_at if r.status == "waiting" else None, r.done_at, r.note,
            )  # fmt: skip
            for r in session.execute(query).scalars()
        ]


def announced_footprints(row: PactAnnouncementRow, served: Served) -> list[dict[str, Any]]:
    """The served footprints a change announces (empty: the certificate's own is not served)."""
    found = served.get(row.certificate_number)
    if found is None:
        return []
    record, footprint = found
    result = [footprint]
    if row.change == "renewed" and record.supersedes in served:
        result.append(served[record.supersedes][1])
    return result


class Announcer:
    """Turns due announcements into outbox rows; run by the delivery worker before each pass."""

    def __init__(self, outbox: OutboxStore, credentials: Credentials, catalogue: Catalogue, source: str) -> None:
        self.outbox = outbox
        self.credentials = credentials
        self.catalogue = catalogue
        self.source = source  # our events URL: the events' source

    @staticmethod
    def _due(now: datetime):
        return (PactAnnouncementRow.status == "waiting") & (PactAnnouncementRow.next_check_at <= now)

    def run_once(self) -> int:
        """Announce what is due; the number of events queued (one per client)."""
        registry = self.outbox.registry
        now = self.outbox.now()
        pick = select(PactAnnouncementRow.id).where(self._due(now)).order_by(PactAnnouncementRow.id).limit(MAX_PER_PASS)
        with registry.reading() as session:
            due = list(session.execute(pick).scalars())
        if not due:
            return 0
        served = {record.number: (record, footprint) for record, footprint in self.catalogue.served()}  # outside the transaction: computing takes time
        locked = (
            select(PactAnnouncementRow)
            .where(PactAnnouncementRow.id.in_(due) & self._due(now))  # read again: another host may have done them
            .order_by(PactAnnouncementRow.id)
            .with_for_update(skip_locked=True)
        )
        with registry.writing() as session:
            ids_for: dict[str, list[str]] = {}  # client id → footprint ids, in announcement order
            for row in session.execute(locked).scalars():
                footprints = announced_footprints(row, served)
                if footprints:
                    self._fan_out(row, footprints, ids_for, now)
                else:
                    self._not_served(row, now)
            for client_id, ids in ids_for.items():
                event = new_event(PUBLISHED, self.source, {"pfIds": list(dict.fromkeys(ids))}, now)
                self.outbox.queue_event(session, client_id, event, now)
        if ids_for:
            log.info("announced footprints to %s", ", ".join(ids_for))
        return len(ids_for)

    def _fan_out(self, row: PactAnnouncementRow, footprints: list[dict[str, Any]], ids_for: dict[str, list[str]], now: datetime) -> None:
        receivers = []
        for client in self.credentials.clients.values():
            visible = [f["id"] for f in footprints if client.sees(f)]
            if client.reply_to is not None and visible:
                ids_for.setdefault(client.id, []).extend(visible)
                receivers.append(client.id)
        row.status, row.done_at = ("queued" if receivers else "nobody"), now
        row.note = f"to {', '.join(receivers)}" if receivers else "no client with an events endpoint (reply_to) may see it"

    @staticmethod
    def _not_served(row: PactAnnouncementRow, now: datetime) -> None:
        if now - row.created_at >= DELIVERY_WINDOW:
            row.status, row.done_at = "unserved", now
            row.note = f"not announced: 72 hours after the change {NOT_SERVED}"
            log.warning("certificate %s (%s) not announced: %s", row.certificate_number, row.change, NOT_SERVED)
        else:
            row.next_check_at = now + RECHECK
            row.note = f"waiting: {NOT_SERVED}"
