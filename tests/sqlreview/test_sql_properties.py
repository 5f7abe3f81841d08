"""Properties: review_sql never raises; statement spans cover every content character."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hischange.sqlreview import DIALECTS, review_sql, split_sql
from hischange.sqlreview.model import Dialect

_WORDS = [
    "SELECT",
    "a",
    "FROM",
    "t",
    "BEGIN",
    "END",
    "CASE",
    "IF",
    "DECLARE",
    "CREATE",
    "PROCEDURE",
    "PACKAGE",
    "BODY",
    "IS",
    "AS",
    "DELETE",
    "x1",
    "(",
    ")",
    "=",
    "1",
    ",",
]
_STRINGS = ["'a;b'", "'it''s; /'", '"q;id"', "'D:\\dump'"]

# A fragment is (text, is_content): content characters must be covered by a statement.
Fragment = tuple[str, bool]


@st.composite
def sqlish(draw: st.DrawFn, dialect: Dialect) -> tuple[str, list[Fragment]]:
    """SQL-ish text built from fragments whose content/ignorable status is known."""
    separators: list[Fragment] = [
        (";", False),
        ("\n", False),
        (" ", False),
        ("\n-- c; 'x\n", False),
        ("/* ; */", False),
    ]
    if dialect == "oracle":
        separators += [("\n/\n", False)]
        content = [*_STRINGS[:2], "q'[x;']'"]
    elif dialect == "tsql":
        separators += [("\ngo\n", False), ("\nGO 2\n", False)]
        content = [*_STRINGS[:2], "[a;b]"]
    elif dialect == "mysql":
        separators += [
            ("\nDELIMITER $$\n", False),
            ("\nDELIMITER ;\n", False),
            ("$$", False),
            ("\n# x;\n", False),
        ]
        content = [*_STRINGS[:3], "`a;b`"]
    else:
        content = [*_STRINGS[:3], "$$ a; b $$", "$f$;$f$"]
    pieces = st.one_of(
        st.sampled_from([(w, True) for w in _WORDS + content]), st.sampled_from(separators)
    )
    frags: list[Fragment] = draw(st.lists(pieces, max_size=40))
    out: list[Fragment] = []
    for text, content_flag in frags:
        out.append((text, content_flag))
        out.append((" ", False))  # keep words apart so fragments do not fuse
    return "".join(t for t, _ in out), out


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400), st.sampled_from(DIALECTS))
def test_random_bytes_never_raise(data: bytes, dialect: Dialect) -> None:
    """Any bytes at all produce a review, never an exception."""
    fr = review_sql(data, dialect=dialect).files[0]
    assert all(fr.statements[i].start < fr.statements[i].end for i in range(len(fr.statements)))


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab;'\"`[]$/-*#\n q{}()\\GOgo:")), max_size=200),
    st.sampled_from(DIALECTS),
)
def test_random_text_never_raises(text: str, dialect: Dialect) -> None:
    """Random SQL-ish characters produce statements whose text matches the source slice."""
    fr = review_sql(text, dialect=dialect).files[0]
    assert all(text[s.start : s.end] == s.text for s in fr.statements)


def _coverage(dialect: Dialect) -> None:
    @settings(max_examples=200, deadline=None)
    @given(sqlish(dialect))
    def check(case: tuple[str, list[Fragment]]) -> None:
        text, frags = case
        covered = bytearray(len(text))
        for s in split_sql(text, dialect):
            assert text[s.start : s.end] == s.text
            covered[s.start : s.end] = b"\x01" * (s.end - s.start)
        pos = 0
        for frag, content in frags:
            if content:
                for i in range(pos, pos + len(frag)):
                    assert text[i].isspace() or covered[i], (dialect, text, i)
            pos += len(frag)

    check()


def test_spans_cover_content_oracle() -> None:
    """Oracle: every content character lies in some statement."""
    _coverage("oracle")


def test_spans_cover_content_tsql() -> None:
    """T-SQL: every content character lies in some statement."""
    _coverage("tsql")


def test_spans_cover_content_mysql() -> None:
    """MySQL: every content character lies in some statement."""
    _coverage("mysql")


def test_spans_cover_content_postgres() -> None:
    """PostgreSQL: every content character lies in some statement."""
    _coverage("postgres")
