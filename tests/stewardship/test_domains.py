"""Reading attributes: errors reject a record, warnings keep the value but keep it out of survivorship."""

import re
from datetime import UTC, datetime

import pytest

from stewardship import domains


def test_it_reads_and_standardises_customer_values():
    read = domains.read_attributes(
        "customer",
        {"given_name": "  Anne  Marie ", "email": "Anne@Example.COM", "phone": "020 7946 0958", "country": "gb"},
    )
    assert read.errors == {} and read.warnings == {}
    assert read.values["given_name"] == "Anne Marie"
    assert read.values["country"] == "GB"
    assert read.usable["phone"] == "+442079460958"
    assert read.usable["email"] == "anne@example.com"
    assert read.values["email"] == "Anne@Example.COM"  # kept as sent


def test_unreadable_values_are_errors():
    read = domains.read_attributes(
        "customer", {"shoe_size": 42, "given_name": 7, "birth_date": "31/12/1990", "country": "UK"}
    )
    assert set(read.errors) == {"shoe_size", "given_name", "birth_date", "country"}


def test_quality_failures_are_warnings_and_not_usable():
    read = domains.read_attributes("customer", {"email": "not-an-address", "phone": "12345", "country": "FR"})
    assert read.errors == {}
    assert set(read.warnings) == {"email", "phone"}
    assert "for country FR" in read.warnings["phone"][0]
    assert read.values["email"] == "not-an-address"
    assert "email" not in read.usable and "phone" not in read.usable


def test_a_birth_date_of_the_right_shape_that_is_no_date_is_a_slip_for_matching_only():
    for value in ("1990-02-30", "1990-13-05", "2990-01-01", "1850-06-01"):
        read = domains.read_attributes("customer", {"birth_date": value})
        assert read.errors == {} and set(read.warnings) == {"birth_date"}, value
        assert "birth_date" not in read.usable and read.matchable == {"birth_date": value}
    placeholder = domains.read_attributes("customer", {"birth_date": "1900-01-01"})
    assert set(placeholder.warnings) == {"birth_date"} and placeholder.matchable == {}  # no evidence at all


def test_gtin_check_digit():
    assert domains.read_attributes("product", {"gtin": "4006381333931"}).warnings == {}
    slip = domains.read_attributes("product", {"gtin": "4006381333932"})
    assert slip.warnings == {"gtin": ["GTIN check digit is wrong."]}
    assert "gtin" not in slip.usable and slip.matchable == {"gtin": "4006381333932"}  # compared as a slip
    short = domains.read_attributes("product", {"gtin": "4006381"})
    assert set(short.warnings) == {"gtin"} and short.matchable == {}  # not a GTIN at all
    assert domains.gtin_check_digit_ok("96385074")  # GTIN-8


def test_price_and_points_types():
    assert domains.read_attributes("product", {"price": "12.5"}).values["price"] == "12.50"
    assert "price" in domains.read_attributes("product", {"price": "twelve"}).errors
    assert "loyalty_points" in domains.read_attributes("customer", {"loyalty_points": True}).errors


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-31T23:00:00-05:00", "Out of range: from 1900-01-01 to now."),  # past year 9999 in UTC
        ("0001-01-01T00:00:00+05:00", "Out of range: from 1900-01-01 to now."),  # before year 1 in UTC
        ("1899-12-31T23:59:59Z", "Out of range: from 1900-01-01 to now."),
        ("3000-01-01T00:00:00Z", "In the future."),
    ],
)
def test_a_timestamp_is_read_from_1900_to_now(value, message):
    latest = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(domains.Unreadable, match=re.escape(message)):
        domains.parse_timestamp(value, latest=latest)
    assert domains.parse_timestamp("1900-01-01T00:00:00Z", latest=latest).year == 1900
    assert domains.parse_timestamp("2026-06-01T02:00:00+02:00", latest=latest) == latest


@pytest.mark.parametrize("value", [10**15, -(10**15), int("9" * 4000), "1" * 16, "\u0663", "１２"])
def test_an_integer_has_at_most_15_digits_however_it_is_sent(value):
    assert domains.read_attributes("customer", {"loyalty_points": value}).errors == {
        "loyalty_points": ["Must be an integer."]
    }
    assert domains.read_attributes("customer", {"loyalty_points": 10**15 - 1}).values["loyalty_points"] == 10**15 - 1
