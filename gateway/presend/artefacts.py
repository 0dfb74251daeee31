"""The validators' files (UBL XSD, EN 16931 and PEPPOL rules, cXML DTDs), loaded once per process.

Compiling the EN 16931 XSLT takes over a second and the PEPPOL one most of one; loading an XSD
with its imports a few hundred milliseconds. Each is done on first use and kept for the life of
the process, so the cost on the path of a document is the check itself (milliseconds; see
``bench/presend.py``). The files are the official ones, wherever the installation keeps them
(``B2BGW_UBL_SCHEMAS``, ``B2BGW_EN16931_RULES``, ``B2BGW_PEPPOL_RULES``, ``B2BGW_CXML_DTDS``);
one left unset is a validator that does not run, which the gate reports with every document.

Neither lxml's schema objects nor a Saxon executable are documented as safe to share between
threads, and the API serves from a thread pool: each validation holds its artefact's lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree

from formats.conformance import ubl_xsd_file
from gateway.config import Settings

T = TypeVar("T")
log = logging.getLogger(__name__)


class ArtefactUnusable(Exception):
    """A configured validator file is missing or does not load: the gate holds the document and says which."""


@dataclass(frozen=True)
class ArtefactPaths:
    """Where the validators' files are (None: that validator is not configured)."""

    ubl_schemas: str | None = None
    en16931_rules: str | None = None
    peppol_rules: str | None = None
    cxml_dtds: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ArtefactPaths:
        """The paths the installation configured."""
        return cls(ubl_schemas=settings.ubl_schemas, en16931_rules=settings.en16931_rules,
                   peppol_rules=settings.peppol_rules, cxml_dtds=settings.cxml_dtds)


class Artefacts:
    """Compiled validators by file, built on first use; ``run`` uses one under its lock."""

    def __init__(self, paths: ArtefactPaths) -> None:
        self.paths = paths
        self._loaded: dict[str, tuple[Any, threading.Lock]] = {}
        self._loading = threading.Lock()

    def _get(self, path: Path, load: Callable[[Path], Any]) -> tuple[Any, threading.Lock]:
        key = str(path)
        with self._loading:
            if key not in self._loaded:
                if not path.is_file():
                    raise ArtefactUnusable(f"{path} does not exist")
                try:
                    self._loaded[key] = (load(path), threading.Lock())
                except (etree.LxmlError, OSError, ValueError) as exc:
                    raise ArtefactUnusable(f"{path} does not load: {exc}") from exc
            return self._loaded[key]

    def xsd(self, document_name: str) -> tuple[etree.XMLSchema, threading.Lock] | None:
        """The UBL 2.1 XSD of ``document_name``; None when no schema folder is configured."""
        if not self.paths.ubl_schemas:
            return None
        return self._get(Path(self.paths.ubl_schemas) / ubl_xsd_file(document_name),
                         lambda path: etree.XMLSchema(etree.parse(str(path))))

    def dtd(self, version: str, name: str) -> tuple[etree.DTD, threading.Lock] | None:
        """The cXML DTD ``name`` of ``version``; None when no DTD folder is configured."""
        if not self.paths.cxml_dtds:
            return None
        if not version.replace(".", "").isdigit() or "/" in name:
            raise ArtefactUnusable(f"cXML DTD {version}/{name} is not a DTD name")
        return self._get(Path(self.paths.cxml_dtds) / version / name, lambda path: etree.DTD(str(path)))

    def rules(self, path: str | None) -> tuple[Any, threading.Lock] | None:
        """The compiled Schematron XSLT at ``path``; None when it is not configured."""
        if not path:
            return None
        from formats.ubl import rules

        def compile_file(file: Path) -> Any:
            try:
                return rules.compile_rules(file.read_bytes())
            except rules.ValidationError as exc:  # saxonche missing, or the XSLT does not compile
                raise ArtefactUnusable(f"{file}: {exc}") from exc

        return self._get(Path(path), compile_file)


def run(artefact: tuple[T, threading.Lock], check: Callable[[T], Any]) -> Any:
    """``check(validator)`` while holding the validator's lock."""
    validator, lock = artefact
    with lock:
        return check(validator)


_current: Artefacts | None = None
_current_lock = threading.Lock()


def configure(settings: Settings) -> Artefacts:
    """Use the validators ``settings`` names from now on in this process (kept if they are the same files)."""
    global _current
    paths = ArtefactPaths.from_settings(settings)
    with _current_lock:
        if _current is None or _current.paths != paths:
            _current = Artefacts(paths)
            unset = [f"B2BGW_{name.upper()}" for name, value in vars(paths).items() if not value]
            if unset:
                log.warning("pre-send gate: %s not set; those validators do not run before documents are sent "
                            "(README, 'Pre-send validation')", ", ".join(unset))
        return _current


def current() -> Artefacts:
    """The validators of this process: those configured last, else those of the environment's settings."""
    if _current is None:
        from gateway.config import get_settings

        return configure(get_settings())
    return _current


__all__ = ["ArtefactPaths", "ArtefactUnusable", "Artefacts", "configure", "current", "run"]
