"""The attacks tried against the gateway, one module per front, each test an attack that must fail.

* ``test_return_urls_and_headers`` - script in a cXML return URL, framing, missing page headers;
* ``test_secrets_at_rest`` - secrets read back from stored documents, pages and the API;
* ``test_sandbox_and_sessions`` - the sandbox used anonymously, /admin sessions stolen or kept alive;
* ``test_brute_force`` - guessing SharedSecrets, OCI passwords, tokens and the /admin sign-in;
* ``test_smaller`` - Host header links, spoofed X-Forwarded-*, redirects in deliveries, self-approved
  quotes, open /metrics and /docs.
"""
