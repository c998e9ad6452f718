"""US geography used by the seed and the supply tools: regions, warehouses, ZIP prefixes."""

from __future__ import annotations

import math

# Six fulfilment regions; every state (and DC) belongs to one.
STATE_REGION: dict[str, str] = {
    **dict.fromkeys(["WA", "OR", "CA", "NV", "AK", "HI"], "west"),
    **dict.fromkeys(["ID", "MT", "WY", "UT", "CO", "AZ", "NM"], "mountain"),
    **dict.fromkeys(["TX", "OK", "AR", "LA", "KS", "NE"], "south_central"),
    **dict.fromkeys(["ND", "SD", "MN", "IA", "MO", "WI", "IL", "IN", "MI", "OH", "KY"], "midwest"),
    **dict.fromkeys(["TN", "MS", "AL", "GA", "FL", "SC", "NC"], "southeast"),
    **dict.fromkeys(["VA", "WV", "MD", "DE", "DC", "PA", "NJ", "NY", "CT", "RI", "MA", "VT",
                     "NH", "ME"], "northeast"),
}

# A rough population centre per region, for transit distances.
REGION_CENTRE: dict[str, tuple[float, float]] = {
    "west": (37.0, -120.5),
    "mountain": (38.5, -108.5),
    "south_central": (32.0, -96.5),
    "midwest": (41.5, -88.0),
    "southeast": (32.5, -83.5),
    "northeast": (40.8, -75.0),
}

# (warehouse_id, name, city, state, lat, lon, handling_days)
WAREHOUSES: list[tuple[str, str, str, str, float, float, int]] = [
    ("WH-RNO", "Reno fulfilment centre", "Reno", "NV", 39.53, -119.81, 1),
    ("WH-DEN", "Denver fulfilment centre", "Denver", "CO", 39.74, -104.99, 1),
    ("WH-DFW", "Dallas fulfilment centre", "Dallas", "TX", 32.78, -96.80, 1),
    ("WH-CMH", "Columbus fulfilment centre", "Columbus", "OH", 39.96, -83.00, 2),
    ("WH-ATL", "Atlanta fulfilment centre", "Atlanta", "GA", 33.75, -84.39, 1),
    ("WH-ABE", "Allentown fulfilment centre", "Allentown", "PA", 40.60, -75.49, 2),
]

# First ZIP digit -> region, for destinations given only by ZIP (coarse, by design).
_ZIP_REGION = {
    "0": "northeast", "1": "northeast", "2": "northeast", "3": "southeast", "4": "midwest",
    "5": "midwest", "6": "midwest", "7": "south_central", "8": "mountain", "9": "west",
}


def region_of(state: str | None = None, zip_code: str | None = None) -> str | None:
    """The fulfilment region of a US state code, else of a ZIP code; None if neither is known."""
    if state and state.strip().upper() in STATE_REGION:
        return STATE_REGION[state.strip().upper()]
    z = (zip_code or "").strip()
    if z[:1].isdigit():
        return _ZIP_REGION[z[0]]
    return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))
