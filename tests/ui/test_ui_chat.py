"""The chat turn and the people actions, called the way the UI calls them (no server)."""

from __future__ import annotations

import dataclasses

import pytest

from egobutler.ui.chat import SEARCH_TITLE, Filters, _respond, show_avatar
from egobutler.ui.people import person_detail, split_person


def _turn(services, text, messages=(), turns=(), filters=Filters()):
    states = list(_respond(services, text, list(messages), list(turns), filters))
    return states, states[-1]


def test_a_turn_shows_the_search_step_then_the_streamed_answer(ui_services) -> None:
    states, (messages, turns, evidence) = _turn(ui_services, "Where did I put the screwdriver?")
    assert messages[0] == {"role": "user", "content": "Where did I put the screwdriver?"}
    thought = messages[1]
    assert thought["metadata"]["title"] == SEARCH_TITLE and thought["metadata"]["status"] == "done"
    assert "screwdriver" in thought["content"] and "Candidates" in thought["content"]
    assert "drawer by the sink" in messages[-1]["content"]
    assert "&lt;script&gt;" in messages[-1]["content"] and "<script>" not in messages[-1]["content"]
    assert turns[-1][0] == "assistant" and "<script>" in turns[-1][1]  # history keeps the raw text
    assert evidence and any("screwdriver" in ln.text for e in evidence for ln in e.lines)
    assert len(states) > 3, "the answer streams in pieces"


def test_a_follow_up_resolves_before_that(ui_services) -> None:
    lunch = Filters(start="DAY1 13:00", end="DAY1")
    _, (messages, turns, evidence) = _turn(ui_services, "What did we eat for lunch?", filters=lunch)
    assert evidence[0].start.hour == 13 and "noodles" in evidence[0].lines[0].text
    _, (_, _, earlier) = _turn(ui_services, "Where was the screwdriver before that?", messages, turns)
    assert earlier and all(e.start < evidence[0].start for e in earlier)
    anytime = ui_services.engine.search("screwdriver", query_time=ui_services.now())
    assert any(e.start > evidence[0].start for e in anytime), "without the history, later moments match too"
    prompt = "\n".join(m.content for m in ui_services.engine.llm.prompts[-1])
    assert "What did we eat for lunch?" in prompt, "earlier turns go to the LLM"


def test_a_from_to_window_keeps_only_that_window(ui_services) -> None:
    _, (_, _, evidence) = _turn(ui_services, "tulips noodles", filters=Filters(start="DAY1 13:00", end="DAY1"))
    assert evidence and all(e.start.day == 1 and e.start.hour >= 13 for e in evidence)


def test_filters_reach_the_engine(ui_services) -> None:
    _, (_, _, evidence) = _turn(ui_services, "tulips", filters=Filters(wearer="alice"))
    assert evidence and {e.wearer_id for e in evidence} == {"alice"}
    _, (messages, _, _) = _turn(ui_services, "tulips", filters=Filters(start="someday"))
    assert "cannot read the time" in messages[-1]["content"]


def test_the_avatar_acts_out_the_last_reply_to_its_question(ui_services) -> None:
    from egobutler.motion.performance import ReplyPerformance
    from egobutler.motion.gesture_clips import gesture_clips
    from egobutler.motion.reply_gesture import choose_gesture

    seen = []

    def perform(answer, question):
        seen.append((answer, question))
        return ReplyPerformance(text=answer, spoken=answer, gesture=choose_gesture(answer, question), prompt="wave",
                                motion=gesture_clips()["wave"], speech=None, timings_s={})

    services = dataclasses.replace(ui_services, avatar=perform)
    update = show_avatar(services, [["user", "hi"], ["assistant", "Hello there"]])
    assert seen == [("Hello there", "hi")]
    assert 'data-gesture="greet"' in update["value"] and "data-motion=" in update["value"]
    assert "The avatar waves hello" in update["value"]
    broken = dataclasses.replace(ui_services, avatar=lambda answer, question: 1 / 0)
    assert show_avatar(broken, [["assistant", "Hello"]])["value"] == "", "a failing avatar leaves the chat alone"


def test_split_moves_the_picked_utterances_to_a_new_person(ui_services) -> None:
    tasha = person_detail(ui_services, "tasha")
    vase = [ln.id for ln in tasha.utterances if "vase" in ln.text]
    new = split_person(ui_services, "tasha", vase, "Lucia")
    assert [ln.text for ln in person_detail(ui_services, new.id).utterances] == ["The tulips look great in the vase."]
    assert all("vase" not in ln.text for ln in person_detail(ui_services, "tasha").utterances)
    assert ui_services.store.get_person(new.id).name == "Lucia"


def test_merge_and_not_a_person_change_the_memory(ui_services) -> None:
    from egobutler.memory_db.errors import MemoryError_
    from egobutler.ui.people import do_kind, do_merge

    message, selected = do_merge(ui_services, "spk-3", "tasha")
    assert selected == "tasha" and ui_services.store.get_person("spk-3") is None
    assert any("<script>" in ln.text for ln in person_detail(ui_services, "tasha").utterances)
    do_kind(ui_services, "tasha", "not_person")
    assert ui_services.store.get_person("tasha").kind == "not_person"
    with pytest.raises(MemoryError_):
        do_merge(ui_services, "tasha", "")


def test_the_video_view_sends_a_server_rendered_gif_with_the_voice(ui_services) -> None:
    import numpy as np

    from egobutler.motion.gesture_clips import gesture_clips
    from egobutler.motion.performance import ReplyPerformance
    from egobutler.motion.reply_gesture import choose_gesture
    from egobutler.motion.speech import Speech, SpokenSentence

    speech = Speech(audio=np.zeros(24000, np.float32), sample_rate=24000,
                    sentences=(SpokenSentence("No.", 0.0, 1.0),), model_id="test")
    perf = ReplyPerformance(text="No.", spoken="No.", gesture=choose_gesture("No."), prompt="shake the head no",
                            motion=gesture_clips()["head_shake"], speech=speech, timings_s={})
    services = dataclasses.replace(ui_services, avatar=lambda answer, question: perf, avatar_view="video")
    value = show_avatar(services, [["user", "Did I?"], ["assistant", "No."]])["value"]
    assert 'src="data:image/gif;base64,' in value and "data-motion" not in value
    assert 'class="eb-avatar-audio"' in value and "autoplay" in value and 'title="No."' in value
