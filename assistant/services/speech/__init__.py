"""Speech: Persian speech to text (faster-whisper) and text to speech (MMS VITS or espeak-ng).

Importing this package is cheap; engines and models load on first use and are shared by the whole process.
"""

from assistant.services.speech.common import SpeechError
from assistant.services.speech.status import doctor_checks, speech_status

__all__ = ["SpeechError", "doctor_checks", "speech_status"]
