"""Voice in the chat: the microphone (Chainlit's audio callbacks) and spoken replies and notifications.

Chainlit 2.x streams PCM16 chunks while the mic is on and has no silence detection; a `Listener` (Silero VAD)
decides when the speaker has finished. Then the mic is switched off in the browser, the utterance is transcribed
off the event loop, shown as the user's message and answered by the same agent as typed text.

`chainlit_app` registers its `respond` with `use_responder` (this module must not import the app: Chainlit loads
the app file under its own module name).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import chainlit as cl
from chainlit.input_widget import Switch

from assistant.config import get_settings
from assistant.services.speech import SpeechError
from assistant.services.speech.listen import Listener, ListenState, transcribe_utterance
from prompts import t

log = logging.getLogger("dastyar.ui.audio")

Responder = Callable[[str], Awaitable[None]]
Say = Callable[[str], Awaitable[None]]

_responder: Responder | None = None
DEFAULT_SAMPLE_RATE = 24_000


def use_responder(func: Responder) -> Responder:
    """The app's `respond(text)`: spoken messages go through it exactly like typed ones."""
    global _responder
    _responder = func
    return func


def mic_sample_rate() -> int:
    """The rate the browser records at (`[features.audio] sample_rate` in .chainlit/config.toml)."""
    from chainlit.config import config

    audio = getattr(config.features, "audio", None)
    return int(getattr(audio, "sample_rate", 0) or DEFAULT_SAMPLE_RATE)


class MicSession:
    """One press of the microphone button: the listener and whether its utterance is being handled."""

    def __init__(self, sample_rate: int, **listener_options) -> None:
        self.listener = Listener(sample_rate, **listener_options)
        self.finishing = False

    def feed(self, data: bytes) -> bool:
        """Add a chunk; True exactly once, when this chunk completed the utterance (the caller then finishes)."""
        if self.finishing:
            return False
        self.listener.feed(data)
        if self.listener.done:
            self.finishing = True
            return True
        return False

    def stop(self) -> bool:
        """The user switched the mic off; True when the utterance still has to be handled."""
        if self.finishing:
            return False
        self.listener.finish()
        self.finishing = True
        return True


async def finish(session: MicSession, *, show: Say, say: Say, respond: Responder) -> str | None:
    """Transcribe the utterance (in a worker thread), show it as the user's message and answer it."""
    listener = session.listener
    log.info("microphone turn ended (%s) after %.1f s, speech %.1f–%.1f s", listener.state, listener.seconds,
             listener.speech_start or 0.0, listener.speech_end or 0.0)
    try:
        text = await asyncio.to_thread(transcribe_utterance, session.listener)
    except SpeechError as exc:
        await say(str(exc))
        return None
    except Exception:
        log.exception("transcribing the microphone failed")
        await say(t("speech.mic_failed"))
        return None
    await show(text)
    if session.listener.state == ListenState.too_long:
        await say(t("speech.mic_cut", seconds=int(session.listener.max_seconds)))
    await respond(text)
    return text


# -- Chainlit callbacks -------------------------------------------------------------------------------------------
async def _show_user(text: str) -> None:
    message = cl.Message(content=text, type="user_message")
    message.parent_id = None  # top level, like a typed message (not inside the audio callback's step)
    await message.send()


async def _say(text: str) -> None:
    await cl.Message(content=text).send()


async def _respond(text: str) -> None:
    if _responder is None:  # the app always registers one; this only guards a misconfiguration
        log.error("no responder registered for spoken messages")
        await _say(t("errors.internal"))
        return
    await _responder(text)


def _warm_up() -> None:
    """Load the recognizer while the user is still speaking (a missing model is reported at the end)."""
    from assistant.services.speech.stt import get_model

    try:
        get_model()
    except Exception:
        pass


@cl.on_audio_start
async def _on_audio_start() -> bool:
    from assistant.services.speech.stt import missing_model_error, resolve_model
    from assistant.ui.widget import identity_of

    who = identity_of(cl.user_session.get("user"), getattr(cl.context.session, "client_type", None))
    if not who.may_use("transcribe"):  # an anonymous visitor of an embedding site: no speech recognition
        await _say(t("errors.tool_not_allowed"))
        return False
    ref = await asyncio.to_thread(resolve_model)
    if not ref.ready:  # say so now, not after the user has spoken
        await _say(str(missing_model_error(ref)))
        return False
    try:
        session = MicSession(mic_sample_rate())
    except SpeechError as exc:
        await _say(str(exc))
        return False
    cl.user_session.set("mic", session)
    asyncio.get_running_loop().run_in_executor(None, _warm_up)
    log.info("microphone on (%d Hz)", session.listener.sample_rate)
    return True


@cl.on_audio_chunk
async def _on_audio_chunk(chunk: cl.InputAudioChunk) -> None:
    session: MicSession | None = cl.user_session.get("mic")
    if session is None:
        return
    # Synchronous up to here: chunks (each its own task) are fed in the order they arrived.
    if session.feed(chunk.data):
        cl.user_session.set("mic", None)
        emitter = cl.context.emitter
        await emitter.update_audio_connection("off")  # the browser stops recording
        await emitter.task_start()  # the chat shows it is working, as for a typed message
        try:
            await finish(session, show=_show_user, say=_say, respond=_respond)
        finally:
            await emitter.task_end()


@cl.on_audio_end
async def _on_audio_end() -> None:
    session: MicSession | None = cl.user_session.get("mic")
    cl.user_session.set("mic", None)
    if session is not None and session.stop():
        await finish(session, show=_show_user, say=_say, respond=_respond)


# -- spoken replies and notifications ----------------------------------------------------------------------------
SPEAK_REPLIES = "speak_replies"
SPEAK_NOTIFICATIONS = "speak_notifications"


def settings_widgets() -> list:
    """The chat-settings switches of this module (merge them into one cl.ChatSettings if the app has others)."""
    limit = get_settings().tts_max_chars
    return [
        Switch(id=SPEAK_REPLIES, label=t("speech.setting_speak_replies"), initial=False,
               description=t("speech.setting_speak_replies_help", limit=limit)),
        Switch(id=SPEAK_NOTIFICATIONS, label=t("speech.setting_speak_notifications"), initial=False),
    ]


async def send_settings() -> None:
    await cl.ChatSettings(settings_widgets()).send()


def _enabled(key: str) -> bool:
    return bool((cl.user_session.get("chat_settings") or {}).get(key))


def spoken_file(text: str) -> str | None:
    """A WAV of the text's first part (up to the TTS limit), or None when there is nothing Persian to say."""
    from assistant.services.speech.text import clean_for_speech, shorten
    from assistant.services.speech.tts import synthesize

    limit = get_settings().tts_max_chars
    short = shorten(clean_for_speech(text), limit)
    try:
        return str(synthesize(short, max_chars=limit).path)
    except SpeechError as exc:
        log.info("reply not spoken: %s", exc.key)
        return None


async def _audio_elements(text: str, name: str) -> list:
    try:
        path = await asyncio.to_thread(spoken_file, text)
    except Exception:
        log.exception("speaking a reply failed")
        return []
    return [cl.Audio(name=name, path=path, display="inline", auto_play=True)] if path else []


async def reply_audio(text: str, media: list[dict] | None = None) -> list:
    """Audio of a reply when «speak every reply» is on (not when the reply already is audio, e.g. /speak)."""
    if not text or not _enabled(SPEAK_REPLIES) or any(m.get("kind") == "audio" for m in media or []):
        return []
    return await _audio_elements(text, "reply.wav")


async def notification_audio(text: str) -> list:
    if not text or not _enabled(SPEAK_NOTIFICATIONS):
        return []
    return await _audio_elements(text, "notification.wav")
