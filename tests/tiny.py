"""A tiny scenario for tests that need real runs: 3 streets (about 120 residents), one group,
60 days, two small survey waves; it runs in a tenth of a second."""

TINY_SCENARIO = """
name = "tiny"
days = 60
burn_in_days = 20
[[areas]]
name = "a"
streets = 3
groups = 1
coverage = 0.7
[crime]
violence_rate = 0.0   # property crime only: the tiny runs' few crimes stay readable
[survey]
waves = [{ label = "pre", day = 29 }, { label = "post", day = 59 }]
participants = 20
non_participants = 20
"""
