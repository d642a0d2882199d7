"""The demonstration data set: invented NRIs, tracks, MAG cycles, donors and Messages that make a fresh site
show what the service does (``igf-hub demo load``, ``./dev serve --demo``).

Like ``app.py``, this package is wiring: it may import every domain, because it drives each one through its
own services (the same imports, archive loads and workflows the API runs), never through SQL of its own. The
data lives as readable files in ``data/``, in the formats the imports accept; ``loader.py`` reads them.
"""
