"""`arrears serve --workers N`: the socket its web processes share."""

from __future__ import annotations

import socket
from contextlib import closing

import uvicorn

from arrears.core.management.commands.serve import listening_socket


def test_the_shared_socket_hands_out_connections_without_nagle():
    # given: the socket `serve --workers 2` binds for its processes
    config = uvicorn.Config("arrears.asgi:application", host="127.0.0.1", port=0, workers=2)
    with closing(listening_socket(config)) as sock:
        sock.listen()

        # when: a client connects and a web process accepts, as asyncio's server does
        with closing(socket.create_connection(sock.getsockname())):
            accepted, _ = sock.accept()

        # then: a response's head and body leave at once, not 40 ms apart behind a delayed ACK
        with closing(accepted):
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
