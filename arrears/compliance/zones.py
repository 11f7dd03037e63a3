"""Where the consumer may be: candidate IANA time zones from what we know. Pure (static data).

An explicit zone the consumer gave wins. Otherwise every postal address (by state, or by ZIP prefix in
states that span zones) and every geographic phone number (``phonenumbers`` time-zone data) adds its
zones, and the rules must hold in all of them. With no location at all, the four contiguous US zones
are used and the caller adds a ``LOCATION_UNKNOWN`` warning.
"""

from __future__ import annotations

from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arrears.debtors.domain import phone_zones

from .facts import Consumer

EASTERN, CENTRAL, MOUNTAIN, PACIFIC = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)
ARIZONA, ALASKA, ALEUTIAN, HAWAII = "America/Phoenix", "America/Anchorage", "America/Adak", "Pacific/Honolulu"
CONTIGUOUS_US = (EASTERN, CENTRAL, MOUNTAIN, PACIFIC)

# Every zone a state's territory lies in. States that span zones are narrowed by ZIP below.
STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (CENTRAL,), "AK": (ALASKA, ALEUTIAN), "AZ": (ARIZONA, MOUNTAIN), "AR": (CENTRAL,),
    "CA": (PACIFIC,), "CO": (MOUNTAIN,), "CT": (EASTERN,), "DE": (EASTERN,), "DC": (EASTERN,),
    "FL": (EASTERN, CENTRAL), "GA": (EASTERN,), "HI": (HAWAII,), "ID": (MOUNTAIN, PACIFIC),
    "IL": (CENTRAL,), "IN": (EASTERN, CENTRAL), "IA": (CENTRAL,), "KS": (CENTRAL, MOUNTAIN),
    "KY": (EASTERN, CENTRAL), "LA": (CENTRAL,), "ME": (EASTERN,), "MD": (EASTERN,), "MA": (EASTERN,),
    "MI": (EASTERN, CENTRAL), "MN": (CENTRAL,), "MS": (CENTRAL,), "MO": (CENTRAL,), "MT": (MOUNTAIN,),
    "NE": (CENTRAL, MOUNTAIN), "NV": (PACIFIC, MOUNTAIN), "NH": (EASTERN,), "NJ": (EASTERN,),
    "NM": (MOUNTAIN,), "NY": (EASTERN,), "NC": (EASTERN,), "ND": (CENTRAL, MOUNTAIN), "OH": (EASTERN,),
    "OK": (CENTRAL,), "OR": (PACIFIC, MOUNTAIN), "PA": (EASTERN,), "RI": (EASTERN,), "SC": (EASTERN,),
    "SD": (CENTRAL, MOUNTAIN), "TN": (EASTERN, CENTRAL), "TX": (CENTRAL, MOUNTAIN), "UT": (MOUNTAIN,),
    "VT": (EASTERN,), "VA": (EASTERN,), "WA": (PACIFIC,), "WV": (EASTERN,), "WI": (CENTRAL,),
    "WY": (MOUNTAIN,), "PR": ("America/Puerto_Rico",), "VI": ("America/St_Thomas",), "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",), "AS": ("Pacific/Pago_Pago",),
}  # fmt: skip

# In states that span zones: 3-digit ZIP prefixes that lie wholly in one zone. A prefix not listed keeps
# every zone of its state (the conservative answer), so only prefixes known to be single-zone appear.
ZIP3_ZONES: dict[str, tuple[str, ...]] = {
    # Florida: the western panhandle (Pensacola, Panama City area) is Central.
    **{p: (EASTERN,) for p in ("320", "321", "322", "323", "326", "327", "328", "329", "330", "331", "332",
                               "333", "334", "335", "336", "337", "338", "339", "341", "342", "344", "346",
                               "347", "349")},
    "325": (CENTRAL,),
    # Tennessee: East Tennessee is Eastern; Middle and West Tennessee are Central.
    **{p: (CENTRAL,) for p in ("370", "371", "372", "380", "381", "382", "383", "384", "385")},
    **{p: (EASTERN,) for p in ("376", "377", "378", "379")},
    # Kentucky: the western third is Central.
    **{p: (EASTERN,) for p in ("400", "401", "402", "403", "404", "405", "406", "407", "408", "409", "410",
                               "411", "412", "413", "414", "415", "416", "417", "418", "425", "426")},
    **{p: (CENTRAL,) for p in ("420", "421", "422", "423", "424")},
    # Indiana: the north-west (Gary) and south-west (Evansville) corners are Central.
    **{p: (EASTERN,) for p in ("460", "461", "462", "465", "466", "467", "468", "469", "470", "471", "472",
                               "473", "474", "478", "479")},
    **{p: (CENTRAL,) for p in ("463", "464", "476", "477")},
    # Michigan: only four Upper Peninsula counties (ZIP 498/499) are Central.
    **{p: (EASTERN,) for p in ("480", "481", "482", "483", "484", "485", "486", "487", "488", "489", "490",
                               "491", "492", "493", "494", "495", "496", "497")},
    # Texas: El Paso and Hudspeth counties are Mountain.
    **{p: (MOUNTAIN,) for p in ("798", "799", "885")},
    **{p: (CENTRAL,) for p in ("750", "751", "752", "753", "754", "755", "756", "757", "758", "759", "760",
                               "761", "762", "763", "764", "765", "766", "767", "768", "769", "770", "772",
                               "773", "774", "775", "776", "777", "778", "779", "780", "781", "782", "783",
                               "784", "785", "786", "787", "788", "789", "790", "791", "792", "793", "794",
                               "795", "796", "797")},
    # Kansas: four western counties (ZIP 677/678 area) are Mountain.
    **{p: (CENTRAL,) for p in ("660", "661", "662", "664", "665", "666", "667", "668", "669", "670", "671",
                               "672", "673", "674", "675", "676", "679")},
    # Nebraska: the panhandle is Mountain.
    **{p: (CENTRAL,) for p in ("680", "681", "683", "684", "685", "686", "687", "688", "689", "690")},
    "693": (MOUNTAIN,),
    # North Dakota: the south-west is Mountain.
    **{p: (CENTRAL,) for p in ("580", "581", "582", "583", "584", "587")},
    "586": (MOUNTAIN,),
    # South Dakota: west of the Missouri is mostly Mountain.
    **{p: (CENTRAL,) for p in ("570", "571", "572", "573", "574")},
    "577": (MOUNTAIN,),
    # Idaho: the panhandle north of the Salmon River is Pacific.
    **{p: (MOUNTAIN,) for p in ("832", "833", "834", "836", "837")},
    **{p: (PACIFIC,) for p in ("835", "838")},
    # Oregon: all but most of Malheur County (ZIP 979) is Pacific.
    **{p: (PACIFIC,) for p in ("970", "971", "972", "973", "974", "975", "976", "977", "978")},
    # Nevada: West Wendover (ZIP 898 area) is Mountain; the rest Pacific.
    **{p: (PACIFIC,) for p in ("889", "890", "891", "893", "894", "895", "897")},
    # Arizona does not observe DST, except the Navajo Nation (ZIP 860/865 area).
    **{p: (ARIZONA,) for p in ("850", "851", "852", "853", "855", "856", "857", "859", "863", "864")},
}  # fmt: skip

# 5-digit exceptions inside a prefix.
ZIP5_ZONES: dict[str, tuple[str, ...]] = {
    "99546": (ALEUTIAN,),  # Adak
    "99547": (ALEUTIAN,),  # Atka
    "89883": (MOUNTAIN,),  # West Wendover, NV
}


# Asked for at every decision. Bounded: the valid names are a few hundred, but a name comes from data.
@lru_cache(maxsize=1024)
def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def address_zones(*, country: str, state: str, postal_code: str) -> tuple[str, ...]:
    return _address_zones(country, state, postal_code)


# Bounded, and keyed by the few columns that decide, not by the consumer: a batch's consumers share
# their postal codes many times over.
@lru_cache(maxsize=65536)
def _address_zones(country: str, state: str, postal_code: str) -> tuple[str, ...]:
    country = (country or "US").upper()
    if country != "US":
        return country_zones(country)
    state = state.upper().strip()
    zip5 = "".join(ch for ch in postal_code if ch.isdigit())[:5]
    if zip5 in ZIP5_ZONES:
        return ZIP5_ZONES[zip5]
    state_zones = STATE_ZONES.get(state, ())
    narrowed = ZIP3_ZONES.get(zip5[:3]) if len(zip5) >= 3 else None
    # Trust the ZIP only when it agrees with the state (a mistyped ZIP must not widen the window).
    if narrowed and (not state_zones or set(narrowed) <= set(state_zones)):
        return narrowed
    if state_zones and state == "AK" and zip5:
        return (ALASKA,)
    return state_zones


@cache
def country_zones(country: str) -> tuple[str, ...]:
    """Zones of a country from the tz database's zone1970 table (bundled with ``tzdata``)."""
    from importlib import resources

    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone1970.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        return ()
    zones: list[str] = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        codes, _coords, zone = line.split("\t")[:3]
        if country in codes.split(","):
            zones.append(zone)
    return tuple(zones)


def candidate_zones(consumer: Consumer) -> tuple[tuple[str, ...], bool]:
    """(zones, location_known). Sorted for stable output.

    Kept on the consumer once worked out: the rules ask for one consumer's zones several times a
    decision. Not in a cache of this module's: a worker deciding for millions of consumers would keep
    every one of them."""
    found = consumer._zones
    if found is None:
        found = _candidate_zones(consumer)
        object.__setattr__(consumer, "_zones", found)  # a memo: not compared, hashed or shown
    return found


def _candidate_zones(consumer: Consumer) -> tuple[tuple[str, ...], bool]:
    if consumer.timezone:
        return (consumer.timezone,), True
    found: set[str] = set()
    for address in consumer.addresses:
        found.update(_address_zones(address.country, address.state, address.postal_code))
    for phone in consumer.phones:
        found.update(phone.zones if phone.zones is not None else phone_zones(phone.number))
    found = {z for z in found if valid_zone(z)}
    if not found:
        return CONTIGUOUS_US, False
    return tuple(sorted(found)), True


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
