from tests.tools._seeded import seeded_template  # noqa: F401  (the session's seeded store)
