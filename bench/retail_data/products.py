"""Generated products: a catalogue of brands' product families (sizes, colours, sibling lines), each product as the
ERP and the web shop describe it, with its GTIN written as each system writes it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, NamedTuple

from .common import SourceRecord, ascii_only, email_part, typo


class _ProductType(NamedTuple):
    base: str
    erp_name: str  # how the ERP abbreviates it
    erp_category: str
    shop_category: str
    size_kind: str  # the unit its sizes are in (see _size_text)
    sizes: list[Any]
    colours: list[str]
    modifiers: list[str]  # sibling lines of one brand ("" is the plain line): Cola, Cola Zero, Cola Cherry


# base|ERP name|ERP category|shop category|size unit|sizes|colours|sibling lines (comma-separated, "" = plain)
_PRODUCT_TABLE = """
Cola|COLA|Beverages > Soft drinks|Drinks/Soft drinks|ml|330 500 1000 1500||,Zero,Cherry
Orange Juice|ORANGE JUICE|Beverages > Juices|Drinks/Juices|ml|250 1000 1500||,with pulp
Apple Juice|APPLE JUICE|Beverages > Juices|Drinks/Juices|ml|1000 1500||,cloudy
Sparkling Mineral Water|MINERAL WATER SPARKLING|Beverages > Water|Drinks/Water|ml|500 750 1000 1500||,Medium
Iced Tea|ICED TEA|Beverages > Soft drinks|Drinks/Soft drinks|ml|500 1500||Peach,Lemon
Energy Drink|ENERGY DRINK|Beverages > Soft drinks|Drinks/Energy|ml|250 500||,Sugarfree
Oat Drink|OAT DRINK|Dairy > Alternatives|Fridge/Plant drinks|ml|1000||,Barista
Whole Milk|MILK 3.5%|Dairy > Milk|Fridge/Milk|ml|500 1000||,lactose free
Olive Oil Extra Virgin|OLIVE OIL EV|Grocery > Oils|Pantry/Oil & vinegar|ml|500 750 1000||
Balsamic Vinegar|BALSAMIC VIN|Grocery > Oils|Pantry/Oil & vinegar|ml|250 500||
Shampoo|SHAMPOO|Drugstore > Hair|Beauty/Hair care|ml|250 400||Repair,Volume,Anti-dandruff
Shower Gel|SHOWER GEL|Drugstore > Body|Beauty/Body care|ml|250 500||Sensitive,Sport
Liquid Detergent|LIQUID DETERGENT|Household > Laundry|Home/Laundry|ml|1500 3000||Color,Universal
Dish Soap|DISH SOAP|Household > Kitchen|Home/Cleaning|ml|500 1000||Lemon,Sensitive
Basmati Rice|BASMATI RICE|Grocery > Rice|Pantry/Rice & grains|g|500 1000 2000 5000||
Spaghetti|SPAGHETTI|Grocery > Pasta|Pantry/Pasta|g|500 1000||,wholewheat
Fusilli|FUSILLI|Grocery > Pasta|Pantry/Pasta|g|500 1000||
Ground Coffee|GROUND COFFEE|Grocery > Coffee|Pantry/Coffee & tea|g|250 500 1000||Espresso,Crema,Decaf
Coffee Beans|COFFEE BEANS|Grocery > Coffee|Pantry/Coffee & tea|g|500 1000||Espresso,Crema
Peanut Butter|PEANUT BUTTER|Grocery > Spreads|Pantry/Spreads|g|350 500||Crunchy,Smooth
Dark Chocolate 70%|DARK CHOC 70%|Grocery > Sweets|Pantry/Chocolate|g|100 200||,Sea salt
Muesli|MUESLI|Grocery > Breakfast|Pantry/Breakfast|g|500 750||Crunchy,Fruit
Dog Food|DOG FOOD|Pet > Dog|Pets/Dog food|g|400 800 2000||Chicken,Beef
T-Shirt Organic Cotton|T-SHIRT ORG COTTON|Apparel > Tops|Fashion/T-shirts|apparel|S M L XL|white black navy grey|,V-Neck
Hoodie|HOODIE|Apparel > Tops|Fashion/Sweatshirts|apparel|S M L XL|black grey navy green|Classic,Zip
Rain Jacket|RAIN JACKET|Apparel > Outerwear|Fashion/Jackets|apparel|S M L XL|yellow navy red|
Running Shoes|RUNNING SHOES|Footwear > Sport|Shoes/Running|shoe|40 41 42 43 44 45|black blue grey|,Trail
Running Socks 3-Pack|RUN SOCKS 3PK|Apparel > Socks|Fashion/Socks|socks|39-42 43-46|black white|
Wool Beanie|WOOL BEANIE|Apparel > Accessories|Fashion/Hats|none|-|red grey navy black|
Ceramic Mug|CERAMIC MUG|Home > Kitchen|Home/Tableware|ml|350|white blue green sand|
Bath Towel|BATH TOWEL|Home > Textiles|Home/Bathroom|dims|50x100 70x140|white grey blue|
Frying Pan Non-Stick|FRY PAN NON-STICK|Home > Kitchen|Home/Cookware|cm|24 28||
Storage Box|STORAGE BOX|Home > Storage|Home/Storage|litre|10 25 45||
LED Bulb E27|LED BULB E27|Home > Lighting|Home/Lighting|lm|470 806 1055||,warm white
USB-C Cable|USB-C CABLE|Electronics > Cables|Tech/Cables|m|1 2|black white|
Power Bank|POWER BANK|Electronics > Power|Tech/Power|mah|10000 20000|black white|
AA Batteries Alkaline|BATT AA ALK|Electronics > Power|Tech/Batteries|pack|4 8 12||
"""


def _size(kind: str, text: str) -> Any:
    if kind in ("apparel", "socks"):
        return text
    if kind == "dims":
        return tuple(int(side) for side in text.split("x"))
    return int(text)


def _product_types() -> list[_ProductType]:
    types = []
    for line in _PRODUCT_TABLE.strip().splitlines():
        base, erp_name, erp_category, shop_category, kind, sizes, colours, modifiers = (
            part.strip() for part in line.split("|")
        )
        types.append(
            _ProductType(
                base,
                erp_name,
                erp_category,
                shop_category,
                kind,
                [None] if kind == "none" else [_size(kind, text) for text in sizes.split()],
                colours.split(),
                [m.strip() for m in modifiers.split(",")],
            )
        )
    return types


_PRODUCT_TYPES = _product_types()
# price range of the smallest size, by the unit a product is sold in (groceries by volume or weight are cheap)
_PRICES = {"ml": (0.5, 9.0), "g": (0.8, 12.0), "apparel": (9.0, 79.0), "shoe": (39.0, 149.0), "dims": (9.0, 49.0)}
# brand, its spellings in other systems, GS1 prefix (country of the brand owner; "0" = US/Canada, UPC-A)
_BRANDS: list[tuple[str, list[str], str]] = [
    ("Fizz-Co", ["Fizz Co", "FizzCo"], "40"),
    ("Bergquell", ["Bergquell"], "40"),
    ("Alpenhof", ["Alpenhof"], "40"),
    ("Sonnenfeld", ["Sonnenfeld Bio"], "42"),
    ("Nordic Home", ["Nordic-Home", "NordicHome"], "57"),
    ("Casa Verde", ["CasaVerde"], "80"),
    ("Urban Trail", ["Urban-Trail", "UrbanTrail"], "50"),
    ("Petit Jardin", ["Le Petit Jardin"], "30"),
    ("Blue Harbor", ["Blue Harbour", "BlueHarbor"], "0"),
    ("Maison Dorée", ["Maison Doree"], "34"),
    ("Green & Co", ["Green and Co", "Green & Co."], "50"),
    ("TerraNova", ["Terra Nova"], "80"),
    ("K2 Outdoor", ["K2"], "0"),
    ("Lumen+", ["Lumen Plus", "Lumen"], "0"),
    ("Dr. Sommer", ["Dr Sommer", "Doktor Sommer"], "40"),
    ("L'Arbre", ["L Arbre", "LArbre"], "37"),
    ("Hafenkind", ["Hafenkind"], "42"),
    ("Polarstern", ["Polar Stern"], "40"),
    ("Vitaly", ["Vitaly"], "30"),
    ("Oakwood", ["Oak Wood", "Oakwood Home"], "50"),
    ("Brightside", ["Bright Side"], "0"),
    ("Kaffeerösterei Nord", ["Kaffeeroesterei Nord", "Rösterei Nord"], "40"),
    ("Sol y Mar", ["Sol-y-Mar", "Solymar"], "84"),
    ("Miller's", ["Millers", "Miller's Kitchen"], "50"),
    ("Eko", ["EKO", "Eko Organic"], "59"),
]
_COLOUR_SPELLINGS = {
    "grey": ["grey", "Grey", "gray", "Gray"],
    "navy": ["navy", "Navy", "navy blue", "Navy Blue"],
}
_APPAREL_SIZES = {"S": ["S", "Small", "size S"], "M": ["M", "Medium", "size M"], "L": ["L", "Large", "size L"]}
_APPAREL_SIZES["XL"] = ["XL", "X-Large", "Extra Large", "size XL"]


def _gtin_check(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def _size_text(rng: random.Random, kind: str, value: Any, *, erp: bool) -> tuple[str, bool]:
    """(the size as written, whether a unit other than the ERP's was chosen)."""
    if kind == "ml":
        litres = f"{value / 1000:g}"
        if erp:
            return (f"{litres.replace('.', ',')}L" if value >= 1000 else f"{value}ML"), False
        in_ml = [f"{value} ml", f"{value}ml"]
        in_l = [f"{litres} L", f"{litres.replace('.', ',')} l", f"{litres}l"]
        if value >= 1000:
            in_l.append(f"{litres} litre" + ("s" if value > 1000 else ""))
        in_cl = [f"{value // 10} cl"] if value % 10 == 0 and value < 1000 else []
        same, other = (in_l, in_ml + in_cl) if value >= 1000 else (in_ml, in_l + in_cl)
        return (rng.choice(same), False) if rng.random() < 0.5 else (rng.choice(other), True)
    if kind == "g":
        kg = f"{value / 1000:g}"
        if erp:
            return (f"{kg.replace('.', ',')}KG" if value >= 1000 else f"{value}G"), False
        same = [f"{kg} kg", f"{kg}kg"] if value >= 1000 else [f"{value} g", f"{value}g"]
        other = [f"{value} g", f"{value}g"] if value >= 1000 else [f"{kg} kg", f"{kg.replace('.', ',')} kg"]
        return (rng.choice(same), False) if rng.random() < 0.6 else (rng.choice(other), True)
    if kind == "litre":
        return (f"{value}L", False) if erp else (rng.choice([f"{value} L", f"{value} litres", f"{value}l"]), False)
    if kind == "cm":
        return (f"{value}CM", False) if erp else (rng.choice([f"{value} cm", f"{value}cm", f"Ø {value} cm"]), False)
    if kind == "m":
        if erp:
            return f"{value}M", False
        return (rng.choice([f"{value} m", f"{value}m"]), False) if rng.random() < 0.7 else (f"{value * 100} cm", True)
    if kind == "lm":
        return (f"{value}LM", False) if erp else (rng.choice([f"{value} lm", f"{value}lm", f"{value} lumen"]), False)
    if kind == "mah":
        if erp:
            return f"{value}MAH", False
        return rng.choice([f"{value} mAh", f"{value:,} mAh", f"{value // 1000} 000 mAh", f"{value}mAh"]), False
    if kind == "pack":
        return (
            (f"{value}ST", False) if erp else (rng.choice([f"{value}-pack", f"pack of {value}", f"{value} pcs"]), False)
        )
    if kind == "dims":
        w, h = value
        return (f"{w}X{h}", False) if erp else (rng.choice([f"{w}x{h} cm", f"{w} x {h} cm", f"{w}×{h}cm"]), False)
    if kind == "apparel":
        return (f"GR {value}", False) if erp else (rng.choice(_APPAREL_SIZES[value]), False)
    if kind == "shoe":
        return (f"GR {value}", False) if erp else (rng.choice([f"{value}", f"EU {value}", f"size {value}"]), False)
    if kind == "socks":
        return (f"GR {value}", False) if erp else (rng.choice([f"{value}", f"size {value}", f"EU {value}"]), False)
    return "", False


@dataclass
class _Item:
    id: str
    family: str
    brand: int
    ptype: int  # index in _PRODUCT_TYPES
    modifier: str
    size: Any
    colour: str | None
    gtin13: str
    price: float


def _catalogue(rng: random.Random, target_records: int) -> list[_Item]:
    items: list[_Item] = []
    lines = [(brand, ptype) for brand in range(len(_BRANDS)) for ptype in range(len(_PRODUCT_TYPES))]
    rng.shuffle(lines)
    item_refs: dict[int, int] = {}
    companies: dict[int, str] = {}
    for brand, ptype in lines:
        if len(items) * 1.75 >= target_records:  # about 1.7 records per product (ERP 90%, shop 75%, listed twice)
            break
        sizes, colours, modifiers = (
            _PRODUCT_TYPES[ptype].sizes,
            _PRODUCT_TYPES[ptype].colours,
            _PRODUCT_TYPES[ptype].modifiers,
        )
        while brand not in companies:  # a GS1 company prefix: prefix of the brand's country, 7 digits in all
            prefix = _BRANDS[brand][2]
            company = prefix + "".join(str(rng.randrange(10)) for _ in range(7 - len(prefix)))
            if company not in companies.values():
                companies[brand] = company
        family = f"F{brand:02d}-{ptype:02d}"
        chosen_modifiers = rng.sample(modifiers, k=rng.randint(1, len(modifiers)))
        for modifier in chosen_modifiers:
            chosen_sizes = sorted(rng.sample(sizes, k=rng.randint(min(2, len(sizes)), len(sizes))), key=str)
            chosen_colours = (
                rng.sample(colours, k=rng.randint(min(2, len(colours)), len(colours))) if colours else [None]
            )
            base_price = round(rng.uniform(*_PRICES.get(_PRODUCT_TYPES[ptype].size_kind, (3.0, 30.0))), 2)
            for size in chosen_sizes:
                for colour in chosen_colours:
                    ref = item_refs.get(brand, rng.randrange(100, 900)) + rng.randint(1, 7)
                    item_refs[brand] = ref
                    body = companies[brand] + f"{ref:05d}"
                    price = round(base_price * (1 + 0.3 * chosen_sizes.index(size)), 2)
                    gtin13 = body + _gtin_check(body)
                    items.append(_Item(f"G{gtin13}", family, brand, ptype, modifier, size, colour, gtin13, price))
    return items


class _ProductFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.skus = 0
        self.slugs = 0

    def erp(self, item: _Item, family_size: int) -> SourceRecord:
        rng = self.rng
        pt = _PRODUCT_TYPES[item.ptype]
        brand = _BRANDS[item.brand][0]
        size, _ = _size_text(rng, pt.size_kind, item.size, erp=True)
        words = [ascii_only(brand).upper(), pt.erp_name, item.modifier.upper(), size, (item.colour or "").upper()]
        self.skus += 1
        cases = {"variant"} if family_size > 1 else set()
        attrs: dict[str, Any] = {
            "sku": f"{100000 + self.skus * 13}",
            "name": " ".join(w for w in words if w),
            "brand": brand,
            "category": pt.erp_category,
            "price": f"{item.price:.2f}",
            "currency": "EUR",
        }
        roll = rng.random()
        if roll < 0.05:
            cases.add("gtin_missing")
        elif roll < 0.15:
            attrs["gtin"] = "0" + item.gtin13
            cases.add("gtin_format")
        else:
            attrs["gtin"] = item.gtin13
        return SourceRecord("erp", attrs["sku"], item.id, item.family, tuple(sorted(cases)), attrs)

    def shop(self, item: _Item, family_size: int, *, again: bool) -> SourceRecord:
        rng = self.rng
        pt = _PRODUCT_TYPES[item.ptype]
        brand_name, spellings, _ = _BRANDS[item.brand]
        cases = {"variant"} if family_size > 1 else set()
        if again:
            cases.add("same_source")
        brand = brand_name
        if rng.random() < 0.25:
            brand = rng.choice(spellings)
            cases.add("brand_variant")
        size, converted = _size_text(rng, pt.size_kind, item.size, erp=False)
        if converted:
            cases.add("unit_variant")
        colour = item.colour and rng.choice(_COLOUR_SPELLINGS.get(item.colour, [item.colour, item.colour.capitalize()]))
        product = " ".join(w for w in [pt.base, item.modifier] if w)
        if rng.random() < 0.3 and "-" in brand:
            brand_in_title = brand.replace("-", " ")
        else:
            brand_in_title = brand
        style = rng.random()
        detail = ", ".join(w for w in [colour, size] if w)
        if style < 0.4:
            name = f"{brand_in_title} {product} {detail}".replace(",", "")
        elif style < 0.7:
            name = f"{product} – {detail} | {brand_in_title}" if detail else f"{product} | {brand_in_title}"
        elif style < 0.9:
            name = f"{brand_in_title} {product} ({detail})" if detail else f"{brand_in_title} {product}"
        else:
            name = f"{product} {detail}".replace(",", "")  # brand only in its own field
        if rng.random() < 0.03:
            name = typo(rng, name)
        self.slugs += 1
        slug = "-".join(email_part(w) for w in name.split() if email_part(w))[:60]
        price = item.price if rng.random() < 0.7 else round(item.price * rng.uniform(0.75, 0.95), 2)
        attrs: dict[str, Any] = {
            "sku": f"SHOP-{self.slugs:06d}",
            "name": " ".join(name.split()),
            "brand": brand,
            "category": pt.shop_category,
            "price": f"{price:.2f}",
            "currency": "EUR",
            "description": f"{product} by {brand_name}. {detail.capitalize() or 'One size'}. Free returns in 30 days.",
            "image_url": f"https://cdn.shop.example/p/{slug}.jpg",
        }
        roll = rng.random()
        if roll < 0.1:
            cases.add("gtin_missing")
        elif roll < 0.14:
            digits = list(item.gtin13)
            i = rng.randrange(1, 12)
            digits[i] = str((int(digits[i]) + rng.randint(1, 9)) % 10)
            attrs["gtin"] = "".join(digits)
            cases.add("gtin_typo")
        elif item.gtin13.startswith("0") and roll < 0.6:
            attrs["gtin"] = item.gtin13[1:]  # UPC-A
            cases.add("gtin_format")
        elif roll < 0.3:
            attrs["gtin"] = "0" + item.gtin13
            cases.add("gtin_format")
        else:
            attrs["gtin"] = item.gtin13
        for name_ in ("brand", "category"):
            if rng.random() < 0.06:
                del attrs[name_]
                cases.add("missing")
        return SourceRecord("commerce", attrs["sku"], item.id, item.family, tuple(sorted(cases)), attrs)


def products(rng: random.Random, count: int) -> list[SourceRecord]:
    items = _catalogue(rng, count)
    family_sizes: dict[str, int] = {}
    for item in items:
        family_sizes[item.family] = family_sizes.get(item.family, 0) + 1
    factory = _ProductFactory(rng)
    records: list[SourceRecord] = []
    for item in items:
        size = family_sizes[item.family]
        in_erp, in_shop = rng.random() < 0.9, rng.random() < 0.75
        if not (in_erp or in_shop):
            in_erp = True
        if in_erp:
            records.append(factory.erp(item, size))
        if in_shop:
            records.append(factory.shop(item, size, again=False))
            if rng.random() < 0.04:
                records.append(factory.shop(item, size, again=True))
    rng.shuffle(records)
    return records[:count]
