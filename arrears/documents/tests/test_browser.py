import pytest

from arrears.tenancy.choices import Role

from .conftest import make_wav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_recording_is_uploaded_stored_and_played_back(
    page, screenshot, org, make_user, make_account, tmp_path
):
    user = make_user(org, Role.COLLECTOR, username="carla")
    account = make_account()
    recording = tmp_path / "call-2026-11-23.wav"
    recording.write_bytes(make_wav(seconds=1.5))
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")

    page.goto(f"/accounts/{account.pk}/")
    page.select_option("#documents form[enctype] select[name=kind]", "call_recording")
    page.set_input_files("#documents input[type=file]", str(recording))
    page.click("#documents form[enctype] button[type=submit]")
    page.wait_for_selector("audio")
    page.evaluate("() => { const a = document.querySelector('audio'); a.muted = true; return a.play(); }")
    # Playing means the media clock moves; wait for it rather than for a fixed time.
    # Polled from here: wait_for_function evals a string in the page, which the CSP refuses.
    for _ in range(100):
        if page.evaluate("() => document.querySelector('audio').currentTime") > 0.2:
            break
        page.wait_for_timeout(100)
    duration = page.evaluate(
        "() => { const a = document.querySelector('audio');"
        " return {duration: a.duration, time: a.currentTime, error: a.error && a.error.code}; }"
    )
    screenshot(page, "recording")

    assert duration["error"] is None
    assert duration["duration"] == pytest.approx(1.5, abs=0.05)
    assert duration["time"] > 0
