"""US states and the ZIP-code prefixes each one uses, and country-name aliases. Pure data.

ZIP prefixes: the first three digits of a ZIP code name a sectional center facility, and each
facility serves one state. Ranges follow the USPS list of 3-digit ZIP prefixes (USPS Publication 65,
"National Five-Digit ZIP Code and Post Office Directory"), military (AA/AE/AP) and territories included.
"""

from __future__ import annotations

_ZIP3_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "AL": ((350, 369),), "AK": ((995, 999),), "AZ": ((850, 865),), "AR": ((716, 729),),
    "CA": ((900, 961),), "CO": ((800, 816),), "CT": ((60, 69),), "DE": ((197, 199),),
    "DC": ((200, 200), (202, 205), (569, 569)), "FL": ((320, 349),), "GA": ((300, 319), (398, 399)),
    "HI": ((967, 968),), "ID": ((832, 838),), "IL": ((600, 629),), "IN": ((460, 479),),
    "IA": ((500, 528),), "KS": ((660, 679),), "KY": ((400, 427),), "LA": ((700, 714),),
    "ME": ((39, 49),), "MD": ((206, 219),), "MA": ((10, 27), (55, 55)), "MI": ((480, 499),),
    "MN": ((550, 567),), "MS": ((386, 397),), "MO": ((630, 658),), "MT": ((590, 599),),
    "NE": ((680, 693),), "NV": ((889, 898),), "NH": ((30, 38),), "NJ": ((70, 89),),
    "NM": ((870, 884),), "NY": ((5, 5), (63, 63), (100, 149)), "NC": ((270, 289),),
    "ND": ((580, 588),), "OH": ((430, 459),), "OK": ((730, 732), (734, 749)), "OR": ((970, 979),),
    "PA": ((150, 196),), "RI": ((28, 29),), "SC": ((290, 299),), "SD": ((570, 577),),
    "TN": ((370, 385),), "TX": ((733, 733), (750, 799), (885, 885)), "UT": ((840, 847),),
    "VT": ((50, 59),), "VA": ((201, 201), (220, 246)), "WA": ((980, 994),), "WV": ((247, 268),),
    "WI": ((530, 549),), "WY": ((820, 831),),
    "PR": ((6, 7), (9, 9)), "VI": ((8, 8),), "GU": ((969, 969),), "AS": ((967, 967),),
    "MP": ((969, 969),), "FM": ((969, 969),), "MH": ((969, 969),), "PW": ((969, 969),),
    "AA": ((340, 340),), "AE": ((90, 98),), "AP": ((962, 966),),
}  # fmt: skip

STATE_NAMES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "INDIANA": "IN",
    "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD",
    "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO",
    "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ",
    "NEW MEXICO": "NM", "NEW YORK": "NY", "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH",
    "OKLAHOMA": "OK", "OREGON": "OR", "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC",
    "SOUTH DAKOTA": "SD", "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT",
    "VIRGINIA": "VA", "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "PUERTO RICO": "PR", "GUAM": "GU", "VIRGIN ISLANDS": "VI", "AMERICAN SAMOA": "AS",
    "NORTHERN MARIANA ISLANDS": "MP",
}  # fmt: skip

COUNTRY_ALIASES: dict[str, str] = {
    "USA": "US", "U.S.": "US", "U.S.A.": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US",
    "UK": "GB", "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB",
    "WALES": "GB", "CANADA": "CA", "AUSTRALIA": "AU", "NEW ZEALAND": "NZ", "IRELAND": "IE",
    "GERMANY": "DE", "FRANCE": "FR", "MEXICO": "MX", "SPAIN": "ES", "ITALY": "IT", "NETHERLANDS": "NL",
}  # fmt: skip

US_STATES = frozenset(_ZIP3_RANGES)


def state_code(raw: str) -> str | None:
    """Two-letter USPS code for a state given by code or name, or None."""
    text = " ".join(raw.replace(".", " ").split()).upper()
    if text in US_STATES:
        return text
    return STATE_NAMES.get(text)


def zip_matches_state(zip5: str, state: str) -> bool:
    prefix = int(zip5[:3])
    return any(lo <= prefix <= hi for lo, hi in _ZIP3_RANGES.get(state, ()))


def country_code(raw: str) -> str | None:
    text = " ".join(raw.split()).upper()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text
    return COUNTRY_ALIASES.get(text)
