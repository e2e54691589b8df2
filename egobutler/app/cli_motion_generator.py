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
    motion_app.command("train-generator")(train_generator_command)


def generate_command(
    text: str = typer.Argument(..., help='What the avatar should do or say, e.g. "wave hello" or a whole reply.'),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .mp4 or .gif (rendered skeleton) or .bvh (animation)."),
    seconds: float = typer.Option(3.0, "--seconds", min=0.1, help="Length of the motion in seconds."),
    level: int | None = typer.Option(None, "--level", min=0, help="Stop at this keyframe level (0 = 2 keyframes a window; default: full frame rate)."),
    generator: str | None = typer.Option(None, "--generator", help="fractal | retrieval (default: the motion_generator setting)."),
    model: Path | None = typer.Option(None, "--model", help="Fractal checkpoint file (default: the motion_generator_model setting, else the bundled one)."),
    home: Path | None = HomeOption,
    json_out: bool = JsonOption,
) -> None:
    """Generate the avatar's motion for TEXT and write it as a video, GIF or BVH."""
    from egobutler.motion.avatar import animate_reply, load_generator
    from egobutler.motion.render import save_motion

    settings = settings_from(home)
    name = generator or settings.motion_generator
    if name == "none":
        raise AppError("avatar motion is off (motion_generator = 'none'); pass --generator fractal or retrieval")
    checkpoint = model or settings.motion_generator_model
    backend = load_generator(name, checkpoint)
    motion = animate_reply(text, seconds, generator=backend, level=level)
    path = save_motion(motion, out, title=text)
    result = {"file": str(path), "generator": backend.model_id, "frames": motion.num_frames,
              "fps": motion.fps, "seconds": round(motion.duration_s, 3), "level": level}
    if json_out:
        print_json(result)
    else:
        typer.echo(f"wrote {path} ({motion.num_frames} frames, {motion.duration_s:.2f} s, {backend.model_id})")


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
