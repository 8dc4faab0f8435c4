"""The certification commands end to end (keys → verify → issue → offline check → registry), their
exit codes, and that the private key never appears in any file, output or log they produce."""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from footprint.cli import main

from ..study_fixtures import EVALUATION_DATE, STUDY_DATASET, build_study, lamp_study_data, study_dataset, study_engine  # noqa: F401

DATE = EVALUATION_DATE.isoformat()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workspace(tmp_path, study_engine, monkeypatch):
    monkeypatch.delenv("GBA_SIGNING_KEY_PASSPHRASE", raising=False)
    monkeypatch.setenv("GBA_REGISTRY_URL", str(tmp_path / "registry.sqlite"))
    monkeypatch.setenv("GBA_ACTOR", "officer@test-cb")
    data = lamp_study_data()
    data["certification"] = {}
    (tmp_path / "lamp.json").write_text(build_study(study_engine, data).to_json(), encoding="utf-8")
    return tmp_path


def _secrets(key_file: Path) -> list[str]:
    """Every form in which the private key could leak: PEM body lines, raw bytes as hex/base64."""
    pem = key_file.read_text(encoding="ascii")
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    body_lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return body_lines + [raw.hex(), base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")]


def test_workflow_and_exit_codes_and_no_private_key_anywhere(workspace, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    keys = workspace / "keys"
    outputs: list[str] = []

    def step(expected: int, *argv: str) -> str:
        code, out, err = run(capsys, *argv)
        outputs.extend([out, err])
        assert code == expected, (argv, out, err)
        return out

    step(0, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    assert "ed25519:" in step(0, "keys", "show", str(keys))
    assert "PASSED" in step(0, "verify", str(workspace / "lamp.json"), "--dataset", str(STUDY_DATASET), "--date", DATE, "--out", str(workspace / "report.json"))
    out = step(0, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    number = out.split()[1]
    certificate = workspace / f"{number}.certificate.json"
    qr = workspace / f"{number}.qr.txt"
    certified = workspace / "lamp.certified.json"
    assert certificate.exists() and qr.exists() and certified.exists()
    document = json.loads(certificate.read_text(encoding="utf-8"))["certificate"]
    assert document["value_kgco2e"] == 6.82 and document["study"]["sha256"] != document["study"]["verified_sha256"]
    assert json.loads(certified.read_text(encoding="utf-8"))["certification"]["certificate_no"] == number

    # a second issue for the same study is refused by the registry (exit 2)
    code, _, err = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    assert code == 2 and "already has an active certificate" in err

    assert "GENUINE and valid" in step(0, "certificate", "verify", str(certificate), "--public-key", str(keys / "public_key.pem"))
    assert "GENUINE" in step(0, "certificate", "verify", "--qr-file", str(qr), "--public-key", str(keys))
    forged = json.loads(certificate.read_text(encoding="utf-8"))
    forged["certificate"]["value_kgco2e"] = 5.0
    (workspace / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    assert "NOT GENUINE" in step(1, "certificate", "verify", str(workspace / "forged.json"), "--public-key", str(keys))

    # the certified study verifies against its certificate; a tampered copy does not
    step(0, "verify", str(certified), "--dataset", str(STUDY_DATASET), "--date", DATE, "--certificate", str(certificate), "--public-key", str(keys))
    tampered = json.loads(certified.read_text(encoding="utf-8"))
    tampered["declared"]["lines"]["ELEC"] = 0.5
    (workspace / "tampered.json").write_text(json.dumps(tampered), encoding="utf-8")
    out = step(1, "verify", str(workspace / "tampered.json"), "--dataset", str(STUDY_DATASET), "--date", DATE, "--certificate", str(certificate), "--public-key", str(keys))
    assert "FAILED" in out and "was changed after it was certified" in out

    assert "is valid" in step(0, "registry", "lookup", number.lower())
    assert "有效" in step(0, "registry", "lookup", qr.read_text(encoding="utf-8"), "--lang", "zh-Hans")
    printed = json.loads(qr.read_text(encoding="utf-8"))
    printed["v"] = 0.01  # a label printing another value than the certified one
    out = step(1, "registry", "lookup", json.dumps(printed), "--lang", "zh-Hans")
    assert "不一致" in out and "! 二维码标示的数值为 0.01" in out
    assert number in step(0, "registry", "list")
    assert number in step(0, "registry", "expiring", "--days", "1000")
    step(0, "registry", "suspend", number, "--reason", "surveillance audit overdue")
    assert "suspended" in step(1, "registry", "lookup", number)
    step(0, "registry", "reinstate", number)
    out = step(1, "registry", "recalc", number, "--value", "7.5", "--note", "new supplier")
    assert "re-verification required" in out
    step(0, "registry", "revoke", number, "--reason", "withdrawn")
    code, _, err = run(capsys, "registry", "reinstate", number)
    assert code == 2 and "revoked (final)" in err
    audit = step(0, "registry", "audit", number, "--format", "json")
    assert [e["action"] for e in json.loads(audit)] == ["issue", "suspend", "reinstate", "recalculate", "revoke"]
    assert {e["actor"] for e in json.loads(audit)} == {"officer@test-cb"}
    shown = json.loads(step(0, "registry", "show", number))
    assert shown["effective_status"] == "revoked" and len(shown["audit"]) == 5

    # nothing the commands wrote, printed or logged contains the private key
    secrets = _secrets(keys / "signing_key.pem")
    written = [p for p in workspace.rglob("*") if p.is_file() and p.name != "signing_key.pem"]
    assert any(p.suffix == ".sqlite" for p in written)
    haystacks = [p.read_bytes().decode("latin-1") for p in written] + outputs + [caplog.text]
    for secret in secrets:
        assert not any(secret in hay for hay in haystacks), "private key material leaked"


def test_refusals_exit_2_with_a_message(workspace, capsys, monkeypatch):
    keys = workspace / "keys"
    assert run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")[0] == 0
    code, _, err = run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "x")
    assert code == 2 and "refusing to overwrite" in err
    code, _, err = run(capsys, "verify", str(workspace / "lamp.json"), "--date", DATE)  # installed dataset: another one
    assert code == 2 and "error: study 'TEST-LAMP-2024' was computed with dataset study-test 0.0.1" in err
    assert "Traceback" not in err
    os.chmod(keys / "signing_key.pem", 0o640)
    code, _, err = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    assert code == 2 and "chmod 600" in err
    os.chmod(keys / "signing_key.pem", 0o600)
    other = workspace / "other-keys"
    assert run(capsys, "keys", "generate", "--out", str(other), "--body-id", "OTHERCB", "--body-name", "Other CB")[0] == 0
    code, _, err = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(other), "--dataset", str(STUDY_DATASET), "--date", DATE)
    assert code == 1 and "names 'Test Certification Ltd.' as its verification body" in err
    code, _, err = run(capsys, "registry", "suspend", "GBA-CFP-2025-CBTEST-000001-00", "--reason", "x")
    assert code == 2 and "no certificate" in err
    assert run(capsys, "registry", "lookup", "GBA-CFP-2025-XX-1")[0] == 1


def test_failed_verification_is_not_issued(workspace, capsys):
    keys = workspace / "keys"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    data = json.loads((workspace / "lamp.json").read_text(encoding="utf-8"))
    data["declared"]["total_kgco2e"] = 5.0
    (workspace / "low.json").write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "certificate", "issue", str(workspace / "low.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    assert code == 1 and "not issued" in err and "Material misstatement" in err
    assert json.loads((workspace / "low.verification.json").read_text(encoding="utf-8"))["status"] == "failed"
    assert not list(workspace.glob("*.certificate.json"))


def test_a_failed_write_issues_nothing_and_leaves_no_partial_file(workspace, capsys, monkeypatch):
    """A full disk while writing the certificate: no file (not even a truncated one), no
    certificate or audit entry in the registry, and the study can be issued again afterwards."""
    import errno

    from footprint.certification import outputs
    from footprint.certification.registry import Registry

    keys = workspace / "keys"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    real_write_all = outputs._write_all
    failures = []

    def disk_full_on_the_qr_file(fd, data):  # the certificate itself is already staged by then
        if data.startswith(b'{"t":'):
            failures.append(fd)
            real_write_all(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_all(fd, data)

    monkeypatch.setattr(outputs, "_write_all", disk_full_on_the_qr_file)
    issue = ("certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    before = sorted(p.name for p in workspace.iterdir())
    code, out, err = run(capsys, *issue)
    assert failures and code == 2, (out, err)
    assert "No space left on device" in err and "nothing was issued" in err and "Traceback" not in err
    after = sorted(p.name for p in workspace.iterdir())
    new_files = [name for name in after if name not in before and not name.startswith("registry.sqlite")]
    assert new_files == ["lamp.verification.json"]  # complete, written before the issue
    with Registry.open(workspace / "registry.sqlite") as registry:
        assert registry.count() == 0 and registry.audit() == [] and registry.verify_audit().ok

    monkeypatch.setattr(outputs, "_write_all", real_write_all)
    code, out, err = run(capsys, *issue)
    assert code == 0, err
    number = out.split()[1]
    assert "-CBTEST-000001-" in number  # the number rolled back with the rest
    assert json.loads((workspace / f"{number}.certificate.json").read_text(encoding="utf-8"))["certificate"]["number"] == number
    assert not [p for p in workspace.iterdir() if p.name.endswith(".tmp")]
    assert oct((workspace / f"{number}.certificate.json").stat().st_mode & 0o777) == "0o644"


def test_a_failed_commit_removes_the_files(workspace, capsys, monkeypatch):
    from footprint.certification.errors import RegistryError
    from footprint.certification.registry.store import Registry

    keys = workspace / "keys"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    real_issue = Registry.issue

    def commit_fails(self, *args, before_commit=None, **kwargs):
        def then_fail(record):
            before_commit(record)
            assert (workspace / f"{record.number}.certificate.json").exists()
            raise RegistryError("registry: disk I/O error")

        return real_issue(self, *args, before_commit=then_fail, **kwargs)

    monkeypatch.setattr(Registry, "issue", commit_fails)
    code, _, err = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    assert code == 2 and "disk I/O error" in err
    assert not list(workspace.glob("*.certificate.json")) and not list(workspace.glob("*.qr.txt"))
    assert not list(workspace.glob("*.certified.json")) and not list(workspace.glob(".*.tmp"))


def test_verify_with_a_forged_certificate_fails(workspace, capsys):
    """A study changed after certification, with the certificate edited to name the new hash:
    the hashes agree, the signature does not (``verify --certificate`` checks it, as
    ``certificate verify`` does)."""
    from footprint.study import load_study

    keys = workspace / "keys"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    code, out, err = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    assert code == 0, err
    number = out.split()[1]
    changed = json.loads((workspace / "lamp.certified.json").read_text(encoding="utf-8"))
    changed["product"]["model"] = "L-999 (not the certified model)"
    (workspace / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
    forged = json.loads((workspace / f"{number}.certificate.json").read_text(encoding="utf-8"))
    forged["certificate"]["study"]["sha256"] = load_study(workspace / "changed.json").sha256()
    (workspace / "forged.certificate.json").write_text(json.dumps(forged), encoding="utf-8")
    verify = ("verify", str(workspace / "changed.json"), "--dataset", str(STUDY_DATASET), "--date", DATE, "--certificate", str(workspace / "forged.certificate.json"))
    code, out, err = run(capsys, *verify, "--public-key", str(keys), "--format", "json")
    assert code == 1, (out, err)
    report = json.loads(out)
    assert report["status"] == "failed"
    assert [f["code"] for f in report["findings"] if f["severity"] == "blocking"] == ["certificate_not_genuine"]
    code, _, err = run(capsys, *verify)  # no key: refused rather than trusted
    assert code == 2 and "needs --public-key" in err


def test_offline_check_refuses_untrustworthy_key_folders(workspace, capsys):
    keys, other = workspace / "keys", workspace / "other"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    run(capsys, "keys", "generate", "--out", str(other), "--body-id", "OTHER", "--body-name", "Other CB")
    code, out, err = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    certificate = str(workspace / f"{out.split()[1]}.certificate.json")
    check = ("certificate", "verify", certificate, "--public-key")
    assert run(capsys, *check, str(keys))[0] == 0

    # a folder whose public key was swapped for another body's: body.json names another key id
    swapped = workspace / "swapped"
    swapped.mkdir(mode=0o700)
    (swapped / "body.json").write_bytes((keys / "body.json").read_bytes())
    (swapped / "public_key.pem").write_bytes((other / "public_key.pem").read_bytes())
    code, _, err = run(capsys, *check, str(swapped))
    assert code == 2 and "belongs to key" in err
    code, _, err = run(capsys, *check, str(swapped / "public_key.pem"))  # the file, with body.json beside it
    assert code == 2 and "belongs to key" in err

    # world-writable folder, then world-writable key file and body.json
    os.chmod(keys, 0o777)
    code, _, err = run(capsys, *check, str(keys))
    assert code == 2 and "writable by every user" in err and "chmod o-w" in err
    os.chmod(keys, 0o700)
    for name in ("public_key.pem", "body.json"):
        os.chmod(keys / name, 0o666)
        code, _, err = run(capsys, *check, str(keys))
        assert code == 2 and "writable by every user" in err and name in err
        os.chmod(keys / name, 0o644)
    assert run(capsys, *check, str(keys))[0] == 0


def test_key_rotation_and_revocation(workspace, capsys):
    """After rotation new certificates use the new key and old ones still verify; a revoked key's
    certificates are reported as such; every key change is in the audit log."""
    keys, new_keys = workspace / "keys", workspace / "keys-2026"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    issue = ("certificate", "issue", "--dataset", str(STUDY_DATASET), "--date", DATE, "--key")
    code, out, err = run(capsys, *issue, str(keys), str(workspace / "lamp.json"))
    assert code == 0, err
    old_number, old_key = out.split()[1], out.split("signed with ")[1].split()[0]
    second = json.loads((workspace / "lamp.json").read_text(encoding="utf-8"))
    second["product"]["model"] = "L-200"
    (workspace / "lamp2.json").write_text(json.dumps(second), encoding="utf-8")

    code, out, err = run(capsys, "keys", "rotate", str(keys), "--out", str(new_keys), "--reason", "yearly rotation")
    assert code == 0, err
    code, _, err = run(capsys, *issue, str(keys), str(workspace / "lamp2.json"))
    assert code == 2 and "retired" in err  # the old key signs nothing new
    code, out, err = run(capsys, *issue, str(new_keys), str(workspace / "lamp2.json"))
    assert code == 0, err
    new_number, new_key = out.split()[1], out.split("signed with ")[1].split()[0]
    assert new_key != old_key
    old_certificate = str(workspace / f"{old_number}.certificate.json")
    assert "GENUINE and valid" in run(capsys, "certificate", "verify", old_certificate, "--public-key", str(keys))[1]
    assert run(capsys, "certificate", "verify", old_certificate, "--public-key", str(new_keys))[0] == 1
    assert run(capsys, "registry", "lookup", old_number)[0] == 0 and run(capsys, "registry", "lookup", new_number)[0] == 0

    code, out, _ = run(capsys, "keys", "revoke", old_key, "--reason", "laptop stolen")
    assert code == 0
    code, out, _ = run(capsys, "registry", "lookup", old_number, "--format", "json")
    status = json.loads(out)
    assert code == 1 and status["state"] == "key_revoked" and "revoked" in status["problems"][0]["en"]
    assert run(capsys, "registry", "lookup", new_number)[0] == 0
    listed = json.loads(run(capsys, "keys", "list", "--format", "json")[1])
    assert [(k["key_id"], k["status"], k["replaced_by"]) for k in listed] == [(old_key, "revoked", new_key), (new_key, "active", None)]
    audit = json.loads(run(capsys, "registry", "audit", "--format", "json")[1])
    assert [(e["action"], e["detail"].get("key_id")) for e in audit if e["action"].startswith("key_")] == [
        ("key_rotate", new_key),
        ("key_revoke", old_key),
    ]
    assert run(capsys, "registry", "audit-verify")[0] == 0
    code, _, err = run(capsys, "keys", "register", str(keys))
    assert code == 2 and "already registered" in err


def test_audit_verify_command_reports_a_hand_edited_row(workspace, capsys):
    import sqlite3

    keys = workspace / "keys"
    run(capsys, "keys", "generate", "--out", str(keys), "--body-id", "CBTEST", "--body-name", "Test Certification Ltd.")
    code, out, _ = run(capsys, "certificate", "issue", str(workspace / "lamp.json"), "--key", str(keys), "--dataset", str(STUDY_DATASET), "--date", DATE)
    number = out.split()[1]
    assert run(capsys, "registry", "revoke", number, "--reason", "withdrawn")[0] == 0
    with sqlite3.connect(workspace / "registry.sqlite") as connection:
        connection.execute("UPDATE certificates SET status = 'valid' WHERE number = ?", (number,))
    code, out, _ = run(capsys, "registry", "lookup", number)
    assert code == 1 and "does not match the certificate the body signed" in out
    code, out, _ = run(capsys, "registry", "audit-verify")
    assert code == 1 and "certificate_mismatch" in out and f"{number}: column status is 'valid', the audit trail says 'revoked'" in out
