"""Certification benchmark: registry issue/lookup throughput (SQLite, PostgreSQL) and verification.

Run: ``python benchmarks/bench_certification.py [--n 200] [--threads 8] [--postgres URL]``
(``--postgres`` defaults to ``$GBA_TEST_POSTGRES_URL``; see ``.ci/start-postgres``).

Figures printed (nothing asserted):

- issue: sequential issues per second (allocate number, sign certificate and QR, insert, audit:
  one transaction each), then ``--threads`` threads issuing at once;
- lookup: ``lookup_certificate`` by number per second (sequential);
- verify: one study verified end to end (warm engine), and ``verify-batch`` over ``--n`` copies.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GBA_FOOTPRINT_CACHE", tempfile.mkdtemp(prefix="gba-bench-"))


def request(index: int):
    from footprint.certification.document import CertificateRequest, PartyFacts, ProductFacts, StudyRef, VerificationFacts, VersionRef

    return CertificateRequest(
        product=ProductFacts(name="LED lamp", model=f"L-{index}"),
        applicant=PartyFacts(name="Bay Lighting Ltd"),
        value_kgco2e=12.3,
        unit="kg CO2e / 1 piece",
        declared_unit="1 piece",
        boundary="cradle-to-gate",
        study=StudyRef(id=f"S{index}", sha256=hashlib.sha256(f"bench {index} {time.time_ns()}".encode()).hexdigest()),
        rule_set=VersionRef(id="gba-general", version="1.0.0"),
        dataset=VersionRef(id="gba", version="1.0.0", sha256="1" * 64),
        verification=VerificationFacts(verified_total_kgco2e=12.3, misstatement_pct=0.0, materiality_pct=5.0, verified_on=date(2025, 3, 1)),
        validity_years=2,
        recalc_trigger_pct=5.0,
    )


def bench_registry(label: str, target: str, n: int, threads: int) -> None:
    from footprint.certification.document import BodyFacts
    from footprint.certification.lookup import lookup_certificate
    from footprint.certification.registry import Registry
    from footprint.certification.signing import SigningKey

    key, body = SigningKey.generate(), BodyFacts(id="BENCH", name="Bench CB")
    with Registry.open(target) as registry:
        start = time.perf_counter()
        numbers = [registry.issue(request(i), key, body, "bench").number for i in range(n)]
        sequential = n / (time.perf_counter() - start)

        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for i in range(n // threads):
                    registry.issue(request(100_000 + worker * n + i), key, body, f"bench-{worker}")
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
        start = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        parallel = threads * (n // threads) / (time.perf_counter() - start)

        start = time.perf_counter()
        for number in numbers:
            assert lookup_certificate(registry, number).ok
        lookups = n / (time.perf_counter() - start)
        total = registry.count()
    print(f"{label:10s} issue {sequential:7.0f}/s sequential, {parallel:7.0f}/s with {threads} threads "
          f"({'no errors' if not errors else f'{len(errors)} errors'}; {total} certificates); lookup {lookups:7.0f}/s")


def bench_verify(n: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from study_fixtures import EVALUATION_DATE, STUDY_DATASET, build_study

    from footprint.certification.batch import verify_folder
    from footprint.certification.verify import VerifyOptions, engine_for, verify_study
    from footprint.dataset import load_dataset

    engine = engine_for(load_dataset(STUDY_DATASET))
    folder = Path(tempfile.mkdtemp(prefix="gba-bench-studies-"))
    text = build_study(engine).to_json()
    for i in range(n):
        (folder / f"study-{i:04d}.json").write_text(text, encoding="utf-8")
    options = VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE)
    verify_study(folder / "study-0000.json", options)
    start = time.perf_counter()
    verify_study(folder / "study-0000.json", options)
    single = time.perf_counter() - start
    start = time.perf_counter()
    result = verify_folder(folder, options, progress=False)
    batch = time.perf_counter() - start
    print(f"verify     one study {single * 1000:.0f} ms (warm engine); batch of {n}: {batch:.1f} s "
          f"({n / batch:.1f} studies/s, {result.counts['passed']} passed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("GBA_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    bench_registry("sqlite", str(Path(tempfile.mkdtemp(prefix="gba-bench-")) / "registry.sqlite"), args.n, args.threads)
    if args.postgres:
        bench_registry("postgresql", args.postgres, args.n, args.threads)
    else:
        print("postgresql skipped (no --postgres URL and no $GBA_TEST_POSTGRES_URL)")
    bench_verify(min(args.n, 100))


if __name__ == "__main__":
    main()
