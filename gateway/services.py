"""Wiring: the engine and the ERP adapter a process uses, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from sqlalchemy import Engine

from erp.port import ErpPort
from gateway.config import Settings
from gateway.store.db import make_engine

if TYPE_CHECKING:
    from erp.tryton import TrytonErp


@dataclass(frozen=True)
class Services:
    """What every route, worker and command needs: settings, database, ERP."""

    settings: Settings
    engine: Engine
    erp: ErpPort

    def close(self) -> None:
        """Close every pooled database connection (a command's last step, a test's teardown)."""
        self.engine.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def make_erp(name: str, engine: Engine) -> ErpPort:
    """The ERP adapter named by ``B2BGW_ERP``."""
    if name == "builtin":
        from erp.builtin import BuiltinErp

        return BuiltinErp(engine)
    raise ValueError(f"unknown ERP adapter {name!r} (B2BGW_ERP); available: builtin, tryton")


def make_tryton_erp(settings: Settings) -> TrytonErp:
    """The Tryton adapter on the ``B2BGW_TRYTON_*`` settings (the ``tryton`` extra is not needed: plain HTTP)."""
    from erp.tryton import TrytonErp

    return TrytonErp.connect(settings.tryton_url, settings.tryton_database, settings.tryton_user,
                             settings.tryton_password or "", warehouse=settings.tryton_warehouse,
                             timeout=settings.tryton_timeout_seconds, settle_seconds=settings.tryton_settle_seconds)


def build_services(settings: Settings) -> Services:
    """Engine and ERP for ``settings``; every ERP call is timed for ``/metrics``."""
    from gateway.observability.metrics import MeteredErp
    from gateway.presend import configure

    configure(settings)  # the pre-send gate's validators (loaded on first use)
    engine = make_engine(settings.database_url)
    adapter = make_tryton_erp(settings) if settings.erp == "tryton" else make_erp(settings.erp, engine)
    erp = cast(ErpPort, MeteredErp(adapter))
    return Services(settings=settings, engine=engine, erp=erp)
