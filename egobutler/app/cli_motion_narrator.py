"""`egobutler motion narrate` and `egobutler motion train-narrator`: IMU -> what I did."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from egobutler.app.cli_common import HomeOption, JsonOption, print_json, settings_from
from egobutler.app.errors import AppError


def add_commands(motion_app: typer.Typer) -> None:
    """Add the narrator's verbs to the ``motion`` group."""
    motion_app.command("narrate")(narrate_command)
    motion_app.command("train-narrator")(train_narrator_command)


def narrate_command(
    imu_csv: Path = typer.Argument(..., help="IMU CSV: Aria-style, EuRoC, Ego4D or generic (detected by header)."),
    start_s: float | None = typer.Option(None, "--start-s", help="Narrate from this second of the recording (default: its start)."),
    end_s: float | None = typer.Option(None, "--end-s", help="Narrate up to this second (default: its end)."),
    narrator: str | None = typer.Option(None, "--narrator", help="rules | egolm (default: the motion_narrator setting)."),
    model: Path | None = typer.Option(None, "--model", help="EgoLM checkpoint folder (default: the motion_narrator_model setting)."),
    trajectory: Path | None = typer.Option(None, "--trajectory", help="Aria MPS closed_loop_trajectory.csv (default: one next to the IMU file)."),
    home: Path | None = HomeOption,
    json_out: bool = JsonOption,
) -> None:
    """Print the activity segments and a first-person narration of an IMU recording."""
    from egobutler.motion.imu import read_imu
    from egobutler.motion.narrate import load_narrator, narrate

    settings = settings_from(home)
    name = narrator or settings.motion_narrator
    if name == "none":
        raise AppError("motion narration is off (motion_narrator = 'none'); pass --narrator rules")
    checkpoint = str(model) if model else settings.motion_narrator_model
    series = read_imu(imu_csv, trajectory=trajectory)
    start = series.t_s[0] if start_s is None else start_s
    end = series.t_s[-1] + 1e-6 if end_s is None else end_s
    result = narrate(series, float(start), float(end), load_narrator(name, checkpoint))
    if json_out:
        print_json({
            "file": str(imu_csv), "start_s": result.start_s, "end_s": result.end_s,
            "model_id": result.model_id, "text": result.text,
            "segments": [{"start_s": round(s.start_s, 2), "end_s": round(s.end_s, 2), "label": s.label,
                          "stats": s.stats} for s in result.segments],
        })
        return
    for seg in result.segments:
        stats = ", ".join(f"{k}={v}" for k, v in seg.stats.items() if k != "duration_s")
        indent = "    " if seg.is_event else ""
        typer.echo(f"{seg.start_s:8.2f} {seg.end_s:8.2f}  {indent}{seg.label:<12} {stats}")
    typer.echo(result.text)


def train_narrator_command(
    data: Path | None = typer.Argument(None, help="Folder with narrations.jsonl and the IMU CSVs it names (see docs); "
                                        "leave out with --synthetic."),
    steps: int = typer.Option(2000, "--steps", min=1, help="Optimizer steps."),
    synthetic: int = typer.Option(0, "--synthetic", min=0, help="Instead of DATA: this many random recordings synthesized "
                                  "from motion capture (tuning split only), narrated from their labels as timed narrations."),
    minutes: float | None = typer.Option(None, "--minutes", min=0.1, help="Stop training after this many minutes."),
    cache: Path | None = typer.Option(None, "--cache", help="With --synthetic: an .npz of the synthesized windows, reused "
                                      "when it exists (written when not)."),
    out: Path | None = typer.Option(None, "--out", help="Checkpoint folder (default: <data dir>/models/egolm-narrator)."),
    tiny: bool = typer.Option(False, "--tiny", help="A tiny model: a smoke test of the data and the pipeline."),
    small: bool = typer.Option(False, "--small", help="A CPU-sized model (~0.33 M parameters) for a training run of minutes."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="CPU threads for torch (default: torch's choice)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    home: Path | None = HomeOption,
    json_out: bool = JsonOption,
) -> None:
    """Train the EgoLM narrator (motion VQ-VAE + small GPT) on paired IMU and narrations.

    DATA/narrations.jsonl: one JSON object a line, {"file": "imu/rec1.csv", "start_s": 0, "end_s": 30, "text": "..."}.
    Or --synthetic N: N recordings synthesized from motion capture, narrated from their labels
    as timed narrations ("0 6 still ; 6 30 walking 41 steps"), whose items become segments.

    Then set motion_narrator = "egolm" and motion_narrator_model = the output folder."""
    from egobutler.motion.egolm.config import Config
    from egobutler.motion.egolm.data import load_examples

    settings = settings_from(home)
    out_dir = out or settings.models_dir / "egolm-narrator"
    cfg = Config.tiny() if tiny else (Config.small() if small else Config())
    if (data is None) == (synthetic == 0):
        raise AppError("give either DATA (a folder with narrations.jsonl) or --synthetic N, not both or neither")
    if synthetic:
        examples, meta = _synthetic_examples(synthetic, cfg, seed, cache)
    else:
        examples, meta = load_examples(data, cfg), {"data": str(data)}
    report = _fit(examples, out_dir, steps, cfg, seed, threads, minutes, meta)
    first, last = report.losses[0], report.losses[-1]
    if json_out:
        print_json({"out": str(report.out_dir), "steps": report.steps, "examples": report.examples,
                    "first_loss": first, "final_loss": last})
        return
    typer.echo(f"trained on {report.examples} narrations for {report.steps} steps: loss {first:.3f} -> {last:.3f}")
    typer.echo(f"saved to {report.out_dir}; use it with: EGOBUTLER_MOTION_NARRATOR=egolm "
               f"EGOBUTLER_MOTION_NARRATOR_MODEL={report.out_dir}")


def _synthetic_examples(recordings: int, cfg, seed: int, cache: Path | None):
    from egobutler.motion.egolm.synth_data import build_examples

    typer.echo(f"synthesizing {recordings} recordings ...", err=True)
    examples = build_examples(recordings, cfg, seed=seed, cache=cache)
    return examples, {"text_format": "timed", "data": f"synthetic:{recordings} recordings, tuning split, seed {seed}"}


def _fit(examples, out_dir: Path, steps: int, cfg, seed: int, threads: int | None, minutes: float | None, meta: dict):
    from egobutler.motion.egolm.train import train_examples

    with typer.progressbar(length=steps, label="training", file=sys.stderr) as bar:
        return train_examples(examples, out_dir, steps=steps, cfg=cfg, seed=seed, threads=threads,
                              progress=lambda step, loss: bar.update(1), meta=meta,
                              time_budget_s=minutes * 60 if minutes else None)
