"""Turn one recording into memory: clips on the wall-clock grid, media, then each stage.

Work goes in batches of clips. For a batch, the clips' media is decoded once (frames,
audio, IMU slice, thumbnail, clip file) and the clips are stored; then each configured
stage loads its model, runs over the batch's pending clips, and closes. Every clip/stage
step is recorded in the ledger: ``running`` before, ``done``/``skipped``/``failed`` after,
with the model id. A stage's lines are written with `replace_lines` in one transaction
before the ledger says ``done``, so a crash at any point re-runs at most that step and never
duplicates anything. A clip/stage already ``done`` with the same model id is not re-run.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from egobutler.ingest.clips import ClipSpan, clip_grid
from egobutler.ingest.errors import StageInputMissing
from egobutler.ingest.media import ClipMedia, decode_audio, decode_frames, write_clip_file, write_thumbnail
from egobutler.ingest.runner import LocalRunner, Runner
from egobutler.ingest.sources import RecordingSource
from egobutler.ingest.speakers import resolve_speakers
from egobutler.ingest.stages import Stage, StageOutput, StageSpec
from egobutler.memory_db.records import MemoryLine, Recording, Wearer

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a clip/stage that failed this often is left failed until its model changes


@dataclass(frozen=True)
class IngestOptions:
    clip_s: float = 30.0
    frames_per_s: float = 1.0
    batch_clips: int = 10  # clips decoded and held in memory at once (~30 MB each at 640x480)
    clip_files: bool = True  # cut a short clip file per clip for the UI


@dataclass
class RecordingReport:
    """What ingesting one recording did (shown in the CLI's summary table)."""

    path: str
    recording_id: str = ""
    status: str = "pending"  # done | partial | failed | up-to-date | interrupted
    clips: int = 0
    stages: dict[str, Counter] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the ledger decided (not a problem)

    def count(self, stage: str, status: str) -> None:
        self.stages.setdefault(stage, Counter())[status] += 1

    @property
    def ok(self) -> bool:
        return self.status in ("done", "up-to-date")


class Progress(Protocol):
    """Where the pipeline reports progress (the CLI draws rich bars from these)."""

    def recording(self, source: RecordingSource, clips: int) -> None: ...
    def stage(self, name: str, clips: int) -> None: ...
    def step(self, name: str, clip_id: str, status: str) -> None: ...


class _Quiet:
    def recording(self, source, clips): pass
    def stage(self, name, clips): pass
    def step(self, name, clip_id, status): pass


class Pipeline:
    """Ingests recordings into ``store`` with the stages in ``specs`` (in order)."""

    def __init__(self, store, specs: list[StageSpec], options: IngestOptions = IngestOptions(), *,
                 runner: Runner | None = None, progress: Progress | None = None,
                 stop: threading.Event | None = None):
        self.store = store
        self.specs = list(specs)
        self.options = options
        self.runner = runner or LocalRunner()
        self.progress = progress or _Quiet()
        self.stop = stop or threading.Event()
        self.stages: list[Stage] = [spec.build() for spec in self.specs]
        self._running: set[tuple[str, str, str]] = set()  # (clip, stage, model) started, not yet recorded
        self._recording_id = ""  # content hash of the recording being ingested (the ledger's key)

    # ------------------------------------------------------------------ one recording
    def ingest(self, source: RecordingSource) -> RecordingReport:
        """Ingest ``source``; returns a report. Never raises for a bad clip or stage."""
        report = RecordingReport(str(source.path), source.recording_id, problems=list(source.problems))
        spans = clip_grid(source.wearer_id, source.start, source.duration_s, self.options.clip_s, source.recording_id)
        report.clips = len(spans)
        self._recording_id = source.recording_id
        work = {s.clip.id: self._pending(s) for s in spans}
        todo = [s for s in spans if work[s.clip.id] or self.store.get_clip(s.clip.id) is None]
        previous = self.store.get_recording(source.recording_id)
        if not todo and previous is not None and previous.status in ("done", "partial"):
            report.status = "up-to-date"
            report.notes.append(f"already ingested: this content (recording {source.recording_id}) is in memory")
            self._count_ledger(report, spans)
            return report
        replaced = self._other_copies(spans, source.recording_id)
        self._register(source, previous)
        self.progress.recording(source, len(todo))
        try:
            self._work(source, todo, work, report)
        except KeyboardInterrupt:  # a second Ctrl-C: leave nothing marked running, then stop
            self.stop.set()
            self._release_running()
            self.store.set_recording_status(source.recording_id, "pending", "interrupted; resumes on the next run")
            raise
        self._mark_replaced(replaced, source, report)
        return self._finish(source, spans, report)

    def _other_copies(self, spans: list[ClipSpan], recording_id: str) -> set[str]:
        """Recordings with different content whose clips cover the same wall-clock time."""
        existing = self.store.clips(ids=[s.clip.id for s in spans])
        return {c.recording_id for c in existing if c.recording_id and c.recording_id != recording_id}

    def _mark_replaced(self, others: set[str], source: RecordingSource, report: RecordingReport) -> None:
        """Say which earlier copy this recording's content replaced (``status`` lists it)."""
        for other_id in sorted(others):
            other = self.store.get_recording(other_id)
            if other is None:
                continue
            left = len(self.store.clips(recording_id=other_id))
            report.notes.append(f"replaces {other.source} (recording {other_id}): different content for the "
                                   f"same time, so its clips were ingested again from this copy")
            if not left:
                self.store.set_recording_status(other_id, "replaced", f"replaced by {source.path} "
                                                f"(recording {source.recording_id}, different content)")

    def _work(self, source: RecordingSource, todo: list[ClipSpan], work: dict[str, set[str]],
              report: RecordingReport) -> None:
        imu = self._load_imu(source, report) if any("motion" in work[s.clip.id] for s in todo) else None
        for start in range(0, len(todo), self.options.batch_clips):
            if self.stop.is_set():
                break
            batch = todo[start : start + self.options.batch_clips]
            medias = [self._prepare(source, span, imu, report) for span in batch]
            self.store.add_clips([m.clip for m in medias])
            for stage in self.stages:
                if self.stop.is_set():
                    break
                self._run_stage(stage, [m for m in medias if stage.name in work[m.clip.id]], source)
        self._release_running()

    def _release_running(self) -> None:
        """Clip/stage steps started but never recorded go back to ``pending`` (they re-run next time)."""
        for clip_id, stage_name, model_id in list(self._running):
            self._mark(clip_id, stage_name, "pending", model_id, "interrupted; re-runs on the next ingest")
        self._running.clear()

    def _mark(self, clip_id: str, stage_name: str, status: str, model_id: str, error: str | None = None) -> None:
        self.store.mark_stage(clip_id, stage_name, status, model_id=model_id, error=error,
                              recording_id=self._recording_id)

    def _pending(self, span: ClipSpan) -> set[str]:
        """Names of the stages this clip still needs: new, unfinished, failed, another model, or
        done on another recording's content (a damaged or IMU-only copy of the same time)."""
        needed = set()
        for stage in self.stages:
            entry = self.store.ledger(span.clip.id, stage.name)
            model = stage.model_id if stage.configured else "none"
            if entry is None or entry.model_id != model or entry.recording_id not in (None, self._recording_id):
                needed.add(stage.name)
            elif entry.status in ("pending", "running"):
                needed.add(stage.name)
            elif entry.status == "failed" and entry.attempts < MAX_ATTEMPTS:
                needed.add(stage.name)
        return needed

    def _register(self, source: RecordingSource, previous: Recording | None) -> None:
        if self.store.get_wearer(source.wearer_id) is None:
            self.store.upsert_wearer(Wearer(id=source.wearer_id, name=source.wearer_id, timezone=source.timezone))
        self.store.upsert_recording(Recording(
            id=source.recording_id, wearer_id=source.wearer_id, source=str(source.path), kind=source.kind,
            start=source.start, end=source.end, status="running",
        ))

    def _load_imu(self, source: RecordingSource, report: RecordingReport):
        if source.imu_path is None:
            return None
        from egobutler.motion.errors import MotionError
        from egobutler.motion.imu import read_imu

        try:
            return read_imu(source.imu_path)
        except MotionError as exc:
            report.problems.append(f"IMU unreadable, motion is skipped: {exc}")
            return None

    # ------------------------------------------------------------------ media
    def _prepare(self, source: RecordingSource, span: ClipSpan, imu, report: RecordingReport) -> ClipMedia:
        """Decode the clip's media, write its thumbnail and clip file; return what stages need."""
        problems: list[str] = []
        frames, audio = [], None
        clip = span.clip
        if source.video_path is not None and source.has_video:
            frames = decode_frames(source.video_path, span.offset_s, span.duration_s, self.options.frames_per_s, problems)
        if source.video_path is not None and source.has_audio:
            audio = decode_audio(source.video_path, span.offset_s, span.duration_s, problems)
        media_dir = Path(self.store.media.root)
        stem = f"{clip.wearer_id}/{clip.start:%Y-%m-%d}/{clip.id}"
        thumb = write_thumbnail(frames, media_dir, f"thumbs/{stem}.jpg")
        video_ref = None
        if self.options.clip_files and frames and source.video_path is not None:
            video_ref = write_clip_file(source.video_path, span.offset_s, span.duration_s, media_dir, f"clips/{stem}.mp4")
        clip = replace(clip, thumbnail_path=thumb, video_path=video_ref[0] if video_ref else None,
                       video_offset_s=video_ref[1] if video_ref else 0.0)
        clip_imu = imu.span(span.offset_s, span.offset_s + span.duration_s) if imu is not None else None
        for problem in problems:
            if problem not in report.problems:
                report.problems.append(problem)
        return ClipMedia(clip=clip, offset_s=span.offset_s, frames=tuple(frames), audio=audio, imu=clip_imu,
                         problems=tuple(problems))

    # ------------------------------------------------------------------ stages
    def _run_stage(self, stage: Stage, medias: list[ClipMedia], source: RecordingSource) -> None:
        if not medias:
            return
        self.progress.stage(stage.name, len(medias))
        if not stage.configured:
            for media in medias:
                self._mark(media.clip.id, stage.name, "skipped", "none", f"no {stage.name} backend configured")
                self.progress.step(stage.name, media.clip.id, "skipped")
            return
        if stage.wants_transcript:
            medias = [replace(m, transcript=self._transcript(m.clip.id)) for m in medias]
        def started(media: ClipMedia) -> None:
            self._mark(media.clip.id, stage.name, "running", stage.model_id)
            self._running.add((media.clip.id, stage.name, stage.model_id))

        # The speech stage hears a recording as a whole (recording_hearing), not clip by clip.
        runner = stage.runner_for(source, self.store) if hasattr(stage, "runner_for") else None
        for media, result in (runner or self.runner).run(stage, medias, self.stop, started):
            self._record(stage, media, result, source)

    def _record(self, stage: Stage, media: ClipMedia, result: StageOutput | BaseException, source) -> None:
        clip_id = media.clip.id
        self._running.discard((clip_id, stage.name, stage.model_id))
        if isinstance(result, StageInputMissing):
            self._replace(stage, clip_id, [])
            self._mark(clip_id, stage.name, "skipped", stage.model_id, str(result))
            status = "skipped"
        elif isinstance(result, BaseException):
            where = f"{source.path} at {media.offset_s:.0f}-{media.offset_s + media.duration_s:.0f} s"
            error = f"{type(result).__name__}: {result} ({where})"
            log.warning("stage %s failed on clip %s: %s", stage.name, clip_id, error)
            self._mark(clip_id, stage.name, "failed", stage.model_id, error)
            status = "failed"
        else:
            lines = self._lines(stage, media, result)
            self._replace(stage, clip_id, lines)
            self._mark(clip_id, stage.name, "done", stage.model_id)
            status = "done"
        self.progress.step(stage.name, clip_id, status)

    def _replace(self, stage: Stage, clip_id: str, lines: list[MemoryLine]) -> None:
        """Swap this stage's lines of the clip in one transaction, keeping lines of the same
        kind that other configured stages made (told apart by their model ids)."""
        others: set[str] = set()
        for other in self.stages:
            if other is not stage and other.kind == stage.kind:
                entry = self.store.ledger(clip_id, other.name)
                others |= {other.model_id, entry.model_id if entry else ""}
        kept = [x for x in self.store.lines(clip_ids=[clip_id], kinds=[stage.kind]) if x.model_id in others]
        self.store.replace_lines(clip_id, stage.kind, kept + lines)

    def _lines(self, stage: Stage, media: ClipMedia, output: StageOutput) -> list[MemoryLine]:
        clip = media.clip
        labels = {d.speaker for d in output.drafts if d.speaker}
        people = {}
        if labels:
            people = resolve_speakers(self.store, clip.wearer_id, output.voices, output.voice_model_id,
                                      clip_id=clip.id, labels=labels)
        model_id = output.model_id or stage.model_id
        lines = []
        for d in output.drafts:
            start_s = min(max(d.start_s, 0.0), clip.duration_s)
            end_s = min(max(d.end_s, start_s), clip.duration_s)
            lines.append(MemoryLine(
                kind=stage.kind, clip_id=clip.id, start=clip.start + timedelta(seconds=start_s),
                end=clip.start + timedelta(seconds=end_s), text=d.text, model_id=model_id,
                speaker_id=people.get(d.speaker) if d.speaker else None, label=d.label,
                confidence=d.confidence, flags=tuple(d.flags), stats=dict(d.stats),
            ))
        return lines

    def _transcript(self, clip_id: str) -> str:
        names = self.store.speaker_names()
        rows = []
        for line in self.store.lines(clip_ids=[clip_id], kinds=["utterance"]):
            who = names.get(line.speaker_id or "", "someone")
            rows.append(f"{who}: {line.text}")
        return "\n".join(rows)

    # ------------------------------------------------------------------ the end
    def _finish(self, source: RecordingSource, spans: list[ClipSpan], report: RecordingReport) -> RecordingReport:
        self._count_ledger(report, spans)
        if self.stop.is_set():
            report.status = "interrupted"
            self.store.set_recording_status(source.recording_id, "pending", "interrupted; resumes on the next run")
            return report
        failed = sum(c.get("failed", 0) for c in report.stages.values())
        done = sum(c.get("done", 0) for c in report.stages.values())
        if failed and not done:
            report.status = "failed"
        elif failed or report.problems:
            report.status = "partial"
        else:
            report.status = "done"
        message = "; ".join(report.problems + self._failures(source.recording_id)) or None
        self.store.set_recording_status(source.recording_id, report.status, message)
        return report

    def _count_ledger(self, report: RecordingReport, spans: list[ClipSpan]) -> None:
        report.stages = {}
        for stage in self.stages:
            for span in spans:
                entry = self.store.ledger(span.clip.id, stage.name)
                report.count(stage.name, entry.status if entry else "pending")

    def _failures(self, recording_id: str) -> list[str]:
        entries = self.store.ledger_entries(recording_id=recording_id, status="failed")
        return [f"{e.stage} failed: {e.error}" for e in entries[:5]]
