"""KPI formulas, aging buckets and the Metro 2 format: pure Python, no ORM, no clock, no I/O.

Every KPI states its formula and its source in its docstring; `docs/reports.md` lists them all.
"""
