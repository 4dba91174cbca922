"""The supervisors' console (监管控制台): server-rendered pages (FastAPI + Jinja2) over the serving snapshot.

    GET  /login, POST /login, POST /logout        sign-in (Argon2id passwords, signed session cookie that expires)
    GET  /search?q=…                              企业检索
    GET  /enterprise/{uscc}                       企业信用档案
    GET  /enterprise/{uscc}/why                   为什么是这个类别（各指标贡献、模型与阈值、逐月类别）
    GET  /lists/{kind}                            名单（截至任一日期，按地区、行业、领域、部门筛选，分页）
    GET  /lists/{kind}/export.csv|.xlsx           筛选结果导出（CSV 带 BOM、xlsx；防公式注入、脱敏）
    GET  /accountability/overdue                  联合惩戒超期环节（按应办单位，超期工作日数）
    GET  /accountability                          报送部门记分卡、公示率、风险分布与迁移图表（内嵌 SVG）
    GET  /gate-report                             质量门禁最近一次的离线报告
    GET, POST /interception                       登记拦截查询（页面；证件号码只以表单提交，不进 URL）
    GET  /audit                                   审计日志
    POST /api/v1/interception                     登记拦截查询（接口，按系统令牌认证）

Every page names the build it shows (数据截至 …（构建于 …）). Which role sees what is ``console/roles.yml``; every
look-up of an enterprise or a person is appended to the audit log before the answer is sent.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from console import audit, export
from console.access import (
    ROLES_FILE,
    SIGN_IN_LOCK_SECONDS,
    SignInThrottle,
    TokenStore,
    UserStore,
    load_roles,
    session_secret,
)
from console.queries import accountability as accountability_query
from console.queries import lists as lists_query
from console.queries import record as record_query
from console.queries import search as search_query
from console.queries import why as why_query
from console.serving import NoSnapshot, SnapshotReader
from ground.clock import today
from ground.errors import ActionableError
from ground.identifiers import is_valid_ric, mask_id_number
from ground.settings import Workspace, console_session_minutes

HERE = Path(__file__).resolve().parent
BEIJING = ZoneInfo("Asia/Shanghai")
SESSION_COOKIE = "cwh_console"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# lookup(identifier, day) → restrictions (dataclasses); raises ActionableError: not retryable = a bad request,
# retryable = the answer is not known (hold and retry). Given by the service layer (creditwh.jobs), which owns it.
Lookup = Callable[[str, date], list[Any]]


class Forbidden(Exception):
    pass


class SignInRequired(Exception):
    pass


def _shown_identifier(text: str) -> str:
    """What a page, a log or an audit line may say of an identifier: a resident ID number only masked."""
    t = text.strip().upper()
    return mask_id_number(t) if len(t) == 18 and is_valid_ric(t) else t


def create_app(
    ws: Workspace,
    lookup: Lookup,
    *,
    formula_start: str,
    gate_report: Path | None = None,
    roles_file: Path = ROLES_FILE,
    session_minutes: float | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    roles = load_roles(roles_file)
    users = UserStore(ws, roles)
    tokens = TokenStore(ws)
    throttle = SignInThrottle(lambda: app.state.clock())
    reader = SnapshotReader(ws)
    minutes = session_minutes if session_minutes is not None else console_session_minutes()
    templates = Jinja2Templates(directory=HERE / "templates")
    guard = export.cell_guard(formula_start)  # publication's injection rule and the redaction list, for exports

    app = FastAPI(title="监管控制台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.clock = clock  # the tests move it forward to expire a session
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(ws),
        session_cookie=SESSION_COOKIE,
        max_age=int(minutes * 60) + 60,  # the cookie's own bound; the idle limit is checked below
        same_site="strict",
        https_only=False,  # behind the government network's TLS proxy set CWH_CONSOLE_SECRET and serve over HTTPS
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Cross-site request forgery: besides the session cookie's SameSite=Strict, a form post (sign-in, sign-out, the
    # interception look-up) must come from a page of this console. Browsers name the page's origin on every post
    # (Origin, else Referer); one naming another host is refused before the form is read. The API is exempt: its
    # token travels in a header a foreign page cannot set.
    @app.middleware("http")
    async def same_origin_posts(request: Request, call_next: Callable) -> Response:
        if request.method not in SAFE_METHODS and not request.url.path.startswith("/api/"):
            claimed = request.headers.get("origin") or request.headers.get("referer")
            if claimed and not _same_origin(claimed, request.headers.get("host", "")):
                audit.record(ws, user="-", action="cross_site_post_refused", query=request.url.path, results=0)
                return PlainTextResponse("跨站提交被拒绝：请从本控制台的页面提交表单", status_code=403)
        return await call_next(request)

    def current_user(request: Request) -> dict:
        s = request.session
        name, seen = s.get("user"), s.get("seen")
        now = app.state.clock()
        if not name or seen is None or now - float(seen) > minutes * 60:
            s.clear()
            raise SignInRequired
        role = users.role_of(name)
        if role is None or role != s.get("role"):  # removed, or the role changed: sign in again
            s.clear()
            raise SignInRequired
        s["seen"] = now
        return {"name": name, "role": roles.roles[role]}

    def require(request: Request, permission: str) -> dict:
        user = current_user(request)
        if permission not in user["role"].permissions:
            raise Forbidden(roles.permissions[permission])
        return user

    def page(request: Request, template: str, user: dict | None, status: int = 200, **context) -> HTMLResponse:
        snapshot = None
        with contextlib.suppress(NoSnapshot):
            snapshot = reader.open().info
        return templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "can": (lambda p: user is not None and p in user["role"].permissions),
                "snapshot": snapshot,
                "built_at": snapshot.built_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if snapshot else None,
                **context,
            },
            status_code=status,
        )

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, "error.html", None, 403, title="无权访问", message=f"您的角色无权查看：{exc}")

    @app.exception_handler(NoSnapshot)
    async def _no_snapshot(request: Request, exc: NoSnapshot) -> Response:
        return page(request, "error.html", None, 503, title="暂无数据", message=str(exc))

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        current_user(request)
        return RedirectResponse("/search", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/search") -> Response:
        return page(request, "login.html", None, next=_safe_next(next), error=None)

    @app.post("/login", response_class=HTMLResponse)
    def login(
        request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/search")
    ) -> Response:
        name = username.strip()
        if throttle.locked(name):
            audit.record(ws, user=name or "-", action="sign_in_refused_locked", query="", results=0)
            minutes = int(SIGN_IN_LOCK_SECONDS // 60)
            error = f"该用户连续登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试或联系管理员"
            return page(request, "login.html", None, 429, next=_safe_next(next), error=error)
        user = users.verify(name, password)
        if user is None:
            throttle.failed(name)
            audit.record(ws, user=name or "-", action="sign_in_failed", query="", results=0)
            return page(request, "login.html", None, 401, next=_safe_next(next), error="用户名或密码错误")
        throttle.succeeded(name)
        request.session.clear()
        request.session.update({"user": user.name, "role": user.role, "seen": app.state.clock()})
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.post("/logout")
    def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "") -> Response:
        user = require(request, "search")
        hits = None
        if q.strip():
            snap = reader.open()
            hits = search_query.search(snap.cursor(), q)
            audit.record(
                ws,
                user=user["name"],
                action="enterprise_search",
                query=_shown_identifier(q),
                results=len(hits),
                snapshot=snap.info.snapshot_id,
            )
        return page(request, "search.html", user, q=q, hits=hits, kinds=search_query.KIND_TITLES)

    @app.get("/enterprise/{uscc}", response_class=HTMLResponse)
    def enterprise(request: Request, uscc: str) -> Response:
        user = require(request, "record")
        perms = user["role"].permissions
        snap = reader.open()
        key = uscc.strip().upper()
        rec = record_query.record(
            snap.cursor(),
            key,
            snap.info.as_of_date,
            with_internal="non_public_records" in perms,
            with_risk="risk_class" in perms,
        )
        audit.record(
            ws,
            user=user["name"],
            action="enterprise_record",
            query=key,
            results=len(rec.events) if rec else 0,
            snapshot=snap.info.snapshot_id,
        )
        if rec is None:
            return page(request, "error.html", user, 404, title="未找到", message=f"快照中没有统一社会信用代码 {key}")
        return page(request, "record.html", user, rec=rec)

    @app.get("/enterprise/{uscc}/why", response_class=HTMLResponse)
    def why_class(request: Request, uscc: str) -> Response:
        user = require(request, "risk_class")
        snap = reader.open()
        key = uscc.strip().upper()
        found = why_query.why(snap.cursor(), key)
        audit.record(
            ws,
            user=user["name"],
            action="risk_class_grounds",
            query=key,
            results=len(found.indicators) if found else 0,
            snapshot=snap.info.snapshot_id,
        )
        if found is None:
            return page(request, "error.html", user, 404, title="未找到", message=f"快照中没有 {key} 的信用风险分类")
        return page(request, "why.html", user, why=found)

    def _list_filters(snap, kind: str, as_of: str, region: str, industry: str, domain: str, department: str):
        return lists_query.parse_filters(
            kind,
            as_of,
            snap.info.as_of_date,
            region=region,
            industry=industry,
            domain=domain,
            department=department,
        )

    @app.get("/lists", include_in_schema=False)
    def lists_home(request: Request) -> Response:
        require(request, "lists")
        return RedirectResponse("/lists/serious", status_code=303)

    @app.get("/lists/{kind}", response_class=HTMLResponse)
    def list_view(
        request: Request,
        kind: str,
        as_of: str = "",
        region: str = "",
        industry: str = "",
        domain: str = "",
        department: str = "",
        page_no: int = Query(1, alias="page"),
    ) -> Response:
        user = require(request, "lists")
        snap = reader.open()
        try:
            filters = _list_filters(snap, kind, as_of, region, industry, domain, department)
        except ActionableError as exc:
            return page(request, "error.html", user, 400, title="查询条件有误", message=str(exc))
        result = lists_query.list_page(snap.cursor(), filters, snap.info.as_of_date, page_no)
        query = urlencode({"as_of": filters.as_of.isoformat(), **filters.chosen()})
        return page(
            request,
            "lists.html",
            user,
            result=result,
            kinds=lists_query.LISTS,
            facet_titles=lists_query.FACET_TITLES,
            query=query,
            snapshot_day=snap.info.as_of_date,
        )

    @app.get("/lists/{kind}/export.{fmt}")
    def list_export(
        request: Request,
        kind: str,
        fmt: str,
        as_of: str = "",
        region: str = "",
        industry: str = "",
        domain: str = "",
        department: str = "",
    ) -> Response:
        user = require(request, "lists")
        snap = reader.open()
        try:
            if fmt not in ("csv", "xlsx"):
                raise ActionableError(f"导出格式只能是 csv 或 xlsx，收到 {fmt!r}")
            filters = _list_filters(snap, kind, as_of, region, industry, domain, department)
            headers, total, rows = lists_query.export_rows(snap.cursor(), filters, snap.info.as_of_date)
            spec = lists_query.LISTS[kind]
            name = f"{spec.title}_截至{filters.as_of.isoformat()}.{fmt}"
            disposition = {
                "Content-Disposition": f"attachment; filename=\"list.{fmt}\"; filename*=UTF-8''{quote(name)}"
            }
            body = export.xlsx_bytes(spec.title, headers, total, rows, guard) if fmt == "xlsx" else None
        except ActionableError as exc:
            return page(request, "error.html", user, 400, title="无法导出", message=str(exc))
        audit.record(
            ws,
            user=user["name"],
            action="list_export",
            query=f"{kind} {fmt} {urlencode({'as_of': filters.as_of.isoformat(), **filters.chosen()})}",
            results=total,
            snapshot=snap.info.snapshot_id,
        )
        if body is not None:
            return Response(body, media_type=export.XLSX_TYPE, headers=disposition)
        return StreamingResponse(
            export.csv_chunks(headers, rows, guard), media_type="text/csv; charset=utf-8", headers=disposition
        )

    @app.get("/accountability/overdue", response_class=HTMLResponse)
    def overdue_view(request: Request, unit: str = "", page_no: int = Query(1, alias="page")) -> Response:
        user = require(request, "accountability")
        snap = reader.open()
        return page(request, "overdue.html", user, result=accountability_query.overdue(snap.cursor(), unit, page_no))

    @app.get("/accountability", response_class=HTMLResponse)
    def accountability_view(request: Request, month: str = "") -> Response:
        user = require(request, "accountability")
        snap = reader.open()
        chosen = None
        if month:
            try:
                chosen = date.fromisoformat(month)
            except ValueError:
                return page(
                    request,
                    "error.html",
                    user,
                    400,
                    title="查询条件有误",
                    message=f"月份应为 YYYY-MM-DD，收到 {month!r}",
                )
        result = accountability_query.picture(
            snap.cursor(), with_risk="risk_class" in user["role"].permissions, month=chosen
        )
        return page(request, "accountability.html", user, pic=result)

    @app.get("/gate-report")
    def gate_report_view(request: Request) -> Response:
        user = require(request, "gate_report")
        if gate_report is None or not gate_report.is_file():
            return page(
                request,
                "error.html",
                user,
                404,
                title="尚无质量门禁报告",
                message="质量门禁尚未运行：发布（`cwh publish`）时生成离线报告",
            )
        # the report is self-contained (inline CSS, no script) and carries its own Content-Security-Policy
        return FileResponse(gate_report, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})

    def _answer(identifier: str, as_of: str | None) -> tuple[date, list[Any]]:
        day = today()
        if as_of:
            try:
                day = date.fromisoformat(as_of)
            except ValueError:
                raise ActionableError(f"查询日期应为 YYYY-MM-DD 格式，收到 {as_of!r}") from None
        return day, lookup(identifier, day)

    @app.get("/interception", response_class=HTMLResponse)
    def interception_form(request: Request) -> Response:
        user = require(request, "interception")
        return page(request, "interception.html", user, identifier="", as_of="", error=None)

    # POST, not GET: an ID number never travels in a URL (browser history, proxy and server logs)
    @app.post("/interception", response_class=HTMLResponse)
    def interception_page(request: Request, identifier: str = Form(""), as_of: str = Form("")) -> Response:
        user = require(request, "interception")
        context: dict[str, Any] = {"identifier": _shown_identifier(identifier), "as_of": as_of, "error": None}
        if identifier.strip():
            found: list[Any] = []
            try:
                day, found = _answer(identifier, as_of or None)
                context.update(day=day, found=found)
            except ActionableError as exc:
                context["error"] = str(exc)
            audit.record(
                ws,
                user=user["name"],
                action="interception_lookup",
                query=_shown_identifier(identifier),
                results=len(found) if context["error"] is None else -1,
            )
        return page(request, "interception.html", user, **context)

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request) -> Response:
        user = require(request, "audit_log")
        return page(request, "audit.html", user, entries=audit.recent(ws))

    @app.post("/api/v1/interception")
    async def interception_api(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        system = tokens.system_of(header[7:].strip() if header.lower().startswith("bearer ") else None)
        if system is None:
            return JSONResponse(
                {"error": "unauthorized", "message": "缺少或无效的系统令牌（Authorization: Bearer <令牌>）"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            body = await request.json()
            identifier, as_of = str(body["identifier"]), body.get("as_of")
        except Exception:
            return JSONResponse(
                {
                    "error": "bad_request",
                    "message": '请求体应为 JSON：{"identifier": "证件号码或统一社会信用代码", "as_of": "YYYY-MM-DD"（可省略）}',
                },
                status_code=400,
            )
        shown = _shown_identifier(identifier)
        try:
            day, found = _answer(identifier, as_of)
        except ActionableError as exc:
            audit.record(ws, user=f"system:{system}", action="interception_api", query=shown, results=-1)
            status = 503 if exc.retryable else 400
            return JSONResponse(
                {"error": "retry_later" if exc.retryable else "bad_request", "message": str(exc)}, status_code=status
            )
        audit.record(ws, user=f"system:{system}", action="interception_api", query=shown, results=len(found))
        return JSONResponse(
            {
                "identifier": shown,
                "as_of": day.isoformat(),
                "restricted": bool(found),
                "restrictions": [_jsonable(r) for r in found],
            }
        )

    return app


def _safe_next(target: str) -> str:
    """Only a path of this site (no open redirect to another host: browsers read "/\\host" like "//host")."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/search"


def _same_origin(claimed: str, host: str) -> bool:
    """Whether an Origin or Referer header names this host (the Host header: scheme aside, which a TLS proxy in front
    changes). "null" (a sandboxed or local page) and anything unparsable are foreign."""
    try:
        parts = urlsplit(claimed.strip())
        netloc = parts.netloc
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(netloc) and netloc.lower() == host.strip().lower()


def _jsonable(restriction: Any) -> dict:
    data = asdict(restriction) if is_dataclass(restriction) else dict(restriction)
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
