"""The pre-send gate: every outbound document is checked by the validators its partner runs before it is sent.

A document that fails is held in state ``invalid`` with every error, shown in /admin (correct
and retry, or render again after fixing the data), alerted, and never sent. See
:mod:`gateway.presend.gate` for which validator runs on what, and
:mod:`gateway.presend.artefacts` for how the schema and rule files are loaded (once per process).
"""

from gateway.presend.artefacts import Artefacts, configure, current
from gateway.presend.gate import Verdict, examine

__all__ = ["Artefacts", "Verdict", "configure", "current", "examine"]
