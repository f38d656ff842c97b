"""Golden customers -> Tryton parties, golden products -> Tryton products, over JSON-RPC.

Natural keys (what makes a re-sent message a no-op): a party's ``code`` is the golden id (Tryton keeps party codes
unique in the database, so a retry that raced a create cannot make a second party); a party the ERP created
itself is found by the golden record's ``erp_account_number`` (its Tryton code) and updated in place, so a
customer that came from the ERP is not duplicated there. A product's code stays the SKU that ERP users and sale
lines rely on; the golden id is a product identifier ``steward:<id>``; a product the ERP created is found by SKU.
Each message is one read and at most one write (nested One2Many operations), so Tryton applies it whole or not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import Connector, ConnectorConfig, Message
from connectors.http import TransportError

from . import mapping
from .client import TrytonClient

UPSERT_KINDS = frozenset({"upserted", "unmerged", "consent_changed"})
PRODUCT_TYPES = ("goods", "service", "assets")
ALL = ("active", "in", [True, False])

PARTY_FIELDS = [
    "code",
    "name",
    "active",
    "replaced_by",
    "addresses.street",
    "addresses.postal_code",
    "addresses.city",
    "addresses.country",
    "contact_mechanisms.type",
    "contact_mechanisms.value",
]
PRODUCT_FIELDS = [
    "code",
    "active",
    "description",
    "replaced_by",
    "template",
    "template.name",
    "template.code",
    "template.active",
    "template.list_price",
    "identifiers.type",
    "identifiers.code",
]


def _permanent(message: str) -> TransportError:
    return TransportError(message, permanent=True)


def _nested(record: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """A dotted read answers One2Many sub-fields under ``"<field>."``."""
    return record.get(field + ".") or []


def _survivor_id(record: dict[str, Any], survivor: dict[str, Any] | None) -> int | None:
    """The id ``replaced_by`` may point at: only a survivor that is not itself replaced, so the links stay a tree
    (Tryton's Erase wizard follows them and would never end on a cycle)."""
    if survivor is None or survivor["id"] == record["id"] or survivor.get("replaced_by"):
        return None
    return survivor["id"]


class TrytonConnector(Connector):
    """Options: ``database`` (required), ``username`` (required), ``uom`` (symbol of the unit of measure new
    products get, default ``u``), ``product_type`` (goods/service/assets, default goods), ``language``. The
    secret is the user's password."""

    kind: ClassVar[str] = "tryton"
    label: ClassVar[str] = "ERP: Tryton JSON-RPC"

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        options = config.options
        self.client = TrytonClient(
            self.http,
            database=options.get("database", ""),
            username=options.get("username", ""),
            password=config.secret,
            language=options.get("language", "en"),
        )
        self.uom_symbol: str = options.get("uom") or "u"
        self.product_type: str = options.get("product_type") or "goods"
        self._countries: dict[str, int] = {}
        self._uom_id: int | None = None
        self._currency: str | None = None

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for name in ("database", "username"):
            if not isinstance(options.get(name), str) or not options[name].strip():
                errors[name] = ["Required: the Tryton database and the user Steward logs in as."]
        if options.get("product_type", "goods") not in PRODUCT_TYPES:
            errors["product_type"] = [f"One of {', '.join(PRODUCT_TYPES)}."]
        return errors

    def close(self) -> None:
        self.client.logout()
        super().close()

    def send_one(self, message: Message) -> str:
        self.client.correlation_id = message.correlation_id
        status = message.payload.get("status")
        if message.domain == "customer":
            if message.kind == "erased" or status == "erased":
                return self.party_erase(message)
            if message.kind == "merged" or status == "merged":
                return self.party_deactivate(message)
            if message.kind in UPSERT_KINDS:
                return self.party_upsert(message)
        elif message.domain == "product":
            if message.kind in ("merged", "erased") or status in ("merged", "erased"):
                return self.product_deactivate(message)
            if message.kind in UPSERT_KINDS:
                return self.product_upsert(message)
        raise _permanent(f"Tryton connector does not handle {message.event_type}")

    # Customers

    def party_find(
        self, golden_id: str, account: str | None = None, fields: list[str] | None = None
    ) -> dict[str, Any] | None:
        codes = [golden_id] + ([account] if account else [])
        found = self.client.search_read("party.party", [("code", "in", codes), ALL], fields or PARTY_FIELDS)
        # The party that carries the golden id wins over the ERP's own party with the account number.
        found.sort(key=lambda party: party["code"] != golden_id)
        return found[0] if found else None

    def party_upsert(self, message: Message) -> str:
        attributes = message.payload.get("attributes") or {}
        party = self.party_find(message.golden_id, attributes.get("erp_account_number"))
        address = mapping.address_values(attributes)
        if address and address["country"]:
            address["country"] = self.country_id(address["country"])
        contacts = mapping.contact_values(attributes)
        values = mapping.party_values(message.payload)
        if party is None:
            values.pop("replaced_by")
            values["code"] = message.golden_id
            values["addresses"] = mapping.plan_address([], address)  # [] also stops Tryton's default empty address
            values["contact_mechanisms"] = mapping.plan_contact_mechanisms([], contacts)
            (party_id,) = self.client.model("party.party", "create", [values])
            return str(party_id)
        update = mapping.changed(party, values)
        if ops := mapping.plan_address(_nested(party, "addresses"), address):
            update["addresses"] = ops
        if ops := mapping.plan_contact_mechanisms(_nested(party, "contact_mechanisms"), contacts):
            update["contact_mechanisms"] = ops
        if update:
            self.client.model("party.party", "write", [party["id"]], update)
        return str(party["id"])

    def party_deactivate(self, message: Message) -> str:
        """A merged-away customer: the party is deactivated and points at the survivor's party (Tryton's own
        ``replaced_by``, as its Replace wizard does) when the survivor is in Tryton already."""
        party = self.party_find(message.golden_id, fields=["code", "active", "replaced_by"])
        if party is None:
            return ""
        survivor_id = message.payload.get("merged_into")
        survivor = self.party_find(survivor_id, fields=["code", "replaced_by"]) if survivor_id else None
        replaced_by = _survivor_id(party, survivor)
        update = mapping.changed(party, {"active": False, "replaced_by": replaced_by})
        if update:
            self.client.model("party.party", "write", [party["id"]], update)
        return str(party["id"])

    def party_erase(self, message: Message) -> str:
        """Deactivate the party, then run Tryton's own Erase wizard (party.erase): it blanks the name, addresses,
        contact mechanisms and identifiers, their history, and the attachments and notes on them. The code (the
        golden id, not personal data) stays, so a re-sent erasure finds the party again."""
        party = self.party_find(message.golden_id, fields=["code", "active", "replaced_by"])
        if party is None:
            return ""
        if party["active"]:
            self.client.model("party.party", "write", [party["id"]], {"active": False})
        self.client.wizard("party.erase", "erase", {"ask": {"party": party["id"]}})
        return str(party["id"])

    def country_id(self, code: str) -> int:
        if code not in self._countries:
            found = self.client.search_read("country.country", [("code", "=", code)], ["code"], limit=1)
            if not found:
                raise _permanent(f"Tryton has no country {code!r}: import the countries (trytond_import_countries)")
            self._countries[code] = found[0]["id"]
        return self._countries[code]

    # Products

    def product_find(self, golden_id: str, sku: str | None = None) -> dict[str, Any] | None:
        found = self.client.search_read(
            "product.product", [("identifiers.code", "=", mapping.product_key(golden_id)), ALL], PRODUCT_FIELDS
        )
        if not found and sku:
            found = self.client.search_read("product.product", [("code", "=", sku)], PRODUCT_FIELDS, limit=1)
        return found[0] if found else None

    def product_upsert(self, message: Message) -> str:
        attributes = message.payload.get("attributes") or {}
        try:
            template = mapping.template_values(attributes)
        except ValueError as exc:
            raise _permanent(f"product {message.golden_id}: {exc}") from exc
        if "list_price" in template:
            self.check_currency(attributes.get("currency"))
        variant = mapping.variant_values(attributes)
        identifiers = mapping.identifier_values(message.golden_id, attributes)
        product = self.product_find(message.golden_id, template["code"])
        if product is None:
            variant.pop("replaced_by")
            variant["identifiers"] = mapping.plan_identifiers([], identifiers)
            template.update(type=self.product_type, default_uom=self.uom_id(), products=[["create", [variant]]])
            self.client.model("product.template", "create", [template])
            product = self.product_find(message.golden_id)
            if product is None:
                raise TransportError("product created but not found by its golden key", permanent=False)
            return str(product["id"])
        update = mapping.changed(product, variant)
        if ops := mapping.plan_identifiers(_nested(product, "identifiers"), identifiers):
            update["identifiers"] = ops
        template_update = mapping.changed(product.get("template.") or {}, template)
        if update:
            template_update["products"] = [["write", [product["id"]], update]]
        if template_update:
            self.client.model("product.template", "write", [product["template"]], template_update)
        return str(product["id"])

    def product_deactivate(self, message: Message) -> str:
        """A merged-away (or erased) product: the variant is deactivated, ``replaced_by`` the survivor's."""
        product = self.product_find(message.golden_id)
        if product is None:
            return ""
        survivor_id = message.payload.get("merged_into")
        survivor = self.product_find(survivor_id) if survivor_id else None
        replaced_by = _survivor_id(product, survivor)
        update = mapping.changed(product, {"active": False, "replaced_by": replaced_by})
        if update:
            self.client.model("product.product", "write", [product["id"]], update)
        return str(product["id"])

    def uom_id(self) -> int:
        if self._uom_id is None:
            found = self.client.search_read("product.uom", [("symbol", "=", self.uom_symbol)], ["symbol"], limit=1)
            if not found:
                raise _permanent(f"Tryton has no unit of measure with symbol {self.uom_symbol!r} (option 'uom')")
            self._uom_id = found[0]["id"]
        return self._uom_id

    def check_currency(self, currency: str | None) -> None:
        """Tryton keeps list prices in the company's currency: a price in another currency is refused rather than
        written as if it were the same money."""
        if self._currency is None:
            if not self.client.authorization:
                self.client.login()
            company = self.client.context.get("company")
            if not company:
                raise _permanent(f"Tryton user {self.client.username!r} has no current company: products need one")
            (row,) = self.client.model("company.company", "read", [company], ["currency.code"])
            self._currency = (row.get("currency.") or {}).get("code") or ""
        if currency and currency.upper() != self._currency:
            raise _permanent(f"price in {currency} but the Tryton company's currency is {self._currency}")
