"""SQL review rules: one class per rule, one module per rule.

Kept free of imports on purpose: ``hischange.sqlreview.registry`` collects the rule classes, and
helper modules here (``_tokens``) are imported by ``analysis`` and ``views`` without pulling in
every rule.
"""

__all__: list[str] = []
