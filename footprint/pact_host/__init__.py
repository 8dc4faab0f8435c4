"""PACT v3 REST host and client: serve certified footprints from the label registry.

* :mod:`.app` — the FastAPI application (``/auth/token``, ``/3/footprints``, ``/3/events``);
* :mod:`.credentials` — who may connect (client ids, hashed secrets, scopes, reply hosts);
* :mod:`.tokens` — opaque bearer tokens with an expiry, stored hashed in the registry database;
* :mod:`.catalogue` — issued certificates + certified studies → PACT ``ProductFootprint``;
* :mod:`.filters` — the spec's filter criteria (OR within a criterion, AND across);
* :mod:`.events` — CloudEvents: parsing and the stored log;
* :mod:`.replies` — the answer to a request (fulfilled or rejected);
* :mod:`.announcements` — ``PublishedEvent``s for certificates issued, renewed or revoked;
* :mod:`.outbox` — events to send, stored first, with the retry schedule and row claims;
* :mod:`.delivery` — the worker thread that sends the outbox (permanent vs retried failures);
* :mod:`.client` — a small httpx client (token, list with pagination, get, post events);
* :mod:`.address_guard` — which addresses a client may reach (public ones, plus networks a
  deployment allows), checked and pinned at each connection: the web form's guard against
  server-side request forgery;
* :mod:`.errors` — the spec's error codes as typed exceptions.

Nothing here imports Streamlit; the web app may call :mod:`.client`. See docs/pact-api.md.
"""
