"""The Django admin: every model listed, golden records with their sources and history, rules editable."""

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import User
from django.urls import reverse

from stewardship import services
from stewardship.models import ApiKey, GoldenRecord, OwnershipRule
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-root-123!"))
    return client


@pytest.fixture
def golden(source_cdp, source_erp, push) -> GoldenRecord:
    push(source_cdp, "cdp", record("C1", given_name="Ann", family_name="Lee", email="ann@example.com"))
    push(
        source_erp,
        "erp",
        record("E1", given_name="ANN", family_name="Lee", email="ann@example.com", erp_account_number="ACC-7"),
    )
    return GoldenRecord.objects.get()


def test_every_model_has_a_working_changelist(superuser_client, golden):
    for model in site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert superuser_client.get(url).status_code == 200, url
        assert superuser_client.get(url, {"q": "lee"}).status_code == 200, url


def test_a_golden_record_shows_its_sources_and_history_read_only(superuser_client, golden):
    response = superuser_client.get(reverse("admin:stewardship_goldenrecord_change", args=[golden.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "C1" in body and "E1" in body and "ACC-7" in body
    assert "ingest" in body
    assert 'name="_save"' not in body  # nothing to save: master data changes only through services


def test_golden_records_cannot_be_added_or_deleted_in_the_admin(superuser_client, golden):
    assert superuser_client.get(reverse("admin:stewardship_goldenrecord_add")).status_code == 403
    assert superuser_client.get(reverse("admin:stewardship_goldenrecord_delete", args=[golden.pk])).status_code == 403


def test_ownership_rules_are_editable_and_recompute_on_request(superuser_client, golden):
    rule = OwnershipRule.objects.get(domain="customer", attribute="family_name")
    url = reverse("admin:stewardship_ownershiprule_change", args=[rule.pk])
    response = superuser_client.post(
        url,
        {"domain": "customer", "attribute": "family_name", "owners": '["erp"]', "fallback": "none", "governed": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.owners == ["erp"]
    assert golden.attributes["given_name"] == "Ann"
    given_rule = OwnershipRule.objects.get(domain="customer", attribute="given_name")
    given_rule.owners = ["erp"]
    given_rule.save()
    superuser_client.post(
        reverse("admin:stewardship_ownershiprule_changelist"),
        {"action": "recompute_golden_records", "_selected_action": [given_rule.pk]},
    )
    golden.refresh_from_db()
    assert golden.attributes["given_name"] == "ANN"
    assert golden.provenance["given_name"]["source"] == "erp"
    latest = golden.versions.first()
    assert latest.reason == "rule" and latest.actor_user.username == "root"
    assert latest.changes == {"given_name": {"before": "Ann", "after": "ANN"}}


def test_an_unknown_attribute_in_a_rule_is_refused(superuser_client):
    response = superuser_client.post(
        reverse("admin:stewardship_ownershiprule_add"),
        {"domain": "customer", "attribute": "shoe_size", "owners": '["erp"]', "fallback": "none"},
    )
    assert response.status_code == 200
    assert "Not an attribute of customer" in response.content.decode()


def test_issuing_a_key_from_the_admin_shows_it_once(superuser_client):
    from stewardship.models import SourceSystem

    source = SourceSystem.objects.get(code="loyalty")
    response = superuser_client.post(
        reverse("admin:stewardship_sourcesystem_changelist"),
        {"action": "issue_api_key", "_selected_action": [source.pk]},
        follow=True,
    )
    key = next(m.message.split(": ")[-1] for m in response.context["messages"])
    api_key = ApiKey.objects.get(source=source)
    assert api_key.digest == ApiKey.hash(key)
    assert (
        key not in superuser_client.get(reverse("admin:stewardship_apikey_change", args=[api_key.pk])).content.decode()
    )


def test_rule_recompute_service_counts_changes(golden):
    OwnershipRule.objects.filter(domain="customer", attribute="email").update(owners=["erp"])
    assert services.ownership_rules_apply(domain="customer") == 0  # same value, only provenance moves
    golden.refresh_from_db()
    assert golden.provenance["email"]["source"] == "erp"


def test_match_thresholds_are_editable_and_validated(superuser_client):
    from stewardship.models import MatchSettings

    settings_row = MatchSettings.objects.get(domain="customer")
    url = reverse("admin:stewardship_matchsettings_change", args=[settings_row.pk])
    bad = superuser_client.post(
        url, {"domain": "customer", "auto_link": "0.8", "review": "0.9", "max_block_size": "100"}
    )
    assert bad.status_code == 200 and "review &lt; auto_link" in bad.content.decode()
    good = superuser_client.post(
        url, {"domain": "customer", "auto_link": "0.95", "review": "0.75", "max_block_size": "100"}
    )
    assert good.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.auto_link, settings_row.review) == (0.95, 0.75)


def test_the_admin_shows_api_tokens_by_their_prefix_only(superuser_client, steward):
    from django.contrib.admin.models import LogEntry
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=steward)
    listing = superuser_client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
    assert token.key[:8] in listing and token.key not in listing
    change_url = reverse("admin:authtoken_tokenproxy_change", args=[steward.pk])
    page = superuser_client.get(change_url).content.decode()
    assert token.key[:8] in page and token.key not in page
    superuser_client.post(change_url, {"user": steward.pk})
    assert token.key not in " ".join(LogEntry.objects.values_list("object_repr", flat=True))


def test_a_token_added_in_the_admin_is_shown_once(superuser_client, steward):
    from rest_framework.authtoken.models import Token

    response = superuser_client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": steward.pk}, follow=True)
    key = Token.objects.get(user=steward).key
    assert key in response.content.decode()  # the message after adding: copy it now
    assert key not in superuser_client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
