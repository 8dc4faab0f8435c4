"""PACT v3 REST host and client: serve certified footprints from the label registry.

* :mod:`.app` — the FastAPI application (``/auth/token``, ``/3/footprints``, ``/3/events``);
* :mod:`.credentials` — who may connect (client ids, hashed secrets, scopes, reply hosts);
* :mod:`.tokens` — opaque bearer tokens with an expiry (injected clock);
* :mod:`.catalogue` — issued certificates + certified studies → PACT ``ProductFootprint``;
* :mod:`.filters` — the spec's filter criteria (OR within a criterion, AND across);
* :mod:`.events` — CloudEvents: parsing, the stored log, the asynchronous replies;
* :mod:`.client` — a small httpx client (token, list with pagination, get, post events);
* :mod:`.errors` — the spec's error codes as typed exceptions.

Nothing here imports Streamlit; the web app may call :mod:`.client`. See docs/pact-api.md.
"""
