import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ARREARS_FIELD_KEYS", "DEBUG", "ARREARS_DEBUG"}
    }
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        ARREARS_ENV="production",
        SECRET_KEY="x" * 20 + "-production-secret-key-of-enough-length-and-variety-123",
        ARREARS_FIELD_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="arrears.example.com",
        DATABASE_URL="postgres://arrears@127.0.0.1:5432/arrears",
        EMAIL_URL="smtp+tls://arrears:secret@mail.example.com:587",
        ARREARS_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secrets(tmp_path):
    result = _manage("check", ARREARS_ENV="production", ARREARS_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "ARREARS_ENV=production needs SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
