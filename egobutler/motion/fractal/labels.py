"""Our own text labels for the DeepMimic clips bundled with pybullet.

The assistant's replies need gestures (greet, agree, celebrate, think, hurry...), and
DeepMimic has athletic clips; each clip gets plain descriptions of what it shows plus a few
reply moods that the motion fits.  ``HELD_OUT`` phrasings are never trained on: the
benchmark asks the models for them.
"""

from __future__ import annotations

CLIP_LABELS: dict[str, list[str]] = {
    "walk": [
        "walk forward", "a person walks", "walking at a relaxed pace", "let's go", "follow me",
        "walking while thinking", "I'll look into it", "on my way over there",
        "let me think about it", "hmm, let me check", "I'll get back to you",
    ],
    "run": [
        "run forward", "a person runs", "jogging quickly", "hurry up", "I'm running late",
        "quick, let's go fast",
    ],
    "jump": [
        "jump up", "a person jumps forward", "jump for joy", "hooray", "yes, that's great",
        "leap in excitement",
    ],
    "dance_a": [
        "dance", "a person dances happily", "let's celebrate", "party time", "that's wonderful news",
    ],
    "dance_b": [
        "dance in place", "a cheerful little dance", "groove to the music", "I'm so happy for you",
        "feeling good today", "hello there", "hi, nice to see you", "wave hello", "how can I help you",
    ],
    "spin": [
        "spin around", "turn around in place", "a person twirls", "look around the room",
        "let me turn around", "sorry, I couldn't find it", "I'm not sure where that is",
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
        "backflip", "a person does a back flip", "somersault backwards", "that's amazing",
        "incredible, wow",
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
    "jump": ["hop in the air", "jumping with excitement"],
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


def labelled_phrases() -> list[tuple[str, str]]:
    """(clip name, phrase) for every training label."""
    return [(clip, phrase) for clip, phrases in CLIP_LABELS.items() for phrase in phrases]
