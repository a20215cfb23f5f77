"""Host side of the MLPerf Tiny / EEMBC DUT serial protocol: client, line parsing, transcript parsers.

Cheap to import (pyserial only); transcript parsers live in ``tinybench.protocol.transcripts``.
"""

from tinybench.protocol.client import Caps, DutClient, InferResult, Response, connect
from tinybench.protocol.errors import DutError, DutProtocolError, DutResetError, DutTimeoutError

__all__ = ["Caps", "DutClient", "DutError", "DutProtocolError", "DutResetError", "DutTimeoutError",
           "InferResult", "Response", "connect"]
