"""Benchmarks (``python -m bench``). Each measures its target next to its baseline in one run."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
# What production runs: Django's debug mode (the development default) keeps a record of every query and
# of every template's origin, which a worker in production does not pay for.
os.environ.setdefault("DEBUG", "0")
