"""Certification-body workflow: reproducible verification, signed certificates, label registry.

Modules (small on purpose, each with one reason to change):

* ``verify``     recompute a study independently and compare it with what it declares;
* ``batch``      verify a folder of studies, continuing past bad files;
* ``signing``    Ed25519 keys of a body (generate, store 0600, load, sign, verify);
* ``document``   the certificate document, its canonical bytes, signature and QR payload;
* ``numbering``  certificate numbers ``GBA-CFP-<year>-<body>-<sequence>-<check>``;
* ``registry``   the label registry on SQLAlchemy (SQLite file or PostgreSQL), with migrations
  and an append-only audit log;
* ``lookup``     the pure function behind the public certificate-check page;
* ``clock``      injectable time.

See ``docs/certification.md`` for the workflow.
"""
