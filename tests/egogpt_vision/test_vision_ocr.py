"""Scene text read back from frames with rendered signs (RapidOCR's bundled PP-OCRv4, offline)."""

from __future__ import annotations

import pytest

from egobutler.egogpt.ocr import SceneTextReader, load_scene_text_reader


@pytest.fixture(scope="module")
def reader():
    with SceneTextReader(min_confidence=0.7) as ocr:
        yield ocr


def test_a_sign_is_read_back(reader, render_sign):
    [line] = reader.read_frame(render_sign(["KITCHEN"]))
    assert line[0] == "KITCHEN"
    assert line[1] >= 0.7


def test_the_same_sign_over_three_seconds_is_one_memory(reader, render_sign):
    # The wearer's head moves a little: the sign shifts between frames.
    frames = [(10.0 + t, render_sign(["KITCHEN"], shift_px=6 * t)) for t in range(3)]
    [seen] = reader.read(frames)
    assert seen.text == "KITCHEN"
    assert (seen.start_s, seen.end_s, seen.frames_seen) == (10.0, 12.0, 3)
    assert seen.model_id == reader.model_id and seen.model_id.startswith("rapidocr:")
    assert 0.7 <= seen.confidence <= 1.0


def test_different_texts_and_a_sign_seen_again_later_are_kept_apart(reader, render_sign):
    frames = [
        (0.0, render_sign(["EXIT"])),
        (1.0, render_sign(["WIFI 5G", "PASS 7391"])),
        (20.0, render_sign(["EXIT"])),  # back in view long after: a new sighting
    ]
    texts = [(s.text, s.start_s) for s in reader.read(frames)]
    assert ("EXIT", 0.0) in texts and ("EXIT", 20.0) in texts
    assert any("7391" in text for text, _ in texts)
    assert len(texts) == 4


def test_a_blank_frame_reads_nothing(reader, render_sign):
    import numpy as np

    assert reader.read([(0.0, np.full((270, 480, 3), 128, dtype=np.uint8))]) == []


def test_the_confidence_threshold_drops_doubtful_text(render_sign):
    strict = SceneTextReader(min_confidence=1.0)
    assert strict.read([(0.0, render_sign(["KITCHEN"]))]) == []


def test_ocr_none_means_no_stage():
    assert load_scene_text_reader("none") is None
    assert isinstance(load_scene_text_reader("rapidocr", min_confidence=0.5), SceneTextReader)


def test_reading_every_third_second_still_spans_the_whole_sighting(render_sign):
    reader = SceneTextReader(min_interval_s=3.0)
    frames = [(float(t), render_sign(["KITCHEN"], t)) for t in range(7)]  # 0..6 s
    [seen] = reader.read(frames)
    assert (seen.start_s, seen.end_s, seen.frames_seen) == (0.0, 6.0, 3)  # frames 0, 3 and 6 read
