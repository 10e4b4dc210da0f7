"""Single sign-on (OpenID Connect): who the identity provider vouches for becomes only the
account the clinic linked, on a real SQLite store; the migration keeps existing accounts."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from coach import settings
from coach.cli import main
from coach.store.accounts import (
    User,
    add_patient,
    add_therapist,
    assign,
    has_accounts,
    hash_password,
    link_oidc,
    login,
    oidc_account,
    visible_patient_ids,
)
from coach.store.database import MIGRATIONS_DIR, Database, StoreError, open_database
from coach.ui.auth import NOT_SET_UP, Provider, account_for_identity, providers_in


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'clinic.db'}")
    yield database
    database.close()


def test_a_linked_subject_logs_in_as_its_therapist_even_with_another_email(db: Database) -> None:
    lee = add_therapist(db, "dr_lee", "a long password")
    link_oidc(db, therapist="dr_lee", sub="idp|1234")
    assert oidc_account(db, "idp|1234", "someone.else@clinic.example", True) == User("therapist", lee.id)


def test_a_linked_email_logs_in_case_blind_but_not_when_the_provider_says_it_is_unverified(db: Database) -> None:
    ann = add_patient(db, "Ann", email="Ann@Clinic.example")
    assert oidc_account(db, "unknown-sub", "ann@clinic.EXAMPLE", True) == User("patient", ann.id)
    assert oidc_account(db, "unknown-sub", "ann@clinic.example", None) == User("patient", ann.id)
    assert oidc_account(db, "unknown-sub", "ann@clinic.example", False) is None


def test_an_unlinked_login_is_refused_with_the_clinic_message_and_nothing_is_created(db: Database) -> None:
    add_therapist(db, "dr_lee", "a long password", email="lee@clinic.example")
    found = account_for_identity(db, {"is_logged_in": True, "sub": "new-person", "email": "new@clinic.example",
                                      "email_verified": True}, "login.clinic.example")
    assert isinstance(found, str)
    assert found.startswith("Your clinic account is not set up in Stretch Coach yet; ask your clinic")
    assert found == NOT_SET_UP.format(provider="login.clinic.example")
    assert oidc_account(db, "new-person", "new@clinic.example", True) is None  # still nobody


def test_a_patient_logged_in_by_sso_is_a_patient_who_sees_only_their_own_data(db: Database) -> None:
    lee = add_therapist(db, "dr_lee", "a long password")
    ann = add_patient(db, "Ann")
    bob = add_patient(db, "Bob")
    assign(db, lee.id, ann.id)
    assign(db, lee.id, bob.id)
    link_oidc(db, patient=ann.id, sub="ann-sub")
    user = account_for_identity(db, {"sub": "ann-sub"}, "idp")
    assert user == User("patient", ann.id)
    assert isinstance(user, User) and user.role != "therapist"
    assert visible_patient_ids(db, user) == {ann.id}


def test_one_email_or_subject_leads_to_one_account(db: Database) -> None:
    add_therapist(db, "dr_lee", "a long password", email="lee@clinic.example")
    ann = add_patient(db, "Ann")
    with pytest.raises(StoreError, match="already linked to therapist 'dr_lee'"):
        link_oidc(db, patient=ann.id, email="LEE@clinic.example")
    with pytest.raises(StoreError, match="already linked"):
        add_patient(db, "Eve", email="lee@clinic.example")
    link_oidc(db, patient=ann.id, sub="s1")
    with pytest.raises(StoreError, match="already linked to patient"):
        link_oidc(db, therapist="dr_lee", sub="s1")
    with pytest.raises(StoreError, match="not an e-mail address"):
        link_oidc(db, patient=ann.id, email="not-an-address")
    with pytest.raises(StoreError, match="no therapist 'nobody'"):
        link_oidc(db, therapist="nobody", sub="x")


def test_an_sso_only_therapist_has_no_password_login_and_counts_as_an_account(db: Database) -> None:
    assert not has_accounts(db)
    add_patient(db, "Ann", email="ann@clinic.example")
    assert has_accounts(db)  # a patient who logs in by single sign-on: pages ask who you are
    add_therapist(db, "dr_sso", None, email="sso@clinic.example")
    assert login(db, "dr_sso", "") is None
    assert login(db, "dr_sso", "anything at all") is None


def test_the_auth_secrets_offer_the_default_and_named_providers() -> None:
    provider = {"client_id": "c", "client_secret": "s",
                "server_metadata_url": "https://login.clinic.example/.well-known/openid-configuration"}
    assert providers_in({"redirect_uri": "http://x/oauth2callback", "cookie_secret": "k", **provider}) == [
        Provider(None, "login.clinic.example")]
    assert providers_in({"redirect_uri": "r", "cookie_secret": "k", "microsoft": provider}) == [
        Provider("microsoft", "Microsoft")]
    assert providers_in({"redirect_uri": "r", "cookie_secret": "k"}) == []


def test_the_migration_adds_the_links_to_an_existing_store_and_keeps_its_accounts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    with sqlite3.connect(tmp_path / "old.db") as raw:
        raw.execute("INSERT INTO therapists (username, password_hash, created_at) VALUES (?, ?, ?)",
                    ("dr_old", hash_password("an old password"), "2026-01-01 00:00:00"))
    db = open_database(url)  # upgrades to the newest revision
    try:
        lee = login(db, "dr_old", "an old password")
        assert lee is not None and lee.role == "therapist"
        link_oidc(db, therapist="dr_old", email="old@clinic.example")
        assert oidc_account(db, None, "old@clinic.example", True) == lee
        add_therapist(db, "dr_new", None, email="new@clinic.example")  # password now optional
    finally:
        db.close()
    with sqlite3.connect(tmp_path / "old.db") as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0002"


def test_the_command_line_links_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["therapist", "add", "dr_lee", "--email", "lee@clinic.example"]) == 0
    assert main(["therapist", "add", "dr_sso", "--sso-only"]) == 2
    assert "--sso-only needs --email" in capsys.readouterr().err
    assert main(["therapist", "add", "dr_sso", "--sso-only", "--email", "sso@clinic.example"]) == 0
    assert main(["patient", "add", "Ann", "--email", "ann@clinic.example"]) == 0
    assert main(["account", "link-oidc", "--therapist", "dr_lee", "--sub", "lee-sub"]) == 0
    assert "therapist 'dr_lee' can now log in" in capsys.readouterr().out
    assert main(["account", "link-oidc", "--patient", "1", "--email", "lee@clinic.example"]) == 2
    assert "already linked to therapist 'dr_lee'" in capsys.readouterr().err
    db = open_database(url)
    try:
        lee = oidc_account(db, "lee-sub", None)
        assert lee is not None and lee.role == "therapist"
        assert oidc_account(db, None, "ann@clinic.example") == User("patient", 1)
        assert oidc_account(db, None, "sso@clinic.example") is not None
        assert login(db, "dr_lee", "a long password") == lee  # the password still works too
    finally:
        db.close()
