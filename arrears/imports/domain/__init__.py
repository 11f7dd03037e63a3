"""Pure import rules: reading files, mappings, parsing and normalising rows, and debtor matching.

No ORM, no clock, no I/O beyond the stream a caller hands in.
"""
