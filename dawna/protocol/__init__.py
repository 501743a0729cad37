"""The study protocol as data: pydantic models, the loader and the ``dawna protocol`` commands.

``bundled_protocol()`` is the DAWNA-FES protocol shipped in ``dawna/protocols/dawna_fes.yaml``
(registry record NCT05861830); ``load_protocol(path)`` validates any other protocol file.
"""

from dawna.protocol.loader import bundled_protocol, load_protocol
from dawna.protocol.schema import Protocol

__all__ = ["Protocol", "bundled_protocol", "load_protocol"]
