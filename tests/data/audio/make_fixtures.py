"""Regenerate the speech fixtures with espeak-ng (run once; the outputs are committed).

    apt-get install -y espeak-ng
    .venv/bin/python tests/data/audio/make_fixtures.py

Writes 16 kHz mono FLAC files next to this script plus ``sentences.json`` (the spoken text
of every file and the turn timing of the conversation). CI never runs this: it reads the
committed files. Voices are espeak variants chosen to sound clearly different (pitch,
speed, variant), standing in for three people.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

HERE = Path(__file__).resolve().parent
RATE = 16000
PAUSE_S = 0.8  # silence between conversation turns

VOICES = {
    "alice": ["-v", "en+f3", "-p", "70", "-s", "150"],
    "bob": ["-v", "en+m3", "-p", "30", "-s", "135"],
    "carol": ["-v", "en-gb-x-rp+f1", "-p", "50", "-s", "150"],
    "dieter": ["-v", "de+m3", "-p", "40", "-s", "140"],  # German
    "lucia": ["-v", "es", "-s", "145"],  # Spanish (whisper base hears the +f3 variant as Italian)
}

SOLO = {
    "alice_1": ("alice", "The kitchen light has been flickering since Monday, so I bought a new bulb. "
                         "It should arrive before dinner tonight."),
    "bob_1": ("bob", "I left the screwdriver in the garage next to the red toolbox. "
                     "The drill is still in the car."),
    "carol_1": ("carol", "Let's meet at the coffee shop on Tuesday at three o'clock. "
                       "I will bring the photos from the trip."),
    # A second, separate recording of alice for the "recognised in another recording" test.
    "alice_2": ("alice", "Please remember to water the plants before we leave for the weekend. "
                         "The tomatoes need it most."),
    # Other languages, for language detection with the multilingual Whisper base.
    "dieter_de": ("dieter", "Ich habe den Schlüssel auf den Küchentisch gelegt. Wir treffen uns morgen um acht Uhr "
                            "am Bahnhof."),
    "lucia_es": ("lucia", "Mañana vamos a comprar pan y fruta en el mercado. Mi hermana llega el sábado por la noche."),
}

CONVERSATION = [
    ("alice", "Did anyone see where I put my keys this morning?"),
    ("bob", "They were on the table by the front door, next to the mail."),
    ("carol", "No, I moved them to the hook in the hallway."),
    ("alice", "Thanks, I would never have looked there without your help."),
    ("bob", "We should buy a small bowl for keys and wallets."),
    ("carol", "Good idea, I will pick one up at the market on Saturday."),
]


def speak(voice: str, text: str) -> np.ndarray:
    """espeak-ng's 22050 Hz output as 16 kHz float32 mono."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", *VOICES[voice], "-w", str(wav), text], check=True)
        samples, rate = sf.read(wav, dtype="float32")
    assert rate == 22050, rate
    audio = resample_poly(samples, 320, 441).astype(np.float32)  # 22050 Hz * 320 / 441 = 16000 Hz
    return np.clip(audio, -1.0, 1.0)


def main() -> None:
    spoken: dict[str, object] = {}
    for name, (voice, text) in SOLO.items():
        sf.write(HERE / f"{name}.flac", speak(voice, text), RATE)
        spoken[name] = {"speaker": voice, "text": text}
    pieces, turns, cursor = [np.zeros(int(0.5 * RATE), np.float32)], [], 0.5
    for voice, text in CONVERSATION:
        audio = speak(voice, text)
        turns.append({"speaker": voice, "start_s": round(cursor, 3),
                      "end_s": round(cursor + len(audio) / RATE, 3), "text": text})
        pieces += [audio, np.zeros(int(PAUSE_S * RATE), np.float32)]
        cursor += len(audio) / RATE + PAUSE_S
    sf.write(HERE / "conversation.flac", np.concatenate(pieces), RATE)
    spoken["conversation"] = {"turns": turns}
    (HERE / "sentences.json").write_text(json.dumps(spoken, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
