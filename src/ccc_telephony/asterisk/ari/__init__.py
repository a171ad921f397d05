"""A small async ARI client on aiohttp: typed REST calls and the events websocket."""

from ccc_telephony.asterisk.ari.client import AriClient, AriError, AriNotFound, AriUnavailable
from ccc_telephony.asterisk.ari.events import AriEventStream

__all__ = ["AriClient", "AriError", "AriEventStream", "AriNotFound", "AriUnavailable"]
