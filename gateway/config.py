"""Settings of a gateway installation, read from ``B2BGW_*`` environment variables.

Every setting has a default that runs the gateway with no configuration at all: an embedded
SQLite file in the working directory and the built-in ERP. Production sets
``B2BGW_DATABASE_URL=postgresql+psycopg://...``. The README's "Configuration" table lists them.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The gateway's settings; field ``x`` is read from ``B2BGW_X``."""

    model_config = SettingsConfigDict(env_prefix="B2BGW_", extra="ignore")

    database_url: str = "sqlite:///b2bgw.db"
    erp: str = "builtin"
    """The ERP adapter: ``builtin`` (the reference ERP on this database) or ``tryton`` (the settings below)."""
    tryton_url: str = "http://127.0.0.1:8000"
    """Base URL of the Tryton server (``B2BGW_ERP=tryton``); the adapter calls ``{url}/{database}/rpc/``."""
    tryton_database: str = "tryton"
    tryton_user: str = "b2bgw"
    tryton_password: str | None = None
    tryton_warehouse: str | None = None
    """Code of the Tryton warehouse sales ship from (and whose forecast stock accepts lines); else the first."""
    tryton_timeout_seconds: float = 30.0
    tryton_settle_seconds: float = 2.0
    """Tryton changes younger than this are left for the next poll (a transaction still open may commit older)."""
    operator_token: str | None = None
    """Bearer token for the operator API (``/api/documents``); unset disables that API."""
    lease_seconds: float = 120.0
    """A claimed document not finished within this time is taken up again by another worker."""
    max_attempts: int = 5
    """Transient failures (ERP unavailable) are retried this many times before the dead letter."""
    retry_base_seconds: float = 2.0
    poison_attempts: int = 3
    """A document whose step (reading a stored file, processing) fails this many times in a row with an error
    no outage explains (a bug, an input nobody foresaw) is set aside ``rejected`` as poison, for the operator."""
    poll_seconds: float = 0.5
    heartbeat_seconds: float = 5.0
    """Each worker writes its heartbeat (``gw_worker_heartbeat``) at most this often; ``/healthz`` lists them."""
    worker_alive_seconds: float = 60.0
    """A worker whose last heartbeat is older than this counts as gone."""
    stall_seconds: float = 300.0
    """``/healthz`` and ``/readyz`` answer 503 when due work has waited this long and no worker is alive."""
    batch_size: int = 64
    """Documents a worker claims at once; the purchase orders among them share their transactions.

    Each step costs a few statements per batch whatever its size, so larger batches cost less per
    order: one worker drained 640 orders with 4.1 ms of CPU each at 16, 2.5 ms at 64."""
    max_upload_bytes: int = 50 * 1024 * 1024
    upload_spool_bytes: int = 1024 * 1024
    """An upload larger than this is written to a temporary file while it arrives, not held in memory."""
    upload_spool_dir: str | None = None
    """Folder of those temporary files; else the system's (``TMPDIR``)."""
    upload_in_flight_bytes: int = 64 * 1024 * 1024
    """Bytes of the uploads received and taken in at once (declared length, or as streamed); an upload that
    would pass it waits ``overload_wait_seconds`` for room, then is answered 503 with Retry-After. One upload
    alone is always admitted."""
    intake_concurrency: int = 4
    """Uploads stored and read at once (each holds a database connection); more wait, then get a 503."""
    overload_wait_seconds: float = 5.0
    """How long an upload waits for room (bytes in flight, an intake slot) before it is answered 503."""
    retry_after_seconds: int = 5
    """``Retry-After`` of a 503 answered under load (no room for an upload, the database busy)."""
    log_format: str = "json"
    """``json`` (one object per line, with document id and partner) or ``text`` for a terminal."""
    log_level: str = "INFO"
    en16931_rules: str | None = None
    """Path of the EN 16931 UBL validation XSLT: UBL invoices and credit notes are checked against it before they
    are sent (the pre-send gate), and by ``b2bgw validate``."""
    peppol_rules: str | None = None
    """Path of the PEPPOL BIS Billing 3 UBL XSLT: invoices and credit notes for partners with the PEPPOL profile
    are checked against it before they are sent."""
    ubl_schemas: str | None = None
    """Folder of the UBL 2.1 schemas (the ``xsdrt`` folder, holding ``maindoc/``): every UBL document is checked
    against the XSD of its type before it is sent."""
    cxml_dtds: str | None = None
    """Folder of the cXML DTDs, one sub-folder per version (``1.2.063/cXML.dtd``): every cXML document is checked
    against the DTD its DOCTYPE names before it is sent."""
    credit_policy: str = "flag"
    """What happens to an order over the customer's available credit, for customers without their own
    policy: ``block`` (refused), ``hold`` (waits for an operator) or ``flag`` (accepted and flagged)."""
    quote_approval_percent: Decimal = Decimal(10)
    """A quote taking more than this percentage off the customer's list prices needs a manager's approval."""
    quote_valid_days: int = 30
    """How long a quote is valid when the sales rep does not say."""
    cxml_max_bytes: int = 5 * 1024 * 1024
    """Largest cXML request ``/cxml`` reads; a larger one is refused with Status 400 (and kept)."""
    public_url: str | None = None
    """The gateway's URL as buyers reach it (StartPage URLs, ProfileResponse); else the request's own."""
    sandbox: bool = False
    """Serve the buyer sandbox (``/sandbox``, ``/sandbox/oci``) to signed-in operators; on with ``serve --demo``."""
    sandbox_token: str | None = None
    """A bearer token (``Authorization: Bearer`` or the ``b2bgw_sandbox`` cookie) that opens the sandbox besides
    an operator's sign-in, for whoever onboards buyers without an operator account."""
    demo: bool = False
    """Set by ``serve --demo``: the published demo credentials (operator token ``secret``) are accepted."""
    metrics_token: str | None = None
    """When set, ``/metrics``, ``/docs`` and ``/openapi.json`` need ``Authorization: Bearer`` with it (or an
    operator token); unset: they are open, for a Prometheus on a private network."""
    admin_session_idle_minutes: float = 30.0
    """An /admin sign-in unused for this long is over (the server forgets it)."""
    admin_session_hours: float = 8.0
    """An /admin sign-in ends this long after it began, however busy."""
    auth_max_failures: int = 5
    """Wrong credentials in a row (per credential, per client address) before a lockout begins."""
    auth_client_max_failures: int = 20
    """Wrong credentials from one client address, whatever it guessed at, before that address is locked out."""
    auth_lockout_seconds: float = 30.0
    """The first lockout; each further failure while counted doubles it, up to ``auth_lockout_max_seconds``."""
    auth_lockout_max_seconds: float = 3600.0
    auth_failure_window_seconds: float = 900.0
    """Failures older than this are forgotten (a lockout ended and this long without failures: back to zero)."""
    hsts_seconds: int = 31_536_000
    """``Strict-Transport-Security`` max-age sent on answers over HTTPS (directly or from a trusted proxy)."""
    seller_time_zone: str = "UTC"
    """IANA zone of the seller: price list and assignment windows are whole days in it."""
    price_sync_minutes: float = 15.0
    """Workers pull price lists and stock from the ERP this often (0 turns the schedule off)."""
    erp_webhook_token: str | None = None
    """Shared token the ERP sends (``Authorization: Bearer``) to ``POST /api/erp/webhook``; unset turns it off."""
    alert_webhooks: str = ""
    """Comma-separated URLs that get a JSON POST per alert incident (Slack-style ``text`` included)."""
    alert_emails: str = ""
    """Comma-separated addresses mailed per alert incident when ``smtp_host`` is set."""
    smtp_host: str | None = None
    smtp_port: int = 25
    alert_mail_from: str = "b2bgw@localhost"
    alert_error_rate: float = 0.2
    """Share of a partner's finished inbound documents failing in the window that raises an alert."""
    alert_window_minutes: float = 15.0
    alert_min_documents: int = 5
    """Fewer finished documents than this in the window never make an error-rate alert."""
    client_cert_header: str | None = None
    """Header in which a TLS terminator in front passes the client certificate it verified (URL-encoded PEM,
    as nginx ``$ssl_client_escaped_cert``); unset: client certificates are not a partner credential."""
    trusted_proxies: str = "127.0.0.1,::1"
    """Comma-separated addresses (or CIDR networks) of the proxies in front: their ``client_cert_header``,
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed; from anyone else those headers are ignored."""
    as2_id: str = "B2BGW"
    """Our AS2 name (AS2-To of what partners send us, AS2-From of what we send), unless a partner says otherwise."""
    key_passphrase: str | None = None
    """Encrypts our AS2 private keys where they are stored (PKCS#8); unset: stored unencrypted in the database."""
    as2_timeout_seconds: float = 60.0
    """How long we wait for a partner's AS2 server (the message and a synchronous MDN)."""
    as2_mdn_wait_hours: float = 24.0
    """An asynchronous MDN not received within this time counts as missing: the message is sent again."""
    certificate_warning_days: int = 30
    """A certificate (ours or a partner's) expiring within this many days is shown and raises an alert."""
    demo_keys_dir: str = "b2bgw-demo-as2"
    """Where ``serve --demo`` writes the published demo AS2 keys and certificates (never for production)."""
    in_stock_lead_days: int = 2
    """Lead time quoted when the available stock covers the quantity."""
    backorder_lead_days: int = 21
    """Lead time quoted when it does not (the rest is backordered)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
