"""The reference model: a plain, per-agent reading of the daily rules (the test oracle).

:mod:`sim.reference` implements the rules of ``docs/odd.md`` one resident, street,
group and police officer at a time, in ordinary Python loops, so that a student can follow it
line by line. The vectorised engine (:mod:`sim.rules`) must produce the same *distribution* of
outcomes; ``test_differential.py`` checks that statistically.
"""
