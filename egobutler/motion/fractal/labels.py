"""Our own text labels for the DeepMimic clips bundled with pybullet.

DeepMimic has athletic clips; each gets plain descriptions of what it shows. The reply
gestures (wave, nod, shrug, ...) are our own keyframed clips with their labels in
:mod:`egobutler.motion.gesture_clips`; :func:`all_labels` joins the two.  ``HELD_OUT``
phrasings are never trained on: the benchmark asks the models for them.
"""

from __future__ import annotations

CLIP_LABELS: dict[str, list[str]] = {
    "walk": [
        "walk forward", "a person walks", "walking at a relaxed pace", "let's go", "follow me",
        "on my way over there",
    ],
    "run": [
        "run forward", "a person runs", "jogging quickly", "hurry up", "I'm running late",
        "quick, let's go fast",
    ],
    "jump": [
        "jump up", "a person jumps forward", "jump forward", "leap in excitement",
    ],
    "dance_a": [
        "dance", "a person dances happily", "party time", "dance with the arms",
    ],
    "dance_b": [
        "dance in place", "a cheerful little dance", "groove to the music", "I'm so happy for you",
        "feeling good today",
    ],
    "spin": [
        "spin around", "turn around in place", "a person twirls", "look around the room",
        "let me turn around",
    ],
    "kick": [
        "kick", "a person kicks with the leg", "kick the ball", "front kick", "kick it away",
    ],
    "spinkick": [
        "spinning kick", "martial arts spin kick", "a roundhouse kick", "show off a move",
    ],
    "punch": [
        "punch", "a person punches forward", "strike with the fist", "boxing jab",
        "let's do this", "fight on",
    ],
    "backflip": [
        "backflip", "a person does a back flip", "somersault backwards",
    ],
    "cartwheel": [
        "cartwheel", "a person does a cartwheel", "turn a cartwheel sideways", "woohoo, I did it",
    ],
    "roll": [
        "roll forward", "a forward roll on the floor", "dive and roll", "tumble forward",
    ],
    "crawl": [
        "crawl", "a person crawls on hands and knees", "search on the floor",
        "look for something under the table", "crawling slowly",
    ],
    "getup_facedown": [
        "get up from lying face down", "push up off the floor and stand", "stand up after falling",
        "getting back on my feet",
    ],
    "getup_faceup": [
        "get up from lying on the back", "wake up and get out of bed", "stand up from the ground",
        "good morning, time to get up",
    ],
}

HELD_OUT: dict[str, list[str]] = {
    "walk": ["stroll along", "walk ahead slowly"],
    "run": ["sprint", "run as fast as you can"],
    "jump": ["hop forward", "jumping ahead"],
    "dance_a": ["dancing with joy"],
    "dance_b": ["do a little dance"],
    "spin": ["twirl around"],
    "kick": ["kick with your foot"],
    "spinkick": ["karate spinning kick"],
    "punch": ["throw a punch"],
    "backflip": ["flip backwards"],
    "cartwheel": ["do a cartwheel"],
    "roll": ["forward roll"],
    "crawl": ["crawl on all fours"],
    "getup_facedown": ["rise from lying on the stomach"],
    "getup_faceup": ["get up from lying down"],
}


def all_labels() -> dict[str, list[str]]:
    """Training phrases of every clip: the DeepMimic clips and our authored gestures."""
    from egobutler.motion.gesture_clips import gesture_labels

    return {**CLIP_LABELS, **gesture_labels()}


def all_held_out() -> dict[str, list[str]]:
    """Held-out phrasings (never trained on) of every clip, for the benchmark."""
    from egobutler.motion.gesture_clips import gesture_held_out

    return {**HELD_OUT, **gesture_held_out()}


def labelled_phrases() -> list[tuple[str, str]]:
    """(clip name, phrase) for every training label."""
    return [(clip, phrase) for clip, phrases in all_labels().items() for phrase in phrases]
