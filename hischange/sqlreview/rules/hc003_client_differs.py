"""HC003: the server and its command-line client would read the script differently."""

from __future__ import annotations

from hischange.sqlreview.rules.base import Rule

__all__ = ["ClientDiffers"]


class ClientDiffers(Rule):
    """The database server and its command-line client would split the script differently.

    The review splits a script the way the server reads it. Where the usual client would
    not (MySQL: a line starting with ``delimiter`` inside an open statement, which the
    ``mysql`` client takes as its DELIMITER command), the engine reports the line, because
    what runs depends on how the script is deployed.

    Anti-pattern:

        SELECT id,
        delimiter
        FROM import_rules;

    Best practice:

        SELECT id, `delimiter`
        FROM import_rules;
    """

    code = "HC003"
    name = "client-differs"
    severity = "warning"
    family = "engine"
    dialects = frozenset({"mysql"})
