"""cXML punchout: buyers, sessions, the storefront's catalogue, and the ``cxml`` delivery channel.

Importing the package registers the ``cxml`` transport with the outbox (:mod:`.transport`), so
every process that handles cXML buyers can also deliver to them.
"""

from gateway.punchout import transport as transport  # registers the "cxml" delivery channel
