"""Named parameters (bot/store/sql.py) and transactions (bot/store/database.py), run on SQLite and
on a real PostgreSQL server: nothing in the SQL text but a real parameter is ever replaced."""

from __future__ import annotations

import pytest

from bot.exceptions import StoreError
from bot.store.sql import NAMED, PYFORMAT, bind


def one_row(store, sql: str, **params):
    with store.database.transaction() as transaction:
        return tuple(transaction.execute(sql, **params).fetchone())


def test_a_question_mark_or_percent_sign_in_the_sql_text_is_text_not_a_parameter(store):
    assert one_row(store, "SELECT '50% done?', :n", n=7) == ("50% done?", 7)


def test_a_colon_name_inside_a_string_is_text_not_a_parameter(store):
    assert one_row(store, "SELECT ':name -- not a comment', :name", name="x") == (
        ":name -- not a comment",
        "x",
    )


def test_a_list_parameter_matches_any_of_its_items(store):
    versions = one_row(
        store, "SELECT COUNT(*) FROM schema_version WHERE version IN (:v)", v=(1, 2, 99)
    )
    assert versions == (2,)


def test_an_empty_list_parameter_matches_nothing(store):
    assert one_row(store, "SELECT COUNT(*) FROM schema_version WHERE version IN (:v)", v=()) == (0,)


def test_a_postgresql_cast_is_not_a_parameter():
    assert bind("SELECT :a::text", {"a": 1}, PYFORMAT) == ("SELECT %(a)s::text", {"a": 1})
    assert bind("SELECT :a::text", {"a": 1}, NAMED) == ("SELECT :a::text", {"a": 1})


def test_a_parameter_the_sql_names_but_the_call_does_not_give_is_a_key_error():
    with pytest.raises(KeyError, match="missing"):
        bind("SELECT :missing", {"other": 1}, NAMED)


def test_what_several_repositories_write_in_one_transaction_is_undone_together(store):
    with pytest.raises(StoreError), store.database.transaction() as transaction:
        assert store.first_time("event:1") is True
        store.record_unknown("t", "e", user="U1", channel="C1")
        transaction.execute("SELECT * FROM no_such_table")
    assert store.first_time("event:1") is True
    assert store.inbox() == []
