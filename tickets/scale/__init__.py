"""The realistic-volume generator behind ``manage.py seed_scale``.

``planner`` and ``timeline`` (with ``records``) decide every row in pure Python, keyed by field
name; ``writer`` stores them and owns everything that touches the database; ``seeding`` runs
both in one transaction. ``base`` holds the shapes they share, ``vocabulary`` the names,
texts and local codes they use.
"""

from tickets.scale.seeding import Outcome, SeedOptions, seed_database
from tickets.scale.vocabulary import EMAIL_DOMAIN, ENGINEER_DOMAIN, PASSWORD

__all__ = ["EMAIL_DOMAIN", "ENGINEER_DOMAIN", "PASSWORD", "Outcome", "SeedOptions", "seed_database"]
