"""kvinnofrid-ledger: budget calculator and append-only ledger for SKL's agreement on gender
equality and kvinnofrid, 2018–2020.

The library is usable without the CLI:

    from kvinnofrid_ledger.terms import load_terms
    from kvinnofrid_ledger.allocation import allocate
    allocate(load_terms(), 2019).total   # 9000000
"""

__version__ = "0.1.0"
