"""Price lists and stock as data: their tables, their sync from the ERP, CSV, and the one pricing service.

:mod:`gateway.rules` decides prices from frozen values and knows no database; this package keeps
those values in tables (:mod:`~gateway.pricing.tables`), fills them from the ERP port
(:mod:`~gateway.pricing.sync`) or from CSV files (:mod:`~gateway.pricing.csv_io`), and answers
every price question of the gateway through :class:`~gateway.pricing.service.PricingService`.
"""
