"""Accounts for sign-in with a password: argon2 hashes, the first account an admin, throttled attempts, the CLI."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_accounts_hash_passwords_and_the_first_is_an_admin(data_dir):
    from assistant.services import accounts

    first = accounts.add_account("مریم", "گذرواژهٔ بلند ۱۲۳")
    second = accounts.add_account("sara@example.org", "another-long-one", admin=False)
    assert first.is_admin and not second.is_admin
    assert accounts.verify("مريم", "گذرواژهٔ بلند ۱۲۳") == first  # Arabic yeh typed: the same name
    assert accounts.verify("مریم", "wrong password") is None
    assert accounts.verify("nobody", "گذرواژهٔ بلند ۱۲۳") is None
    db = sqlite3.connect(data_dir / "dastyar.db")
    hashes = [row[0] for row in db.execute("SELECT password_hash FROM account")]
    db.close()
    assert all(h.startswith("$argon2id$") for h in hashes) and not any("بلند" in h for h in hashes)
    accounts.set_password("sara@example.org", "a-new-password")
    assert accounts.verify("sara@example.org", "a-new-password") == second
    assert accounts.verify("sara@example.org", "another-long-one") is None


@pytest.mark.parametrize("name,password,code", [
    ("ok-name", "short", "weak_password"), ("ok-name", "x" * 5000, "long_password"), ("bad name!", "long-enough-1", "bad_name"),
    ("", "long-enough-1", "bad_name"), ("a" * 65, "long-enough-1", "bad_name"), ("../../etc", "long-enough-1", "bad_name"),
])
def test_bad_names_and_passwords_are_refused_in_persian(name, password, code):
    from assistant.services import accounts

    with pytest.raises(accounts.AccountError) as caught:
        accounts.add_account(name, password)
    assert caught.value.code == code and any("\u0600" <= ch <= "\u06ff" for ch in caught.value.user_message)


def test_the_last_admin_stays_and_names_are_unique():
    from assistant.services import accounts

    accounts.add_account("admin1", "long-enough-1")
    with pytest.raises(accounts.AccountError, match="name_taken"):
        accounts.add_account("admin1", "long-enough-2")
    with pytest.raises(accounts.AccountError, match="last_admin"):
        accounts.remove_account("admin1")
    accounts.add_account("admin2", "long-enough-3", admin=True)
    accounts.remove_account("admin1")
    assert [a.name for a in accounts.list_accounts()] == ["admin2"]


def test_failed_attempts_wait_longer_each_time_and_a_success_clears_them():
    from assistant.services.accounts import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(limit=3, base=10.0, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_seconds("name:ali", "ip:1.2.3.4") == 0
        throttle.failed("name:ali", "ip:1.2.3.4")
    assert throttle.wait_seconds("name:ali") == pytest.approx(10.0)
    assert throttle.wait_seconds("ip:1.2.3.4", "name:other") == pytest.approx(10.0)  # the address waits too
    now[0] += 10.5
    throttle.failed("name:ali")
    assert throttle.wait_seconds("name:ali") == pytest.approx(20.0)
    throttle.succeeded("name:ali")
    assert throttle.wait_seconds("name:ali") == 0


def test_user_commands_from_the_shell():
    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "assistant.cli", "user", *args], cwd=ROOT, input=stdin,
                              capture_output=True, text=True, timeout=120)

    added = run("add", "علی", "--password-stdin", stdin="a-long-password\n")
    assert added.returncode == 0 and "مدیر" in added.stdout
    weak = run("add", "sara", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2 and "Traceback" not in weak.stderr and "گذرواژه" in weak.stderr
    assert run("add", "sara", "--password-stdin", stdin="another-long-one\n").returncode == 0
    listed = run("list", "--json")
    assert '"name": "sara", "role": "user"' in listed.stdout and "password" not in listed.stdout
    assert run("passwd", "sara", "--password-stdin", stdin="third-long-one\n").returncode == 0
    assert run("remove", "sara").returncode == 0
    assert run("remove", "علی").returncode == 2  # the last admin
