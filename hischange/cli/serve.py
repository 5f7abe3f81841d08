"""``hischange serve``: the web review page for the hospital's reviewers."""

from __future__ import annotations

import click

from hischange.cli.output import example, open_project


@click.command(epilog=example("hischange serve --port 8000   # then open http://127.0.0.1:8000/"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--secure-cookies/--no-secure-cookies",
    default=False,
    help="Mark the session cookie Secure: required behind a TLS reverse proxy (docs/web.md).",
)
@click.option(
    "--origin",
    default=None,
    metavar="URL",
    help="The site's public origin behind a proxy, e.g. https://hischange.hospital.local "
    "(passkeys are bound to its host name).",
)
def serve(host: str, port: int, secure_cookies: bool, origin: str | None) -> None:
    """Serve the web review page (审批页面): each reviewer's queue, changes, SQL with its
    findings, releases and the ledger's status; approvals signed with the reviewer's passkey.

    Binds to 127.0.0.1 by default; put it behind a TLS reverse proxy for the intranet."""
    from urllib.parse import urlsplit

    import uvicorn

    from hischange.web import create_app
    from hischange.web.app import WebConfig

    proj = open_project()
    rp_id = urlsplit(origin).hostname if origin else None
    app = create_app(
        WebConfig(proj.root, secure_cookies=secure_cookies, rp_id=rp_id, origin=origin)
    )
    notifier = None
    if proj.config.notify.url:
        from hischange.project import Project
        from hischange.services.notify import Notifier

        root = proj.root
        notifier = Notifier(lambda: Project(root))
        notifier.start()
        click.echo(f"notifications ({proj.config.notify.format}) go to the [notify] url", err=True)
    click.echo(f"hischange serve: http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
    finally:
        if notifier is not None:
            notifier.stop()
