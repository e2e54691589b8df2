"""`egobutler motion generate` and `egobutler motion train-generator`: text → avatar motion."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from egobutler.app.cli_common import HomeOption, JsonOption, print_json, settings_from
from egobutler.app.errors import AppError


def add_commands(motion_app: typer.Typer) -> None:
    """Add the generator's verbs to the ``motion`` group."""
    motion_app.command("generate")(generate_command)
    motion_app.command("reply")(reply_command)
    motion_app.command("train-generator")(train_generator_command)


def generate_command(
    text: str = typer.Argument(..., help='What the avatar should do, e.g. "wave hello" (for a reply, use `motion reply`).'),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .mp4 or .gif (rendered skeleton) or .bvh (animation)."),
    seconds: float = typer.Option(3.0, "--seconds", min=0.1, help="Length of the motion in seconds."),
    level: int | None = typer.Option(None, "--level", min=0, help="Stop at this keyframe level (0 = 2 keyframes a window; default: full frame rate)."),
    generator: str | None = typer.Option(None, "--generator", help="fractal | retrieval (default: the motion_generator setting)."),
    model: Path | None = typer.Option(None, "--model", help="Fractal checkpoint file (default: the motion_generator_model setting, else the bundled one)."),
    home: Path | None = HomeOption,
    json_out: bool = JsonOption,
) -> None:
    """Generate the avatar's motion for TEXT and write it as a video, GIF or BVH."""
    from egobutler.motion.avatar import animate_reply
    from egobutler.motion.render import save_motion

    backend = _generator(settings_from(home), generator, model)
    motion = animate_reply(text, seconds, generator=backend, level=level)
    path = save_motion(motion, out, title=text)
    result = {"file": str(path), "generator": backend.model_id, "frames": motion.num_frames,
              "fps": motion.fps, "seconds": round(motion.duration_s, 3), "level": level}
    if json_out:
        print_json(result)
    else:
        typer.echo(f"wrote {path} ({motion.num_frames} frames, {motion.duration_s:.2f} s, {backend.model_id})")


def reply_command(
    answer: str = typer.Argument(..., help="The assistant's reply, as shown in the chat."),
    out: Path = typer.Option(..., "--out", "-o", help="Output: .mp4 (rendered, with the voice), .gif or .bvh (motion only)."),
    question: str = typer.Option("", "--question", "-q", help="The question it answers (helps pick the gesture)."),
    voice: bool | None = typer.Option(None, "--voice/--no-voice", help="Speak the reply (default: the avatar_voice setting)."),
    generator: str | None = typer.Option(None, "--generator", help="retrieval | fractal (default: the motion_generator setting)."),
    home: Path | None = HomeOption,
    json_out: bool = JsonOption,
) -> None:
    """Act out ANSWER as the avatar does in the chat: pick its gesture, speak it, move in time."""
    from egobutler.motion.performance import perform_reply
    from egobutler.motion.render import save_performance
    from egobutler.motion.speech import HibariVoice

    settings = settings_from(home)
    backend = _generator(settings, generator, None)
    speaker = HibariVoice().load() if (settings.avatar_voice if voice is None else voice) else None
    perf = perform_reply(answer, question, generator=backend, voice=speaker)
    path = save_performance(perf, out, title=f"{perf.spoken[:60]}\n[{perf.gesture.gesture}]")
    result = {"file": str(path), "gesture": perf.gesture.gesture, "cue": perf.gesture.cue, "prompt": perf.prompt,
              "spoken": perf.spoken if perf.speech else None, "seconds": round(perf.motion.duration_s, 3),
              "timings_s": {k: round(v, 3) for k, v in perf.timings_s.items()}}
    if json_out:
        print_json(result)
    else:
        typer.echo(f"wrote {path}: {perf.gesture.gesture} ({perf.gesture.cue}), {perf.motion.duration_s:.1f} s")


def _generator(settings, name: str | None, model: Path | None):
    """The generator ``name`` (default: the setting) with its checkpoint, or a clear error when off."""
    from egobutler.motion.avatar import load_generator

    name = name or settings.motion_generator
    if name == "none":
        raise AppError("avatar motion is off (motion_generator = 'none'); pass --generator retrieval or fractal")
    return load_generator(name, model or settings.motion_generator_model)


def train_generator_command(
    data: str = typer.Argument(..., help="'library' (pybullet's DeepMimic clips and our gestures), 'deepmimic' (those clips only) or a folder of humanoid3d_*.txt clips with an optional labels.json."),
    steps: int = typer.Option(2000, "--steps", min=1, help="Optimizer steps (one keyframe level per step, in turn)."),
    out: Path = typer.Option(Path("egobutler/motion/weights"), "--out", help="Folder to write fractal_deepmimic.pt into."),
    seed: int = typer.Option(0, "--seed", help="Random seed (the bundled checkpoint uses 0)."),
    fps: float = typer.Option(12.0, "--fps", min=1.0, help="Frame rate of the 33-frame training windows (12: 2.7 s windows, long enough for a whole gesture)."),
    threads: int = typer.Option(1, "--threads", min=1, help="CPU threads for torch (1 is as fast for this small model, and reproducible)."),
    json_out: bool = JsonOption,
) -> None:
    """Train the fractal text-to-motion generator on labelled clips (minutes on a laptop CPU)."""
    from egobutler.motion.fractal.text import default_encoder
    import torch

    from egobutler.motion.fractal.model import Config
    from egobutler.motion.fractal.train import load_checkpoint, train_generator

    torch.set_num_threads(threads)
    with typer.progressbar(length=steps, label="training", file=sys.stderr) as bar:
        path = train_generator(data, out, default_encoder(), steps=steps, config=Config(fps=fps), seed=seed,
                               on_step=lambda step, loss: bar.update(1))
    _, _, _, meta = load_checkpoint(path)
    if json_out:
        print_json({"checkpoint": str(path), **meta})
    else:
        typer.echo(f"wrote {path} (final loss {meta['final_loss']:.4f}, {meta['train_s']} s)")
