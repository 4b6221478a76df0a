"""Speech in a real browser: `/speak` plays Persian audio, an uploaded voice note becomes a transcript, and the
microphone (Chromium's fake capture device playing espeak-ng speech) becomes a user message the agent answers."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, open_chat
from tests.browser_support import last_reply as _last_reply
from tests.browser_support import send as _send
from tests.speech_fixtures import build_tiny_whisper, encode, espeak, read_pcm, write_pcm

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def speech_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("browser-speech")
    samples, rate = read_pcm(espeak("امروز هوا آفتابی است و من به پارک می‌روم", folder / "sentence.wav"))
    silence = np.zeros(rate, dtype=np.float32)
    # What the fake microphone plays: a second of quiet, the sentence, then quiet long enough to end the turn.
    mic = write_pcm(folder / "mic.wav", np.concatenate([silence, samples, silence, silence, silence]), rate)
    return {
        "model": build_tiny_whisper(folder / "tiny-whisper"),
        "voice_note": encode(samples, rate, folder / "voice-note.ogg", "libopus"),
        "mic": mic,
    }


@pytest.fixture(scope="module")
def speech_server(tmp_path_factory, speech_files):
    env = {"DASTYAR_STT_MODEL": str(speech_files["model"]), "DASTYAR_STT_BEAM_SIZE": "1", "DASTYAR_STT_FALLBACK": "false"}
    with dastyar_server(tmp_path_factory.mktemp("browser-speech-data"), **env) as srv:
        yield srv


@pytest.fixture(scope="module")
def mic_browser(speech_files):
    with chromium([
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_files['mic']}%noloop", "--autoplay-policy=no-user-gesture-required",
    ]) as browser:
        yield browser


@pytest.fixture
def page(mic_browser, speech_server):
    pg = open_chat(mic_browser, speech_server["url"], permissions=["microphone"])
    # The speech settings (a gear in the composer) come from on_chat_start: the server session exists, uploads work.
    pg.locator("#chat-settings-open-modal").wait_for()
    yield pg
    pg.context.close()


def _command(page, name: str, text: str) -> None:
    """Pick `/name` from the composer's command menu, then type the text, as a user does."""
    from prompts import t

    box = page.locator("textarea#chat-input")
    box.click()
    page.keyboard.type(f"/{name}")
    page.get_by_text(t(f"ui.command.{name}")).first.wait_for()  # the menu shows the command
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('textarea#chat-input').value === ''")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_speak_plays_persian_audio(page, artifacts, speech_server):
    _command(page, "speak", "امروز هوا آفتابی است")
    reply = _last_reply(page, "espeak-ng")
    audio = page.locator("audio").last
    audio.wait_for(state="attached")
    src = audio.get_attribute("src")
    assert src
    body = page.request.get(src if src.startswith("http") else speech_server["url"] + src).body()
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE" and len(body) > 20_000
    duration = page.evaluate(
        "el => new Promise(r => el.readyState >= 1 ? r(el.duration) : el.addEventListener('loadedmetadata', () => r(el.duration)))",
        audio.element_handle(),
    )
    assert duration > 1.0
    reply.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "speak.png"))


def test_uploaded_voice_note_becomes_a_transcript(page, speech_files, artifacts, speech_server):
    replies = page.locator('[data-step-type="assistant_message"]')
    page.set_input_files("#upload-button-input", str(speech_files["voice_note"]))
    page.get_by_text("voice-note.ogg").first.wait_for()
    page.locator("textarea#chat-input").fill("این فایل رو به متن تبدیل کن")
    # The send button stays disabled until the upload has finished.
    page.wait_for_function("() => { const b = document.querySelector('#chat-submit'); return b && !b.disabled; }")
    before = replies.count()
    _send(page, "این فایل رو به متن تبدیل کن")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (replies.count() > before and "زبان" in replies.last.inner_text()):
        time.sleep(0.3)
    text = replies.last.inner_text()
    log = (speech_server["data"] / "server.log").read_text()[-2000:]
    assert "زبان: فارسی" in text, (text, log)
    assert "voice-note.ogg" in text, text  # the name it was sent with, not Chainlit's generated one
    assert "۰:۰" in text
    page.screenshot(path=str(artifacts / "transcribe.png"))
    # Later, named as people know it (spelled aloud, as a speech recognizer writes it): the same upload.
    before = replies.count()
    _send(page, "ویس نوت دات او جی جی رو دوباره به متن تبدیل کن")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (replies.count() > before and "زبان" in replies.last.inner_text()):
        time.sleep(0.3)
    text = replies.last.inner_text()
    assert "زبان: فارسی" in text and "voice-note.ogg" in text, text
    page.screenshot(path=str(artifacts / "transcribe-by-name.png"))


def test_microphone_speech_becomes_a_user_message_the_agent_answers(page, artifacts, speech_server):
    user_messages = page.locator('[data-step-type="user_message"]')
    before = user_messages.count()
    server_log = speech_server["data"] / "server.log"
    for _ in range(10):  # «p» is Chainlit's shortcut for the microphone button (ignored until the page is ready)
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("p")
        page.wait_for_timeout(1500)
        if "microphone on" in server_log.read_text():
            break
    # The fake device plays the sentence; our VAD hears the pause, switches the mic off and sends the transcript.
    deadline = time.monotonic() + 60
    while user_messages.count() <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    log = server_log.read_text()[-3000:]
    assert user_messages.count() > before, "no transcript arrived from the microphone:\n" + log
    spoken = user_messages.last.inner_text().strip()
    assert any("\u0600" <= ch <= "\u06ff" for ch in spoken)
    # The same agent answers it, as it would a typed message: its reply to that very text (the router's, offline),
    # not just any message.
    import re

    from agents.graph import run_agent

    def plain(text: str) -> str:
        return " ".join(re.sub(r"[*`_#>]", "", text).split())

    expected = plain(run_agent(spoken, session_id="mic-check").text.splitlines()[0])
    assert expected
    page.locator('[data-step-type="assistant_message"] .message-content').filter(
        has_text=re.compile(re.escape(expected[:40]))).last.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "microphone.png"))
