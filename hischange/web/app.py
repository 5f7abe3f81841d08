"""The Starlette application of ``hischange serve``: routes, sign-in, CSRF, the pages.

Every page is server-rendered with autoescaping; a POST is accepted only with the session's
CSRF token (and, when the browser sends one, an Origin of this site). Acts (approve, reject)
go through the same services as the CLI; in a signed project an approval is signed in the
browser with the reviewer's passkey (``hischange.web.passkeys``), never by the server.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from hischange import __version__
from hischange.errors import HischangeError, NotFoundError, WorkflowError
from hischange.outputs.sql_html import LABELS, statement_lines, style_defs
from hischange.project import Project
from hischange.web.sessions import COOKIE, IDLE, Session, Sessions

__all__ = ["WebConfig", "create_app"]

Clock = Callable[[], datetime]


class WebConfig:
    """How the server runs: the project folder, cookies marked Secure (behind TLS), and the
    WebAuthn relying party (the site name the passkeys are bound to)."""

    def __init__(
        self,
        root: Path,
        *,
        secure_cookies: bool = False,
        rp_id: str | None = None,
        origin: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.root = root
        self.secure_cookies = secure_cookies
        self.rp_id = rp_id
        self.origin = origin
        self.clock = clock


_ENV = Environment(
    loader=PackageLoader("hischange.web", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
)


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


_ENV.filters["t"] = _fmt_time


def create_app(config: WebConfig) -> Starlette:
    """The web application for the project at ``config.root``."""
    sessions = Sessions()
    lock = threading.RLock()

    def open_project() -> Project:
        return Project(config.root, clock=config.clock)

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        session: Session = request.state.session
        html = _ENV.get_template(name).render(
            me=session.person, csrf=session.csrf, version=__version__, **ctx
        )
        return HTMLResponse(html, status_code=status)

    def site_origin(request: Request) -> str:
        return config.origin or f"{request.url.scheme}://{request.url.netloc}"

    async def form_of(request: Request) -> dict[str, str]:
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def refuse_forgery(request: Request, token: str | None) -> Response | None:
        """A POST without this session's CSRF token, or from another site, is refused."""
        origin = request.headers.get("origin")
        if origin and origin != "null" and origin != site_origin(request):
            return PlainError(403, "cross-site request refused (Origin)")
        if not request.state.session.csrf_ok(token):
            return PlainError(403, "missing or wrong CSRF token: reload the page and try again")
        return None

    def PlainError(status: int, text: str) -> HTMLResponse:
        html = _ENV.get_template("error.html").render(
            status=status, message=text, me="", csrf="", version=__version__
        )
        return HTMLResponse(html, status_code=status)

    # --- middleware-like wrapper: the session, sign-in required, errors as pages ----------

    Handler = Callable[[Request], Awaitable[Response]]

    def page(handler: Handler, *, public: bool = False) -> Handler:
        async def wrapped(request: Request) -> Response:
            session = sessions.get(request.cookies.get(COOKIE))
            fresh = session is None
            if session is None:
                session = sessions.new()
            request.state.session = session
            if not public and not session.person:
                target = "/signin?next=" + quote(request.url.path)
                response: Response = RedirectResponse(target, status_code=303)
            else:
                try:
                    response = await handler(request)
                except NotFoundError as exc:
                    response = PlainError(404, exc.message)
                except WorkflowError as exc:
                    response = PlainError(409, f"refused ({exc.rule}): {exc.message}")
                except HischangeError as exc:
                    response = PlainError(400, exc.message)
            current: Session = request.state.session
            if fresh or current is not session:
                set_cookie(response, current)
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Referrer-Policy"] = "same-origin"
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
            )
            return response

        return wrapped

    def set_cookie(response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            session.sid,
            max_age=IDLE * 16,
            httponly=True,
            samesite="strict",
            secure=config.secure_cookies,
            path="/",
        )

    # --- pages ----------------------------------------------------------------------------

    async def home(request: Request) -> Response:
        return RedirectResponse("/queue", status_code=303)

    async def signin_form(request: Request) -> Response:
        return render(request, "signin.html", next=request.query_params.get("next", "/queue"))

    async def signin(request: Request) -> Response:
        from hischange.services.accounts import check_sign_in

        form = await form_of(request)
        bad = refuse_forgery(request, form.get("csrf"))
        if bad is not None:
            return bad
        client = request.client.host if request.client else ""
        with lock:
            proj = open_project()
            try:
                person = check_sign_in(
                    proj,
                    form.get("person", ""),
                    form.get("password", ""),
                    form.get("code", ""),
                    client,
                )
            except HischangeError as exc:
                return render(request, "signin.html", 401, error=exc.message, next="/queue")
            finally:
                proj.close()
        request.state.session = sessions.sign_in(request.state.session, person)
        target = form.get("next", "/queue")
        if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
            target = "/queue"
        return RedirectResponse(target, status_code=303)

    async def signout(request: Request) -> Response:
        form = await form_of(request)
        bad = refuse_forgery(request, form.get("csrf"))
        if bad is not None:
            return bad
        sessions.drop(request.state.session)
        request.state.session = sessions.new()
        return RedirectResponse("/signin", status_code=303)

    async def queue(request: Request) -> Response:
        from hischange.services.review import review_queue

        with lock:
            proj = open_project()
            try:
                items = review_queue(proj, request.state.session.person)
            finally:
                proj.close()
        return render(request, "queue.html", items=items)

    async def change(request: Request) -> Response:
        from hischange.services.review import change_page, comments_of

        with lock:
            proj = open_project()
            try:
                data = change_page(proj, request.path_params["cid"])
                comments = comments_of(proj, data.change.id)
                signed = _signed(proj)
            finally:
                proj.close()
        return render(
            request, "change.html", p=data, c=data.change, signed=signed, comments=comments
        )

    async def comment(request: Request) -> Response:
        from hischange.services.review import add_comment

        form = await form_of(request)
        bad = refuse_forgery(request, form.get("csrf"))
        if bad is not None:
            return bad
        cid = request.path_params["cid"]
        with lock:
            proj = open_project()
            try:
                add_comment(proj, request.state.session.person, cid, form.get("text", ""))
            finally:
                proj.close()
        return RedirectResponse(f"/changes/{quote(cid)}#comments", status_code=303)

    async def sql_file(request: Request) -> Response:
        from hischange.services.review import sql_file_page

        path = request.query_params.get("path", "")
        with lock:
            proj = open_project()
            try:
                data = sql_file_page(proj, request.path_params["cid"], path)
                signed = _signed(proj)
            finally:
                proj.close()
        fr = data.review
        statements = [(st, statement_lines(fr, st.index)) for st in fr.statements]
        return render(
            request,
            "sql.html",
            p=data,
            fr=fr,
            statements=statements,
            file_findings=[f for f in fr.findings if f.statement_index is None],
            L=LABELS["zh-CN"],
            css=Markup(style_defs()),
            signed=signed,
        )

    async def release(request: Request) -> Response:
        from hischange.services.deployments import show_release

        with lock:
            proj = open_project()
            try:
                data = show_release(proj, request.path_params["version"])
            finally:
                proj.close()
        return render(request, "release.html", r=data)

    async def ledger(request: Request) -> Response:
        from hischange.services.review import ledger_status

        with lock:
            proj = open_project()
            try:
                data = ledger_status(proj)
            finally:
                proj.close()
        return render(request, "ledger.html", s=data)

    async def attachment(request: Request) -> Response:
        from hischange.services.review import attachment_file

        with lock:
            proj = open_project()
            try:
                path, name, media = attachment_file(
                    proj, request.path_params["cid"], request.path_params["sha256"]
                )
            finally:
                proj.close()
        safe = quote(name, safe="")
        return FileResponse(
            path,
            media_type=media if media.startswith("image/") else "application/octet-stream",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{safe}"},
        )

    # --- acts -----------------------------------------------------------------------------

    async def act(request: Request) -> Response:
        """Approve or reject a change, or approve an SQL file, by a plain form post (an
        unsigned project; a signed project's acts are signed with the passkey)."""
        from hischange.web.passkeys import act_runner, passkey_sealer_required

        form = await form_of(request)
        bad = refuse_forgery(request, form.get("csrf"))
        if bad is not None:
            return bad
        cid = request.path_params["cid"]
        kind = {"approve": "change", "reject": "reject", "approve-sql": "sql"}.get(
            request.path_params["what"]
        )
        if kind is None:
            return PlainError(404, "no such action")
        me = request.state.session.person
        with lock:
            proj = open_project()
            try:
                if _signed(proj):
                    return PlainError(409, passkey_sealer_required())
                act_runner(kind, cid, me, form)(proj)
            finally:
                proj.close()
        return RedirectResponse(f"/changes/{quote(cid)}", status_code=303)

    routes = [
        Route("/", page(home)),
        Route("/signin", page(signin_form, public=True), methods=["GET"]),
        Route("/signin", page(signin, public=True), methods=["POST"]),
        Route("/signout", page(signout), methods=["POST"]),
        Route("/queue", page(queue)),
        Route("/changes/{cid}", page(change)),
        Route("/changes/{cid}/sql", page(sql_file)),
        Route("/changes/{cid}/attachments/{sha256}", page(attachment)),
        Route("/changes/{cid}/comment", page(comment), methods=["POST"]),
        Route("/changes/{cid}/{what}", page(act), methods=["POST"]),
        Route("/releases/{version}", page(release)),
        Route("/ledger", page(ledger)),
    ]
    from hischange.web.passkeys import passkey_routes

    routes += passkey_routes(config, page, render, refuse_forgery, form_of, open_project, lock)
    return Starlette(routes=routes)


def _signed(proj: Project) -> bool:
    from hischange.services.trust import trust_root

    return trust_root(proj) is not None
