"""``sql review --format json`` is written as it is encoded (issue 16 item 10): the text must
be exactly what ``json.dumps`` of the whole review gave before, on the shared corpus, on
generated scripts, and through the command itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from shared_corpus import corpus_files

from hischange.cli.main import cli
from hischange.sqlreview import SqlReview, json_chunks, review_contents, review_sql
from hischange.sqlreview.model import DIALECTS


def _whole(review: SqlReview) -> str:
    """The JSON as the command printed it before streaming: one ``json.dumps``."""
    return json.dumps(review.model_dump(mode="json"), ensure_ascii=False, indent=2, sort_keys=True)


def _streamed(review: SqlReview) -> str:
    return "".join(json_chunks(review))


def test_streamed_json_is_the_whole_json_on_the_corpus() -> None:
    """Every corpus file, and all of one dialect's files reviewed together."""
    by_dialect: dict[str, list[tuple[str, bytes]]] = {}
    for key, dialect, text in corpus_files():
        review = review_sql(text, dialect=dialect, path=key)  # type: ignore[arg-type]
        assert _streamed(review) == _whole(review), key
        by_dialect.setdefault(dialect, []).append((key, text.encode("utf-8")))
    for dialect, items in by_dialect.items():
        review = review_contents(items, dialect=dialect)  # type: ignore[arg-type]
        assert _streamed(review) == _whole(review), dialect


_pieces = st.sampled_from(
    [
        "UPDATE t SET a = 1;\n",
        "DELETE FROM pat WHERE id = 1; -- 删除\n",
        "SELECT 'x;y', \"名\" FROM t;\n",
        "BEGIN\n  NULL;\nEND;\n/\n",
        "CREATE VIEW v AS SELECT * FROM t;\n",
        "/* unclosed",
        "INSERT INTO t VALUES (1, 'a'), (2, NULL);\n",
        "-- hischange: disable=HC101\n",
        "\x00",
        "'\r\n",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_pieces, max_size=12), st.text(max_size=30), st.sampled_from(DIALECTS))
def test_streamed_json_is_the_whole_json_on_generated_scripts(
    pieces: list[str], noise: str, dialect: Any
) -> None:
    """Scripts of statements that raise findings, suppressions, odd text and no statement."""
    review = review_sql("".join(pieces) + noise, dialect=dialect)
    assert _streamed(review) == _whole(review)
    empty = review_contents([], dialect=dialect)
    assert _streamed(empty) == _whole(empty)


def test_the_command_prints_the_whole_json(tmp_path: Path, monkeypatch: Any) -> None:
    """Through the CLI: the printed text is ``json.dumps`` of the review plus a newline, also
    past the writer's 64 KiB pieces."""
    from click.testing import CliRunner

    monkeypatch.chdir(tmp_path)  # outside any project: the default settings
    script = tmp_path / "big.sql"
    script.write_text("UPDATE pat SET flag = 1 WHERE id = 42; -- 变更\n" * 600, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sql", "review", str(script), "--format", "json"])
    assert result.exit_code == 0, result.output
    review = review_contents([(script.as_posix(), script)])
    assert len(result.stdout) > 1 << 17
    assert result.stdout == _whole(review) + "\n"
