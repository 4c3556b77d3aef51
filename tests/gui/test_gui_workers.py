"""The worker and the job queue on their own: a job returns, is cancelled or fails, and
each outcome reaches its own handler (a handler of results never meets a half-done job)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool

from forensics_app.gui.workers import Job, JobQueue
from forensics_app.workflows.enrol import EnrolmentCancelled


@pytest.fixture
def queue(qtbot):
    pool = QThreadPool()
    jobs = JobQueue(pool)
    yield jobs
    jobs.wait(10_000)


def _run(qtbot, queue: JobQueue, run, cancel_after_first: bool = False) -> dict:
    seen: dict = {"partial": [], "result": [], "aborted": [], "error": [], "queue_aborted": []}

    def partial(value):
        seen["partial"].append(value)
        if cancel_after_first:
            queue.cancel()

    queue.aborted.connect(lambda label, value: seen["queue_aborted"].append((label, value)))
    job = Job("Test job", run, on_result=seen["result"].append, on_partial=partial,
              on_error=seen["error"].append, on_aborted=seen["aborted"].append)
    with qtbot.waitSignal(queue.idle, timeout=20_000):
        queue.submit(job)
    return seen


def test_a_job_that_returns_reaches_only_the_result_handler(qtbot, queue):
    seen = _run(qtbot, queue, lambda progress, cancel: 42)
    assert seen["result"] == [42] and not seen["aborted"] and not seen["error"]


def test_a_generator_cancelled_half_way_is_aborted_with_what_it_yielded(qtbot, queue):
    release = threading.Event()

    def run(progress, cancel):
        done = 0
        for value in range(100):
            if cancel():
                break
            yield value
            done += 1
            release.wait(0.05)
        return done

    seen = _run(qtbot, queue, run, cancel_after_first=True)
    assert not seen["result"] and not seen["error"]
    assert seen["aborted"] and seen["aborted"][0] < 100 and seen["partial"][0] == 0


def test_a_cancellation_error_is_an_abort_not_a_failure(qtbot, queue):
    def run(progress, cancel):
        raise EnrolmentCancelled("Enrolment cancelled: nothing was written.")

    seen = _run(qtbot, queue, run)
    assert not seen["error"] and not seen["result"]
    assert isinstance(seen["aborted"][0], EnrolmentCancelled)


def test_a_failure_reaches_only_the_error_handler(qtbot, queue):
    def run(progress, cancel):
        raise ValueError("the file is not a library")

    seen = _run(qtbot, queue, run)
    assert [str(e) for e in seen["error"]] == ["the file is not a library"] and not seen["aborted"]


def test_a_plain_job_that_finished_its_work_despite_cancel_is_a_result(qtbot, queue):
    """A write that committed must be shown as done, even if Cancel came while it ran."""
    def run(progress, cancel):
        queue.cancel()
        return "committed"

    seen = _run(qtbot, queue, run)
    assert seen["result"] == ["committed"] and not seen["aborted"]


def test_without_its_own_handler_an_abort_is_said_under_the_jobs_label(qtbot, queue):
    seen: list = []
    queue.aborted.connect(lambda label, value: seen.append(label))

    def run(progress, cancel):
        raise EnrolmentCancelled("stopped")

    with qtbot.waitSignal(queue.idle, timeout=20_000):
        queue.submit(Job("Enrolling", run))
    assert seen == ["Enrolling"]
