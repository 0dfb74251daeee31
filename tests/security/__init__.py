"""The attacks tried against the gateway, one module per front, each test an attack that must fail.

* ``test_return_urls_and_headers`` - script in a cXML BrowserFormPost or OCI HOOK_URL, answers
  without nosniff / CSP / HSTS, a transfer page posting anywhere but the return address;
* ``test_framing_browser`` - the same in headless Chromium: a ``javascript:`` return address runs
  no script; the storefront framed by an allowed origin works, by any other is refused;
* ``test_secrets_at_rest`` - SharedSecrets (right or wrong), our own secret, OCI passwords and
  partner URL passwords read back from stored documents, the outbox, pages, the API and logs;
  the migration of rows stored before; guessing SharedSecrets;
* ``test_sandbox_and_sessions`` - the sandbox used anonymously or with a forged cookie, its inbox
  fed by anyone; /admin cookies stolen, kept alive, outliving sign-out or their token;
* ``test_brute_force`` - guessing tokens, OCI passwords, partner credentials and the sign-in;
  lockouts per credential and per address, raced from several processes;
* ``test_operator_token_strength`` - serving with a published or short token outside ``--demo``;
* ``test_smaller`` - Host header links, spoofed X-Forwarded-*, redirects and odd schemes in
  deliveries, self-approved quotes, open /metrics and /docs, demo links on the wrong port.
"""
