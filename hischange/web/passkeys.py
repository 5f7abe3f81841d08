"""The passkey pages: register a passkey (pending until the root's holder adds it to the
ledger) and sign an act in the browser (WebAuthn; the one place the page uses JavaScript)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hischange.errors import HischangeError, UsageError, WorkflowError
from hischange.project import Project

__all__ = ["act_runner", "passkey_routes", "passkey_sealer_required"]

#: The page's one script, shipped beside the templates (not autoescaped: it is ours, static).
_SCRIPTS = Environment(loader=PackageLoader("hischange.web", "templates"), autoescape=False)
_ALGS = (-7, -8, -257)  # ES256, EdDSA, RS256: what audit verify checks offline


def passkey_sealer_required() -> str:
    """Why a plain form post cannot approve in a signed project."""
    return (
        "this project is signed: an approval must be signed with your passkey "
        "(use the 'Approve with passkey' button; it needs JavaScript)"
    )


def act_runner(kind: str, cid: str, me: str, form: dict[str, str]) -> Callable[[Project], Any]:
    """The service call of one act of the page, for ``me``."""
    from hischange.services.changes import approve_change, reject_change
    from hischange.services.review import sql_file_page
    from hischange.services.sql import approve_sql

    def run(proj: Project) -> Any:
        if kind == "change":
            return approve_change(proj, me, cid, form.get("comment", ""))
        if kind == "reject":
            return reject_change(proj, me, cid, form.get("reason", "").strip() or "rejected")
        if kind == "sql":
            page = sql_file_page(proj, cid, form.get("path", ""))
            return approve_sql(
                proj,
                me,
                cid,
                proj.root / page.path,
                form.get("accept_risk", ""),
                seen_sha256=form.get("sha256", ""),
            )
        raise UsageError(f"unknown act {kind!r}")

    return run


def passkey_routes(
    config: Any,
    page: Callable[..., Any],
    render: Callable[..., Response],
    refuse_forgery: Callable[[Request, str | None], Response | None],
    form_of: Callable[..., Any],
    open_project: Callable[[], Project],
    lock: threading.RLock,
) -> list[Route]:
    """The routes of the passkey pages."""

    def rp_of(request: Request) -> tuple[str, str]:
        rp_id = config.rp_id or (request.url.hostname or "localhost")
        origin = config.origin or f"{request.url.scheme}://{request.url.netloc}"
        return rp_id, origin

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"ok": False, "error": message}, status_code=status)

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body())
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    async def script(request: Request) -> Response:
        text = _SCRIPTS.get_template("passkeys.js").render()
        return Response(text, media_type="text/javascript")

    async def keys_page(request: Request) -> Response:
        from hischange.services.passkeys import passkeys_of, pending_passkey

        me = request.state.session.person
        with lock:
            proj = open_project()
            try:
                registered = passkeys_of(proj, me)
                pending = pending_passkey(proj, me)
            finally:
                proj.close()
        return render(request, "passkeys.html", registered=registered, pending=pending)

    async def register_begin(request: Request) -> Response:
        import secrets

        import webauthn
        from webauthn.helpers.structs import (
            AuthenticatorSelectionCriteria,
            ResidentKeyRequirement,
        )

        bad = refuse_forgery(request, request.headers.get("x-csrf-token"))
        if bad is not None:
            return bad
        me = request.state.session.person
        rp_id, _origin = rp_of(request)
        challenge = secrets.token_bytes(32)
        options = webauthn.generate_registration_options(
            rp_id=rp_id,
            rp_name="hischange",
            user_name=me,
            user_id=me.encode("utf-8")[:64],
            challenge=challenge,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED
            ),
            supported_pub_key_algs=list(_ALGS),  # type: ignore[arg-type]
        )
        request.state.session.pending["register"] = challenge
        return Response(webauthn.options_to_json(options), media_type="application/json")

    async def register_finish(request: Request) -> Response:
        import webauthn
        from cryptography.hazmat.primitives import serialization
        from webauthn.helpers import decode_credential_public_key
        from webauthn.helpers import decoded_public_key_to_cryptography as to_crypto

        from hischange.services.passkeys import save_pending_passkey

        bad = refuse_forgery(request, request.headers.get("x-csrf-token"))
        if bad is not None:
            return bad
        challenge = request.state.session.pending.pop("register", None)
        if challenge is None:
            return error(400, "no registration was started; reload the page")
        rp_id, origin = rp_of(request)
        try:
            verified = webauthn.verify_registration_response(
                credential=await body(request),
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                supported_pub_key_algs=list(_ALGS),  # type: ignore[arg-type]
            )
            public = to_crypto(decode_credential_public_key(verified.credential_public_key))
            spki = public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        except Exception as exc:  # the library raises several types for a bad credential
            return error(400, f"the passkey could not be registered: {exc}")
        me = request.state.session.person
        with lock:
            proj = open_project()
            try:
                pending = save_pending_passkey(proj, me, rp_id, spki, verified.credential_id)
            finally:
                proj.close()
        command = f"hischange people add-key {me} --passkey --as ROOT_HOLDER --key ROOT_KEY"
        return JSONResponse({"ok": True, "fingerprint": pending.fingerprint, "command": command})

    async def sign_begin(request: Request) -> Response:
        import webauthn
        from webauthn.helpers.structs import PublicKeyCredentialDescriptor

        from hischange.services.passkeys import passkeys_of, prepare_act

        data = await body(request)
        bad = refuse_forgery(request, request.headers.get("x-csrf-token"))
        if bad is not None:
            return bad
        me = request.state.session.person
        cid = request.path_params["cid"]
        form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        kind = form.get("kind", "")
        rp_id, _origin = rp_of(request)
        with lock:
            proj = open_project()
            try:
                keys = passkeys_of(proj, me)
                if not keys:
                    return error(
                        409,
                        "you have no registered passkey: register one on the Passkeys page "
                        "and have the trust root's holder add it",
                    )
                intent = prepare_act(proj, me, act_runner(kind, cid, me, form))
            except WorkflowError as exc:
                return error(409, f"refused ({exc.rule}): {exc.message}")
            except HischangeError as exc:
                return error(400, exc.message)
            finally:
                proj.close()
        request.state.session.pending["sign"] = (intent, kind, cid, form)
        options = webauthn.generate_authentication_options(
            rp_id=rp_id,
            challenge=intent.challenge(),
            allow_credentials=[
                PublicKeyCredentialDescriptor(id=_unb64(cred)) for _fp, cred in keys if cred
            ],
        )
        out = json.loads(webauthn.options_to_json(options))
        out["meanings"] = intent.meanings()
        return JSONResponse(out)

    async def sign_finish(request: Request) -> Response:
        from hischange.services.passkeys import complete_act, passkey_fingerprint

        data = await body(request)
        bad = refuse_forgery(request, request.headers.get("x-csrf-token"))
        if bad is not None:
            return bad
        pending = request.state.session.pending.pop("sign", None)
        cid = request.path_params["cid"]
        if pending is None or pending[2] != cid:
            return error(400, "no signature was asked for this change; reload the page")
        intent, kind, _cid, form = pending
        me = request.state.session.person
        _rp_id, origin = rp_of(request)
        response = data.get("response") if isinstance(data.get("response"), dict) else {}
        assert isinstance(response, dict)
        assertion = {
            "authenticator_data": str(response.get("authenticatorData", "")),
            "client_data_json": str(response.get("clientDataJSON", "")),
            "signature": str(response.get("signature", "")),
        }
        with lock:
            proj = open_project()
            try:
                fingerprint = passkey_fingerprint(proj, me, str(data.get("id", "")))
                complete_act(proj, intent, fingerprint, assertion, origin,
                             act_runner(kind, cid, me, form))  # fmt: skip
            except WorkflowError as exc:
                return error(409, f"refused ({exc.rule}): {exc.message}")
            except HischangeError as exc:
                return error(400, exc.message)
            finally:
                proj.close()
        return JSONResponse({"ok": True, "redirect": f"/changes/{quote(cid)}"})

    return [
        Route("/static/passkeys.js", script),
        Route("/passkeys", page(keys_page)),
        Route("/passkeys/register/begin", page(register_begin), methods=["POST"]),
        Route("/passkeys/register/finish", page(register_finish), methods=["POST"]),
        Route("/changes/{cid}/sign/begin", page(sign_begin), methods=["POST"]),
        Route("/changes/{cid}/sign/finish", page(sign_finish), methods=["POST"]),
    ]


def _unb64(text: str) -> bytes:
    from hischange.trust.webauthn import unb64url

    return unb64url(text)
