"""The web review page (``hischange serve``): the hospital's reviewers read the changes and
the SQL waiting for them and approve with their own key. Server-rendered HTML (Jinja2,
autoescaped) over Starlette; JavaScript only for signing (WebAuthn). The pages call
services, never the store."""

from hischange.web.app import create_app

__all__ = ["create_app"]
