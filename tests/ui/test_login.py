"""Signing in: repeated failures for a username from one address lock that pair out for a while (django-axes), the
page says so, and an administrator can lift the lock from the admin."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def limit(settings) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT


def _sign_in(username: str, password: str, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def test_repeated_failures_lock_the_username_at_that_address_and_the_page_says_so(steward):
    for _ in range(LIMIT - 1):
        answer = _sign_in("stella", "wrong")
        assert answer.status_code == 200 and "enter a correct username and password" in answer.content.decode()
    locked = _sign_in("stella", "wrong")
    assert locked.status_code == 429
    assert "stewardship/login.html" in [t.name for t in locked.templates]
    page = locked.content.decode()
    assert "Signing in as this user from your address is locked for 15 minutes" in page
    assert "An administrator can unlock it" in page
    assert int(locked["Retry-After"]) == 15 * 60
    # The right password does not get through while locked.
    assert _sign_in("stella", "pw-stella-123!").status_code == 429
    # Another address, or another username from this one, is not held up.
    assert _sign_in("stella", "pw-stella-123!", address="192.0.2.7").status_code == 302
    assert _sign_in("oscar", "wrong").status_code == 200


def test_the_admin_sign_in_is_locked_too(steward):
    client = Client()
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "stella", "password": "wrong"})
    assert client.post("/admin/login/", {"username": "stella", "password": "pw-stella-123!"}).status_code == 429


def test_an_administrator_unlocks_from_the_admin(steward):
    from axes.models import AccessAttempt

    for _ in range(LIMIT):
        _sign_in("stella", "wrong")
    assert _sign_in("stella", "pw-stella-123!").status_code == 429
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw-root-123!"))
    attempts = admin.get("/admin/axes/accessattempt/")
    assert attempts.status_code == 200 and "stella" in attempts.content.decode()
    attempt = AccessAttempt.objects.get(username="stella")
    assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert _sign_in("stella", "pw-stella-123!").status_code == 302


def test_a_lock_wears_off_after_the_cool_off(steward, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(LIMIT):
        _sign_in("stella", "wrong")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert _sign_in("stella", "pw-stella-123!").status_code == 302
