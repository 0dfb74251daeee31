"""SAP OCI punchout: buyers' OCI options, the call-up, the cart back to the HOOK_URL, FUNCTION calls.

:mod:`.buyers` (options in ``Partner.settings["oci"]``, login), :mod:`.callup` (reading the
call-up's fields, HOOK_URL safety), :mod:`.items` (our products as a buyer's OCI items),
:mod:`.service` (storing the call-up, sessions, FUNCTIONs), :mod:`.pages` (the pages, in the
buyer's charset). The storefront itself is the cXML punchout's (:mod:`gateway.api.punchout`).
"""
