"""The fuzz suite of issue 20: hostile and careless input through the real command line.

``tests/fuzz/test_fuzz.py`` runs a small seeded campaign in ``make test``; ``make fuzz``
(``python -m tests.fuzz``) a long one for nightly use (at least 1000 mutants across every reader),
ending with one summary line.
"""
