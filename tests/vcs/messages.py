"""Commit messages on which naive trailer parsers and git disagree."""

from __future__ import annotations

__all__ = ["TRICKY_MESSAGES"]

#: Messages that disagree between naive parsers and git (name -> raw message).
TRICKY_MESSAGES: dict[str, str] = {
    "dash_divider": "Fix\n\nbody\n---\nnotes\n\nHIS-Change: CR-2026-0001\n",
    "dash_in_block": "Fix order\n\nbody\n---\nHIS-Change: CR-2026-0028\n",
    "crlf": "Fix order\r\n\r\nbody\r\n\r\nHIS-Change: CR-2026-0002\r\n",
    "folded": "Fix\n\nHIS-Change: CR-2026-0003,\n  CR-2026-0004\nSigned-off-by: A <a@x.example>\n",
    "sob_over_25": "Fix\n\nprose line\nHIS-Change: CR-2026-0005\nSigned-off-by: A <a@x.example>\n",
    "sob_under_25": "Fix\n\np1\np2\np3\np4\np5\np6\np7\nHIS-Change: CR-2026-0006\n"
    "Signed-off-by: A <a@x>\n",
    "prose_no_sob": "Fix\n\nsome prose\nHIS-Change: CR-2026-0007\n",
    "url_line": "Fix\n\nhttps://his.example/x: y\nHIS-Change: CR-2026-0008\n",
    "url_in_prose": "Fix\n\nsee https://his.example/x: y\nHIS-Change: CR-2026-0009\n",
    "chinese_key": "门诊挂号: 医保支付\n\n需求编号: CR-2026-0010\nHIS-Change: CR-2026-0011\n",
    "chinese_key_sob": "Fix\n\n需求编号: CR-2026-0012\nHIS-Change: CR-2026-0013\n"
    "Signed-off-by: A <a@x>\n",
    "not_last_paragraph": "Fix\n\nHIS-Change: CR-2026-0014\n\nmore text after the trailer\n",
    "several_ids": "Fix\n\nHIS-Change: CR-2026-0015; CR-2026-0016\nhis-change: cr-2026-0017\n",
    "subject_only": "only a subject\n",
    "empty": "",
    "trailer_as_subject": "HIS-Change: CR-2026-0018\n",
    "comment_line": "Fix\n\n# a comment\nHIS-Change: CR-2026-0019\n",
    "space_before_colon": "Fix\n\nHIS-Change : CR-2026-0020\n",
    "fullwidth_colon": "Fix\n\nHIS-Change：CR-2026-0021\n",
    "chinese_value": "Fix\n\nHIS-Change: CR-2026-0022 门诊挂号\n",
    "trailing_blanks": "Fix\n\nHIS-Change: CR-2026-0023   \n\n\n",
    "cherry_pick": "Fix\n\nprose\nHIS-Change: CR-2026-0024\n(cherry picked from commit "
    "0123456789abcdef0123456789abcdef01234567)\n",
    "other_key": "Fix\n\nRefs: CR-2026-0025\n",
    "indented": "Fix\n\n  HIS-Change: CR-2026-0026\n",
    "bad_value": "Fix\n\nHIS-Change: CR-26-1, CR-2026-0027\n",
}
