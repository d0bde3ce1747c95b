"""People: the account's own identity and its peers' names, from the vendor's endpoints.

``api`` wraps ``/finderHome`` and ``/finder/getContactDetails`` over ``FinderClient.call`` and
reads their (undocumented) answers tolerantly; ``resolver`` decides, in the store-owning
thread, which peer to ask about next and how fast.
"""

from .api import ContactAnswer, fetch_contact, fetch_profile, read_contact, read_profile
from .resolver import NameResolver, names_client_config

__all__ = [
    "ContactAnswer",
    "NameResolver",
    "fetch_contact",
    "fetch_profile",
    "names_client_config",
    "read_contact",
    "read_profile",
]
