"""Partner onboarding: typed partner settings, the service that adds and changes partners, the check.

Every change is audited. The command line (``b2bgw partners``), the operator API
(``/api/partners``) and the ``/admin`` partner pages are thin layers over :mod:`.service`; no
partner needs SQL by hand.
"""
