"""Where the shared sample files are: real bank statements, ACH, Metro 2 and IIF files made by others,
which the tests read (they are not ours to copy into the repository).

They live in `shared/samples/` beside the repository. A clone made elsewhere (a fresh clone in a
temporary folder, to check that `make test` needs nothing installed by hand) finds them beside the
repository it was cloned from; `ARREARS_SAMPLES_DIR` names them outright.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


@cache
def samples_dir() -> Path:
    """The first that exists of: $ARREARS_SAMPLES_DIR, ../shared/samples, and the same beside the local
    repository this one was cloned from. Otherwise ../shared/samples, for the tests to report missing."""
    beside = REPOSITORY.parent / "shared" / "samples"
    candidates = [Path(os.environ["ARREARS_SAMPLES_DIR"])] if os.environ.get("ARREARS_SAMPLES_DIR") else []
    candidates.append(beside)
    origin = _origin_directory()
    if origin is not None:
        candidates.append(origin.parent / "shared" / "samples")
    return next((c for c in candidates if c.is_dir()), beside)


def _origin_directory() -> Path | None:
    try:
        url = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"],  # noqa: S607 (git from PATH, fixed arguments)
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://")) if url and "://" not in url.removeprefix("file://") else None
    return path.resolve() if path is not None and path.is_dir() else None
