"""REST API latency at a fixed request rate, next to a trivial endpoint of the same server, in one run.

    .venv/bin/python -m bench.api --database-url postgres://postgres@127.0.0.1:5432/arrears_api_bench \\
        --setup --accounts 20000                      # a database of its own, made and imported here
    .venv/bin/python -m bench.api --database-url postgres://postgres@127.0.0.1:5432/arrears_api_1m   # a copy
        of the 1M template, migrated (docs/benchmarks.md)

Starts `arrears serve --no-worker` on 127.0.0.1 against the database, makes a token with the CLI, then
sends, one phase after the other with the same server: `GET /api/v1/ping` (no token, no database: the
baseline), `GET /api/v1/accounts/{id}` and `POST /api/v1/compliance/decisions` (a random account of the
organization and a random channel), each open-loop at `--rate` requests a second for `--seconds`
after a warm-up. Open loop: request k is due at start + k/rate whether or not earlier ones have
answered, and its latency is counted from when it was due, so a server that falls behind shows it
(no coordinated omission). The load generator is a small asyncio HTTP/1.1 client over keep-alive
connections (standard library only), in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

REPO = Path(__file__).resolve().parents[1]
ARREARS = [sys.executable, "-m", "arrears.cli"]


def env_for(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="0",
        ARREARS_API_RATE_LIMIT="1000000/1",  # the limit is not what is measured
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def arrears(url: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own command, arguments from this script)
        [*ARREARS, *args], env=env_for(url), cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"arrears {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def conninfo(url: str) -> str:
    parts = urlsplit(url)
    return f"postgresql://{parts.netloc}{parts.path}"


def setup(url: str, accounts: int, org: str, client: str) -> None:
    parts = urlsplit(url)
    name = parts.path.strip("/")
    with closing(psycopg.connect(f"postgresql://{parts.netloc}/postgres", autocommit=True)) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    arrears(url, "migrate", "--no-input")
    arrears(
        url,
        "org",
        "create",
        "--slug",
        org,
        "--name",
        "Bench Agency",
        "--kind",
        "agency",
        "--currency",
        "USD",
        "--country",
        "US",
        "--timezone",
        "America/New_York",
    )
    arrears(url, "client", "create", "--org", org, "--code", client, "--name", "Bench Creditor")
    rows = REPO / "var" / "bench" / f"api-accounts-{accounts}.csv"
    rows.parent.mkdir(parents=True, exist_ok=True)
    if not rows.exists():
        subprocess.run(  # noqa: S603 (our own generator)
            [
                sys.executable,
                str(REPO / "bench" / "gen_accounts.py"),
                "--rows",
                str(accounts),
                "--out",
                str(rows),
            ],  # noqa: S603
            check=True,
        )
    arrears(url, "import", "accounts", str(rows), "--client", client, "--org", org, "--skip-invalid")
    with closing(psycopg.connect(conninfo(url), autocommit=True)) as conn:
        conn.execute("VACUUM ANALYZE")


def sample_accounts(url: str, org: str, n: int) -> list[tuple[int, str]]:
    with closing(psycopg.connect(conninfo(url))) as conn:
        (org_id,) = conn.execute("SELECT id FROM tenancy_organization WHERE slug = %s", [org]).fetchone()  # type: ignore[misc]
        (count,) = conn.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'accounts_account'"
        ).fetchone()  # type: ignore[misc]
        percent = min(100.0, max(0.5, 100.0 * n * 4 / max(count, 1)))
        rows = conn.execute(
            f"SELECT id, reference FROM accounts_account TABLESAMPLE SYSTEM ({percent}) "  # noqa: S608
            "WHERE organization_id = %s LIMIT %s",
            [org_id, n],
        ).fetchall()
    if not rows:
        raise SystemExit(f"no accounts in organization {org!r}")
    return [(int(i), str(r)) for i, r in rows]


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Connection:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for our own JSON answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, raw: bytes) -> int:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        if length:
            await self.reader.readexactly(length)
        return status


class Pool:
    """At most `size` connections, as a client library's pool would hold; a request waits for a free
    one (that wait is in its latency)."""

    def __init__(self, port: int, size: int = 64) -> None:
        self.port, self.idle = port, []  # type: ignore[var-annotated]
        self.free = asyncio.Semaphore(size)

    async def send(self, raw: bytes) -> int:
        async with self.free:
            reused = bool(self.idle)
            conn = self.idle.pop() if reused else await self._open()
            try:
                status = await conn.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                conn.writer.close()
                if not reused:
                    raise
                # The server closed a connection that sat idle past its keep-alive timeout (uvicorn's
                # 5 s): a client library opens a new one and sends again, and so does this one.
                conn = await self._open()
                try:
                    status = await conn.request(raw)
                except BaseException:
                    conn.writer.close()
                    raise
            except BaseException:
                conn.writer.close()
                raise
            self.idle.append(conn)
            return status

    async def _open(self) -> Connection:
        return Connection(*await asyncio.open_connection("127.0.0.1", self.port))


def get(path: str, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()


def post(path: str, token: str, body: dict) -> bytes:
    data = json.dumps(body).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data


async def phase(pool: Pool, make, rate: float, seconds: float) -> dict:
    """Open loop: request k due at start + k/rate; latency from when it was due to the full answer."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    total = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def one(k: int) -> None:
        due = start + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            status = await pool.send(make(k))
        except (OSError, asyncio.IncompleteReadError):
            status = 0
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(one(k) for k in range(total)))
    took = time.perf_counter() - start
    ms = sorted(x * 1000 for x in latencies)

    def q(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 2)

    return {
        "requests": total,
        "achieved_rate": round(total / took, 1),
        "p50_ms": q(0.50),
        "p90_ms": q(0.90),
        "p99_ms": q(0.99),
        "max_ms": round(ms[-1], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "statuses": statuses,
    }


async def run(
    port: int, token: str, accounts: list[tuple[int, str]], rate: float, seconds: float, warmup: float
) -> dict:
    pool = Pool(port)
    rng = random.Random(7)  # noqa: S311
    channels = ("call", "sms", "email", "letter")
    cases = {
        "GET /api/v1/ping (baseline)": lambda k: get("/api/v1/ping", None),
        "GET /api/v1/accounts/{id}": lambda k: get(f"/api/v1/accounts/{rng.choice(accounts)[0]}", token),
        "POST /api/v1/compliance/decisions": lambda k: post(
            "/api/v1/compliance/decisions",
            token,
            {"account": rng.choice(accounts)[1], "channel": rng.choice(channels)},
        ),
    }
    results = {}
    for name, make in cases.items():
        await phase(pool, make, rate, warmup)
        results[name] = await phase(pool, make, rate, seconds)
        print(f"{name:40} {json.dumps(results[name])}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--setup", action="store_true", help="(re)create the database and import --accounts rows"
    )
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--org", default="bench")
    parser.add_argument("--client", default="BENCH")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--workers", type=int, default=1, help="web processes of `arrears serve`")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads of each web process (default: serve's own)"
    )
    args = parser.parse_args()
    url = args.database_url
    if args.setup:
        setup(url, args.accounts, args.org, args.client)
    else:
        arrears(url, "migrate", "--no-input")
    token = json.loads(
        arrears(
            url,
            "api",
            "token",
            "create",
            "--org",
            args.org,
            "--name",
            f"bench-{int(time.time())}",
            "--scopes",
            "*",
            "--json",
        )
    )["token"]
    accounts = sample_accounts(url, args.org, 5000)
    with closing(psycopg.connect(conninfo(url))) as conn:
        (count,) = conn.execute("SELECT count(*) FROM accounts_account").fetchone()  # type: ignore[misc]
    port = free_port()
    log = REPO / "var" / "bench" / "api-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(  # noqa: S603
        [
            *ARREARS,
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            *(["--threads", str(args.threads)] if args.threads else []),
        ],
        env=env_for(url),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with closing(socket.create_connection(("127.0.0.1", port), timeout=1)):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.5)
        load_before = os.getloadavg()
        results = asyncio.run(run(port, token, accounts, args.rate, args.seconds, args.warmup))
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                "accounts_in_database": count,
                "rate": args.rate,
                "seconds": args.seconds,
                "server_workers": args.workers,
                "server_threads": args.threads,
                "cpus": os.cpu_count(),
                "loadavg_before": [round(x, 2) for x in load_before],
                "loadavg_after": [round(x, 2) for x in load_after],
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
