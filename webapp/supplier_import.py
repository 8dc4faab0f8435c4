"""A supplier's PACT v3 footprint into the form: from an uploaded file or fetched from the
supplier's PACT host, previewed, then added as a primary-data BOM line.

Why a module of its own: the panel (:mod:`webapp.supplier_view`) only draws widgets; reading,
checking, fetching and adding are plain functions here, tested without Streamlit. Nothing is
decided twice: a footprint is read by :func:`footprint.exchange.pact.read_pact` and judged by
:func:`footprint.exchange.pact.supplier_activity_from_pact` (deprecated, a unit a BOM cannot use,
a negative footprint...), the line is :func:`footprint.exchange.pact.supplier_line`, the host is
asked by :class:`footprint.pact_host.client.PactClient`, amounts go through
:func:`footprint.units.parse_number`, and the form with the new line is checked by
:func:`webapp.state.build_bom` like any other entry. The footprint document goes into the form's
``suppliers`` (the study's ``suppliers``), so the study, its downloads and a reopened study or
workspace carry it.

Fetching: only when the user presses the button (never while drawing the page), with a
:data:`TIMEOUT_S` timeout per request and an answer size limit, on a client made for that one
press (no connection, token or secret is kept: Streamlit runs sessions as threads of one
process). The address must be ``https://`` (PACT requires TLS; the secret travels with each
token request); ``http://`` is accepted only for this computer (``localhost``, ``127.0.0.0/8``,
``::1``): a host run locally or a test.

Where the server connects: only to public addresses, through the guard of
:mod:`footprint.pact_host.address_guard` (the name resolved once per connection, every address
checked, the connection made to the checked address; redirects not followed), because the
address is typed by whoever opens the page and the request leaves from the web server. A
deployment whose suppliers' hosts are on its own network allows those networks in
``$GBA_PACT_ALLOWED_NETWORKS`` (so does a host on this computer: ``127.0.0.1/32``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from footprint import units
from footprint.dataset import STAGES
from footprint.errors import FootprintError, InputError, RowIssue
from footprint.units import format_number
from footprint.user_json import read_json

from .state import FormIssue, StudyForm, build_bom, is_blank

MAX_FILE_BYTES = 1_000_000  # one ProductFootprint is a few kB; a list answer is not a file to upload
MAX_RESPONSE_BYTES = 5_000_000
TIMEOUT_S = 5.0
MAX_LISTED = 100  # footprints shown from one fetch; more: narrow the filters
DEFAULT_STAGE = "purchased_parts"
_PACT_ID = re.compile(r"^[0-9A-Za-z-]{8}")


def _refused(message: str, message_zh: str, field: str | None = None, value: str | None = None) -> InputError:
    return InputError(issues=[RowIssue(message, message_zh, field=field, value=value)])


# ------------------------------------------------------------------------------ reading


def read_file(data: bytes, name: str) -> dict[str, Any]:
    """One ProductFootprint from an uploaded file (a ``{"data": [one]}`` answer is unwrapped),
    read by the strict JSON reader; InputError for anything else."""
    from footprint.exchange.pact import read_pact

    if len(data) > MAX_FILE_BYTES:
        raise _refused(
            f"the file is larger than {MAX_FILE_BYTES // 1000} kB: a PACT footprint is a few kB",
            f"文件超过 {MAX_FILE_BYTES // 1000} kB；一个 PACT 碳足迹通常只有几 kB",
        )
    return read_pact(read_json(data, name))


def inspect(document: dict[str, Any], activity_id: str | None = None):
    """(supplier activity, problems): the footprint as a BOM can use it, or why it cannot."""
    from footprint.exchange.pact import supplier_activity_from_pact

    try:
        return supplier_activity_from_pact(document, activity_id), []
    except InputError as error:
        return None, list(error.issues)


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def summary(document: dict[str, Any]) -> dict[str, str]:
    """What the list of a host's footprints shows of one (as given, v3 or v2 field names)."""
    pcf = document.get("pcf") if isinstance(document.get("pcf"), dict) else {}
    amount = _text(pcf.get("declaredUnitAmount", pcf.get("unitaryProductAmount")))
    unit = _text(pcf.get("declaredUnitOfMeasurement", pcf.get("declaredUnit")))
    start, end = _text(document.get("validityPeriodStart"))[:10], _text(document.get("validityPeriodEnd"))[:10]
    return {
        "id": _text(document.get("id")),
        "product": _text(document.get("productNameCompany") or document.get("productDescription")),
        "company": _text(document.get("companyName")),
        "declared_unit": f"{amount} {unit}".strip(),
        "pcf": _text(pcf.get("pcfExcludingBiogenicUptake", pcf.get("pCfExcludingBiogenic"))),
        "status": _text(document.get("status")),
        "validity": f"{start} – {end}" if start or end else "",
        "reference_period": f"{_text(pcf.get('referencePeriodStart'))[:10]} – {_text(pcf.get('referencePeriodEnd'))[:10]}",
        "spec_version": _text(document.get("specVersion")),
    }


# ------------------------------------------------------------------------------ fetching


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


EXAMPLE_HOST = "https://pact.supplier.example"


def _not_an_address(text: str) -> InputError:
    return _refused(f"not a web address: enter the host's address, e.g. {EXAMPLE_HOST}", f"不是有效的网址，请输入主机地址，例如 {EXAMPLE_HOST}", "host", text)


def host_url(text: str) -> str:
    """The host's base URL, or InputError: https (http only for this computer), no user or
    password in it, no query."""
    import httpx

    text = (text or "").strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        httpx.URL(text)  # the client's own parser: 999.1.1.1, 0251.0376.0251.0376, a bad IDNA name
    except (ValueError, httpx.InvalidURL):
        raise _not_an_address(text) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(f"enter the host's address with https://, e.g. {EXAMPLE_HOST}", f"请输入以 https:// 开头的主机地址，例如 {EXAMPLE_HOST}", "host", text)
    if parts.username or parts.password:
        raise _refused(
            "no user name or password in the address: the client id and secret go in their own fields",
            "地址中不能包含用户名或密码：客户端编号和密钥请填在各自的栏中",
            "host",
        )
    if parts.query or parts.fragment:
        raise _refused("the address must not contain ? or #: enter the host's base address", "地址中不能包含 ? 或 #，请输入主机的基础地址", "host", text)
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise _refused(
            "PACT requires HTTPS (the secret is sent to the host): use https://; http:// is only accepted for this computer (localhost)",
            "PACT 要求使用 HTTPS（密钥会发送给主机）：请使用 https://；仅本机地址（localhost）可用 http://",
            "host",
            text,
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class Listing:
    """The footprints one fetch found (at most :data:`MAX_LISTED`; ``more``: the host has more)."""

    host: str
    footprints: tuple[dict[str, Any], ...]
    more: bool = False


def _host_problem(error: Any, host: str, client_id: str, typed: str) -> InputError:
    """A refusal or failure of the host, in words a buyer can act on (both languages)."""
    kind, status, code = error.kind, error.status, error.code or ""
    if kind == "timeout":
        return _refused(f"{host} did not answer within {TIMEOUT_S:g} s: try again later, or check the address", f"{host} 在 {TIMEOUT_S:g} 秒内没有应答：请稍后再试，或检查地址", "host")
    if kind == "unreachable":
        return _refused(f"cannot reach {host}: check the address and that the host is running", f"无法连接 {host}：请检查地址，并确认该主机正在运行", "host")
    if kind == "credentials":
        return _refused(
            f"{host} refused client id “{client_id}” with this secret (HTTP {status} {code}): check both with the supplier",
            f"{host} 拒绝了客户端编号“{client_id}”及所填密钥（HTTP {status} {code}）：请向供应商核对",
            "client_id",
        )
    if kind == "invalid_url":  # parsed, but not connectable (a malformed IDNA name such as xn--)
        return _not_an_address(typed)
    if kind == "invalid_json":
        return _refused(f"{host} did not answer with JSON: is this the address of a PACT host?", f"{host} 的应答不是 JSON：这是 PACT 主机的地址吗？", "host")
    if kind == "not_pact":
        return _refused(f"{host} answered, but not as a PACT v3 host does: check the address", f"{host} 有应答，但不是 PACT v3 主机的应答：请检查地址", "host")
    if kind == "refused_address":
        from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV

        return _refused(
            f"{error.where}: this server connects only to public addresses, so that the form cannot reach the server's own network; "
            f"if the supplier's host is on your network, the server's operator can allow it ({ALLOWED_NETWORKS_ENV})",
            f"{error.where_zh}：本服务器只连接公网地址，以免此表单被用来访问服务器所在的内部网络；"
            f"如供应商主机位于您的内部网络，可请服务器管理员放行（{ALLOWED_NETWORKS_ENV}）",
            "host",
            typed,
        )
    if kind == "redirect":
        return _refused(
            f"{host} answered with a redirect (HTTP {status}), which the fetch does not follow: enter the address of the PACT host itself",
            f"{host} 返回了重定向（HTTP {status}），获取时不会跟随重定向：请输入 PACT 主机本身的地址",
            "host",
            typed,
        )
    if kind == "foreign_link":
        return _refused(
            f"{host} sent its next page to another host, which is not followed (the access token would go there): ask the supplier to correct the host's page links",
            f"{host} 把下一页指向了另一台主机，不会跟随（访问令牌会被发往该主机）：请供应商修正主机的分页链接",
            "host",
        )
    if kind == "too_large":
        return _refused(f"{host} sent more than {MAX_RESPONSE_BYTES // 1_000_000} MB: narrow the filters", f"{host} 返回的数据超过 {MAX_RESPONSE_BYTES // 1_000_000} MB：请缩小筛选范围", "host")
    if status == 404:
        return _refused(
            f"{host} has no PACT footprints at this address (HTTP 404): enter the host's base address, without /3/footprints",
            f"{host} 在此地址下没有 PACT 碳足迹接口（HTTP 404）：请输入主机的基础地址，不含 /3/footprints",
            "host",
        )
    if status == 403:
        return _refused(f"{host} does not let client “{client_id}” list footprints (HTTP 403 {code})", f"{host} 不允许客户端“{client_id}”列出碳足迹（HTTP 403 {code}）", "client_id")
    return _refused(f"{host} answered HTTP {status} {code}", f"{host} 应答 HTTP {status} {code}", "host")


def fetch_footprints(host: str, client_id: str, secret: str, *, product_id: str = "", geography: str = "") -> Listing:
    """The host's footprints matching the filters (ListFootprints, every page up to
    :data:`MAX_LISTED`), asked only at addresses the deployment's guard allows; InputError with
    a bilingual reason for every failure. ``secret`` is used for this call only."""
    from footprint.pact_host.address_guard import guard_from_environment
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.errors import RemoteHostError

    url = host_url(host)
    client_id = (client_id or "").strip()
    if not client_id:
        raise _refused("enter the client id the supplier gave you", "请填写供应商提供的客户端编号", "client_id")
    if not secret:
        raise _refused("enter the client secret the supplier gave you", "请填写供应商提供的客户端密钥", "secret")
    guard = guard_from_environment()  # a malformed setting is refused here, naming it
    criteria = {name: [value.strip()] for name, value in (("productId", product_id), ("geography", geography)) if value and value.strip()}
    found: list[dict[str, Any]] = []
    more = False
    try:
        with PactClient(url, client_id, secret, guard=guard, timeout=TIMEOUT_S, max_response_bytes=MAX_RESPONSE_BYTES) as client:
            for page in client.pages(criteria, limit=MAX_LISTED + 1):
                found.extend(page)
                if len(found) > MAX_LISTED:
                    more = True
                    break
    except RemoteHostError as error:
        raise _host_problem(error, url, client_id, host) from None
    if any(not isinstance(item, dict) or not isinstance(item.get("pcf"), dict) for item in found):
        raise _refused(f"{url} listed entries that are not PACT footprints (no 'pcf' object)", f"{url} 列出的条目不是 PACT 碳足迹（缺少 pcf）", "host")
    return Listing(url, tuple(found[:MAX_LISTED]), more)


# ------------------------------------------------------------------------------ the form


def activity_id_for(document: dict[str, Any], suppliers: list[dict[str, Any]], dataset: Any) -> str:
    """The activity id the document's lines draw: the one it already has in the form, else
    ``PACT-`` and the first 8 characters of its id (of its content's hash when the id is not
    plain), numbered when taken."""
    for entry in suppliers:
        if entry["pact"] == document:
            return entry["activity_id"]
    pact_id = _text(document.get("id"))
    stem = pact_id[:8] if _PACT_ID.match(pact_id) else hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:8]
    base = candidate = f"PACT-{stem}"
    taken = {entry["activity_id"] for entry in suppliers}
    number = 2
    while candidate in taken or dataset.has_activity(candidate):
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def amount_units(activity: Any) -> list[str]:
    """Units a line of this supplier activity can be typed in: its own unit's kind, and mass
    units when its pieces have a stated mass (the supplier's productMassPerDeclaredUnit)."""
    wanted = {units.dimension_of(activity.unit)}
    if activity.unit == "piece" and activity.mass_kg_per_unit:
        wanted.add("mass")
    found = [unit for unit in units.canonical_units() if units.dimension_of(unit) in wanted]
    return [activity.unit] + [unit for unit in found if unit != activity.unit]


def line_ids(form: StudyForm) -> set[str]:
    return {(row.get("id") or "").strip() for rows in form.rows.values() for row in rows if (row.get("id") or "").strip()}


def parent_choices(form: StudyForm) -> list[str]:
    """Sub-assemblies a supplier line may be part of: materials rows without an activity."""
    return [row["id"].strip() for row in form.rows.get("materials", []) if (row.get("id") or "").strip() and not (row.get("activity_id") or "").strip() and not is_blank(row)]


def fresh_line_id(form: StudyForm) -> str:
    taken, number = line_ids(form), 1
    while f"S{number}" in taken:
        number += 1
    return f"S{number}"


def used_by(form: StudyForm) -> dict[str, list[str]]:
    """Supplier activity id → ids of the lines (any grid) that draw it."""
    lines: dict[str, list[str]] = {entry["activity_id"]: [] for entry in form.suppliers}
    for rows in form.rows.values():
        for row in rows:
            if row.get("activity_id") in lines:
                lines[row["activity_id"]].append(row.get("id") or "")
    return lines


def add_line(
    form: StudyForm,
    document: dict[str, Any],
    dataset: Any,
    *,
    line_id: str,
    parent: str,
    amount: str,
    unit: str,
    stage: str,
) -> tuple[StudyForm | None, list[FormIssue]]:
    """The form with the footprint as a new materials line (and the document in its suppliers),
    or the problems (section "supplier_line"; the form is then left as it was)."""
    from footprint.exchange.pact import supplier_line

    def problem(field: str | None, value: str | None, message: str, message_zh: str) -> tuple[None, list[FormIssue]]:
        return None, [FormIssue("supplier_line", None, field, value, message, message_zh)]

    activity_id = activity_id_for(document, form.suppliers, dataset)
    activity, issues = inspect(document, activity_id)
    if activity is None:
        return None, [FormIssue("supplier_line", None, i.field, i.value, i.message, i.message_zh) for i in issues]
    line_id = (line_id or "").strip() or fresh_line_id(form)
    if line_id in line_ids(form):
        return problem("id", line_id, f"the line id {line_id} is already used in the form", f"行编号 {line_id} 在表单中已被使用")
    parent = (parent or "").strip()
    if parent and parent not in parent_choices(form):
        return problem("parent", parent, f"{parent} is not a sub-assembly of the materials grid", f"{parent} 不是物料表中的组件")
    try:
        value = units.parse_number(amount)
    except FootprintError as error:
        return problem("amount", amount, str(error), units.message_zh_of(error) or "数量格式不正确")
    if value <= 0:
        return problem(
            "amount",
            amount,
            f"enter how much of the supplier's product one declared unit uses, in {unit} (more than 0)",
            f"请填写每个声明单位使用的该供应商产品数量（单位 {unit}，须大于 0）",
        )
    if unit not in amount_units(activity):
        return problem("unit", unit, f"{unit} cannot express an amount of {activity.unit}", f"{unit} 无法表示以 {activity.unit} 计的数量")
    if stage not in STAGES:
        return problem("stage", stage, f"unknown stage {stage}", f"未知阶段 {stage}")
    line = supplier_line(activity, line_id, value, unit, stage=stage)
    data = form.to_dict()
    row = {
        "id": line.id,
        "parent": parent,
        "activity_id": activity.id,
        "amount": format_number(value),
        "unit": line.unit,
        "stage": stage,
        "data_type": line.data_type.value,
        "description": line.description,
    }
    data["rows"]["materials"] = [*data["rows"].get("materials", []), row]
    if all(entry["activity_id"] != activity.id for entry in form.suppliers):
        data["suppliers"] = [*form.suppliers, {"activity_id": activity.id, "pact": document}]
    added = StudyForm.from_dict(data)
    _, _, problems = build_bom(added, dataset)
    position = len(data["rows"]["materials"]) - 1
    entry = [e["activity_id"] for e in added.suppliers].index(activity.id)
    own = [i for i in problems if (i.section, i.row) in {("materials", position), ("suppliers", entry)}]
    if own:
        return None, [FormIssue("supplier_line", None, i.field, i.value, i.message, i.message_zh) for i in own]
    return added, []


def remove_supplier(form: StudyForm, activity_id: str) -> StudyForm:
    """The form without a supplier footprint no line draws (one that is drawn stays)."""
    if used_by(form).get(activity_id):
        return form
    data = form.to_dict()
    data["suppliers"] = [entry for entry in form.suppliers if entry["activity_id"] != activity_id]
    return StudyForm.from_dict(data)


def grid_label(entry: dict[str, Any]) -> str:
    """How the materials grid names a supplier activity: product (company) and its id."""
    info = summary(entry["pact"])
    company = f" ({info['company']})" if info["company"] else ""
    return f"PACT · {info['product']}{company} [{entry['activity_id']}]"
