"""`arrears serve`: the address it is asked to listen on."""

from __future__ import annotations

import socket

from arrears.core.management.commands.serve import default_threads, port_problem


def test_a_port_something_else_listens_on_is_named_as_in_use():
    # given: something else listens on the port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        # when
        problem = port_problem("127.0.0.1", port)

    # then
    assert problem == "address already in use"


def test_a_free_port_has_no_problem():
    # given: a port nothing listens on (bound, then let go)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    # when / then
    assert port_problem("127.0.0.1", port) == ""


def test_one_process_runs_requests_side_by_side_and_several_run_one_each():
    # a slow page must not hold up a lone process; with several, threads only queue on the GIL
    assert default_threads(1) == 4
    assert default_threads(2) == 1
    assert default_threads(8) == 1
